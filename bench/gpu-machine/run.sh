#!/bin/sh
# Runs on a lent x86-64 Linux machine with an NVIDIA GPU and no network, from the folder that
# bench/gpu-machine/pack.mjs wrote: our GPU engine through Dawn on Vulkan and the PyTorch CUDA
# peer on the `mnist` and `shd` shapes at batch 32 and 256, then one table with the ratio. Before
# the timings, parity.mjs checks the GPU's results against the CPU engine at every preset's shape.
# Meant to finish within 5 minutes.
#
#   sh gpu-pack/run.sh [output dir]   (JSON lines to <dir>/parity.jsonl and <dir>/bench.jsonl;
#                                      progress and the tables on stderr)
#
# Environment (for testing the pack on a machine without a GPU):
#   DELAYLAB_SOFTWARE_GPU=1   allow SwiftShader (/usr/lib/chromium) and run the peer on the CPU
#   DELAYLAB_BATCHES=32,256   DELAYLAB_STEPS=10   DELAYLAB_CONFIG=all|mnist|shd
#   DELAYLAB_VK_ICD=<file>    the Vulkan driver's ICD manifest, when not at a usual place
#   DELAYLAB_PYTHON=<python>  the Python with PyTorch (default: python3 on PATH on a GPU machine)
#   DELAYLAB_PARITY_PRESETS=a,b   check only these presets' training steps
#   DELAYLAB_PARITY_TIMEOUT=300   seconds before the parity check is stopped (it then fails)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
results=${1:-$here/results}
work=${TMPDIR:-/tmp}/delaylab-gpu
mkdir -p "$results" "$work/node_modules/webgpu/dist/linux-x64"

gunzip -c "$here/node.gz" > "$work/node"
chmod +x "$work/node"
cp "$here/webgpu/package.json" "$here/webgpu/index.js" "$work/node_modules/webgpu/"
gunzip -c "$here/webgpu/dawn.node.gz" > "$work/node_modules/webgpu/dist/linux-x64/dawn.node"
cp "$here/bench.mjs" "$here/parity.mjs" "$here/dcls_peer.py" "$work/"

# The Vulkan loader: the machine's own, else the packed one.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "using the packed Vulkan loader" >&2
fi

icd=""
for f in "${DELAYLAB_VK_ICD:-}" /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
  /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -n "$f" ] && [ -f "$f" ]; then icd=$f; break; fi
done
if [ "${DELAYLAB_SOFTWARE_GPU:-0}" = 1 ]; then
  icd=/usr/lib/chromium/vk_swiftshader_icd.json
  hardware=""
  allow_software="--allow-software"
  peer_device=cpu
elif [ -n "$icd" ]; then
  hardware="--hardware-gpu"
  allow_software=""
  peer_device=cuda
  # The plain python3 of a GPU machine is the one with PyTorch (CUDA).
  DELAYLAB_PYTHON=${DELAYLAB_PYTHON:-$(command -v python3)}
  export DELAYLAB_PYTHON
else
  echo "no NVIDIA Vulkan driver manifest (nvidia_icd.json) found; set DELAYLAB_VK_ICD" >&2
  exit 1
fi
export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"
echo "Vulkan driver: $icd; peer on $peer_device" >&2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true

cd "$work"
# Correctness first: the GPU against the CPU engine at every preset's shape (about a minute on a
# GPU machine; DELAYLAB_PARITY_PRESETS=a,b narrows it). A disagreement fails the run after the timings.
# shellcheck disable=SC2086
timeout "${DELAYLAB_PARITY_TIMEOUT:-300}" "$work/node" "$work/parity.mjs" $allow_software ${DELAYLAB_PARITY_PRESETS:+--presets "$DELAYLAB_PARITY_PRESETS"} \
  > "$results/parity.jsonl" || parity_status=$?
echo "parity JSON lines: $results/parity.jsonl (exit ${parity_status:-0})" >&2
# shellcheck disable=SC2086
"$work/node" "$work/bench.mjs" --engine gpu --config "${DELAYLAB_CONFIG:-all}" \
  --batch "${DELAYLAB_BATCHES:-32,256}" --steps "${DELAYLAB_STEPS:-10}" \
  --peer --peer-device "$peer_device" --peer-script "$work/dcls_peer.py" --kernel-times $hardware \
  > "$results/bench.jsonl" || status=$?
echo "JSON lines: $results/bench.jsonl" >&2
if [ "${status:-0}" = 0 ] && [ "${parity_status:-0}" != 0 ]; then status=$parity_status; fi
exit "${status:-0}"
