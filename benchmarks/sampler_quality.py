"""Sample quality against the number of model calls, for one trained checkpoint: every sampler of chapter 01 (DDPM,
DDIM with eta 0 and 1, DPM-Solver++ 2M, 3M and SDE-2M, UniPC, Heun) at each step count, with even ('trailing') or Karras
spacing, and classifier-free guidance scales 2 and 4 (DPM-Solver++, 20 steps). Heun makes 2S - 2 model calls in S
steps; the others S.

    md-train --save-dir runs/digits                       # the default job (a few minutes on 2 cores)
    python benchmarks/sampler_quality.py runs/digits/checkpoint_epoch_40.pt
    python benchmarks/sampler_quality.py CKPT --n 5000 --steps 5,8 --samplers ddpm,dpmpp,dpmpp3m,heun --spacings trailing,karras

Goal (issue): a configuration that matches DDPM-250's quality in <= 8 model calls on Fashion-MNIST. DDPM always gets a
250-step reference row; the summary names, for each budget of calls, the row with the lowest Fréchet distance.
"""
import argparse, json
from minimal_diffusion.checkpoints import load_checkpoint, load_for_sampling
from minimal_diffusion.distributed import sample_many
from minimal_diffusion.fast_path import fast_path, autocast
from minimal_diffusion.evaluation import evaluate
from records import write_record

SAMPLERS = dict(ddpm=('ddpm', 0.), ddim=('ddim', 0.), ddim1=('ddim', 1.), dpmpp=('dpmpp', 0.), dpmpp3m=('dpmpp3m', 0.),
                unipc=('unipc', 0.), dpmpp_sde=('dpmpp_sde', 0.), heun=('heun', 0.))


def calls(sampler:str, steps:int)->int: return max(2 * steps - 2, 1) if sampler == 'heun' else steps


def configurations(samplers:list, steps:list, spacings:list)->list:
    "(sampler, eta, spacing, steps, guidance) for every row asked for; DDPM below 10 steps is skipped, DDPM-250 added."
    rows = [(*SAMPLERS[k], sp, S, 1.) for k in samplers if k in SAMPLERS for sp in spacings for S in steps
            if not (k == 'ddpm' and S < 10) and not (k == 'ddim1' and S > 50)]
    if 'ddpm' in samplers and ('ddpm', 0., 'trailing', 250, 1.) not in rows: rows.insert(0, ('ddpm', 0., 'trailing', 250, 1.))
    if 'guidance' in samplers: rows += [('dpmpp', 0., 'trailing', 20, w) for w in (2., 4.)]
    return rows


def best_within(rows:list, budgets=(5, 8, 10, 20))->dict:
    "For each budget of model calls, the unguided row with the lowest Fréchet distance that fits in it."
    fit = lambda b: [x for x in rows if x['calls'] <= b and x['guidance'] == 1]
    return {b: min(fit(b), key=lambda x: x['frechet_classifier']) for b in budgets if fit(b)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ckpt'); p.add_argument('--n', type=int, default=1000, help='samples per row (the synthetic-only classifier trains on them)')
    p.add_argument('--steps', default='5,10,20,50,250', help='step counts for every sampler (DDPM below 10 steps is skipped)')
    p.add_argument('--samplers', default='ddpm,ddim,ddim1,dpmpp,guidance',
                   help=f"which rows, of {', '.join(SAMPLERS)} (ddim1 is DDIM with eta 1) and guidance (DPM-Solver++ 20 steps at w = 2, 4)")
    p.add_argument('--spacings', default='trailing', help='trailing (even in t), karras, or both')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--bf16', action='store_true', help='sample on the fast path: bf16 autocast, channels-last model')
    p.add_argument('--json', default=None)
    a = p.parse_args()
    unknown = set(a.samplers.split(',')) - set(SAMPLERS) - {'guidance'}
    if unknown: p.error(f"unknown --samplers {', '.join(sorted(unknown))}; choose from {', '.join(SAMPLERS)}, guidance")
    ck = load_checkpoint(a.ckpt)
    model, d, prior = load_for_sampling(ck)
    model = fast_path(model, 'cpu', a.bf16)
    nc, size, ch = model.num_classes, ck['arch']['image_size'], ck['arch']['in_channels']
    dataset = ck['args'].get('dataset', 'digits')
    runs = configurations(a.samplers.split(','), [int(s) for s in a.steps.split(',')], a.spacings.split(','))
    print(f"{a.ckpt}: {ck['arch']['name']}, {ck['step']} updates; {a.n} samples per row, md-eval metrics on {dataset}")
    print(f"{'sampler':9}{'eta':>5}{'spacing':>10}{'steps':>7}{'calls':>7}{'guid.':>7}{'synthetic':>11}{'ratio':>7}"
          f"{'Fréchet':>9}{'distinct':>10}")
    rows = []
    for smp, eta, spacing, S, w in runs:
        with autocast('cpu', a.bf16):
            x, y = sample_many(d, model, a.n, (ch, size, size), 250, nc, a.seed, steps=S, sampler=smp, eta=eta,
                               guidance_scale=w, spacing=spacing)
        r = evaluate(x, y, dataset, inception=False)
        rows.append(dict(sampler=smp, eta=eta, spacing=spacing, steps=S, calls=calls(smp, S), guidance=w,
                         **{k: r[k] for k in ('real_only_accuracy', 'synthetic_only_accuracy', 'accuracy_ratio',
                                              'frechet_classifier', 'distinct_fraction')}))
        print(f"{smp:9}{eta:5.1f}{spacing:>10}{S:7d}{calls(smp, S):7d}{w:7.1f}{r['synthetic_only_accuracy']:11.3f}"
              f"{r['accuracy_ratio']:7.3f}{r['frechet_classifier']:9.3f}{r['distinct_fraction']:10.3f}", flush=True)
    print(f"real-only accuracy {rows[0]['real_only_accuracy']:.3f}")
    best = best_within(rows)
    ref = next((x for x in rows if x['sampler'] == 'ddpm' and x['steps'] == 250), None)
    for b, x in best.items():
        print(f"best in <= {b} calls: {x['sampler']} ({x['spacing']}, {x['steps']} steps): Fréchet "
              f"{x['frechet_classifier']:.3f}, ratio {x['accuracy_ratio']:.3f}"
              + (f"; DDPM-250: {ref['frechet_classifier']:.3f}, {ref['accuracy_ratio']:.3f}" if ref else ''))
    if a.json: open(a.json, 'w').write(json.dumps(rows, indent=1))
    write_record('sampler_quality', settings=dict(vars(a), dataset=dataset, checkpoint_step=ck['step'],
                                                  checkpoint_args={k: ck['args'].get(k) for k in ('arch', 'epochs', 'updates', 'minutes', 'bf16')}),
                 results=dict(rows=rows, best_within={str(b): x for b, x in best.items()}, ddpm250=ref))
    print(f"reproduce: python benchmarks/sampler_quality.py {a.ckpt} --n {a.n} --steps {a.steps} --samplers {a.samplers} "
          f"--spacings {a.spacings} --seed {a.seed}" + (' --bf16' if a.bf16 else ''))


if __name__ == '__main__': main()
