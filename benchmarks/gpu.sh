#!/usr/bin/env bash
# GPU checks and throughput on a lent accelerator, in parts (each fits one 10-minute call on an H200):
#   check     the fast path's layout and a profile of one step (profile_step.py)           ~20 s
#   train     md-train end to end on CUDA: 3 epochs of unet on digits, then 1,024 samples   ~40 s
#   unet      speed.py: unet at batch 128 against diffusers, eager and compiled (whole, per block)  ~6 min (whole: compile 215 s)
#   unet_big  speed.py: unet_big at batch 64, eager and compiled (whole, per block)          ~6 min (not yet run)
#   compiled  md-train --compile, 2 epochs                                                 ~4 min (not yet run)
#   cudagraphs speed.py: unet at batch 128, compiled with CUDA graphs (reduce-overhead)     ~5 min (not yet run)
#   bash benchmarks/gpu.sh OUT_DIR [PART ...]     (default: every part; diffusers optional: pip install -e ".[bench]")
#   COMPILE= bash benchmarks/gpu.sh OUT_DIR unet  (eager rows only)
# Works installed (pip install -e .) or from a checkout (the package runs as python -m). A failed part is reported
# and the next one runs. speed.py and profile_step.py write records under results/; they are copied to OUT_DIR/results
# at the end, to be committed with the README tables report.py draws from them.
set -uo pipefail
cd "$(dirname "$0")"
out=${1:-$(mktemp -d)}; mkdir -p "$out"; shift || true
parts=${*:-check train unet unet_big compiled cudagraphs}
export PYTHONPATH="$PWD/..${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
failed=()
run() { echo; echo "== $*"; "$@" || failed+=("$*"); }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
for part in $parts; do case $part in
  check) run python profile_step.py --device cuda --batch 128 --rows 20 ;;
  train)
    run python -m minimal_diffusion.train --arch unet --epochs 3 --batch-size 128 --save-dir "$out/run" --sampling-steps 20
    run python - "$out/run/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print('md-train epochs (epoch, loss, s):', [(r['epoch'], round(r['epoch_loss'], 4), round(r['epoch_time'], 2)) for r in rows if 'epoch_loss' in r])
print('md-train img/s (logged):', [round(r['img_per_s']) for r in rows if 'img_per_s' in r])
PY
    run python -m minimal_diffusion.train --sampling-only --pretrained-ckpt "$out/run/checkpoint_epoch_3.pt" \
      --num-sampled-images 1024 --sampler dpmpp --sampling-steps 20 --batch-size 512 --sample-out-dir "$out/samples" ;;
  unet) run python speed.py --device cuda --arch unet --batch 128 --sample-batch 256 --steps 10 ${COMPILE---compile} ;;
  unet_big) run python speed.py --device cuda --arch unet_big --batch 64 --sample-batch 128 --steps 10 ${COMPILE---compile} --no-diffusers ;;
  compiled) run python -m minimal_diffusion.train --arch unet --epochs 2 --batch-size 128 --compile \
      --save-dir "$out/run_compiled" --sampling-steps 20 ;;
  cudagraphs) run python speed.py --device cuda --arch unet --batch 128 --sample-batch 256 --steps 10 --compile cudagraphs --no-diffusers ;;
  *) echo "gpu.sh: unknown part $part (parts: check train unet unet_big compiled cudagraphs)"; exit 2 ;;
esac; done
mkdir -p "$out/results" && cp -r ../results/. "$out/results/"     # the records the parts wrote (speed, profile_step)
echo; echo "gpu.sh: ${#failed[@]} step(s) failed${failed:+: ${failed[*]}}; records copied to $out/results"
