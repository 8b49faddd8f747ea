"""Where one fast-path training step of our UNet spends its time, and whether it stays on the fast path.

    python benchmarks/profile_step.py                         # CPU: unet, batch 16, 3x32x32
    python benchmarks/profile_step.py --device cuda --batch 128
    python benchmarks/profile_step.py --arch unet_small --image-size 28 --channels 1 --num-classes 10 --batch 64 \
        --arch-kw '{"channel_mult": [1, 2, 2], "attention_resolutions": [7]}'

Prints (1) the feature maps written off the fast path (not channels-last, or float32 outside GroupNorm) in one
bf16-autocast forward + backward (`feature_map_ops`), and (2) torch.profiler's top ops by self time for two training
steps (forward, MSE, backward, AdamW), on the CPU or the GPU.
"""
import argparse, json
import torch
import torch.nn.functional as F
from torch.profiler import profile, ProfilerActivity
from minimal_diffusion.architectures import get_architecture
from minimal_diffusion.fast_path import feature_map_ops, fast_path

GROUPNORM_OPS = {'_to_copy', 'native_group_norm', 'native_group_norm_backward', 'silu', 'silu_backward'}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu'); p.add_argument('--arch', default='unet')
    p.add_argument('--batch', type=int, default=16); p.add_argument('--rows', type=int, default=15)
    p.add_argument('--image-size', type=int, default=32); p.add_argument('--channels', type=int, default=3)
    p.add_argument('--num-classes', type=int, default=None); p.add_argument('--arch-kw', default='{}', help='JSON of architecture settings')
    a = p.parse_args()
    dev, CL, S, C = torch.device(a.device), torch.channels_last, a.image_size, a.channels
    torch.manual_seed(0)
    m = fast_path(get_architecture(a.arch, S, C, num_classes=a.num_classes, **{'dropout': 0., **json.loads(a.arch_kw)}), dev, True)
    y = torch.randint(0, a.num_classes, (a.batch,), device=dev) if a.num_classes else None
    ops = feature_map_ops(m, torch.randn(a.batch, C, S, S, device=dev).contiguous(memory_format=CL),
                          torch.randint(0, 1000, (a.batch,), device=dev), y)
    off = {k: v for k, v in ops.items() if k[2] != 'channels_last' or (k[1] == 'float32' and k[0] not in GROUPNORM_OPS)}
    print(f"{a.arch} on {dev}: {sum(ops.values())} feature-map writes in one forward+backward, {sum(off.values())} off the fast path"
          + ''.join(f"\n  {op} {dtype} {layout}: {c}" for (op, dtype, layout), c in sorted(off.items())))
    m.zero_grad(set_to_none=True)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4, fused=True)
    x = torch.randn(a.batch, C, S, S, device=dev).contiguous(memory_format=CL)
    t = torch.randint(0, 1000, (a.batch,), device=dev)
    def step():
        with torch.autocast(dev.type, dtype=torch.bfloat16): loss = F.mse_loss(m(x, t, y).float(), x)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    step(); step()
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == 'cuda' else [])
    with profile(activities=acts) as prof:
        for _ in range(2): step()
        if dev.type == 'cuda': torch.cuda.synchronize()
    key = 'self_cuda_time_total' if dev.type == 'cuda' else 'self_cpu_time_total'
    print(prof.key_averages().table(sort_by=key, row_limit=a.rows, max_name_column_width=60))


if __name__ == '__main__': main()
