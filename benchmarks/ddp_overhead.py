"""Where a DDP step's time goes on this machine: the backward with and without the gradient all-reduce (`no_sync`), and
the all-reduce alone, for `unet_custom` at a few widths, two processes (chapter Distributed). Writes a record under
results/ddp_overhead/.

    python benchmarks/ddp_overhead.py                     # widths 16, 32, 64; batch 16 per process; median of 15

Run it on an otherwise idle machine: each process gets one thread.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

WORKER = Path(__file__).resolve()


def worker(width:int, batch:int, steps:int):
    "One rank's measurement (run under torchrun): median backward with and without sync, all-reduce alone."
    import torch
    from minimal_diffusion import distributed as D
    from minimal_diffusion.architectures import get_architecture
    from minimal_diffusion.schedules import GaussianDiffusion
    from torch.nn.parallel import DistributedDataParallel as DDP
    D.setup('cpu'); torch.manual_seed(0)
    m = DDP(get_architecture('unet_custom', 16, 1, base_width=width, channel_mult=(1, 2), num_res_blocks=1,
                             attention_resolutions=(), dropout=0.))
    d, x = GaussianDiffusion(1000), torch.randn(batch, 1, 16, 16)
    n_bytes = sum(p.numel() for p in m.parameters()) * 4
    def step(sync):
        D.barrier(); t0 = time.perf_counter()
        if sync: d.loss(m, x).backward()
        else:
            with m.no_sync(): d.loss(m, x).backward()
        return time.perf_counter() - t0
    for _ in range(2): step(True); step(False)
    ts = {s: sorted(step(s) for _ in range(steps)) for s in (True, False)}
    g = torch.randn(n_bytes // 4); D.barrier(); t0 = time.perf_counter()
    for _ in range(5): torch.distributed.all_reduce(g)
    ar = (time.perf_counter() - t0) / 5
    if D.is_main():
        print(json.dumps(dict(width=width, batch=batch, gradient_mb=n_bytes / 1e6, synced_ms=1e3 * ts[True][steps // 2],
                              no_sync_ms=1e3 * ts[False][steps // 2], all_reduce_ms=1e3 * ar, all_reduce_gb_s=n_bytes / ar / 1e9)))
    D.cleanup()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--widths', default='16,32,64'); p.add_argument('--batch', type=int, default=16)
    p.add_argument('--steps', type=int, default=15)
    p.add_argument('--worker', nargs=3, type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker: return worker(*a.worker)
    from records import write_record
    rows = []
    for w in map(int, a.widths.split(',')):
        r = subprocess.run([str(Path(sys.executable).parent / 'torchrun'), '--standalone', '--nproc_per_node=2', str(WORKER),
                            '--worker', str(w), str(a.batch), str(a.steps)], capture_output=True, text=True,
                           env={**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'})
        if r.returncode: sys.exit(f"width {w}: torchrun failed: {r.stderr.strip().splitlines()[-1:]}")
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
        x = rows[-1]
        print(f"width {w}: {x['gradient_mb']:.1f} MB of gradients; backward synced {x['synced_ms']:.0f} ms, no_sync "
              f"{x['no_sync_ms']:.0f} ms, all-reduce alone {x['all_reduce_ms']:.0f} ms ({x['all_reduce_gb_s']:.2f} GB/s)", flush=True)
    write_record('ddp_overhead', settings=vars(a), results=dict(rows=rows))


if __name__ == '__main__':
    sys.path.insert(0, str(WORKER.parent))
    main()
