"""Where one fast-path training step of our UNet spends its time, and whether it stays on the fast path.

    python benchmarks/profile_step.py                         # CPU: unet, batch 16, 3x32x32
    python benchmarks/profile_step.py --device cuda --batch 128
    python benchmarks/profile_step.py --recipe fashion_mnist --fp32           # md-train's model for a dataset, float32
    python benchmarks/profile_step.py --recipe fashion_mnist --sampling       # its sampling forward instead (batch 64)

Writes a record (results/profile_step/) with the ops' self times. Prints (1) the feature maps written off the fast path (not channels-last, or float32 outside GroupNorm) in one
bf16-autocast forward + backward (`feature_map_ops`), and (2) torch.profiler's top ops by self time for two training
steps (forward, MSE, backward, AdamW), on the CPU or the GPU; with --sampling, of two sampling forwards instead (the
model under inference_mode at --sample-batch, what each step of a sampler runs).
"""
import argparse, json
import torch
import torch.nn.functional as F
from torch.profiler import profile, ProfilerActivity
from minimal_diffusion.architectures import get_architecture
from minimal_diffusion.architectures.unets import layout_of
from minimal_diffusion.fast_path import feature_map_ops, fast_path
from minimal_diffusion.settings import recipe
from minimal_diffusion.data import get_metadata
from records import write_record

GROUPNORM_OPS = {'_to_copy', 'native_group_norm', 'native_group_norm_backward', 'silu', 'silu_backward'}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu'); p.add_argument('--arch', default='unet')
    p.add_argument('--batch', type=int, default=16); p.add_argument('--rows', type=int, default=15)
    p.add_argument('--image-size', type=int, default=32); p.add_argument('--channels', type=int, default=3)
    p.add_argument('--num-classes', type=int, default=None); p.add_argument('--arch-kw', default='{}', help='JSON of architecture settings')
    p.add_argument('--recipe', help="md-train's model, batch and image size for this dataset (with its dropout)")
    p.add_argument('--fp32', action='store_true', help='profile the float32 step (what md-train runs without bf16 instructions)')
    p.add_argument('--sampling', action='store_true', help="profile a sampler's model call (inference_mode) instead of a training step")
    p.add_argument('--sample-batch', type=int, default=64, help='batch of the sampling forward')
    a = p.parse_args()
    kw = json.loads(a.arch_kw)
    if a.recipe:
        r, m = recipe(a.recipe), get_metadata(a.recipe)
        a.arch, kw, a.batch, a.image_size, a.channels, a.num_classes = r['arch'], r['arch_kw'], r['batch_size'], m.image_size, m.in_channels, m.num_classes
    else: kw = {'dropout': 0., **kw}
    dev, CL, S, C = torch.device(a.device), torch.channels_last, a.image_size, a.channels
    torch.manual_seed(0)
    m = fast_path(get_architecture(a.arch, S, C, num_classes=a.num_classes, **kw), dev, not a.fp32)
    y = torch.randint(0, a.num_classes, (a.batch,), device=dev) if a.num_classes else None
    if not a.fp32 and not a.sampling:
        ops = feature_map_ops(m, torch.randn(a.batch, C, S, S, device=dev).contiguous(memory_format=CL),
                              torch.randint(0, 1000, (a.batch,), device=dev), y)
        off = {k: v for k, v in ops.items() if k[2] != 'channels_last' or (k[1] == 'float32' and k[0] not in GROUPNORM_OPS)}
        print(f"{a.arch} on {dev}: {sum(ops.values())} feature-map writes in one forward+backward, {sum(off.values())} off the fast path"
              + ''.join(f"\n  {op} {dtype} {layout}: {c}" for (op, dtype, layout), c in sorted(off.items())))
    m.zero_grad(set_to_none=True)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4, fused=True)
    x = torch.randn(a.batch, C, S, S, device=dev).contiguous(memory_format=torch.contiguous_format if a.fp32 else CL)
    t = torch.randint(0, 1000, (a.batch,), device=dev)
    def step():
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=not a.fp32): loss = F.mse_loss(m(x, t, y).float(), x)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    if a.sampling:
        m.eval()
        xs = torch.randn(a.sample_batch, *x.shape[1:], device=dev).contiguous(memory_format=layout_of(x))
        ts = torch.randint(0, 1000, (a.sample_batch,), device=dev)
        ys = torch.randint(0, a.num_classes, (a.sample_batch,), device=dev) if a.num_classes else None
        def step():
            with torch.inference_mode(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=not a.fp32): m(xs, ts, ys)
    step(); step()
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == 'cuda' else [])
    with profile(activities=acts) as prof:
        for _ in range(2): step()
        if dev.type == 'cuda': torch.cuda.synchronize()
    key = 'self_cuda_time_total' if dev.type == 'cuda' else 'self_cpu_time_total'
    print(prof.key_averages().table(sort_by=key, row_limit=a.rows, max_name_column_width=60))
    ka = sorted(prof.key_averages(), key=lambda e: -getattr(e, key))
    total = sum(getattr(e, key) for e in ka)
    write_record('profile_step', settings=dict(vars(a), arch_kw=kw), device=dev, results=dict(
        step_ms=total / 2e3, ops=[dict(op=e.key, self_ms=getattr(e, key) / 2e3, calls=e.count // 2, share=getattr(e, key) / total)
                                  for e in ka[:a.rows]]))


if __name__ == '__main__': main()
