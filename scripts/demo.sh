#!/usr/bin/env bash
# The main job on the embedded default: create, install and boot a zone from the
# busybox recipe, run a command in it, show the zones, and clean up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(mktemp -d /tmp/zonectl-demo.XXXXXX)
trap 'node dist/zonectl.mjs --root "$ROOT" delete -F demo >/dev/null 2>&1 || true; rm -rf "$ROOT"' EXIT

zonectl() {
  printf '\n$ zonectl %s\n' "$*"
  node dist/zonectl.mjs --root "$ROOT" "$@"
}

zonectl install --brand native busybox --name demo
zonectl boot demo
zonectl exec demo -- sh -c 'echo "hello from $(hostname): PID 1 is $(cat /proc/1/comm), $(ls -d /proc/[0-9]* | wc -l) processes visible"'
zonectl list
zonectl shutdown demo
zonectl delete -F demo
