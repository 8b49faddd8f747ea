"""Sample quality against the number of model calls, for one trained checkpoint: DDPM, DDIM (eta 0 and 1) and
DPM-Solver++(2M) at 5..250 steps, and classifier-free guidance scales 1, 2, 4 (DPM-Solver++, 20 steps).

    md-train --save-dir runs/digits                       # the default job (a few minutes on 2 cores)
    python benchmarks/sampler_quality.py runs/digits/checkpoint_epoch_40.pt

Goal (issue): DPM-Solver++ at 20 calls within 1 point of DDPM-250 synthetic-only accuracy.
"""
import argparse, json
from minimal_diffusion.checkpoints import load_checkpoint, load_for_sampling
from minimal_diffusion.distributed import sample_many
from minimal_diffusion.fast_path import fast_path, autocast
from minimal_diffusion.evaluation import evaluate
from records import write_record


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ckpt'); p.add_argument('--n', type=int, default=1000, help='samples per row (the synthetic-only classifier trains on them)')
    p.add_argument('--steps', default='5,10,20,50,250', help='step counts for every sampler (DDPM below 10 steps is skipped)')
    p.add_argument('--samplers', default='ddpm,ddim,ddim1,dpmpp,guidance', help='which rows: ddim1 is DDIM with eta 1, guidance is DPM-Solver++ 20 steps at w = 2, 4')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--bf16', action='store_true', help='sample on the fast path: bf16 autocast, channels-last model')
    p.add_argument('--json', default=None)
    a = p.parse_args()
    ck = load_checkpoint(a.ckpt)
    model, d, prior = load_for_sampling(ck)
    model = fast_path(model, 'cpu', a.bf16)
    nc, size, ch = model.num_classes, ck['arch']['image_size'], ck['arch']['in_channels']
    steps = [int(s) for s in a.steps.split(',')]
    rows_wanted = a.samplers.split(',')
    runs = [(smp, eta, S, 1.) for key, smp, eta in (('ddpm', 'ddpm', 0.), ('ddim', 'ddim', 0.), ('ddim1', 'ddim', 1.), ('dpmpp', 'dpmpp', 0.))
            for S in steps if key in rows_wanted and not (smp == 'ddpm' and S < 10) and not (eta == 1. and S > 50)]
    if 'guidance' in rows_wanted: runs += [('dpmpp', 0., 20, w) for w in (2., 4.)]
    print(f"{a.ckpt}: {ck['arch']['name']}, {ck['epoch']} epochs; {a.n} samples per row, md-eval metrics on {ck['args'].get('dataset', 'digits')}")
    print(f"{'sampler':8}{'eta':>5}{'steps':>7}{'guid.':>7}{'synthetic':>11}{'ratio':>7}{'Fréchet':>9}{'distinct':>10}")
    rows = []
    for smp, eta, S, w in runs:
        with autocast('cpu', a.bf16):
            x, y = sample_many(d, model, a.n, (ch, size, size), 250, nc, a.seed, steps=S, sampler=smp, eta=eta, guidance_scale=w)
        r = evaluate(x, y, ck['args'].get('dataset', 'digits'), inception=False)
        rows.append(dict(sampler=smp, eta=eta, steps=S, guidance=w, **{k: r[k] for k in ('real_only_accuracy', 'synthetic_only_accuracy',
                         'accuracy_ratio', 'frechet_classifier', 'distinct_fraction')}))
        print(f"{smp:8}{eta:5.1f}{S:7d}{w:7.1f}{r['synthetic_only_accuracy']:11.3f}{r['accuracy_ratio']:7.3f}{r['frechet_classifier']:9.3f}"
              f"{r['distinct_fraction']:10.3f}", flush=True)
    print(f"real-only accuracy {rows[0]['real_only_accuracy']:.3f}")
    if a.json: open(a.json, 'w').write(json.dumps(rows, indent=1))
    write_record('sampler_quality', settings=dict(vars(a), dataset=ck['args'].get('dataset', 'digits'), checkpoint_step=ck['step'],
                                                  checkpoint_args={k: ck['args'].get(k) for k in ('arch', 'epochs', 'updates', 'minutes', 'bf16')}),
                 results=dict(rows=rows))
    print(f"reproduce: python benchmarks/sampler_quality.py {a.ckpt} --n {a.n} --steps {a.steps} --samplers {a.samplers} --seed {a.seed}" + (' --bf16' if a.bf16 else ''))


if __name__ == '__main__': main()
