#!/usr/bin/env bash
# The GPU check on a GPU machine (see pack.sh; one run, well under 10 minutes):
#   bash scripts/gpu-check/run.sh [OUTDIR]
# Prints the machine, then bench/gpu-check.ts at 224 px, batch 32, width 1 (WebGPU vs CPU:
# op coverage, max relative difference, img/s), then PyTorch's step on the same GPU (CUDA,
# fp32 and fp16 autocast with loss scaling) for comparison. Everything also goes to OUTDIR.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
out="${1:-${OUT:-/tmp/gpu-check-out}}"
mkdir -p "$out"
log="$out/gpu-check.log"
exec > >(tee "$log") 2>&1
if [ -d .gl ] && [ -z "${GPU_CHECK_SKIP_GL:-}" ]; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
work=/tmp/ds-gpu && rm -rf "$work" && mkdir -p "$work/node_modules"
xz -dc .gpu/node.xz > "$work/node" && chmod +x "$work/node"
tar -C "$work/node_modules" -xJf .gpu/onnxruntime.tar.xz
cp .gpu/gpu-check.mjs "$work/"
echo "== machine"; date -u; uname -a; nvidia-smi -L 2>&1 | head -4; ldconfig -p | grep -E "libvulkan|libEGL" | head -4; echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
echo "== quick smoke (64 px, batch 4)"; timeout 120 "$work/node" "$work/gpu-check.mjs" --quick --json "$out/gpu-check-quick.json" 2>&1 | grep -v "artificially reduced" | tail -6
echo "== full (224 px, batch 32, width 1)"; timeout 360 "$work/node" "$work/gpu-check.mjs" --json "$out/gpu-check.json" 2>&1 | grep -v "artificially reduced" | tail -8
echo "== PyTorch on the same GPU"; timeout 120 python3 .gpu/torch_step.py 2>&1 | tail -8
