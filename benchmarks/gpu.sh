#!/usr/bin/env bash
# GPU throughput on a lent accelerator: our unet at batch 128 and unet_big at batch 64, fp32 vs bf16+channels_last,
# eager vs torch.compile, with achieved TFLOP/s next to the card's measured bf16 matmul peak; then md-train end to end.
#   bash benchmarks/gpu.sh            (needs CUDA; diffusers optional: pip install -e ".[bench]")
set -euo pipefail
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python speed.py --device cuda --arch unet --batch 128 --sample-batch 256 --steps 10 --compile
python speed.py --device cuda --arch unet_big --batch 64 --sample-batch 128 --steps 10 --compile --no-diffusers
# the real trainer on CUDA (bf16 autocast + channels_last are on by default there): two short epochs on digits
tmp=$(mktemp -d)
md-train --arch unet --epochs 2 --batch-size 128 --save-dir "$tmp/run" --sampling-steps 20
md-train --sampling-only --pretrained-ckpt "$tmp/run/checkpoint_epoch_2.pt" --num-sampled-images 512 --sampler dpmpp \
  --sampling-steps 20 --batch-size 256 --sample-out-dir "$tmp/samples"
