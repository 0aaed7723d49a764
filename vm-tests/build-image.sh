#!/bin/sh
# Builds what the VM tests boot, into $CACHE (default /var/cache/zonectl-vm):
#   kernel/vmlinuz      Debian's cloud kernel from the archive (its modules beside it)
#   initrd.gz           busybox + the virtio modules: mounts /dev/vda, switch_root
#   base/               a debootstrap'd bookworm with runc, busybox, gcc, and the VM's init
#   base.stamp          the inputs the base was built from; a change rebuilds it
# The project itself is copied in by run.ts for each run (it changes every commit).
# Usage: build-image.sh [--rebuild]
set -eu

CACHE=${ZONECTL_VM_CACHE:-/var/cache/zonectl-vm}
MIRROR=${ZONECTL_VM_MIRROR:-http://deb.debian.org/debian}
KERNEL_PKG=${ZONECTL_VM_KERNEL:-linux-image-cloud-amd64}
PACKAGES=runc,busybox-static,libstdc++6,iproute2,procps,kmod,util-linux,gcc,libc6-dev,ca-certificates
HERE=$(cd "$(dirname "$0")" && pwd)
STAMP="kernel=$KERNEL_PKG packages=$PACKAGES mirror=$MIRROR"

mkdir -p "$CACHE"
if [ "${1:-}" = "--rebuild" ]; then rm -rf "$CACHE/kernel" "$CACHE/base" "$CACHE/base.stamp" "$CACHE/initrd.gz"; fi

# ---- kernel: the newest cloud kernel the archive has (virtio drivers as modules)
if [ ! -f "$CACHE/kernel/vmlinuz" ]; then
  echo "vm-tests: fetching $KERNEL_PKG" >&2
  rm -rf "$CACHE/kernel" "$CACHE/kernel.tmp"
  mkdir -p "$CACHE/kernel.tmp"
  (
    cd "$CACHE/kernel.tmp"
    real=$(apt-cache depends "$KERNEL_PKG" | awk '/Depends: linux-image-/ { print $2; exit }')
    apt-get download "${real:-$KERNEL_PKG}" >/dev/null 2>&1
    dpkg-deb -x ./*.deb x
    cp x/boot/vmlinuz-* vmlinuz
    cp x/boot/config-* config
    mv x/lib/modules .
    rm -rf x ./*.deb
  )
  mv "$CACHE/kernel.tmp" "$CACHE/kernel"
fi
KVER=$(ls "$CACHE/kernel/modules")

# ---- initrd: just enough to reach the root disk
if [ ! -f "$CACHE/initrd.gz" ]; then
  echo "vm-tests: making the initrd" >&2
  t=$(mktemp -d)
  mkdir -p "$t/bin" "$t/mod" "$t/proc" "$t/sys" "$t/dev" "$t/newroot"
  cp /usr/bin/busybox "$t/bin/busybox"
  for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do
    f=$(find "$CACHE/kernel/modules/$KVER" -name "$m.ko*" | head -1)
    cp "$f" "$t/mod/"
  done
  cat > "$t/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do insmod /mod/$m.ko* 2>/dev/null; done
case " $(cat /proc/cmdline) " in *" zonectl.probe "*) echo "zonectl-vm: probe ok"; poweroff -f;; esac
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.5; done
mount -t ext4 /dev/vda /newroot || { echo "zonectl-vm: no root disk"; poweroff -f; }
umount /proc /sys; mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/zonectl-vm-init
EOF
  chmod 755 "$t/init"
  (cd "$t" && find . | cpio -o -H newc --quiet | gzip -1) > "$CACHE/initrd.gz"
  rm -rf "$t"
fi

# ---- base root: debootstrap, rebuilt when its inputs change
if [ ! -f "$CACHE/base.stamp" ] || [ "$(cat "$CACHE/base.stamp")" != "$STAMP" ]; then
  echo "vm-tests: debootstrap bookworm (once; cached in $CACHE)" >&2
  rm -rf "$CACHE/base" "$CACHE/base.tmp"
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$CACHE/base.tmp" "$MIRROR" >&2
  mkdir -p "$CACHE/base.tmp/lib/modules"
  cp -a "$CACHE/kernel/modules/$KVER" "$CACHE/base.tmp/lib/modules/"
  cp /usr/bin/node "$CACHE/base.tmp/usr/bin/node"
  install -m 755 "$HERE/guest-init.sh" "$CACHE/base.tmp/sbin/zonectl-vm-init"
  rm -rf "$CACHE/base.tmp/var/cache/apt/archives"/*.deb
  mv "$CACHE/base.tmp" "$CACHE/base"
  echo "$STAMP" > "$CACHE/base.stamp"
fi
# ---- the kernel's config where doctor looks for it (/boot/config-RELEASE); a change
# to the base dir makes run.ts remake base.img (it compares with base.stamp's time)
if [ ! -f "$CACHE/base/boot/config-$KVER" ]; then
  mkdir -p "$CACHE/base/boot"
  cp "$CACHE/kernel/config" "$CACHE/base/boot/config-$KVER"
  touch "$CACHE/base.stamp"
fi
if ! cmp -s "$HERE/guest-init.sh" "$CACHE/base/sbin/zonectl-vm-init"; then
  install -m 755 "$HERE/guest-init.sh" "$CACHE/base/sbin/zonectl-vm-init"
  touch "$CACHE/base.stamp"
fi
echo "$CACHE"
