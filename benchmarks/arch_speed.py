"""Training and sampling speed of our `unet` against diffusers' `UNet2DModel` at matched widths, on the CPU.

    pip install -e ".[bench]"          # diffusers is an optional extra, never a runtime dependency
    python benchmarks/arch_speed.py    # ~3-5 min; --steps / --threads / --quick to change

One process, interleaved A/B (ours, theirs, ours, theirs, ...) so that both see the same machine state; each number is
the median over `--steps` timed iterations after one warm-up. A training step is forward + MSE loss + backward + AdamW
at batch 16, 3×32×32; a sampling step is one forward pass at batch 64 under `torch.inference_mode`. Rows cover fp32
and bf16 autocast, with channels-last memory off and on. Speed-up > 1 means ours is faster.
"""
import argparse, statistics, time
import torch
import torch.nn.functional as F
from minimal_diffusion.architectures import get_architecture


def diffusers_unet(dropout):
    "diffusers' UNet2DModel laid out like our `unet` at 32 px: widths 64,128,128,128, 3 blocks, attention at 32/16/8."
    from diffusers import UNet2DModel
    return UNet2DModel(sample_size=32, in_channels=3, out_channels=3, layers_per_block=3,
                       block_out_channels=(64, 128, 128, 128),
                       down_block_types=('AttnDownBlock2D',) * 3 + ('DownBlock2D',),
                       up_block_types=('UpBlock2D',) + ('AttnUpBlock2D',) * 3,
                       attention_head_dim=64, norm_num_groups=32, resnet_time_scale_shift='scale_shift',
                       downsample_type='resnet', upsample_type='resnet', dropout=dropout)


def diffusers_like(config, dropout=0.):
    "diffusers' UNet2DModel with the widths, blocks per level, attention levels and head size of our UNet `config`."
    from diffusers import UNet2DModel
    from minimal_diffusion.architectures.unets import default_channel_mult, default_attention_resolutions
    size, mult = config['image_size'], config.get('channel_mult') or default_channel_mult(config['image_size'])
    attn = config.get('attention_resolutions') or default_attention_resolutions(size)
    attends = [size // 2**level in attn for level in range(len(mult))]
    widths = tuple(int(config.get('base_width', 64) * m) for m in mult)
    resample = 'resnet' if config.get('resblock_updown', True) else 'conv'     # a residual block, or one convolution
    # diffusers' blocks without attention ignore `downsample_type`/`upsample_type`: its Resnet*sampleBlock2D resample
    # with a residual block, as ours do (else a level without attention would resample with one conv, half the FLOPs)
    plain = dict(down='ResnetDownsampleBlock2D', up='ResnetUpsampleBlock2D') if resample == 'resnet' else \
            dict(down='DownBlock2D', up='UpBlock2D')
    return UNet2DModel(sample_size=size, in_channels=config['in_channels'], out_channels=config['in_channels'],
                       layers_per_block=config.get('num_res_blocks', 2), block_out_channels=widths,
                       down_block_types=tuple('AttnDownBlock2D' if at else plain['down'] for at in attends),
                       up_block_types=tuple('AttnUpBlock2D' if at else plain['up'] for at in reversed(attends)),
                       attention_head_dim=config.get('head_dim', 64), norm_num_groups=32, resnet_time_scale_shift='scale_shift',
                       downsample_type=resample, upsample_type=resample, dropout=dropout,
                       num_class_embeds=config.get('num_classes'))


class Theirs(torch.nn.Module):
    "Adapter to our calling convention `model(x, t, y=None)`; `config`: our model's, for the input shape and classes."
    def __init__(self, m, config=None): super().__init__(); self.m, self.config = m, dict(config or {})
    def forward(self, x, t, y=None): return self.m(x, t, class_labels=y).sample


def n_params(m): return sum(p.numel() for p in m.parameters())


def train_step(model, opt, x, t, bf16):
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        loss = F.mse_loss(model(x, t).float(), x)
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step()


def sample_step(model, x, t, bf16):
    with torch.inference_mode(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16): model(x, t)


def timed(fn):
    t0 = time.perf_counter(); fn(); return time.perf_counter() - t0


def compare(models, make_fn, steps):
    "Median seconds per call of `make_fn(model)()` for each model, A/B interleaved after one warm-up each."
    fns = [make_fn(m) for m in models]
    for f in fns: f()
    times = [[] for _ in fns]
    for _ in range(steps):
        for ts, f in zip(times, fns): ts.append(timed(f))
    return [statistics.median(ts) for ts in times]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--steps', type=int, default=8, help='timed iterations per cell (median)')
    p.add_argument('--threads', type=int, default=None, help='torch threads (default: torch default)')
    p.add_argument('--batch', type=int, default=16); p.add_argument('--sample-batch', type=int, default=64)
    p.add_argument('--dropout', type=float, default=0.1)
    p.add_argument('--precision', choices=['fp32', 'bf16', 'both'], default='both')
    p.add_argument('--quick', action='store_true', help='fp32 only, 2 steps: check that it runs')
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    if a.quick: a.steps, a.precision = 2, 'fp32'
    torch.manual_seed(0)
    ours = get_architecture('unet', 32, 3, dropout=a.dropout)
    theirs = Theirs(diffusers_unet(a.dropout))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; params: ours {n_params(ours)/1e6:.2f}M, "
          f"diffusers {n_params(theirs)/1e6:.2f}M")
    print(f"{'precision':10}{'layout':14}{'train b' + str(a.batch) + ' ours':>16}{'diffusers':>11}{'speed-up':>10}"
          f"{'sample b' + str(a.sample_batch) + ' ours':>18}{'diffusers':>11}{'speed-up':>10}")
    for bf16 in dict(fp32=(False,), bf16=(True,), both=(False, True))[a.precision]:
        for cl in (False, True):
            fmt = torch.channels_last if cl else torch.contiguous_format
            models = [m.to(memory_format=fmt).train() for m in (ours, theirs)]
            opts = [torch.optim.AdamW(m.parameters(), lr=1e-4) for m in models]
            x = torch.randn(a.batch, 3, 32, 32).contiguous(memory_format=fmt)
            t = torch.randint(0, 1000, (a.batch,))
            tr = compare(range(2), lambda i: lambda: train_step(models[i], opts[i], x, t, bf16), a.steps)
            xs = torch.randn(a.sample_batch, 3, 32, 32).contiguous(memory_format=fmt)
            ts = torch.randint(0, 1000, (a.sample_batch,))
            for m in models: m.eval()
            sa = compare(models, lambda m: lambda: sample_step(m, xs, ts, bf16), max(a.steps // 2, 2))
            print(f"{'bf16' if bf16 else 'fp32':10}{'channels_last' if cl else 'contiguous':14}"
                  f"{tr[0]*1e3:13.0f} ms{tr[1]*1e3:8.0f} ms{tr[1]/tr[0]:9.2f}×"
                  f"{sa[0]*1e3:15.0f} ms{sa[1]*1e3:8.0f} ms{sa[1]/sa[0]:9.2f}×", flush=True)


if __name__ == '__main__': main()
