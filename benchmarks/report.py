"""The README's and chapters' measured tables, made from the records under results/ (see records.py).

    python benchmarks/report.py            # rewrite every marked section of README.md and the notebooks
    python benchmarks/report.py --check    # exit 1 and name the sections that disagree with the records

A section is the text between `<!-- results: NAME -->` and `<!-- /results -->` in README.md or a notebook's markdown
cell; SECTIONS says how each is drawn from records. Every row names the machine its record came from.
"""
import argparse, json, re, sys
from pathlib import Path
from records import ROOT, RESULTS, read_records, machine_label

MARK = re.compile(r'(<!-- results: (\w+) -->\n)(.*?)(<!-- /results -->)', re.S)


def latest_by_machine(records:list, key=lambda r: ())->list:
    "The newest record per (machine, key(record)), in the order those first appear."
    seen = {}
    for r in records: seen[(machine_label(r['machine']), key(r))] = r
    return list(seen.values())


def pct(v): return f"{100 * v:.1f}" if v is not None else '–'
def num(v, p=3): return f"{v:.{p}f}" if v is not None else '–'


def quality_table(records:list, dataset:str)->str:
    "One row per run of quality_vs_compute on `dataset` (the newest per machine, runs and budget), and the real-N rows."
    recs = [r for r in records if r['settings']['dataset'] == dataset and r['results'].get('reference')
            and all('synthetic_only_accuracy' in x for x in r['results']['runs'])]
    rows = ['| machine | run | budget | updates | wall time | synthetic-only % | ratio to N real | Fréchet | × N real | record |',
            '|---|---|---|---|---|---|---|---|---|---|']
    for r in latest_by_machine(recs, lambda r: (r['settings']['name'], r['settings']['kind'], tuple(r['settings']['marks']))):
        m, s, ref = machine_label(r['machine']), r['settings'], r['results']['reference']
        for x in r['results']['runs']:
            wall = f"{x['wall_seconds'] / 60:.1f} min" if x.get('wall_seconds') else '–'
            rows.append(f"| {m} | {s['name']} | {x['mark']:g} {s['kind']} | {x['step']:,} | {wall} | "
                        f"{pct(x['synthetic_only_accuracy'])} | {num(x.get('ratio_equal_n'))} | {num(x['frechet_classifier'], 4)} | "
                        f"{num(x.get('frechet_x_real_n'), 1)} | [json]({r['path']}) |")
        rows.append(f"| {m} | {ref['n']:,} real training images | – | – | – | {pct(ref['synthetic_only_accuracy'])} | 1 | "
                    f"{num(ref['frechet_classifier'], 4)} | 1 | [json]({r['path']}) |")
    return '\n'.join(rows)


def speed_table(records:list)->str:
    "speed.py: one row per configuration, the newest record per machine and model shape."
    rows = ['| machine | model, batch, image | configuration | train step ms | × diffusers fp32 | forward ms | × diffusers fp32 | record |',
            '|---|---|---|---|---|---|---|---|']
    for r in latest_by_machine(records, lambda r: (r['settings']['arch'], r['settings']['batch'], r['settings']['image_size'])):
        s, m = r['settings'], machine_label(r['machine'])
        shape = f"{s['arch']}, {s['batch']}, {s['channels']}×{s['image_size']}×{s['image_size']}"
        for x in r['results']['rows']:
            rows.append(f"| {m} | {shape} | {x['name']} | {x['train_ms']:.0f} | {num(x.get('train_x_base'), 2)} | "
                        f"{x['forward_ms']:.0f} | {num(x.get('forward_x_base'), 2)} | [json]({r['path']}) |")
    return '\n'.join(rows)


SECTIONS = {   # name -> a function of all records that returns the section's text
    'fashion_quality': lambda rs: quality_table(rs.get('quality_vs_compute', []), 'fashion_mnist'),
    'digits_quality': lambda rs: quality_table(rs.get('quality_vs_compute', []), 'digits'),
    'speed_cpu': lambda rs: speed_table([r for r in rs.get('speed', []) if not r['machine'].get('gpu')]),
}


def all_records(root=RESULTS)->dict:
    "Every record, by benchmark."
    out = {}
    for r in read_records(root=root): out.setdefault(r['benchmark'], []).append(r)
    return out


def render(text:str, records:dict)->str:
    "`text` with each marked section redrawn from `records`."
    def redraw(m):
        if m[2] not in SECTIONS: raise KeyError(f"no section named {m[2]!r} in report.py")
        return m[1] + SECTIONS[m[2]](records) + '\n' + m[4]
    return MARK.sub(redraw, text)


def documents(root=ROOT):
    "The files with marked sections: README.md and the notebooks."
    return [root / 'README.md', *sorted((root / 'nbs').glob('*.ipynb'))]


def stale(root=ROOT, records=None)->list:
    "The marked sections that differ from what the records give, as 'file: section' strings."
    records = all_records(root / 'results') if records is None else records
    out = []
    for f in documents(root):
        text = f.read_text()
        for m in MARK.finditer(text):
            if render(m[0], records) != m[0]: out.append(f"{f.relative_to(root)}: {m[2]}")
    return out


def rewrite(root=ROOT):
    "Redraw every marked section in place."
    records = all_records(root / 'results')
    for f in documents(root):
        text = f.read_text()
        if not MARK.search(text): continue
        if f.suffix == '.ipynb':
            nb = json.loads(text)
            for c in nb['cells']:
                src = ''.join(c['source'])
                if c['cell_type'] == 'markdown' and MARK.search(src):
                    new = render(src, records).split('\n')
                    c['source'] = [l + '\n' for l in new[:-1]] + [new[-1]]
            new_text = json.dumps(nb, indent=1, ensure_ascii=False) + '\n'
        else: new_text = render(text, records)
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
