"""The README's and chapters' measured tables, made from the records under results/ (see records.py).

    python benchmarks/report.py            # rewrite every marked section of README.md and the notebooks
    python benchmarks/report.py --check    # exit 1 and name the sections that disagree with the records

A section is the text between `<!-- results: NAME -->` and `<!-- /results -->` in README.md or a notebook's markdown
cell; SECTIONS says how each is drawn from records. Every row names the machine its record came from.
"""
import argparse, hashlib, json, os, re, sys
from pathlib import Path
from records import ROOT, RESULTS, read_records, machine_label

MARK = re.compile(r'(<!-- results: (\w+) -->\n)(.*?)(<!-- /results -->)', re.S)


def latest_by_machine(records:list, key=lambda r: (), machine=lambda r: r['machine'])->list:
    "The newest record per (machine, key(record)), in the order those first appear."
    seen = {}
    for r in records: seen[(machine_label(machine(r)), key(r))] = r
    return list(seen.values())


def trained_on(r:dict, records:list)->dict:
    "The machine a quality record's runs were trained and timed on: a --score-only record's is its training record's."
    runs = lambda t: {(x['folder'], x.get('wall_seconds')) for x in t['results']['runs']}
    train = [t for t in records if t['date'] <= r['date'] and runs(t) == runs(r)
             and not any('synthetic_only_accuracy' in x for x in t['results']['runs'])]
    if train: return train[-1]['machine']                   # the record of the training itself is the truth
    if all('trained_on' in x for x in r['results']['runs']): return r['results']['runs'][0]['trained_on']
    return r['machine']


def pct(v): return f"{100 * v:.1f}" if v is not None else '–'
def num(v, p=3): return f"{v:.{p}f}" if v is not None else '–'


def quality_table(records:list, dataset:str, kind:str, name:str='recipe')->str:
    "Rows of quality_vs_compute's `name` runs on `dataset` of length `kind` (the newest per machine and budget), and the real-N rows."
    recs = [r for r in records if r['settings']['dataset'] == dataset and r['settings']['name'] == name
            and r['settings']['kind'] == kind and r['settings']['args'] == '' and r['results'].get('reference')
            and all('synthetic_only_accuracy' in x for x in r['results']['runs'])]
    rows = ['| machine | run | budget | updates | wall time | sampler | guidance | synthetic-only % | ratio to N real | Fréchet '
            '| × N real | record |', '|---|---|---|---|---|---|---|---|---|---|---|---|']
    machine = lambda r: trained_on(r, records)
    key = lambda r: (r['settings']['name'], r['settings']['kind'], tuple(r['settings']['marks']),   # a run sampled
                     *(r['settings'].get(k) for k in ('guidance_scale', 'sampler', 'sampling_steps')))   # otherwise: a row
    for r in latest_by_machine(recs, key, machine):
        m, s, ref = machine_label(machine(r)), r['settings'], r['results']['reference']
        for x in r['results']['runs']:
            wall = f"{x['wall_seconds'] / 60:.1f} min" if x.get('wall_seconds') else '–'
            w = x.get('sampled_with', {})
            sampler = f"{w['sampler']}, {w['sampling_steps']}" if w.get('sampler') else '–'
            rows.append(f"| {m} | {s['name']} | {x['mark']:g} {s['kind']} | {x['step']:,} | {wall} | {sampler} | "
                        f"{w.get('guidance_scale', 1.):g} | {pct(x['synthetic_only_accuracy'])} | "
                        f"{num(x.get('ratio_equal_n'))} | {num(x['frechet_classifier'], 4)} | "
                        f"{num(x.get('frechet_x_reference'), 1)} | [json]({r['path']}) |")
        rows.append(f"| {m} | {ref['n']:,} real training images | – | – | – | – | – | {pct(ref['synthetic_only_accuracy'])} | 1 | "
                    f"{num(ref['frechet_classifier'], 4)} | 1 | [json]({r['path']}) |")
    return '\n'.join(rows)


def conv_resampling(r:dict)->bool: return r['settings'].get('arch_kw', {}).get('resblock_updown') is False


def model_shape(r:dict)->tuple: return r['settings']['arch'], r['settings']['batch'], r['settings']['image_size'], conv_resampling(r)


def model_label(r:dict)->str: return r['settings']['arch'] + (' (conv resampling)' if conv_resampling(r) else '')


def step_gflop(x:dict)->float: return x['train_gflops'] * x['train_ms'] / 1e3   # a row's FLOPs per training step


def speed_table(records:list)->str:
    "speed.py: one row per configuration, the newest record per machine and model shape; a note where diffusers' model did other work."
    rows = ['| machine | model, batch, image | configuration | GFLOP per step | train step ms | × diffusers fp32 | forward ms '
            '| × diffusers fp32 | record |', '|---|---|---|---|---|---|---|---|---|']
    notes = []
    for r in latest_by_machine(records, model_shape):
        s, m = r['settings'], machine_label(r['machine'])
        shape = f"{model_label(r)}, {s['batch']}, {s['channels']}×{s['image_size']}×{s['image_size']}"
        for x in r['results']['rows']:
            rows.append(f"| {m} | {shape} | {x['name']} | {step_gflop(x):.1f} | {x['train_ms']:.0f} | {num(x.get('train_x_base'), 2)} | "
                        f"{x['forward_ms']:.0f} | {num(x.get('forward_x_base'), 2)} | [json]({r['path']}) |")
        ours, base = r['results']['rows'][0], next((x for x in r['results']['rows'] if x['name'] == 'diffusers fp32'), None)
        d = base and step_gflop(base) / step_gflop(ours) - 1
        if base and abs(d) > .02:
            notes.append(f"In [this record]({r['path']}) ({m}, {shape}) diffusers' model did {abs(100 * d):.0f}% "
                         f"{'more' if d > 0 else 'fewer'} FLOPs per training step than ours (the GFLOP column), so its "
                         f"× diffusers columns {'overstate' if d > 0 else 'understate'} ours at equal work.")
    return '\n'.join(rows) + ''.join(f'\n\n{n}' for n in notes)


def same_samples_rows(r:dict, records:list)->list:
    "The rows of sampler_quality record `r`, then those of others of the same machine, checkpoint and samples, each with its record's path."
    same = lambda q: q['machine'] == r['machine'] and all(q['settings'].get(k) == r['settings'].get(k)
                                                         for k in ('ckpt', 'checkpoint_step', 'n', 'seed', 'bf16'))
    key = lambda x: (x['sampler'], x['eta'], x.get('spacing'), x['steps'], x['guidance'])
    rows = [dict(x, record=r['path']) for x in r['results']['rows']]
    for q in sorted((q for q in records if q is not r and same(q)), key=lambda q: q['date'], reverse=True):
        have = {key(y) for y in rows}
        rows += [dict(x, record=q['path']) for x in q['results']['rows'] if key(x) not in have]
    return rows


def samplers_table(records:list)->str:
    "sampler_quality: accuracy (Fréchet) per sampler and number of model calls; the newest record per machine and dataset."
    out = []
    names = dict(ddpm='DDPM', dpmpp='DPM-Solver++(2M)', dpmpp3m='DPM-Solver++(3M)', unipc='UniPC', heun='Heun',
                 dpmpp_sde='SDE-DPM-Solver++(2M)')
    for r in latest_by_machine(records, lambda r: r['settings'].get('dataset')):
        rows = same_samples_rows(r, records)
        n_calls = lambda x: x.get('calls', x['steps'])
        calls = sorted({n_calls(x) for x in rows if x['guidance'] == 1})
        name = lambda x: (names.get(x['sampler']) or f"DDIM, η = {x['eta']:g}") + \
                         (', Karras' if x.get('spacing', 'trailing') == 'karras' else '')
        lines = ['| sampler \\ model calls | ' + ' | '.join(map(str, calls)) + ' |', '|---|' + '---|' * len(calls)]
        for n in dict.fromkeys(name(x) for x in rows if x['guidance'] == 1):
            cell = {n_calls(x): f"{pct(x['synthetic_only_accuracy'])} ({num(x['frechet_classifier'])})" for x in rows
                    if name(x) == n and x['guidance'] == 1}
            lines.append(f'| {n} | ' + ' | '.join(cell.get(k, '–') for k in calls) + ' |')
        for x in rows:
            if x['guidance'] != 1: lines.append(f"| DPM-Solver++, guidance {x['guidance']:g}, {x['steps']} steps | "
                                                f"{pct(x['synthetic_only_accuracy'])} ({num(x['frechet_classifier'])}) |"
                                                + ' |' * (len(calls) - 1))
        paths = list(dict.fromkeys(x['record'] for x in rows))
        links = 'records ' + ', '.join(f"[{i}]({p})" for i, p in enumerate(paths, 1)) if paths[1:] else f"[record]({r['path']})"
        out.append('\n'.join(lines) + f"\n\n{r['settings']['dataset']}, {machine_label(r['machine'])}, "
                   f"{r['settings']['n']} samples per cell: {links}")
    return '\n\n'.join(out)


def video_table(records:list)->str:
    "video_priors: per prior and regulariser weight, flicker, frozen clips, class accuracy and identity, DDIM and DDPM."
    out = []
    cols = (('tc', 3), ('frozen', 2), ('acc', 2), ('identity', 2))
    cells = lambda i, d: ' | '.join(f"{i[k]:.{p}f} | {d[k]:.{p}f}" for k, p in cols)
    for r in latest_by_machine(records):
        real, rows = r['results']['real'], r['results']['rows']
        lines = ['| prior | reg | tc DDIM | tc DDPM | frozen DDIM | frozen DDPM | acc DDIM | acc DDPM | identity DDIM | '
                 'identity DDPM | train s |', '|---|---|---|---|---|---|---|---|---|---|---|',
                 f"| real clips | – | {cells(real, real)} | – |"]
        lines += [f"| {x['prior']} | {x['reg_weight']:g} | {cells(x['ddim'], x['ddpm'])} | {x['train_s']:.0f} |" for x in rows]
        out.append('\n'.join(lines) + f"\n\n{machine_label(r['machine'])}, "
                   f"{rows[0]['steps']} updates per run: [record]({r['path']})")
    return '\n\n'.join(out)


def bf16_sentence(records:list)->str:
    "speed.py: the bf16 fast path against float32 (trainer step and sampling forward), one sentence per machine and model."
    out = []
    for r in latest_by_machine(records, model_shape):
        rows, s = {x['name'].split(' ', 2)[-1]: x for x in r['results']['rows'] if x['name'].startswith('ours')}, r['settings']
        fp32, bf16 = rows.get('fp32 trainer step'), rows.get('bf16+CL trainer step')
        if not (fp32 and bf16): continue
        out.append(f"On a {machine_label(r['machine'])}, {model_label(r)} at batch {s['batch']} of {s['channels']}×{s['image_size']}×"
                   f"{s['image_size']}: the bf16 trainer step ran {fp32['train_ms'] / bf16['train_ms']:.2f}× as fast as the "
                   f"float32 one, its sampling forward {fp32['forward_ms'] / bf16['forward_ms']:.2f}× ([record]({r['path']})).")
    return '\n'.join(out)


def tensorboard_sentence(records:list)->str:
    "tensorboard_overhead: the writer's cost, one sentence per machine."
    return '\n'.join(f"With the writer, epochs of the {r['settings']['dataset']} recipe took {r['results']['ratio_median']:.2f}× "
                     f"the time of epochs without it (median of {r['settings']['rounds']} interleaved pairs, range "
                     f"{r['results']['ratio_min']:.2f}–{r['results']['ratio_max']:.2f}), and a sample grid "
                     f"{r['results']['grid_ms']:.1f} ms per save ({machine_label(r['machine'])}, [record]({r['path']}))."
                     for r in latest_by_machine(records))


def loop_sentence(records:list)->str:
    "loop_overhead: md-train's loop against the bare trainer step, one sentence per machine (the newest record)."
    return '\n'.join(f"On a {machine_label(r['machine'])}, the {r['settings']['dataset']} recipe's updates as `fit` runs them "
                     f"made {r['results']['loop_img_s']:.0f} images/s against the bare step's {r['results']['bare_img_s']:.0f}: "
                     f"the loop costs {100 * (r['results']['loop_over_bare'] - 1):+.1f}% ([record]({r['path']}))."
                     for r in latest_by_machine(records))


def default_job_sentence(records:list)->str:
    "The default job's wall time, from quality_vs_compute's digits records."
    recs = [r for r in records if r['settings']['dataset'] == 'digits' and r['settings']['kind'] == 'epochs'
            and r['settings']['args'] == '' and r['results']['runs'][0].get('wall_seconds')]
    machine = lambda r: trained_on(r, records)
    return '\n'.join(f"On a {machine_label(machine(r))} the whole default job took "
                     f"{r['results']['runs'][0]['wall_seconds'] / 60:.1f} minutes ([record]({r['path']}))."
                     for r in latest_by_machine(recs, machine=machine))


STUDY = ('baseline', 'dropout0', 'minsnr5', 'batch32', 'blocks1', 'recipe', 'updown_conv')   # chapter 18's contenders


def study_rows(records:list, minutes:float=15)->list:
    "The newest scored `minutes`-minute Fashion-MNIST run of each study contender on each machine, in STUDY's order."
    out = {}
    for r in records:
        s = r['settings']
        if s['dataset'] != 'fashion_mnist' or s['kind'] != 'minutes' or s['name'] not in STUDY or not r['results'].get('reference'): continue
        if s.get('sampler') or s.get('sampling_steps'): continue           # scored with another sampler than the run's
        m = trained_on(r, records)
        for x in r['results']['runs']:
            if x['mark'] == minutes and 'ratio_equal_n' in x:
                out[(machine_label(m), s['name'])] = dict(name=s['name'], args=s['args'], run=x, reference=r['results']['reference'],
                                                          record=r, machine=m)
    machines = dict.fromkeys(k[0] for k in out)                # in the order their first contender was recorded
    return [out[(m, n)] for m in machines for n in STUDY if (m, n) in out]


def study_budgets(records:list, marks=(15, 60))->list:
    "`study_rows` for each budget in `marks`, each row with its `minutes`."
    return [x | dict(minutes=m) for m in marks for x in study_rows(records, m)]


def study_table(records:list)->str:
    "Chapter 18's study: per machine, contender and budget (15 and 60 minutes), the updates it bought and quality at equal N."
    rows, out = study_budgets(records), []
    for label in dict.fromkeys(machine_label(x['machine']) for x in rows):
        these = [x for x in rows if machine_label(x['machine']) == label]
        lines = ['| contender | md-train flags | budget | updates | guidance | synthetic-only % | ratio to N real | Fréchet | '
                 '× N real | record |', '|---|---|---|---|---|---|---|---|---|---|']
        for c in these:
            x, w = c['run'], c['run'].get('sampled_with', {}).get('guidance_scale') or 1.
            flags = f"`{c['args']}`" if c['args'] else '(none)'
            lines.append(f"| {c['name']} | {flags} | {c['minutes']} min | {x['step']:,} | {w:g} | "
                         f"{pct(x['synthetic_only_accuracy'])} | {num(x['ratio_equal_n'])} | {num(x['frechet_classifier'], 4)} | "
                         f"{num(x['frechet_x_reference'], 1)} | [json]({c['record']['path']}) |")
        n = these[0]['reference']['n']
        lines.append(f"\n{label}: trained on all cores, each alone on the machine; {n:,} samples per run and {n:,} real "
                     "training images in the reference.")
        out.append('\n'.join(lines))
    return '\n\n'.join(out)


def per_update_rows(records:list)->list:
    """Every scored Fashion-MNIST recipe run, fitted to minutes or fixed in updates, in bf16 or float32, sampled as the
    recipe samples: dicts of the run, its record, the machine it trained on and its precision, by updates."""
    from minimal_diffusion.settings import recipe
    sampling = tuple(recipe('fashion_mnist')[k] for k in ('sampler', 'sampling_steps', 'guidance_scale'))
    out = {}
    for r in records:
        s = r['settings']
        if s['dataset'] != 'fashion_mnist' or s['name'] not in ('recipe', 'recipe_fp32') or s['args'] not in ('', '--no-bf16'): continue
        if not r['results'].get('reference'): continue
        m = trained_on(r, records)
        for x in r['results']['runs']:
            w = x.get('sampled_with', {})
            if 'ratio_equal_n' not in x or tuple(w.get(k) for k in ('sampler', 'sampling_steps', 'guidance_scale')) != sampling:
                continue
            out[(machine_label(m), x['folder'], x['step'])] = dict(run=x, record=r, machine=m, kind=s['kind'],
                                                                 bf16='in bf16' in x['said'][0])
    return sorted(out.values(), key=lambda c: c['run']['step'])


def per_update_table(records:list)->str:
    "Chapter 18: the recipe's quality against the updates its run made, whatever fixed their number, on every machine."
    rows = ['| updates | trained on | length | precision | synthetic-only % | ratio to N real | Fréchet | × N real | record |',
            '|---|---|---|---|---|---|---|---|---|']
    for c in per_update_rows(records):
        x, kind = c['run'], c['kind']
        rows.append(f"| {x['step']:,} | {machine_label(c['machine'])} | {x['mark']:g} {kind} | {'bf16' if c['bf16'] else 'float32'} | "
                    f"{pct(x['synthetic_only_accuracy'])} | {num(x['ratio_equal_n'])} | {num(x['frechet_classifier'], 4)} | "
                    f"{num(x['frechet_x_reference'], 1)} | [json]({c['record']['path']}) |")
    return '\n'.join(rows)


def ddp_table(records:list)->str:
    "ddp_overhead: backward with and without the all-reduce, per width; the newest record per machine."
    out = []
    for r in latest_by_machine(records):
        lines = ['| `unet_custom` width | gradients | backward, synced | `no_sync` | all-reduce overhead | all-reduce alone |',
                 '|---|---|---|---|---|---|']
        for x in r['results']['rows']:
            over = x['synced_ms'] - x['no_sync_ms']
            lines.append(f"| {x['width']} | {x['gradient_mb']:.1f} MB | {x['synced_ms']:.0f} ms | {x['no_sync_ms']:.0f} ms | "
                         f"{over:.0f} ms ({100 * over / x['no_sync_ms']:.0f} %) | {x['all_reduce_ms']:.0f} ms "
                         f"({x['all_reduce_gb_s']:.2f} GB/s) |")
        out.append('\n'.join(lines) + f"\n\n{machine_label(r['machine'])}, two processes of one thread, batch "
                   f"{r['settings']['batch']} per process, median of {r['settings']['steps']}: [record]({r['path']})")
    return '\n\n'.join(out)


EDITS = dict(original='none: the test images themselves', inpaint_lower_half='the upper half (inpainting)',
             super_resolution_2x='the 2x2 block averages (super-resolution)', sdedit='the image, noised half-way (SDEdit)')


def editing_table(records:list)->str:
    "editing: how often md-eval's real classifier calls an edited test image its class; the newest record per machine."
    out = []
    for r in latest_by_machine(records, lambda r: r['settings']['dataset']):
        s = r['settings']
        lines = ['| the model is given | results called their class | inputs called their class |', '|---|---|---|']
        share = lambda v: f"{pct(v)} %" if v is not None else '–'
        lines += [f"| {EDITS.get(x['task'], x['task'])} | {share(x['accuracy'])} | {share(x.get('input_accuracy'))} |"
                  for x in r['results']['rows']]
        out.append('\n'.join(lines) + f"\n\n{machine_label(r['machine'])}: {s['dataset']}, up to {s['n']} test images, "
                   f"{s['steps']} DDPM steps, {s['resample']} takes per step where a part is kept, checkpoint at update "
                   f"{s['checkpoint_step']:,}: [record]({r['path']})")
    return '\n\n'.join(out)


def sample_row(x:dict)->str:
    "How a row of samples was drawn: how many, from which run and update, with which sampler and guidance."
    w = x['sampled_with']
    run = f", {w['minutes']:g}-minute run" if w.get('minutes') else ''
    return (f"{x['n']:,} samples{run} (update {x['step']:,}, {w['sampler']} {w['sampling_steps']} steps, "
            f"guidance {w['guidance_scale'] or 1:g})")


def inception_table(records:list)->str:
    "inception_fid: FID and KID against real training images, of real test images and of a run's samples."
    out = []
    for r in latest_by_machine(records, lambda r: r['settings']['dataset']):
        s, rows = r['settings'], ['| images | FID | KID × 10³ | precision | recall |', '|---|---|---|---|---|']
        for i, x in enumerate(r['results']['rows']):
            what = x['what'] if 'sampled_with' not in x else sample_row(x)
            if i and x['what'] == r['results']['rows'][i - 1]['what']: continue    # all of the test split is already N
            rows.append(f"| {what} | {x['inception_fid']:.2f} | {1e3 * x['inception_kid']:.2f} ± {1e3 * x['inception_kid_std']:.2f} "
                        f"| {x['inception_precision']:.3f} | {x['inception_recall']:.3f} |")
        out.append('\n'.join(rows) + f"\n\n{machine_label(r['machine'])}: {s['dataset']}, against {s['reference']}: "
                   f"[record]({r['path']})")
    return '\n\n'.join(out)


def memorisation_table(records:list)->str:
    "memorisation: copy rates of trained checkpoints; the newest record per machine."
    out = []
    for r in latest_by_machine(records):
        rows = ['| model | training images | updates | copy rate | median distance to the nearest training image: '
                'samples | held-out real images |', '|---|---|---|---|---|---|']
        rows += [f"| `{Path(x['checkpoint']).parent.name}` ({x['dataset']}) | {x['training_images']:,} | {x['updates']:,} | "
                 f"{x['copy_rate']:.3f} | {x['nearest_train_median']:.2f} | {x['nearest_train_median_heldout']:.2f} |"
                 for x in r['results']['runs']]
        out.append('\n'.join(rows) + f"\n\n{machine_label(r['machine'])}, {r['results']['runs'][0]['n']:,} samples "
                   f"per model: [record]({r['path']})")
    return '\n\n'.join(out)


OP_KINDS = dict(convolutions=('convolution',), GroupNorm=('group_norm',), copies=('copy_', '_to_copy'), SiLU=('silu',),
                attention=('bmm', 'softmax', 'attention'))   # bmm: only attention's matmuls are batched


def profile_table(records:list)->str:
    "profile_step: a training step's or a sampling forward's time by kind of op, the newest record per machine, model, work and precision."
    rows = ['| machine | model, batch, image | work | precision | ms | ' + ' | '.join(f'{k} %' for k in OP_KINDS) + ' | record |',
            '|---|---|---|---|---|' + '---|' * len(OP_KINDS) + '---|']
    key = lambda r: (r['settings']['arch'], r['settings']['image_size'], r['settings'].get('sampling', False), r['settings']['fp32'])
    for r in sorted(latest_by_machine(records, key), key=lambda r: r['settings'].get('sampling', False)):
        s, ops = r['settings'], r['results']['ops']
        share = lambda kind: sum(x['share'] for x in ops if any(k in x['op'] for k in OP_KINDS[kind]))
        work, batch = ('sampling forward', s['sample_batch']) if s.get('sampling') else ('training step', s['batch'])
        rows.append(f"| {machine_label(r['machine'])} | {s['arch']}, {batch}, {s['channels']}×{s['image_size']}×"
                    f"{s['image_size']} | {work} | {'float32' if s['fp32'] else 'bf16 + channels-last'} | {r['results']['step_ms']:.0f} | "
                    + ' | '.join(f"{100 * share(k):.0f}" for k in OP_KINDS) + f" | [json]({r['path']}) |")
    return '\n'.join(rows)


def attention_table(records:list)->str:
    "attention_speed: torch's SDPA against chunked bf16 matmuls per attention shape, the newest record per machine."
    rows = ['| machine | model | use | batch×heads, tokens, head dim | SDPA ms | chunked ms | chunked × | record |',
            '|---|---|---|---|---|---|---|---|']
    for r in latest_by_machine(records):
        rows += [f"| {machine_label(r['machine'])} | {x['model']} | {x['use']} | {x['batch']}×{x['heads']}, {x['tokens']:,}, "
                 f"{x['head_dim']} | {x['sdpa_ms']:.2f} | {x['chunked_ms']:.2f} | {x['chunked_speedup']:.2f} | [json]({r['path']}) |"
                 for x in r['results']['rows']]
    return '\n'.join(rows)


SECTIONS = {   # name -> a function of all records that returns the section's text
    'profile_step': lambda rs: profile_table(rs.get('profile_step', [])),
    'attention_speed': lambda rs: attention_table(rs.get('attention_speed', [])),
    'fashion_quality': lambda rs: quality_table(rs.get('quality_vs_compute', []), 'fashion_mnist', 'minutes'),
    'digits_quality': lambda rs: quality_table(rs.get('quality_vs_compute', []), 'digits', 'epochs'),
    'fashion_updates': lambda rs: per_update_table(rs.get('quality_vs_compute', [])),
    'speed_cpu': lambda rs: speed_table([r for r in rs.get('speed', []) if not r['machine'].get('gpu')]),
    'samplers': lambda rs: samplers_table(rs.get('sampler_quality', [])),
    'video_priors': lambda rs: video_table(rs.get('video_priors', [])),
    'bf16_default': lambda rs: bf16_sentence([r for r in rs.get('speed', []) if not r['machine'].get('gpu')]),
    'tensorboard': lambda rs: tensorboard_sentence(rs.get('tensorboard_overhead', [])),
    'loop_overhead': lambda rs: loop_sentence(rs.get('loop_overhead', [])),
    'default_job': lambda rs: default_job_sentence(rs.get('quality_vs_compute', [])),
    'fashion_study': lambda rs: study_table(rs.get('quality_vs_compute', [])),
    'ddp_overhead': lambda rs: ddp_table(rs.get('ddp_overhead', [])),
    'editing': lambda rs: editing_table(rs.get('editing', [])),
    'inception_fid': lambda rs: inception_table(rs.get('inception_fid', [])),
    'memorisation': lambda rs: memorisation_table(rs.get('memorisation', [])),
}


def all_records(root=RESULTS)->dict:
    "Every record, by benchmark."
    out = {}
    for r in read_records(root=root): out.setdefault(r['benchmark'], []).append(r)
    return out


def render(text:str, records:dict, up:str='')->str:
    "`text` with each marked section redrawn from `records` (a section without records says so); `up` leads to results/."
    def redraw(m):
        if m[2] not in SECTIONS: raise KeyError(f"no section named {m[2]!r} in report.py")
        body = SECTIONS[m[2]](records).replace('](results/', f']({up}results/')
        if body.count('\n') < 2 and '|' in body or not body.strip(): body = '*No record yet: run the command above.*'
        return m[1] + body + '\n' + m[4]
    return MARK.sub(redraw, text)


def up_to_root(f, root=ROOT)->str:
    "The relative path from file `f`'s folder to the project's root, for links ('' beside it, '../' from nbs/)."
    rel = os.path.relpath(root, Path(f).parent)
    return '' if rel == '.' else rel + '/'


def documents(root=ROOT):
    "The files with marked sections: README.md and the notebooks."
    return [root / 'README.md', *sorted((root / 'nbs').glob('*.ipynb'))]


def figures(records:dict)->dict:
    "Every figure a record says it wrote: path -> sha256 (the newest record's)."
    return {f['path']: f['sha256'] for rs in records.values() for r in rs for x in r['results'].get('runs', [])
            if isinstance(x, dict) for k, f in x.items() if k.startswith('figure')}


def stale(root=ROOT, records=None)->list:
    "The marked sections and the figures that differ from what the records give, as 'file: section' strings."
    records = all_records(root / 'results') if records is None else records
    out = [f"{p}: not the figure its record wrote" for p, h in figures(records).items() if (root / p).exists()
           and hashlib.sha256((root / p).read_bytes()).hexdigest() != h]
    for f in documents(root):
        for text in texts(f):
            for m in MARK.finditer(text):
                if render(m[0], records, up_to_root(f, root)) != m[0]: out.append(f"{f.relative_to(root)}: {m[2]}")
    return out


def texts(f)->list:
    "The texts of `f` that may hold marked sections: the file, or a notebook's markdown cells."
    if f.suffix != '.ipynb': return [f.read_text()]
    return [''.join(c['source']) for c in json.loads(f.read_text())['cells'] if c['cell_type'] == 'markdown']


def rewrite(root=ROOT):
    "Redraw every marked section in place."
    records = all_records(root / 'results')
    for f in documents(root):
        text = f.read_text()
        if not any(MARK.search(t) for t in texts(f)): continue
        if f.suffix == '.ipynb':
            nb = json.loads(text)
            for c in nb['cells']:
                src = ''.join(c['source'])
                if c['cell_type'] == 'markdown' and MARK.search(src):
                    new = render(src, records, up_to_root(f, root)).split('\n')
                    c['source'] = [l + '\n' for l in new[:-1]] + [new[-1]]
            new_text = json.dumps(nb, indent=1, ensure_ascii=False) + '\n'
        else: new_text = render(text, records, up_to_root(f, root))
        if new_text != text: f.write_text(new_text); print(f"rewrote {f.relative_to(root)}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--check', action='store_true', help='only say which sections disagree with the records (exit 1)')
    a = p.parse_args()
    if a.check:
        bad = stale()
        if bad: sys.exit('sections that disagree with results/ (run python benchmarks/report.py):\n  ' + '\n  '.join(bad))
        print('every marked section agrees with the records')
    else: rewrite()


if __name__ == '__main__': main()
