#!/usr/bin/env bash
# GPU checks on a machine with an NVIDIA GPU, in under 5 minutes: CPU/GPU parity
# of loss and gradients (float64, relative difference below 1e-6), then tokens/s
# of our engine on the GPU against PyTorch CUDA. Run from the repository root:
#     bash benchmarks/gpu_check.sh
# It uses ./.venv, made here when missing, with the `cuda` extra (CuPy); PyTorch
# is used when that environment already has it with CUDA, and skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q -e '.[cuda]'
timeout 280 .venv/bin/python benchmarks/gpu_check.py "$@"
