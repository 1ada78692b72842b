#!/usr/bin/env bash
# The WebGPU bench on a lent GPU machine (no Node, no registry there), in two steps:
#
#   bash scripts/device-bench.sh prepare   # here: fill .device/ (ignored by git, ~35 MB)
#   bash scripts/device-bench.sh run       # there, through the device tool, with carry [".device"]
#
# prepare bundles bench/device-main.ts into one file (vite.device.config.ts) and puts beside it
# what it needs: this machine's Node binary (xz), the `webgpu` package's index.js and its
# linux-x64 dawn.node (xz), and the Vulkan loader's .deb. run unpacks them, finds NVIDIA's
# Vulkan driver and prints the bench's table; with $OUT set it also writes it to $OUT/device-bench.md.
# `run` works here too (on lavapipe), which is how this script is checked.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=.device

prepare() {
  npx vite build -c vite.device.config.ts --logLevel warn
  mkdir -p "$DEV/node_modules/webgpu/dist/linux-x64" "$DEV/debs"
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$DEV/node_modules/webgpu/"
  xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >"$DEV/dawn.node.xz"
  xz -T0 -6 -c "$(command -v node)" >"$DEV/node.xz"
  # the loader only (libvulkan1): the device machine brings NVIDIA's driver
  if ! ls "$DEV"/debs/libvulkan1_*.deb >/dev/null 2>&1; then
    (cd "$DEV/debs" && apt-get download libvulkan1)
  fi
  du -sh "$DEV"
}

run() {
  local tmp
  tmp=$(mktemp -d)
  xz -d -c "$DEV/node.xz" >"$tmp/node" && chmod +x "$tmp/node"
  xz -d -c "$DEV/dawn.node.xz" >"$DEV/node_modules/webgpu/dist/linux-x64/dawn.node"
  if ! ldconfig -p | grep -q libvulkan.so.1; then
    for deb in "$DEV"/debs/*.deb; do dpkg -x "$deb" /; done
    ldconfig
  fi
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES="$icd"
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
  local out="${OUT:-$tmp}/device-bench.md"
  "$tmp/node" "$DEV/bundle/device-bench.mjs" | tee "$out"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *)
    echo "usage: bash scripts/device-bench.sh prepare|run" >&2
    exit 2
    ;;
esac
