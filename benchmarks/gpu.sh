#!/usr/bin/env bash
# GPU checks and throughput on a lent accelerator: the fast path's layout and a profile of one step; md-train end to
# end (train + sample) on CUDA; our unet at batch 128 (against diffusers) and unet_big at batch 64, fp32 vs
# bf16+channels_last, eager vs torch.compile, md-train's real step, achieved TFLOP/s next to the card's bf16 matmul
# peak; md-train --compile.
#   bash benchmarks/gpu.sh [OUT_DIR]     (needs CUDA; diffusers optional: pip install -e ".[bench]")
#   COMPILE= bash benchmarks/gpu.sh      (eager rows only: skips the minutes of compilation)
# Works installed (pip install -e .) or from a checkout (the package runs as python -m). A failed step is reported
# and the next one runs.
set -uo pipefail
cd "$(dirname "$0")"
out=${1:-$(mktemp -d)}; mkdir -p "$out"
export PYTHONPATH="$PWD/..${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
failed=()
step() { echo; echo "== $*"; "$@" || failed+=("$*"); }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
step python profile_step.py --device cuda --batch 128 --rows 20
# md-train end to end: the correctness check on the fast path (finite, falling loss; samples written)
step python -m minimal_diffusion.train --arch unet --epochs 3 --batch-size 128 --save-dir "$out/run" --sampling-steps 20
step python - "$out/run/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print('md-train epochs (epoch, loss, s):', [(r['epoch'], round(r['epoch_loss'], 4), round(r['epoch_time'], 2)) for r in rows if 'epoch_loss' in r])
print('md-train img/s (logged):', [round(r['img_per_s']) for r in rows if 'img_per_s' in r])
PY
step python -m minimal_diffusion.train --sampling-only --pretrained-ckpt "$out/run/checkpoint_epoch_3.pt" \
  --num-sampled-images 1024 --sampler dpmpp --sampling-steps 20 --batch-size 512 --sample-out-dir "$out/samples"
step python speed.py --device cuda --arch unet --batch 128 --sample-batch 256 --steps 10 ${COMPILE---compile}
step python speed.py --device cuda --arch unet_big --batch 64 --sample-batch 128 --steps 10 ${COMPILE---compile} --no-diffusers
[ -n "${COMPILE---compile}" ] && step python -m minimal_diffusion.train --arch unet --epochs 2 --batch-size 128 --compile \
  --save-dir "$out/run_compiled" --sampling-steps 20
echo; echo "gpu.sh: ${#failed[@]} step(s) failed${failed:+: ${failed[*]}}"
