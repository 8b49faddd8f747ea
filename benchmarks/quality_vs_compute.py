"""Sample quality against training time, as a user gets it: `md-train --dataset D --minutes M` (a run fitted to M
minutes of this machine, not a snapshot of a longer one) once per budget, then N class-balanced samples drawn with the
run's own sampler, scored with md-eval's metrics against the real test split, next to a reference row of N real
training images through the same classifier (what perfect samples would score at this N). Writes one record under
results/quality_vs_compute/.

    python benchmarks/quality_vs_compute.py --dataset fashion_mnist --minutes 15,60 --n 5000
    python benchmarks/quality_vs_compute.py --dataset fashion_mnist --updates 1300 --args '--arch_dropout=0' --name nodrop
    python benchmarks/quality_vs_compute.py --epochs 40                          # digits: the default job itself
    python benchmarks/quality_vs_compute.py --epochs 40 --args '--eval-every 10' --name eval_every   # scoring's cost

Training is timed, so it needs an otherwise idle machine; sampling and scoring are not: --train-only trains (and
records the times), --score-only scores runs trained before (a later record holds both). Each run's `md-train` output
and files are in --out/NAME/<mark>; the samples' class grid beside them.
"""
import argparse, hashlib, shlex, shutil, subprocess, sys, time
from pathlib import Path
import torch
from minimal_diffusion.checkpoints import load_checkpoint, load_for_sampling
from minimal_diffusion.data import get_metadata
from minimal_diffusion.distributed import sample_many
from minimal_diffusion.fast_path import autocast
from minimal_diffusion.sampling import save_grid
from minimal_diffusion.evaluation import evaluate
from minimal_diffusion.runs import read_metrics, checkpoints_in
from records import write_record, read_records


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='digits'); p.add_argument('--data-dir', default=None)
    g = p.add_mutually_exclusive_group()
    g.add_argument('--minutes', help='comma list: one md-train --minutes run per budget')
    g.add_argument('--updates', help='comma list: one md-train --updates run per count (a study at equal updates)')
    g.add_argument('--epochs', help='comma list: one md-train --epochs run per count')
    p.add_argument('--n', type=int, default=5000, help='class-balanced samples per run, and real images in the reference')
    p.add_argument('--args', default='', help="more md-train flags, e.g. '--arch_dropout=0 --snr-gamma 5'")
    p.add_argument('--name', default='recipe', help='what these runs are (a folder under --out, a field of the record)')
    p.add_argument('--out', default='runs/quality_vs_compute')
    p.add_argument('--train-only', action='store_true', help='train (timed) and record; score later with --score-only')
    p.add_argument('--score-only', action='store_true', help='score the runs in --out/NAME trained before')
    p.add_argument('--guidance-scale', type=float, default=None,
                   help="sample with this classifier-free guidance scale instead of the run's own (recorded with the result)")
    p.add_argument('--sampler', default=None, help="sample with this sampler instead of the run's own (recorded with the result)")
    p.add_argument('--sampling-steps', type=int, default=None, help="sample with this many steps instead of the run's own")
    p.add_argument('--figures', default=None, help='also write each run\'s class grid to FIGURES/<dataset>_<name>_<mark>.png '
                   '(its hash goes into the record, so report.py --check finds a figure that no longer matches)')
    return p.parse_args(argv)


def marks(a):
    kind = 'minutes' if a.minutes else 'updates' if a.updates else 'epochs'
    vals = (a.minutes or a.updates or a.epochs or '').split(',')
    return kind, [float(v) if kind == 'minutes' else int(v) for v in vals if v]


def train_run(a, kind, mark, folder):
    "Run md-train for one budget in `folder`; its wall time and what it said."
    cmd = [sys.executable, '-m', 'minimal_diffusion.train', '--dataset', a.dataset, f'--{kind}', f'{mark:g}',
           '--save-dir', str(folder), *(['--data-dir', a.data_dir] if a.data_dir else []), *shlex.split(a.args)]
    print('$', ' '.join(cmd[1:]), flush=True)
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - t0
    (folder / 'md-train.out').write_text(r.stdout); (folder / 'md-train.err').write_text(r.stderr)
    if r.returncode: sys.exit(f"md-train failed ({r.returncode}): {r.stderr.strip().splitlines()[-1]}")
    said = [l for l in r.stdout.splitlines() if l.startswith(('md-train: ', 're-fit '))]
    print(*said, sep='\n', flush=True)
    evals = [row['eval_seconds'] for row in read_metrics(folder / 'metrics.jsonl') if 'eval_seconds' in row]
    scoring = dict(evals=len(evals), eval_seconds=round(sum(evals), 1)) if evals else {}   # --eval-every's own cost
    if evals: print(f"scoring while training: {len(evals)} times, {sum(evals):.0f} s = "
                    f"{sum(evals) / (wall - sum(evals)):.1%} of the rest of the run", flush=True)
    return dict(command=' '.join(['md-train', *cmd[3:]]), wall_seconds=round(wall, 1), said=said, **scoring)


def sample_and_score(d, model, s, n, shape, nc, dataset, data_dir=None, bf16=False, prior=None):
    "`n` class-balanced samples drawn with run settings `s`'s sampler, scored by md-eval: (samples, labels, metrics)."
    t0 = time.perf_counter()
    with autocast('cpu', bf16):
        x, y = sample_many(d, model, n, shape, 250, nc, s['seed'], steps=s['sampling_steps'], sampler=s['sampler'],
                           guidance_scale=s['guidance_scale'], prior=prior)
    r = evaluate(x, y, dataset, data_dir, reference=True, inception=False)   # + N real training images; FID: inception_fid.py
    return x, y, dict(r, seconds_sampling=round(time.perf_counter() - t0 - r['seconds_total'], 1))


def class_grid(x, y, names, path):
    "Save the first ten samples of each class as a grid, one labelled row per class."
    order = torch.cat([torch.nonzero(y == c)[:10, 0] for c in range(len(names))])
    save_grid(x[order], path, nrow=10, row_labels=names)


def score_run(a, folder, figure=None):
    "Sample and score the last checkpoint in `folder` as its run would sample (its class grid also to `figure`)."
    path = checkpoints_in(folder)[-1]
    ck = load_checkpoint(path)
    model, d, prior = load_for_sampling(ck)
    s, meta = dict(ck['args']), get_metadata(a.dataset, data_dir=a.data_dir)
    s |= {k: v for k, v in dict(guidance_scale=a.guidance_scale, sampler=a.sampler, sampling_steps=a.sampling_steps).items()
          if v is not None}
    shape = (meta.in_channels, meta.image_size, meta.image_size)
    x, y, r = sample_and_score(d, model, s, a.n, shape, meta.num_classes, a.dataset, a.data_dir, prior=prior)
    class_grid(x, y, meta.classes, folder / 'samples_scored.png')
    if figure:                                    # the class grid and the run's loss by noise level, for the README
        class_grid(x, y, meta.classes, figure); r['figure'] = dict(path=str(figure), sha256=sha256(figure))
        by_t = figure.with_name(figure.stem + '_loss_by_t.png'); shutil.copy(folder / 'loss_by_t.png', by_t)
        r['figure_loss_by_t'] = dict(path=str(by_t), sha256=sha256(by_t))
    keep = ('sampler', 'sampling_steps', 'guidance_scale', 'updates', 'minutes', 'epochs')
    return dict(checkpoint=str(path), step=ck['step'], epoch=ck['epoch'], sampled_with={k: s.get(k) for k in keep},
                **{k: v for k, v in r.items() if k not in ('dataset',)})


def sha256(path): return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main():
    a = parse()
    kind, ms = marks(a)
    out = Path(a.out) / a.name
    runs = []
    for m in ms:
        folder = out / f'{m:g}{kind}'
        if a.score_only:
            rec, prev = next(((rec, r) for rec in reversed(read_records('quality_vs_compute'))
                              for r in rec['results'].get('runs', []) if r.get('folder') == str(folder) and 'wall_seconds' in r
                              and ('trained_on' in r or '--score-only' not in rec['command'])),   # the training's
                             (None, {}))
            trained = dict(trained_on=prev.get('trained_on', rec['machine'])) if rec else {}   # timed there, scored here
            runs.append(dict(prev, folder=str(folder), mark=m, **trained)); continue
        if folder.exists() and any(folder.iterdir()): sys.exit(f"{folder} holds a run; --score-only scores it, or remove it")
        folder.mkdir(parents=True, exist_ok=True)
        runs.append(dict(folder=str(folder), mark=m, **train_run(a, kind, m, folder)))
    if not a.train_only:
        for r in runs:
            fig = Path(a.figures) / f"{a.dataset}_{a.name}_{r['mark']:g}{kind}.png" if a.figures else None
            r |= score_run(a, Path(r['folder']), fig)
    scored = [r for r in runs if 'reference_n' in r]
    ref = dict(n=scored[0]['reference_n'], synthetic_only_accuracy=scored[0]['reference_accuracy'],
               frechet_classifier=scored[0]['reference_frechet']) if scored else None
    print_table(a, kind, runs, ref)
    write_record('quality_vs_compute', settings=dict(dataset=a.dataset, name=a.name, kind=kind, marks=ms, n=a.n, args=a.args,
                                                         guidance_scale=a.guidance_scale, sampler=a.sampler,
                                                         sampling_steps=a.sampling_steps),
                 results=dict(runs=runs, reference=ref))


def print_table(a, kind, runs, ref):
    print(f"\n{a.dataset}, {a.name} ({a.args or 'the recipe'}): {a.n} samples per run")
    print(f"{kind:>8}{'wall min':>9}{'updates':>8}{'synthetic':>10}{'ratio':>7}{'=N ratio':>9}{'Fréchet':>9}{'× real N':>9}")
    for r in runs:
        f = lambda k, w, p: f"{r[k]:{w}.{p}f}" if r.get(k) is not None else ' ' * (w - 1) + '–'
        print(f"{r['mark']:8g}{r.get('wall_seconds', float('nan')) / 60:9.2f}{r.get('step', 0):8d}{f('synthetic_only_accuracy', 10, 3)}"
              f"{f('accuracy_ratio', 7, 3)}{f('ratio_equal_n', 9, 3)}{f('frechet_classifier', 9, 4)}{f('frechet_x_reference', 9, 1)}")
    if ref: print(f"{'real N':>8}{'':17}{ref['synthetic_only_accuracy']:10.3f}{'':16}{ref['frechet_classifier']:9.4f}   ({ref['n']} real training images)")


if __name__ == '__main__': main()
