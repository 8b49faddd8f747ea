"""Sample quality against training time: a dataset's md-train recipe trained once, exactly as md-train trains it
(same settings, checkpoints and sample grids every --save-every epochs), with the EMA weights snapshotted when the
training clock passes each of --minutes; every snapshot is sampled with the recipe's sampler and scored with md-eval's
metrics against the real test split.

    python benchmarks/quality_vs_compute.py --dataset fashion_mnist --minutes 10,30,60 --n 20000
    python benchmarks/quality_vs_compute.py --minutes 2,5,10                     # digits, the default job

Prints one row per snapshot: real-only and synthetic-only accuracy and their ratio, the Fréchet distance in the
real-trained classifier's features next to its real-data floor, per-class synthetic-only accuracy, Inception FID where
local Inception weights are installed; and one reference row, the same classifier trained on --n real training
images (what perfect samples would score). Run it on an otherwise idle machine: the clock is wall time.
"""
import argparse, copy, json, signal, time
from pathlib import Path
import torch
from minimal_diffusion.data import get_dataset, get_metadata
from minimal_diffusion.recipes import recipe, build_model, build_diffusion, build_trainer
from minimal_diffusion.trainers.base_trainer import Interrupted
from minimal_diffusion.checkpoints import save_checkpoint
from minimal_diffusion.fast_path import fast_path_default, autocast
from minimal_diffusion.distributed import sample_many
from minimal_diffusion.sampling import save_grid
from minimal_diffusion.evaluation import evaluate, real_data, train_classifier, accuracy


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='digits'); p.add_argument('--data-dir', default=None)
    p.add_argument('--minutes', default='2,5,10', help='training-clock marks at which the EMA weights are snapshotted')
    p.add_argument('--updates', default=None, help='snapshot after these numbers of updates instead (for comparing recipes per update)')
    p.add_argument('--n', type=int, default=1000, help='class-balanced samples per snapshot (the synthetic-only classifier trains on them)')
    p.add_argument('--set', nargs='*', default=[], help='recipe overrides KEY=VALUE (Python literals), e.g. lr=1e-3 epochs=3')
    p.add_argument('--guidance', type=float, default=None, help="guidance scale for scoring (default: the recipe's)")
    p.add_argument('--out', default='runs/quality_vs_compute', help='the run (as md-train writes it), rows.json, grids')
    p.add_argument('--no-real-reference', action='store_true', help='skip the classifier trained on --n real images')
    p.add_argument('--stop-at-last-mark', action='store_true',
                   help='stop training at the last mark instead of finishing the recipe (a machine too slow for it)')
    p.add_argument('--train-only', action='store_true',
                   help='train and save the snapshots (RUN/snapshot_*.pt); score them later with score_checkpoint.py')
    return p.parse_args()


def settings(a):
    s = recipe(a.dataset)
    for kv in a.set:
        k, v = kv.split('=', 1)
        try: s[k] = eval(v, {})
        except Exception: s[k] = v
    if a.guidance is not None: s['guidance_scale'] = a.guidance
    return s


def train_with_snapshots(s, a, marks, by_updates=False):
    "Train the recipe; return [(mark, minutes, epoch, step, ema copy)] and the trainer."
    meta = get_metadata(a.dataset, data_dir=a.data_dir)
    torch.manual_seed(s['seed'])
    model, ds = build_model(s, meta), get_dataset(a.dataset, a.data_dir, train=True, seed=s['seed'])
    tr = build_trainer(s, model, build_diffusion(s), ds, bf16=fast_path_default('cpu'), class_cond=True, class_names=meta.classes,
                       save_dir=Path(a.out) / 'run', progress=False, args=dict(s, dataset=a.dataset))
    snaps, t0, paused, step = [], time.perf_counter(), [0.], tr.train_step
    clock = lambda: time.perf_counter() - t0 - paused[0]
    def snapshot(mark):
        t1 = time.perf_counter()
        snaps.append((mark, clock() / 60, tr.epoch, tr.step, copy.deepcopy(tr.ema.module).eval()))
        path = tr.save_dir / f"snapshot_{mark:g}{'updates' if by_updates else 'min'}.pt"
        save_checkpoint(tr.state_dict(), path)                # the whole run at this mark, for score_checkpoint.py
        print(f"  snapshot after {snaps[-1][1]:.1f} min of training ({tr.step} updates, {tr.epoch} epochs done): {path}",
              flush=True)
        paused[0] += time.perf_counter() - t1
    def timed_step(loss):
        done = step(loss)
        while done and marks and (tr.step if by_updates else clock() / 60) >= marks[0]: snapshot(marks.pop(0))
        if a.stop_at_last_mark and not marks: tr.stop_signal = signal.SIGTERM     # stops after this update
        return done
    tr.train_step = timed_step
    print(f"{s['arch']} {s['arch_kw']} on {a.dataset} ({len(ds)} images), batch {s['batch_size']}, lr {s['lr']} {s['lr_schedule']} "
          f"(warm-up {s['warmup_steps']}), {s['epochs']} epochs of {tr.steps_per_epoch} updates, EMA {s['ema_w']}, "
          f"{'bf16' if tr.bf16 else 'float32'}, {torch.get_num_threads()} threads", flush=True)
    try: tr.fit()
    except Interrupted: print(f"  stopped at the last mark, {tr.step} of {tr.epochs * tr.steps_per_epoch} updates")
    print(f"  trained {tr.epoch} epochs ({tr.step} updates) in {clock() / 60:.1f} min", flush=True)
    for m in marks: snapshot(m)                 # marks past the end of the recipe: its final weights
    return snaps, tr


def sample_and_score(d, model, s, n, shape, nc, dataset, data_dir=None, bf16=False, prior=None):
    "`n` class-balanced samples drawn with run settings `s`'s sampler, scored by md-eval: (samples, labels, metrics)."
    t0 = time.perf_counter()
    with autocast('cpu', bf16):
        x, y = sample_many(d, model, n, shape, 250, nc, s['seed'], steps=s['sampling_steps'], sampler=s['sampler'],
                           guidance_scale=s['guidance_scale'], prior=prior)
    r = evaluate(x, y, dataset, data_dir)
    return x, y, dict(r, seconds_sampling=round(time.perf_counter() - t0 - r['seconds_total'], 1))


def score(tr, ema, s, a, nc):
    return sample_and_score(tr.diffusion, ema, s, a.n, tuple(tr.dataset[0][0].shape), nc, a.dataset, a.data_dir, tr.bf16)


def class_grid(x, y, names, path):
    "Save the first ten samples of each class as a grid, one labelled row per class."
    order = torch.cat([torch.nonzero(y == c)[:10, 0] for c in range(len(names))])
    save_grid(x[order], path, nrow=10, row_labels=names)


def real_reference(a, nc, seed=0):
    "The md-eval classifier trained on --n class-balanced real training images: what perfect samples would score."
    xtr, ytr = real_data(a.dataset, a.data_dir, True); xte, yte = real_data(a.dataset, a.data_dir, False)
    g = torch.Generator().manual_seed(seed)
    idx = torch.cat([torch.nonzero(ytr == c)[:, 0][torch.randperm(int((ytr == c).sum()), generator=g)[:a.n // nc]] for c in range(nc)])
    return accuracy(train_classifier(xtr[idx], ytr[idx], nc, seed=seed), xte, yte)


def main():
    a = parse()
    s, marks = settings(a), [float(m) for m in (a.updates or a.minutes).split(',')]
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    snaps, tr = train_with_snapshots(s, a, list(marks), by_updates=bool(a.updates))
    if a.train_only: return
    nc, names = tr.num_classes, get_metadata(a.dataset).classes
    rows = []
    head = f"{'minutes':>8}{'epochs':>7}{'updates':>8}{'real-only':>10}{'synthetic':>10}{'ratio':>7}{'Fréchet':>9}{'floor':>7}{'FID':>7}"
    print(f"\nscored on {a.n} samples ({s['sampler']}, {s['sampling_steps']} steps, guidance {s['guidance_scale']})\n{head}")
    for mark, minutes, ep, st, ema in snaps:
        x, y, r = score(tr, ema, s, a, nc)
        rows.append(dict(mark=mark, minutes=round(minutes, 1), epochs=ep, updates=st, **r))
        fid = f"{r['inception_fid']:7.2f}" if r.get('inception_fid') is not None else '      –'
        print(f"{minutes:8.1f}{ep:7d}{st:8d}{r['real_only_accuracy']:10.3f}{r['synthetic_only_accuracy']:10.3f}{r['accuracy_ratio']:7.3f}"
              f"{r['frechet_classifier']:9.3f}{r['frechet_classifier_real_train']:7.3f}{fid}", flush=True)
        print('         per class: ' + ', '.join(f"{n} {v:.2f}" for n, v in zip(names, r['synthetic_only_per_class'])), flush=True)
        class_grid(x, y, names, out / f"samples_{mark:g}{'updates' if a.updates else 'min'}.png")
    if not a.no_real_reference:
        ref = real_reference(a, nc)
        rows.append(dict(reference=f'{a.n} real training images', synthetic_only_accuracy=ref,
                         accuracy_ratio=ref / rows[0]['real_only_accuracy']))
        print(f"reference: the classifier trained on {a.n} real training images scores {ref:.3f} "
              f"(ratio {ref / rows[0]['real_only_accuracy']:.3f})")
    (out / 'rows.json').write_text(json.dumps(dict(settings=s, rows=rows), indent=1, default=str))
    sets = ' '.join(a.set)
    print(f"\nreproduce: python benchmarks/quality_vs_compute.py --dataset {a.dataset} "
          + (f"--updates {a.updates}" if a.updates else f"--minutes {a.minutes}") + f" --n {a.n}"
          + (f" --set {sets}" if sets else '') + (f" --guidance {a.guidance:g}" if a.guidance is not None else '')
          + (' --stop-at-last-mark' if a.stop_at_last_mark else ''))


if __name__ == '__main__': main()
