#!/usr/bin/env bash
# System packages the tests need on Debian 12: Chromium (browser tests, WebGPU in a real
# browser) and Mesa 25's lavapipe Vulkan driver from bookworm-backports (WebGPU in Node via
# Dawn; Debian 12's own Mesa 22 is rejected by Dawn). Run as root: sudo bash scripts/install-system-deps.sh
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need+=(python3-torch)
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || need+=(python3-onnx)
if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || \
   ! dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '^2[5-9]'; then
  need+=(mesa)
fi
if [ ${#need[@]} -eq 0 ]; then
  echo "system deps: chromium and Mesa lavapipe already installed"
  exit 0
fi

if [ ! -f /etc/apt/sources.list.d/bookworm-backports.sources ]; then
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ]; then
    # repeat the first stanza of debian.sources, with the backports suite
    awk 'BEGIN{RS=""; ORS="\n"} NR==1{print; exit}' "$src" \
      | sed -E 's/^Suites:.*/Suites: bookworm-backports/' \
      | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
  else
    echo "deb http://deb.debian.org/debian bookworm-backports main" \
      | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-dejavu-core python3-torch python3-onnx >/dev/null
$SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
echo "system deps: installed chromium $(chromium --version 2>/dev/null | awk '{print $2}') and mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
