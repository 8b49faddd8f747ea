"""What `md-train --tensorboard` costs: the default job's training epochs with and without the TensorBoard writer,
interleaved in one process (A B A B ...), each epoch exactly as `fit` runs it (updates, a metrics line every
--log-every updates, the epoch's line with the loss by noise level), and the writer's cost of one sample grid.

    python benchmarks/tensorboard_overhead.py                 # digits recipe, 10 rounds
    python benchmarks/tensorboard_overhead.py --dataset fashion_mnist --rounds 3 --batches 100

Run it on an otherwise idle machine.
"""
import argparse, statistics, tempfile, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from minimal_diffusion.data import get_dataset, get_metadata, seeded_subset
from minimal_diffusion.fast_path import fast_path_default
from minimal_diffusion.settings import recipe, build_model, build_diffusion, build_trainer
from records import write_record


def trainer(s, a, tensorboard):
    "The dataset's recipe trainer, writing to a fresh folder, with or without the writer (the same initial weights)."
    meta = get_metadata(a.dataset)
    torch.manual_seed(s['seed'])
    ds = get_dataset(a.dataset, train=True)
    if a.batches: ds = seeded_subset(ds, min(len(ds), a.batches * s['batch_size']))
    return build_trainer(s, build_model(s, meta), build_diffusion(s), ds, bf16=fast_path_default('cpu'),
                         class_cond=True, class_names=meta.classes, save_dir=Path(tempfile.mkdtemp()), progress=False,
                         tensorboard=tensorboard, args=dict(s, dataset=a.dataset))


def epoch(tr):
    "One epoch as `fit` runs it, without the checkpoint and grid of a save: its wall time."
    t0 = time.perf_counter()
    tr.train_epoch()
    tr.log(epoch=tr.epoch, epoch_loss=tr.epoch_loss, epoch_time=tr.epoch_time, step_total=tr.step,
           loss_by_t=tr.loss_by_t())
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='digits'); p.add_argument('--rounds', type=int, default=10)
    p.add_argument('--batches', type=int, default=None, help='updates per epoch (a subset of the data); default: all')
    a = p.parse_args()
    s = recipe(a.dataset)
    off, on = trainer(s, a, False), trainer(s, a, True)
    epoch(off); epoch(on)                                                    # warm-up
    t_off, t_on = [], []
    for _ in range(a.rounds): t_off.append(epoch(off)); t_on.append(epoch(on))
    on.writer.flush()
    grid = np.asarray(Image.new('RGB', (360, 330)))                          # a 10 x 10 grid of 28-px images + labels
    t0 = time.perf_counter(); on.writer.add_image('samples', grid, on.step, dataformats='HWC'); on.writer.flush()
    t_img = time.perf_counter() - t0
    ratios = [b / a_ for a_, b in zip(t_off, t_on)]
    print(f"{a.dataset} recipe, {off.steps_per_epoch} updates of batch {s['batch_size']} per epoch, a metrics line "
          f"every {s['log_every']} updates, {torch.get_num_threads()} threads, {a.rounds} interleaved rounds")
    print(f"{'':22}{'median s/epoch':>15}{'ms/update':>11}")
    for name, t in (('without the writer', t_off), ('with --tensorboard', t_on)):
        print(f"{name:22}{statistics.median(t):15.3f}{1e3 * statistics.median(t) / off.steps_per_epoch:11.1f}")
    print(f"with / without, pair by pair: median {statistics.median(ratios):.4f} (min {min(ratios):.4f}, max {max(ratios):.4f})")
    print(f"one sample grid to TensorBoard at a save: {1e3 * t_img:.1f} ms")
    write_record('tensorboard_overhead', settings=vars(a),
                 results=dict(seconds_without=t_off, seconds_with=t_on, ratio_median=statistics.median(ratios),
                              ratio_min=min(ratios), ratio_max=max(ratios), grid_ms=1e3 * t_img,
                              updates_per_epoch=off.steps_per_epoch))


if __name__ == '__main__': main()
