"""bf16 attention on the CPU, two ways: torch's fused `scaled_dot_product_attention` against `chunked_attention`
(plain bf16 matmuls over chunks of 128 queries), at every attention shape of the Fashion-MNIST recipe's model and of
the 32-px `unet`, in training (forward + backward, at the training batch) and in sampling (forward under
inference_mode, at the sampling batch). Medians of interleaved calls in one process; `attend` uses the chunked form
only in training, where it wins at most shapes (chapter UNets).

    python benchmarks/attention_speed.py

Run it on an otherwise idle machine. Writes a record under results/attention_speed/.
"""
import argparse, statistics, time
import torch, torch.nn.functional as F
from minimal_diffusion.architectures import get_architecture
from minimal_diffusion.architectures.unets import Attention, chunked_attention
from minimal_diffusion.data import get_metadata
from minimal_diffusion.settings import recipe, build_model
from records import write_record

MODELS = {'fashion_mnist recipe': (lambda: build_model(recipe('fashion_mnist'), get_metadata('fashion_mnist')), 1, 28, 64),
          'unet 3×32×32': (lambda: get_architecture('unet', 32, 3, num_classes=10), 3, 32, 16)}   # model, channels, px, train batch


def shapes(model, channels, px)->set:
    "(heads, tokens, head dim) of every attention layer of `model` on one image."
    found = set()
    def hook(m, args): _, c, h, w = args[0].shape; found.add((m.heads, h * w, c // m.heads))
    hooks = [m.register_forward_pre_hook(hook) for m in model.modules() if isinstance(m, Attention)]
    with torch.no_grad(): model(torch.randn(1, channels, px, px), torch.zeros(1, dtype=torch.long), torch.zeros(1, dtype=torch.long))
    for h in hooks: h.remove()
    return found


def timer(fn, qkv, training:bool):
    "Seconds for one call of `fn` on `qkv`: forward + backward when training, else a forward under inference_mode."
    g = torch.randn(qkv.shape[1:], dtype=qkv.dtype)
    def once():
        t0 = time.perf_counter()
        if training:
            x = qkv.detach().requires_grad_(); fn(x).backward(g)
        else:
            with torch.inference_mode(): fn(qkv)
        return time.perf_counter() - t0
    return once


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sample-batch', type=int, default=64); p.add_argument('--calls', type=int, default=10)
    a = p.parse_args()
    sdpa, chunked = lambda x: F.scaled_dot_product_attention(*x), chunked_attention
    rows = []
    print(f"{'model':22} {'use':9} {'batch×heads, tokens, d':24} {'SDPA ms':>8} {'chunked ms':>11} {'chunked ×':>10}")
    for name, (make, channels, px, batch) in MODELS.items():
        for heads, tokens, d in sorted(shapes(make(), channels, px)):
            for use, n in (('training', batch), ('sampling', a.sample_batch)):
                qkv = torch.randn(3, n, heads, tokens, d, dtype=torch.bfloat16)
                fns = [timer(f, qkv, use == 'training') for f in (sdpa, chunked)]
                for f in fns: f()                                             # warm-up
                times = [[], []]
                for _ in range(a.calls):
                    for i, f in enumerate(fns): times[i].append(f())
                ms = [1e3 * statistics.median(t) for t in times]
                rows.append(dict(model=name, use=use, batch=n, heads=heads, tokens=tokens, head_dim=d, sdpa_ms=ms[0],
                                 chunked_ms=ms[1], chunked_speedup=ms[0] / ms[1]))
                print(f"{name:22} {use:9} {f'{n}×{heads}, {tokens}, {d}':24} {ms[0]:8.2f} {ms[1]:11.2f} {ms[0] / ms[1]:10.2f}")
    write_record('attention_speed', settings=vars(a), results=dict(rows=rows))


if __name__ == '__main__': main()
