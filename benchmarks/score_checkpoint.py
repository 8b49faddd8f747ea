"""Score one checkpoint as quality_vs_compute scores a snapshot: --n class-balanced samples with the sampler and steps
the checkpoint's run used, md-eval's metrics against the real test split, a grid of ten samples per class.

    python benchmarks/score_checkpoint.py runs/quality_vs_compute/run/checkpoint_epoch_2_step_2661.pt --n 10000
"""
import argparse, json, time
from pathlib import Path
from minimal_diffusion.checkpoints import load_checkpoint, load_for_sampling
from minimal_diffusion.data import get_metadata
from quality_vs_compute import class_grid, sample_and_score


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint'); p.add_argument('--n', type=int, default=1000); p.add_argument('--data-dir')
    a = p.parse_args()
    ck = load_checkpoint(a.checkpoint)
    model, d, prior = load_for_sampling(ck)
    s, meta = ck['args'], get_metadata(ck['args']['dataset'])
    shape, t0 = (meta.in_channels, meta.image_size, meta.image_size), time.perf_counter()
    x, y, r = sample_and_score(d, model, s, a.n, shape, meta.num_classes, meta.name, a.data_dir, prior=prior)
    r = dict(checkpoint=a.checkpoint, step=ck['step'], n=a.n, **r, seconds=round(time.perf_counter() - t0))
    print(json.dumps(r, default=str))
    class_grid(x, y, meta.classes, Path(a.checkpoint).with_suffix('.samples.png'))


if __name__ == '__main__': main()
