"""Helpers the chapters' tests share: tiny models and command lines, writers of small datasets in each on-disk format,
and runners for the command-line tools. Not part of the package; the notebooks import it from their own folder."""
import contextlib, gzip, io, os, pickle, subprocess, sys, time
from pathlib import Path
import numpy as np, torch
from PIL import Image

BIN = Path(sys.executable).parent   # this Python's console scripts (a pyenv shim is a shell script, not Python)

# ---- tiny models
TINY_UNET = dict(base_width=8, channel_mult=(1,), num_res_blocks=1, attention_resolutions=(), head_dim=8)

def tiny_unet(image_size=16, in_channels=1, num_classes=10, num_frames=None, **kw):
    "A `unet_custom` small enough to train in seconds (one level, no attention unless asked)."
    from minimal_diffusion.architectures import get_architecture
    return get_architecture('unet_custom', image_size, in_channels, num_classes=num_classes, num_frames=num_frames,
                            **{**TINY_UNET, **kw})

def randomize_zeros(m, std=0.2):
    "Give every zero-initialised tensor of `m` random values, so that all paths through it carry signal."
    for p in m.parameters():
        if not p.any(): torch.nn.init.normal_(p, std=std)
    return m

# ---- tiny md-train command lines
TINY = ['--arch', 'unet_custom', '--arch_base_width=8', '--arch_channel_mult=1,', '--arch_num_res_blocks=1',
        '--arch_attention_resolutions=()', '--arch_head_dim=8', '--num-training-data', '64', '--batch-size', '32',
        '--diffusion-steps', '50', '--sampling-steps', '5']

def run_cli(*args, module='minimal_diffusion.train', cwd=None, env=None, timeout=600):
    "Run `python -m module ARGS` in a subprocess with one thread: (exit code, stdout, stderr)."
    r = subprocess.run([sys.executable, '-m', module, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=timeout, env={**os.environ, 'OMP_NUM_THREADS': '1', **(env or {})})
    return r.returncode, r.stdout, r.stderr

def md_train(*args, **kw): return run_cli(*args, **kw)
def md_eval(*args, **kw): return run_cli(*args, module='minimal_diffusion.evaluation', **kw)

def run_main(main, *args):
    "Run a command's `main(args)` in this process: (exit code, stdout, stderr)."
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try: main([str(a) for a in args]); code = 0
        except SystemExit as e: code = e.code
    return code, out.getvalue(), err.getvalue()

def launch(*args, nproc=2, legacy=False, timeout=300):
    "Run `torchrun --standalone --nproc_per_node=nproc ARGS` (or the legacy launcher): (returncode, stdout, stderr, seconds)."
    pre = [sys.executable, '-m', 'torch.distributed.launch'] if legacy else [str(BIN / 'torchrun')]
    t0 = time.time()
    r = subprocess.run([*pre, '--standalone', f'--nproc_per_node={nproc}', *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env={**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'})
    return r.returncode, r.stdout, r.stderr, time.time() - t0

# ---- small datasets in each on-disk format
def write_idx(path, a):
    "Write uint8 array `a` as an IDX file (the MNIST format; gzipped if `path` ends in .gz)."
    b = bytes([0, 0, 8, a.ndim]) + b''.join(n.to_bytes(4, 'big') for n in a.shape) + a.astype(np.uint8).tobytes()
    (gzip.open if str(path).endswith('.gz') else open)(path, 'wb').write(b)

def write_idx_split(d, imgs, labels, train=True):
    "The two IDX files of a split, as MNIST names them, in folder `d`."
    p = 'train' if train else 't10k'
    Path(d).mkdir(parents=True, exist_ok=True)
    write_idx(Path(d)/f'{p}-images-idx3-ubyte', imgs); write_idx(Path(d)/f'{p}-labels-idx1-ubyte', labels)

def write_cifar10(root, n=20, seed=0):
    "A tiny CIFAR-10 in torchvision's `cifar-10-batches-py` pickle layout: `n` random images per batch file."
    d = Path(root)/'cifar-10-batches-py'; d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']:
        batch = {'data': rng.integers(0, 256, (n, 3 * 32 * 32), dtype=np.uint8), 'labels': (np.arange(n) % 10).tolist()}
        pickle.dump(batch, open(d/name, 'wb'))
    pickle.dump({'label_names': ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']},
                open(d/'batches.meta', 'wb'))
    return Path(root)

def write_cifar100(root, n=20, seed=0):
    "A tiny CIFAR-100 in torchvision's `cifar-100-python` pickle layout: `n` random images per split, fine labels 0..n-1."
    d = Path(root)/'cifar-100-python'; d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in ('train', 'test'):
        pickle.dump({'data': rng.integers(0, 256, (n, 3 * 32 * 32), dtype=np.uint8), 'fine_labels': list(range(n)),
                     'coarse_labels': [k % 20 for k in range(n)]}, open(d/name, 'wb'))
    pickle.dump({'fine_label_names': [f'class_{k}' for k in range(100)], 'coarse_label_names': [f'super_{k}' for k in range(20)]},
                open(d/'meta', 'wb'))
    return Path(root)

def write_folder(root, colours, sizes=((12, 20), (13, 20), (14, 20)), mode='RGB'):
    "`root/<class>/<k>.png`: solid images of the given (width, height) sizes, one colour per class."
    for c, colour in colours.items():
        (Path(root)/c).mkdir(parents=True, exist_ok=True)
        for k, wh in enumerate(sizes): Image.new(mode, wh, colour).save(Path(root)/c/f'{k}.png')
    return Path(root)

def write_video(d, n, names='f{}.png'):
    "`n` 8×8 frames in folder `d`: left half 15k grey levels, right half 15k + 100."
    d = Path(d); d.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        a = np.full((8, 8), 15 * k, np.uint8); a[:, 4:] += 100
        Image.fromarray(a).save(d/names.format(k))
    return d

# ---- files on disk
def snapshot(*dirs):
    "{path: (sha256, mtime_ns)} of every file under `dirs`: compare two snapshots to see what changed."
    import hashlib
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for d in dirs for p in sorted(Path(d).rglob('*')) if p.is_file()}

# ---- the original minimal-diffusion's models (fixtures/original, README there)
def original_fixture(name, folder='fixtures/original'):
    "The original state dict of fixture `name`, filled by its rule from its key list; its inputs and outputs; its kwargs."
    import json, math
    d, z = json.loads((Path(folder) / f'{name}.json').read_text()), np.load(Path(folder) / f'{name}.npz')
    sd = {}
    for i, (k, shape) in enumerate(d['state_dict']):
        g = torch.Generator().manual_seed(1000 + i)
        if len(shape) >= 2: sd[k] = torch.randn(shape, generator=g) / math.sqrt(math.prod(shape) // shape[0])
        else: sd[k] = (1 if k.endswith('weight') else 0) + 0.1 * torch.randn(shape, generator=g)
    assert sum(v.numel() for v in sd.values()) == d['num_params']
    return sd, {k: torch.from_numpy(z[k]) for k in z.files}, d['kwargs']

# ---- figures: written to images/ by the chapters' own cells, shown by the markdown cell below them
def save_figure(fig, name, dpi=72):
    "Write `fig` to images/NAME.png (compact, no timestamps) and close it; the markdown cell below the code shows the file."
    import matplotlib.pyplot as plt
    Path('images').mkdir(exist_ok=True)
    fig.savefig(Path('images') / f'{name}.png', dpi=dpi, bbox_inches='tight', metadata={'Software': None})
    plt.close(fig)
