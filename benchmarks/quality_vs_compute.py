"""Sample quality against training time: md-train's default job (class-conditional unet_small on digits, the digits
recipe) trained once, with the EMA weights snapshotted after --minutes of wall-clock training, each snapshot scored
with md-eval's metrics (real-only vs synthetic-only accuracy, classifier-feature Fréchet distance).

    python benchmarks/quality_vs_compute.py                  # 2, 5, 10, 20 minutes on this machine's CPU
    python benchmarks/quality_vs_compute.py --minutes 1,2 --n 500

Goal (issue): synthetic-only accuracy >= 0.97 x real-only on digits within 10 minutes of 2-core CPU training.
Run it on an otherwise idle machine: the clock is wall time.
"""
import argparse, copy, json, time
import torch
from minimal_diffusion import train as T
from minimal_diffusion.data import get_dataset
from minimal_diffusion.schedules import GaussianDiffusion
from minimal_diffusion.trainers import get_trainer
from minimal_diffusion.trainers.base_trainer import seed_everything
from minimal_diffusion.evaluation import evaluate


def score(d, ema, n, sampler, steps, seed, bf16):
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):   # sample as md-train does; evaluate in float32
        x, y = T.sample_many(d, ema, n, (1, 16, 16), 250, 10, seed, steps=steps, sampler=sampler, progress=False)
    return evaluate(x, y, 'digits', inception=False)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--minutes', default='2,5,10,20'); p.add_argument('--n', type=int, default=1000, help='samples per score (the synthetic-only classifier trains on them)')
    p.add_argument('--sampler', default='dpmpp'); p.add_argument('--steps', type=int, default=20)
    p.add_argument('--json', default=None, help='also write the rows here')
    a = p.parse_args()
    marks = [float(m) * 60 for m in a.minutes.split(',')]
    c = T.parse_args([])                                   # exactly md-train's defaults (digits recipe)
    c.class_cond = True
    meta = T.get_metadata(c.dataset)
    torch.manual_seed(c.seed)
    model = T.build_model(c, meta)
    d = GaussianDiffusion(c.diffusion_steps, c.schedule, c.pred)
    bf16 = T.fast_path_default(torch.device('cpu'))        # md-train's default precision on this CPU
    tr = get_trainer(c.trainer)(model, d, get_dataset(c.dataset, train=True, seed=c.seed), batch_size=c.batch_size, epochs=10**6,
                                lr=c.lr, ema_w=c.ema_w, class_cond=True, seed=c.seed, progress=False, bf16=bf16)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {c.arch} on {c.dataset}, batch {c.batch_size}, lr {c.lr}, "
          f"{'bf16 + channels_last' if bf16 else 'float32'}; "
          f"scored with {a.sampler} {a.steps} steps, {a.n} samples")
    snaps, t_train = [], 0.
    while marks:
        t0 = time.perf_counter()
        seed_everything(tr.seed, tr.epoch, 0); tr.model.train(); tr.train_one_epoch(); tr.epoch += 1
        t_train += time.perf_counter() - t0
        if t_train >= marks[0]:
            snaps.append((marks.pop(0), t_train, tr.epoch, tr.step, copy.deepcopy(tr.ema.module).eval()))
            print(f"  snapshot after {t_train / 60:.1f} min ({tr.epoch} epochs, {tr.step} steps)", flush=True)
    rows = []
    print(f"\n{'minutes':>8}{'epochs':>8}{'steps':>7}{'real-only':>11}{'synthetic':>11}{'ratio':>7}{'Fréchet':>9}{'(real floor)':>13}")
    for mark, t, ep, st, ema in snaps:
        r = score(d, ema, a.n, a.sampler, a.steps, c.seed, bf16)
        rows.append(dict(minutes=round(t / 60, 2), epochs=ep, steps=st, **{k: r[k] for k in
                    ('real_only_accuracy', 'synthetic_only_accuracy', 'accuracy_ratio', 'frechet_classifier', 'frechet_classifier_real_train')}))
        q = rows[-1]
        print(f"{q['minutes']:8.1f}{ep:8d}{st:7d}{q['real_only_accuracy']:11.3f}{q['synthetic_only_accuracy']:11.3f}"
              f"{q['accuracy_ratio']:7.3f}{q['frechet_classifier']:9.3f}{q['frechet_classifier_real_train']:13.3f}", flush=True)
    if a.json: open(a.json, 'w').write(json.dumps(rows, indent=1))
    print(f"\nreproduce: python benchmarks/quality_vs_compute.py --minutes {a.minutes} --n {a.n} --sampler {a.sampler} --steps {a.steps}")


if __name__ == '__main__': main()
