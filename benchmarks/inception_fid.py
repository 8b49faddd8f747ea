"""Inception FID and KID as papers report them, offline (the network of `pip install -e ".[eval]"`), for a dataset:
the floor (real test images against real training images, all of the test split and as many as the samples) and a
trained run's samples, drawn as its run samples them, against the same training images. Writes one record under
results/inception_fid/.

    python benchmarks/inception_fid.py --dataset fashion_mnist --run runs/quality_vs_compute/recipe/60minutes \\
        --n 2000 --real 10000 --guidance-scale 1.25

The real images' features are computed once (about 0.1-0.2 s per image on one or two CPU cores: an estimate) and
cached like md-eval's; the samples are the ones quality_vs_compute.py scores for the same run, seed and guidance.
"""
import argparse, sys, time
from pathlib import Path
from minimal_diffusion.checkpoints import load_checkpoint, load_for_sampling
from minimal_diffusion.data import get_metadata
from minimal_diffusion.distributed import sample_many
from minimal_diffusion.inception import inception_network, RESIZE
from minimal_diffusion.evaluation import real_inception_features, inception_features, inception_metrics
from minimal_diffusion.runs import checkpoints_in
from records import write_record


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='fashion_mnist'); p.add_argument('--data-dir', default=None)
    p.add_argument('--run', default=None, help="a run folder (its last checkpoint) or checkpoint to score")
    p.add_argument('--n', type=int, default=5000, help='samples to draw and score')
    p.add_argument('--real', type=int, default=10000, help='real images of each split (chosen by --seed)')
    p.add_argument('--guidance-scale', type=float, default=None, help="instead of the run's own")
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)


def run_samples(a, meta):
    "`a.n` class-balanced samples of the run, drawn as quality_vs_compute draws them, and how they were drawn."
    path = Path(a.run) if Path(a.run).is_file() else checkpoints_in(a.run)[-1]
    ck = load_checkpoint(path)
    model, d, prior = load_for_sampling(ck)
    s = dict(ck['args'])
    if a.guidance_scale is not None: s['guidance_scale'] = a.guidance_scale
    shape = (meta.in_channels, meta.image_size, meta.image_size)
    x, _ = sample_many(d, model, a.n, shape, 250, meta.num_classes, s['seed'], steps=s['sampling_steps'],
                       sampler=s['sampler'], guidance_scale=s['guidance_scale'], prior=prior)
    keep = ('sampler', 'sampling_steps', 'guidance_scale', 'updates', 'minutes')
    return x, dict(checkpoint=str(path), step=ck['step'], sampled_with={k: s.get(k) for k in keep})


def main():
    a = parse()
    net = inception_network()
    if net is None: sys.exit("needs the Inception network: pip install -e '.[eval]'")
    meta, t0 = get_metadata(a.dataset, data_dir=a.data_dir), time.perf_counter()
    x, how = run_samples(a, meta) if a.run else (None, None)       # first: the real features may be cached meanwhile
    ftr, _ = real_inception_features(net, a.dataset, a.data_dir, True, meta.image_size, None, a.real, a.seed)
    fte, _ = real_inception_features(net, a.dataset, a.data_dir, False, meta.image_size, None, a.real, a.seed)
    rows = [dict(what=f'{len(fte):,} real test images', n=len(fte), **inception_metrics(fte, ftr, a.seed))]
    if a.run:
        rows.append(dict(what=f'{a.n:,} real test images', n=a.n, **inception_metrics(fte[:a.n], ftr, a.seed)))
        rows.append(dict(what=f'{a.n:,} samples of {a.run}', n=a.n, **how,
                         **inception_metrics(inception_features(net, x), ftr, a.seed)))
    print(f"against {len(ftr):,} real training images of {a.dataset} ({net.source}; resize: {RESIZE})")
    print(f"{'':42s} {'FID':>9s} {'KID':>9s} {'± std':>8s} {'precision':>9s} {'recall':>7s}")
    for r in rows:
        print(f"{r['what'][:42]:42s} {r['inception_fid']:9.3f} {r['inception_kid']:9.5f} {r['inception_kid_std']:8.5f}"
              f" {r['inception_precision']:9.3f} {r['inception_recall']:7.3f}")
    settings = dict(vars(a), network=net.source, resize=RESIZE, reference=f'{len(ftr)} real training images')
    print(write_record('inception_fid', settings=settings,
                       results=dict(rows=rows, seconds=round(time.perf_counter() - t0))))


if __name__ == '__main__': main()
