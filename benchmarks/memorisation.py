"""Does a trained model copy its training images? For each checkpoint, N class-balanced samples drawn as its run
samples (or with --sampler and --steps), each sample's distance (in pixels) to its nearest image of the real training split, against the same for
held-out real test images: the copy rate (samples closer to a training image than 99 % of held-out real images are,
md-eval's `memorisation`) and a figure per checkpoint of the samples closest to a training image, each above it.
Writes a record under results/memorisation/.

    python benchmarks/quality_vs_compute.py --epochs 40 --n 1000                       # the default job, scored
    md-train --num-training-data 64 --epochs 1500 --save-every 500 --save-dir runs/memorisation/64images
    python benchmarks/memorisation.py runs/quality_vs_compute/recipe/40epochs/checkpoint_epoch_40.pt \\
        runs/memorisation/64images/checkpoint_epoch_1500.pt --sampler dpmpp --steps 20 --figures nbs/images/memorisation
"""
import argparse, hashlib
from pathlib import Path
import torch
from minimal_diffusion.checkpoints import load_checkpoint, load_for_sampling
from minimal_diffusion.data import get_metadata
from minimal_diffusion.distributed import sample_many
from minimal_diffusion.evaluation import real_data, memorisation
from minimal_diffusion.sampling import save_grid
from records import write_record


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoints', nargs='+')
    p.add_argument('--n', type=int, default=1000, help='samples per checkpoint')
    p.add_argument('--show', type=int, default=10, help='closest pairs in each figure')
    p.add_argument('--sampler', default=None, help="instead of the run's own sampler")
    p.add_argument('--steps', type=int, default=None, help="instead of the run's own sampling steps")
    p.add_argument('--figures', default=None, help='figure path prefix: PREFIX_<run folder>.png')
    return p.parse_args(argv)


def nearest(x, train, bs:int=1024):
    "Distance from each row of `x` to its nearest row of `train`, and that row's index."
    d, i = zip(*(torch.cdist(c, train.flatten(1)).min(1) for c in x.flatten(1).split(bs)))
    return torch.cat(d), torch.cat(i)


def meter(path, a, xtr, xte):
    "The checkpoint's samples scored against the training split; and the closest pairs (sample above, image below)."
    ck = load_checkpoint(path)
    model, d, prior = load_for_sampling(ck)
    s, meta = ck['args'], get_metadata(ck['args']['dataset'])
    s = dict(s, sampler=a.sampler or s['sampler'], sampling_steps=a.steps or s['sampling_steps'])
    x, _ = sample_many(d, model, a.n, (meta.in_channels, meta.image_size, meta.image_size), 250,
                       meta.num_classes if model.num_classes else None, s['seed'], steps=s['sampling_steps'],
                       sampler=s['sampler'], guidance_scale=s.get('guidance_scale') or 1., prior=prior)
    dist, idx = nearest(x, xtr)
    order = dist.argsort()[:a.show]
    row = dict(checkpoint=str(path), dataset=meta.name, training_images=s.get('num_training_data') or len(xtr),
               updates=ck['step'], sampler=s['sampler'], sampling_steps=s['sampling_steps'], n=a.n,
               **memorisation(x, xtr, xte), closest=dist[order].tolist())
    return row, torch.cat([x[order], xtr[idx[order]]])


def main():
    a = parse()
    rows = []
    for path in a.checkpoints:
        dataset = load_checkpoint(path)['args']['dataset']
        (xtr, _), (xte, _) = real_data(dataset), real_data(dataset, train=False)
        row, pairs = meter(path, a, xtr, xte)
        if a.figures:
            fig = Path(f"{a.figures}_{Path(path).parent.name}.png")
            save_grid(pairs, fig, nrow=a.show, row_labels=['sample', 'nearest training image'])
            row['figure'] = dict(path=str(fig), sha256=hashlib.sha256(fig.read_bytes()).hexdigest())
        print(f"{path}: {row['training_images']} training images, {row['updates']} updates: copy rate "
              f"{row['copy_rate']:.3f}, median distance to the nearest training image {row['nearest_train_median']:.2f} "
              f"(held-out real images: {row['nearest_train_median_heldout']:.2f})")
        rows.append(row)
    print(write_record('memorisation', settings=vars(a), results=dict(runs=rows)))


if __name__ == '__main__': main()
