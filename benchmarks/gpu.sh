#!/usr/bin/env bash
# GPU throughput on a lent accelerator: our unet at batch 128 and unet_big at batch 64, fp32 vs bf16+channels_last,
# eager vs torch.compile, md-train's real step, achieved TFLOP/s next to the card's measured bf16 matmul peak; then
# md-train end to end (train + sample) on CUDA.
#   bash benchmarks/gpu.sh [OUT_DIR]     (needs CUDA; diffusers optional: pip install -e ".[bench]")
#   COMPILE= bash benchmarks/gpu.sh      (eager rows only: skips the minutes of compilation)
# Works installed (pip install -e .) or from a checkout with PYTHONPATH=. (the package runs as python -m).
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-$(mktemp -d)}; mkdir -p "$out"
export PYTHONPATH="$PWD/..${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TQDM_DISABLE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
# md-train end to end first: it is the correctness check (finite, falling loss; samples written) on the fast path
python -m minimal_diffusion.train --arch unet --epochs 3 --batch-size 128 --save-dir "$out/run" --sampling-steps 20 2>&1 | tail -5
python - "$out/run/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ep = [r for r in rows if 'epoch_loss' in r]; st = [r for r in rows if 'img_per_s' in r]
print('md-train epochs:', [(r['epoch'], round(r['epoch_loss'], 4), round(r['epoch_time'], 2)) for r in ep])
print('md-train img/s (logged):', [round(r['img_per_s']) for r in st])
PY
time python -m minimal_diffusion.train --sampling-only --pretrained-ckpt "$out/run/checkpoint_epoch_3.pt" \
  --num-sampled-images 1024 --sampler dpmpp --sampling-steps 20 --batch-size 512 --sample-out-dir "$out/samples"
python speed.py --device cuda --arch unet --batch 128 --sample-batch 256 --steps 10 ${COMPILE---compile}
python speed.py --device cuda --arch unet_big --batch 64 --sample-batch 128 --steps 10 ${COMPILE---compile} --no-diffusers
