"""Run every chapter top to bottom in a real Jupyter kernel (ipykernel through nbclient, what `jupyter nbconvert
--execute` uses), as a reader stepping through it would, except the `#| slow` cells. nbdev-test runs the same cells in
its own in-process shell; this catches what only a kernel does differently (display hooks, widgets, magics, cwd).

    python .ci/jupyter.py                 # every notebook, 2 at a time
    python .ci/jupyter.py nbs/01_sampling.ipynb
    python .ci/jupyter.py --out /tmp/executed nbs/21_reliability.ipynb   # also keep the executed notebooks (outputs)
"""
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
import nbformat
from nbclient import NotebookClient

def run(path, timeout=1200, out=None):
    "Execute notebook `path` in a fresh python3 kernel, without its slow cells (into `out`/): (path, seconds, error or None)."
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and c.source.lstrip().startswith(('#| slow', '#| eval: false')))]
    t0 = time.time()
    try: NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    except Exception as e: return path, time.time() - t0, f'{type(e).__name__}: {str(e)[-1500:]}'
    finally:
        if out: Path(out).mkdir(parents=True, exist_ok=True); nbformat.write(nb, Path(out) / path.name)
    return path, time.time() - t0, None

def main():
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    args, out = sys.argv[1:], None
    if args[:1] == ['--out']: out, args = args[1], args[2:]
    paths = [Path(p) for p in args] or sorted(p for p in Path('nbs').glob('*.ipynb') if not p.name.startswith('_'))
    # one process per notebook: nbclient clients sharing a process (threads) can wait forever for a lost reply
    with ProcessPoolExecutor(2, max_tasks_per_child=1) as ex: results = list(ex.map(partial(run, out=out), paths))
    for p, s, err in results: print(f"{'FAIL' if err else 'ok  '} {p.name:36} {s:6.0f} s" + (f"\n{err}" if err else ''))
    failed = [p for p, s, err in results if err]
    print(f"{len(results) - len(failed)} of {len(results)} notebooks ran in a Jupyter kernel")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
