#!/usr/bin/env bash
# Installs what zonectl and its tests need on a Debian or Ubuntu host: the OCI runtime,
# the static busybox the busybox recipe and sparse brand use, script(1) for the login
# tests, iproute2; then the npm dependencies (npm ci also builds dist/ via "prepare").
# The one list of system packages: the README's quick start and .ci/run both call this.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(runc busybox-static bsdutils util-linux iproute2 procps coreutils tar gzip xz-utils bzip2 zstd debootstrap cpio ncompress attr gcc gcc-multilib lxcfs containernetworking-plugins iptables btrfs-progs qemu-system-x86 e2fsprogs zip rpm rpm2cpio createrepo-c openssh-server openssh-client tcsh genisoimage qemu-user-static)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (sudo $0): it installs system packages" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
npm ci --no-audit --no-fund
