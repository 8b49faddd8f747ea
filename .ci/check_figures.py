"""The chapters' figures are files (nbs/images/*.png) that their own cells write when the notebooks run. After the
tests have run them, this compares every figure with the committed one: a figure that changed beyond rendering noise
(more than 0.2% of pixels off by more than 16 grey levels), a new figure nobody committed, or a committed figure that
no chapter or README shows any more is stale, and the check fails with the list. Figures within tolerance are put back
as committed, so the tree stays clean. Run it after `nbdev-test`, from the repository root.

Figures drawn from a model the chapter trains (MACHINE_DEPENDENT) depend on the CPU's float kernels: AVX512 and AMX
sum in another order than AVX2, so the trained weights, and the pictures, differ a little by kind of CPU. Their
pixels are compared only on the kind that committed them (.ci/figures_kind); elsewhere only their size is."""
import io, re, subprocess, sys
from pathlib import Path
import numpy as np, torch
from PIL import Image

MACHINE_DEPENDENT = {'standard_denoise_view', 'standard_trajectory_view', 'standard_short_run', 'unets_learns',
                     'train_run_outputs', 'trainer_loss_curve', 'trainer_loss_by_t', 'video_trainer_loss_terms',
                     'video_trainer_frame', 'ddp_gradients', 'trainers_steps'}
KIND = Path('.ci/figures_kind')

def git(*args): return subprocess.run(['git', *args], capture_output=True, check=True).stdout

def differs(path)->str:
    "Why the working-tree figure at `path` is not the committed one, or '' if it is (up to rendering noise)."
    old, new = Image.open(io.BytesIO(git('show', f'HEAD:{path}'))), Image.open(path)
    if old.size != new.size: return f'size {old.size} -> {new.size}'
    if Path(path).stem in MACHINE_DEPENDENT and KIND.read_text().strip() != torch.backends.cpu.get_cpu_capability(): return ''
    a, b = (np.asarray(im.convert('RGB'), np.int16) for im in (old, new))
    off = (np.abs(a - b).max(-1) > 16).mean()
    return f'{off:.1%} of its pixels changed' if off > 0.002 else ''

def main():
    stale = []
    for line in git('status', '--porcelain', '--', 'nbs/images').decode().splitlines():
        status, path = line[:2].strip(), line[3:]
        if status in ('??', 'A'): stale.append(f'{path}: new, not committed'); continue
        if status == 'D': stale.append(f'{path}: committed, but no chapter wrote it'); continue
        why = differs(path)
        if why: stale.append(f'{path}: {why}')
        else: git('checkout', '--', path)
    shown = ''.join(p.read_text() for p in [*Path('nbs').glob('*.ipynb'), Path('README.md')])
    stale += [f'{p}: committed, but nothing shows it' for p in sorted(Path('nbs/images').glob('*')) if p.name not in shown]
    if stale:
        print('stale figures (run the notebooks, look at the new figures, commit them):', *stale, sep='\n  ')
        sys.exit(1)
    print(f"{len(list(Path('nbs/images').glob('*.png')))} figures, all as committed")

if __name__ == '__main__': main()
