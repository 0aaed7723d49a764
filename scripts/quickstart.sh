#!/usr/bin/env bash
# Quick start, step 1: install everything zonectl needs, build it, and run a zone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/demo.sh
