"""Training and sampling throughput of our UNet, fp32 and the bf16 + channels_last fast path, against diffusers'
UNet2DModel at the same widths, blocks and resamplers (so the same FLOPs); achieved GFLOP/s next to the conv and
matmul peaks measured in the same run.

    pip install -e ".[bench]"                     # diffusers, only for this comparison
    python benchmarks/speed.py                    # CPU, batch 16, 3x32x32 (issue table); ~5 min on 2 cores
    python benchmarks/speed.py --device cuda --batch 128 --arch unet --compile   # GPU (see benchmarks/gpu.sh)
    python benchmarks/speed.py --recipe fashion_mnist                             # md-train's model, batch and size for a dataset

One process; every configuration is timed in turn inside each round (interleaved), after a warm-up, and each number is
the median over --steps rounds. A training step is forward + MSE + backward + AdamW; a sampling step is one forward
pass at --sample-batch under inference_mode. The 'trainer step' row is what md-train runs per batch: StandardTrainer's
diffusion loss (random t and noise, v target) + backward + AdamW + EMA update + the loss check, on the fast path.
FLOPs come from torch.utils.flop_counter.FlopCounterMode (convs, matmuls, attention) on the eager model, so GFLOP/s is
model FLOPs per second, the same count for every row of one model. On a CPU without bf16 instructions (AVX512-BF16 or
AMX) bf16 is emulated and many times slower, so only the float32 rows run there (as md-train trains there).
"""
import argparse, inspect, json, os, statistics, sys, time
if '--compile' in sys.argv: os.environ.setdefault('TORCHINDUCTOR_FORCE_DISABLE_CACHES', '1')  # report cold compile times
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode
from minimal_diffusion.architectures import get_architecture, ARCHITECTURES
from minimal_diffusion.schedules import GaussianDiffusion
from minimal_diffusion.trainers import get_trainer
from minimal_diffusion.settings import recipe
from minimal_diffusion.data import get_metadata
from minimal_diffusion.fast_path import fast_path_default
from arch_speed import diffusers_like, Theirs, n_params
from records import write_record


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)


def timed(fn, dev):
    sync(dev); t0 = time.perf_counter(); fn(); sync(dev); return time.perf_counter() - t0


def peaks(dev, steps=5, bf16=True):
    "GFLOP/s of a 3x3 conv 128->128 at 16x128x32x32 (fp32; bf16 channels_last) and of a 2048^3 matmul (fp32; bf16)."
    out, keep = {}, lambda name: bf16 or 'bf16' not in name
    x = torch.randn(16, 128, 32, 32, device=dev); w = torch.randn(128, 128, 3, 3, device=dev)
    conv_flops = 2 * 16 * 32 * 32 * 128 * 128 * 9
    for name, (xx, ww) in {'conv fp32': (x, w), 'conv bf16 channels_last': (x.bfloat16().contiguous(memory_format=torch.channels_last),
                                                                           w.bfloat16().contiguous(memory_format=torch.channels_last))}.items():
        if not keep(name): continue
        f = lambda: F.conv2d(xx, ww, padding=1); f()
        out[name] = conv_flops / statistics.median(timed(f, dev) for _ in range(steps)) / 1e9
    n = 2048 if dev.type == 'cpu' else 8192
    a = torch.randn(n, n, device=dev)
    for name, m in {'matmul fp32': a, 'matmul bf16': a.bfloat16()}.items():
        if not keep(name): continue
        f = lambda: m @ m; f()
        out[name] = 2 * n**3 / statistics.median(timed(f, dev) for _ in range(steps)) / 1e9
    return out


class Config:
    "One row: a model in a precision and memory layout, with its optimizer and inputs."
    def __init__(self, name, model, fast, dev, batch, sample_batch, compile=False):
        self.name, self.fast, self.dev = name, fast, dev
        fmt = torch.channels_last if fast else torch.contiguous_format
        self.model = model.to(dev).to(memory_format=fmt)
        if compile == 'blocks':                               # regional: each UNet block on its own (repeats reuse code)
            for blocks in (model.down, model.mid, model.up):
                for b in blocks: b.compile()
        modes = dict(whole='default', cudagraphs='reduce-overhead')   # CUDA graphs: one launch for the whole step
        self.fn = torch.compile(self.model, mode=modes[compile]) if compile in modes else self.model
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-4)
        cfg = getattr(model, 'config', {})
        self.x = torch.randn(batch, cfg.get('in_channels', 3), cfg.get('image_size', 32), cfg.get('image_size', 32), device=dev).contiguous(memory_format=fmt)
        self.t = torch.randint(0, 1000, (batch,), device=dev)
        nc = cfg.get('num_classes')
        self.y = torch.randint(0, nc, (batch,), device=dev) if nc else None
        self.ys = torch.randint(0, nc, (sample_batch,), device=dev) if nc else None
        self.xs = torch.randn(sample_batch, *self.x.shape[1:], device=dev).contiguous(memory_format=fmt)
        self.ts = torch.randint(0, 1000, (sample_batch,), device=dev)

    def autocast(self): return torch.autocast(self.dev.type, dtype=torch.bfloat16, enabled=self.fast)

    def train(self):
        self.model.train()
        with self.autocast(): loss = F.mse_loss(self.fn(self.x, self.t, self.y).float(), self.x.float())
        self.opt.zero_grad(set_to_none=True); loss.backward(); self.opt.step()

    def forward(self):
        self.model.eval()
        with torch.inference_mode(), self.autocast(): self.fn(self.xs, self.ts, self.ys)

    def flops(self):
        "FLOPs of one training step and of one sampling forward."
        with FlopCounterMode(display=False) as fc: self.train()
        tr = fc.get_total_flops()
        with FlopCounterMode(display=False) as fc: self.forward()
        return tr, fc.get_total_flops()


def effective_settings(config):
    "Every setting of the architecture in `config`: the builder's defaults (a variant's own), then what was passed."
    ps = inspect.signature(ARCHITECTURES[config['name']]).parameters.items()
    return {**{k: p.default for k, p in ps if p.default is not inspect.Parameter.empty}, **config}


class TrainerStep(Config):
    "md-train's per-batch work: `StandardTrainer`'s loss and `train_step` (AdamW, EMA, loss check), fp32 or fast path."
    def __init__(self, name, model, dev, batch, sample_batch, fast=True):
        super().__init__(name, model, fast, dev, batch, sample_batch)
        data = torch.utils.data.TensorDataset(self.x.cpu(), torch.zeros(batch, dtype=torch.long) if self.y is None else self.y.cpu())
        self.trainer = get_trainer('standard')(self.model, GaussianDiffusion(pred='v'), data, batch_size=batch, bf16=fast,
                                                device=dev, progress=False)

    def train(self):
        tr = self.trainer; tr.model.train()
        with tr.autocast(): loss = tr.diffusion.loss(tr.model, self.x, y=self.y)
        tr.train_step(loss)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu'); p.add_argument('--arch', default='unet')
    p.add_argument('--batch', type=int, default=16); p.add_argument('--sample-batch', type=int, default=64)
    p.add_argument('--image-size', type=int, default=32); p.add_argument('--channels', type=int, default=3)
    p.add_argument('--num-classes', type=int, help='class-conditional model')
    p.add_argument('--arch-kw', default='{}', help='JSON of architecture settings, e.g. {"attention_resolutions": [7]}')
    p.add_argument('--recipe', help="time md-train's recipe for this dataset: its architecture, settings, image size and batch")
    p.add_argument('--steps', type=int, default=8, help='timed rounds (median)')
    p.add_argument('--threads', type=int, help='torch threads on the CPU')
    p.add_argument('--no-diffusers', action='store_true', help='only our model')
    p.add_argument('--fp32-only', action='store_true',
                   help='skip the bf16 rows; automatic on a CPU without bf16 instructions, where bf16 is emulated')
    p.add_argument('--compile', nargs='?', const='whole,blocks', default='',
                   help='add torch.compile rows for our model, a comma list of whole (the model), blocks (each UNet block '
                        'on its own), cudagraphs (the model, CUDA graphs; GPU only); bare: whole,blocks. Slow first step.')
    a = p.parse_args()
    a.arch_kw = json.loads(a.arch_kw)
    if a.recipe:
        r, m = recipe(a.recipe), get_metadata(a.recipe)
        a.arch, a.arch_kw, a.batch, a.image_size, a.channels, a.num_classes = r['arch'], {**r['arch_kw'], **a.arch_kw}, r['batch_size'], m.image_size, m.in_channels, m.num_classes
    if a.threads: torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    torch.manual_seed(0)
    ours = lambda: get_architecture(a.arch, a.image_size, a.channels, num_classes=a.num_classes, **{'dropout': 0., **a.arch_kw})
    fp32_only = a.fp32_only or not fast_path_default(dev)
    if fp32_only and a.compile: p.error('--compile times the bf16 fast path; leave out --fp32-only')
    if fp32_only: print('bf16 rows skipped: ' + ('--fp32-only' if a.fp32_only else 'this CPU has no bf16 instructions'))
    rows = [Config(f'ours {a.arch} fp32', ours(), False, dev, a.batch, a.sample_batch),
            TrainerStep(f'ours {a.arch} fp32 trainer step', ours(), dev, a.batch, a.sample_batch, fast=False)]
    if not fp32_only:
        rows += [Config(f'ours {a.arch} bf16+CL', ours(), True, dev, a.batch, a.sample_batch),
                 TrainerStep(f'ours {a.arch} bf16+CL trainer step', ours(), dev, a.batch, a.sample_batch)]
    label = dict(whole='compiled', blocks='compiled per block', cudagraphs='compiled + CUDA graphs')
    if set(a.compile.split(',')) - set(label) - {''}: p.error(f"--compile takes a comma list of {', '.join(label)}")
    rows += [Config(f'ours {a.arch} bf16+CL {label[c]}', ours(), True, dev, a.batch, a.sample_batch, compile=c)
             for c in a.compile.split(',') if c]
    if not a.no_diffusers and a.arch != 'resnet':
        cfg = effective_settings(rows[0].model.config)
        theirs = lambda: Theirs(diffusers_like(cfg), cfg)
        rows += [Config('diffusers fp32', theirs(), False, dev, a.batch, a.sample_batch)]
        if not fp32_only: rows += [Config('diffusers bf16+CL', theirs(), True, dev, a.batch, a.sample_batch)]
    print(f"torch {torch.__version__} on {dev} ({torch.get_num_threads()} threads); {a.arch}: {n_params(rows[0].model) / 1e6:.2f}M params"
          + (f", diffusers {n_params(rows[-1].model) / 1e6:.2f}M" if rows[-1].name.startswith('diffusers') else ''))
    pk = peaks(dev, bf16=not fp32_only)
    print('peaks (GFLOP/s): ' + ', '.join(f'{k} {v:.0f}' for k, v in pk.items()))
    warm = {}                                                 # first training step + first forward: compilation
    for r in list(rows):
        try: warm[r.name] = timed(r.train, dev) + timed(r.forward, dev)
        except Exception as e: print(f"{r.name}: failed ({type(e).__name__}: {str(e)[:300]}); row dropped"); rows.remove(r)
    flops = [rows[0].flops() if 'compiled' in r.name else r.flops() for r in rows]   # FlopCounterMode sees eager ops only
    tr, fw = [[] for _ in rows], [[] for _ in rows]
    for _ in range(a.steps):
        for i, r in enumerate(rows): tr[i].append(timed(r.train, dev)); fw[i].append(timed(r.forward, dev))
    tr, fw = [statistics.median(t) for t in tr], [statistics.median(t) for t in fw]
    base = next((i for i, r in enumerate(rows) if r.name == 'diffusers fp32'), 0)
    print(f"\n{'configuration':44}{'train ms':>10}{'img/s':>8}{'GFLOP/s':>9}{'x base':>8}{'fwd' + str(a.sample_batch) + ' ms':>11}{'GFLOP/s':>9}{'x base':>8}")
    for i, r in enumerate(rows):
        print(f"{r.name:44}{tr[i] * 1e3:10.0f}{a.batch / tr[i]:8.1f}{flops[i][0] / tr[i] / 1e9:9.0f}{tr[base] / tr[i]:8.2f}"
              f"{fw[i] * 1e3:11.0f}{flops[i][1] / fw[i] / 1e9:9.0f}{fw[base] / fw[i]:8.2f}")
    print(f"\nbase = {rows[base].name}; training step = {flops[0][0] / 1e9:.1f} GFLOP, forward = {flops[0][1] / 1e9:.1f} GFLOP "
          + (f"(diffusers: {flops[base][0] / 1e9:.1f} and {flops[base][1] / 1e9:.1f}) " if base else '')
          + f"(FlopCounterMode); first step + first forward: " + ', '.join(f"{k} {v:.1f} s" for k, v in warm.items()))
    best = min(range(len(rows)), key=lambda i: tr[i])
    peak = 'matmul bf16' if rows[best].fast else 'matmul fp32'
    print(f"fastest training step: {rows[best].name}, {flops[best][0] / tr[best] / 1e9:.0f} GFLOP/s = "
          f"{100 * flops[best][0] / tr[best] / 1e9 / pk[peak]:.1f}% of the {peak} peak measured above")
    rows = [dict(name=r.name, train_ms=round(tr[i] * 1e3, 1), train_img_s=round(a.batch / tr[i], 1),
                 train_gflops=round(flops[i][0] / tr[i] / 1e9, 1), train_x_base=round(tr[base] / tr[i], 3),
                 forward_ms=round(fw[i] * 1e3, 1), forward_gflops=round(flops[i][1] / fw[i] / 1e9, 1),
                 forward_x_base=round(fw[base] / fw[i], 3), first_step_s=round(warm[r.name], 1)) for i, r in enumerate(rows)]
    write_record('speed', settings=dict(vars(a), base=rows[base]['name'], train_gflop=flops[0][0] / 1e9,
                                        forward_gflop=flops[0][1] / 1e9, base_train_gflop=flops[base][0] / 1e9 if base else None,
                                        base_forward_gflop=flops[base][1] / 1e9 if base else None), results=dict(rows=rows, peaks_gflops=pk),
                 device=dev)
    print(f"reproduce: python benchmarks/speed.py --device {a.device} --sample-batch {a.sample_batch} --steps {a.steps} "
          + (f"--recipe {a.recipe}" if a.recipe else f"--arch {a.arch} --batch {a.batch} --image-size {a.image_size} "
             f"--channels {a.channels}" + (f' --num-classes {a.num_classes}' if a.num_classes else ''))
          + (f" --arch-kw '{json.dumps(a.arch_kw)}'" if a.arch_kw else '')
          + (f' --compile {a.compile}' if a.compile else '') + (f' --threads {a.threads}' if a.threads else '')
          + (' --fp32-only' if a.fp32_only else ''))


if __name__ == '__main__': main()
