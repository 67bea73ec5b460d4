#!/usr/bin/env bash
# Prepare the GPU check (bench/gpu-check.ts) for a GPU machine that has no Node.js and no
# network (README.md, "Checking the GPU path"). Run here, from anywhere in the repo:
#   bash scripts/gpu-check/pack.sh
# It writes the ignored folders .gpu/ (Node, onnxruntime-node, the bundled check, ~40 MB)
# and .gl/ (the Vulkan/EGL loader packages), both listed in .git/info/exclude. Then run
# scripts/gpu-check/run.sh there, carrying .gpu and .gl.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
exclude="$(git rev-parse --git-path info/exclude)"
mkdir -p "$(dirname "$exclude")"
for d in .gpu .gl; do grep -qx "/$d/" "$exclude" 2>/dev/null || echo "/$d/" >> "$exclude"; done
rm -rf .gpu && mkdir -p .gpu

# The check as one file; onnxruntime-node stays a package (native add-on).
npx esbuild bench/gpu-check.ts --bundle --platform=node --format=esm --target=node20 \
  --external:onnxruntime-node --outfile=.gpu/gpu-check.mjs --log-level=warning
# onnxruntime-node with only the linux-x64 binding (CPU + the bundled WebGPU provider).
tar -C node_modules -cJf .gpu/onnxruntime.tar.xz \
  onnxruntime-node/package.json onnxruntime-node/dist onnxruntime-node/bin/napi-v6/linux/x64 onnxruntime-common
# Node.js itself (the official build links only glibc and libstdc++).
xz -T2 -c "$(command -v node)" > .gpu/node.xz
cp scripts/gpu-check/torch_step.py .gpu/

# The Vulkan loader and GL vendor libraries the GPU machine lacks, as Debian packages to unpack there.
if [ ! -d .gl ] || [ -z "$(ls .gl/*.deb 2>/dev/null)" ]; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -q
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .gpu .gl
