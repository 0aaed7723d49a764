#!/bin/sh
# PID 1 of a test VM (switch_root'ed to from the initrd). Mounts what a host has,
# with the cgroup layout the row asks for (zonectl.cgroup=v1|v2|hybrid), mounts the
# project disk (/dev/vdb) at /zonectl, runs the row's test files
# (zonectl.tests=dir/pattern,...) and prints "zonectl-vm: result N" for the harness.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
param() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^zonectl\.$1=//p"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs -o size=2g tmpfs /tmp
hostname zonectl-vm
ip link set lo up

v1() {
  for c in cpu cpuacct cpuset memory devices freezer pids blkio perf_event hugetlb net_cls; do
    mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c
  done
}
case "$(param cgroup)" in
  v2) mount -t cgroup2 cgroup2 /sys/fs/cgroup ;;
  v1) mount -t tmpfs cgroup /sys/fs/cgroup && v1 ;;
  *) mount -t tmpfs cgroup /sys/fs/cgroup && v1 && mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified ;;
esac

mkdir -p /zonectl
mount -t ext4 /dev/vdb /zonectl || { echo "zonectl-vm: no project disk"; echo o > /proc/sysrq-trigger; }
cd /zonectl || exit 1

export ZONECTL_VM_ROW="$(param row)" ZONECTL_VM_CGROUP="$(param cgroup)" ZONECTL_VM_VSYSCALL="$(param vsyscall)"
echo "zonectl-vm: tests start (row $ZONECTL_VM_ROW, kernel $(uname -r))"
rc=0
for spec in $(param tests | tr ',' ' '); do
  # *.vmtest.ts: tests that only mean something inside a VM (npm test runs *.test.ts)
  node --import tsx node_modules/uvu/bin.js "test/$(dirname "$spec")" "^$(basename "$spec")\\.(vm)?test\\.ts\$" || rc=1
done
echo "zonectl-vm: result $rc"
sync
echo o > /proc/sysrq-trigger
sleep 30
