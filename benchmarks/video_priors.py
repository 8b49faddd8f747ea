"""Which noise prior for video diffusion? Train the same tiny video UNet on 16×16 `moving_digits` with each prior
(independent, shared, mixed, progressive) and `--reg-weight` 0 and 0.1, sample clips, and measure them.

    python benchmarks/video_priors.py                      # ~15-20 min on one CPU thread; prints a markdown table
    python benchmarks/video_priors.py --quick              # a smoke test of the script (~1 min, meaningless numbers)
    python benchmarks/video_priors.py --gif-dir nbs/images # also write one GIF per setting (10 clips, one per class)

Per setting: `VideoTrainer` for `--epochs` epochs (class-conditional, seeded, same data order for every setting),
then `--per-class` clips per class drawn with DDIM (η = 0, deterministic) and with DDPM, both using the trained prior for
x_T (and, for DDPM, for every fresh noise draw). Metrics on the samples:

- tc: mean |x_{i+1} - x_i| over consecutive frames (pixels in [-1, 1]); `real` is the same on real test clips;
- frozen: fraction of clips with tc < 0.02 (the digit does not move);
- acc: fraction of frames a CNN trained on real moving-digit frames assigns to the requested class (`real`: its test accuracy);
- identity: fraction of clips whose frames the CNN puts all in one class.
"""
import argparse, itertools, sys, time
from pathlib import Path
import torch
import torch.nn.functional as F
from torch import nn


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--priors', nargs='+', default=['independent', 'shared', 'mixed', 'progressive'])
    p.add_argument('--reg-weights', nargs='+', type=float, default=[0., 0.1])
    p.add_argument('--alpha', type=float, default=1.)
    p.add_argument('--seq-len', type=int, default=4)
    p.add_argument('--image-size', type=int, default=16)
    p.add_argument('--epochs', type=int, default=6, help='epochs over the 1,438 training clips (89 steps each at batch 16)')
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--ema-w', type=float, default=0.99)
    p.add_argument('--per-class', type=int, default=10, help='sampled clips per class')
    p.add_argument('--sampling-steps', type=int, default=25)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--gif-dir', default=None, help='write one GIF per setting here')
    p.add_argument('--quick', action='store_true', help='tiny run to check the script works')
    return p.parse_args(argv)


def video_unet(F_, image_size):
    from minimal_diffusion.architectures import get_architecture
    return get_architecture('unet_custom', image_size, 1, num_classes=10, num_frames=F_, base_width=16, channel_mult=(1, 2),
                            num_res_blocks=1, attention_resolutions=(image_size // 2,), head_dim=16, dropout=0.)


class FrameCNN(nn.Sequential):
    "A small CNN for 1×S×S digit frames."
    def __init__(self):
        super().__init__(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def frames_and_labels(ds):
    x, y = zip(*[(c[0], c[1]) for c in ds])
    x, y = torch.stack(x), torch.stack([torch.as_tensor(v) for v in y])
    return x.flatten(0, 1), y.repeat_interleave(x.shape[1])


def train_classifier(train, test, epochs, seed):
    "Frame classifier on real moving-digit frames: (model, test accuracy)."
    torch.manual_seed(seed)
    (x, y), (xt, yt) = frames_and_labels(train), frames_and_labels(test)
    net, opt = FrameCNN(), None
    opt = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-4)
    for _ in range(epochs):
        for idx in torch.randperm(len(x)).split(128):
            xb = x[idx]
            shift = torch.randint(-1, 2, (2,)).tolist()           # small shifts: robust to slightly off positions
            loss = F.cross_entropy(net(xb.roll(shift, (-2, -1))), y[idx])
            opt.zero_grad(); loss.backward(); opt.step()
    net.eval()
    return net, accuracy(net, xt, yt)


@torch.no_grad()
def predict(net, frames): return torch.cat([net(b).argmax(1) for b in frames.split(512)])

def accuracy(net, frames, y): return (predict(net, frames) == y).float().mean().item()


def frame_diff(clips): return (clips[:, 1:] - clips[:, :-1]).abs().flatten(2).mean(2)  # (N, F-1)


def metrics(clips, y, clf):
    "tc, frozen, acc, identity of sampled clips (N, F, 1, S, S) requested as classes y (N,)."
    N, F_ = clips.shape[:2]
    pred = predict(clf, clips.flatten(0, 1)).view(N, F_)
    tc = frame_diff(clips).mean(1)
    return dict(tc=tc.mean().item(), frozen=(tc < 0.02).float().mean().item(),
                acc=(pred == y[:, None]).float().mean().item(), identity=(pred == pred[:, :1]).all(1).float().mean().item())


def run_setting(prior, reg, a, train, clf):
    from minimal_diffusion.schedules import GaussianDiffusion
    from minimal_diffusion.sampling import sample
    from minimal_diffusion.trainers.shared_epsilon_trainer import VideoTrainer
    torch.manual_seed(a.seed)
    tr = VideoTrainer(video_unet(a.seq_len, a.image_size), GaussianDiffusion(1000), train, batch_size=a.batch_size,
                              epochs=a.epochs, lr=a.lr, ema_w=a.ema_w, class_cond=True, seed=a.seed, progress=False,
                              noise=prior, alpha=a.alpha, reg_weight=reg)
    t0 = time.perf_counter(); tr.fit(); secs = time.perf_counter() - t0
    y = torch.arange(10).repeat_interleave(a.per_class)
    net, out = tr.ema.module.eval(), dict(train_s=secs, steps=tr.step, loss=tr.epoch_loss)
    shape = (len(y), a.seq_len, 1, a.image_size, a.image_size)
    for sampler in ('ddim', 'ddpm'):
        x = sample(tr.diffusion, net, shape, a.sampling_steps, sampler, y=y, generator=torch.Generator().manual_seed(a.seed + 1),
                   prior=tr.prior)
        out[sampler] = metrics(x, y, clf)
        if sampler == 'ddim': out['clips'] = x[::a.per_class]          # one per class, for the GIF
    return out


def table(rows, real):
    head = ('| prior | reg | tc DDIM | tc DDPM | frozen DDIM | frozen DDPM | acc DDIM | acc DDPM | identity DDIM | identity DDPM | train s |\n'
            '|---|---|---|---|---|---|---|---|---|---|---|')
    lines = [head, f"| real clips | – | {real['tc']:.3f} | {real['tc']:.3f} | {real['frozen']:.2f} | {real['frozen']:.2f} | {real['acc']:.2f} | "
                   f"{real['acc']:.2f} | {real['identity']:.2f} | {real['identity']:.2f} | – |"]
    for (p, r), o in rows.items():
        i, d = o['ddim'], o['ddpm']
        lines.append(f"| {p} | {r:g} | {i['tc']:.3f} | {d['tc']:.3f} | {i['frozen']:.2f} | {d['frozen']:.2f} | {i['acc']:.2f} | {d['acc']:.2f} | "
                     f"{i['identity']:.2f} | {d['identity']:.2f} | {o['train_s']:.0f} |")
    return '\n'.join(lines)


def main(argv=None):
    a = parse(argv)
    if a.quick: a.epochs, a.per_class, a.sampling_steps, a.priors, a.reg_weights = 1, 2, 5, a.priors[:2], a.reg_weights[-1:]
    torch.set_num_threads(a.threads)
    from minimal_diffusion.data import get_dataset
    from minimal_diffusion.sampling import save_gif
    from minimal_diffusion.trainers.shared_epsilon_trainer import clip_grid
    ds = lambda train: get_dataset('moving_digits', train=train, image_size=a.image_size, seq_len=a.seq_len, seed=a.seed,
                                   num_training_data=64 if a.quick else None)
    train, test = ds(True), ds(False)
    t0 = time.perf_counter()
    clf, clf_acc = train_classifier(train, test, 1 if a.quick else 4, a.seed)
    real_x = torch.stack([c[0] for c in test]); real_y = torch.stack([torch.as_tensor(c[1]) for c in test])
    real = metrics(real_x, real_y, clf)
    print(f'classifier: test frame accuracy {clf_acc:.3f} ({time.perf_counter() - t0:.0f} s); real test clips: {real}', flush=True)
    if a.gif_dir:
        Path(a.gif_dir).mkdir(parents=True, exist_ok=True)
        first = [next(i for i, v in enumerate(real_y) if v == k) for k in range(10)]
        save_gif(clip_grid(real_x[first]), Path(a.gif_dir) / 'video_prior_real.gif', scale=4)
    rows = {}
    for prior, reg in itertools.product(a.priors, a.reg_weights):
        o = rows[prior, reg] = run_setting(prior, reg, a, train, clf)
        print(f"{prior:12s} reg={reg:g}: {o['steps']} steps in {o['train_s']:.0f} s, last-epoch loss {o['loss']:.4f}, "
              f"DDIM {o['ddim']}, DDPM {o['ddpm']}", flush=True)
        if a.gif_dir: save_gif(clip_grid(o['clips']), Path(a.gif_dir) / f'video_prior_{prior}_reg{reg:g}.gif', scale=4)
    print('\n' + table(rows, real))
    from records import write_record
    write_record('video_priors', settings=vars(a), results=dict(
        real=real, classifier_accuracy=clf_acc,
        rows=[dict(prior=p, reg_weight=r, **{k: v for k, v in o.items() if k != 'clips'}) for (p, r), o in rows.items()]),
        argv=['benchmarks/video_priors.py', *(argv if argv is not None else sys.argv[1:])])
    print(f"\nreproduce: OMP_NUM_THREADS={a.threads} python benchmarks/video_priors.py " + ' '.join(argv if argv is not None else sys.argv[1:]))
    return rows, real


if __name__ == '__main__': main()
