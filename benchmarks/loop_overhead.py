"""What the loop around the training step costs: md-train's updates as `fit` runs them (DataLoader, per-item seeding,
moving batches, the loss by noise level, metrics lines, the progress bar) against the bare trainer step on a batch
already in memory (the diffusion loss, backward, AdamW, EMA), interleaved in one process (A B A B ...).

    python benchmarks/loop_overhead.py --dataset fashion_mnist --updates 20 --rounds 3

Run it on an otherwise idle machine. Writes a record under results/loop_overhead/.
"""
import argparse, statistics, tempfile, time
from pathlib import Path
import torch
from minimal_diffusion.data import get_dataset, get_metadata
from minimal_diffusion.fast_path import fast_path_default
from minimal_diffusion.settings import recipe, build_model, build_diffusion, build_trainer
from records import write_record


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='fashion_mnist'); p.add_argument('--updates', type=int, default=20)
    p.add_argument('--rounds', type=int, default=3)
    a = p.parse_args()
    s, meta = recipe(a.dataset), get_metadata(a.dataset)
    torch.manual_seed(s['seed'])
    tr = build_trainer(s, build_model(s, meta), build_diffusion(s), get_dataset(a.dataset, train=True),
                       bf16=fast_path_default('cpu'), class_cond=True, class_names=meta.classes,
                       save_dir=Path(tempfile.mkdtemp()), progress=True, args=dict(s, dataset=a.dataset))
    x, y = next(iter(tr.loader(0)))
    x = x.to(tr.device, memory_format=tr.layout)

    def bare():
        t0 = time.perf_counter()
        for _ in range(a.updates):
            with tr.autocast(): r = tr.diffusion.loss_terms(tr.model, x, y=tr.labels(y, tr.opts['cond_drop']))
            tr.record(r.t, r.loss); tr.train_step(r.loss.mean())
        return time.perf_counter() - t0

    def loop():
        t0 = time.perf_counter(); tr.set_updates(tr.step + a.updates)
        while tr.step < tr.total_steps: tr.train_epoch()
        return time.perf_counter() - t0

    bare(); loop()                                                            # warm-up
    tb, tl = [], []
    for _ in range(a.rounds): tb.append(bare()); tl.append(loop())
    ips = lambda t: a.updates * tr.batch_size / statistics.median(t)
    ratio = statistics.median(tl) / statistics.median(tb)
    print(f"{a.dataset} recipe, batch {tr.batch_size}, {a.updates} updates per round, {a.rounds} interleaved rounds, "
          f"{torch.get_num_threads()} threads")
    print(f"bare trainer step: {ips(tb):.1f} img/s; as fit runs it: {ips(tl):.1f} img/s; the loop costs "
          f"{100 * (ratio - 1):+.1f}%")
    write_record('loop_overhead', settings=vars(a), results=dict(bare_seconds=tb, loop_seconds=tl, bare_img_s=ips(tb),
                                                                  loop_img_s=ips(tl), loop_over_bare=ratio))


if __name__ == '__main__': main()
