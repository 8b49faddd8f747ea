"""Editing a trained class-conditional checkpoint's test images, scored by md-eval's real-trained classifier: the
lower half of N test images inpainted, the images 2x super-resolved from their average-pooled copies, and SDEdit at
strength 0.5, each conditioned on the image's own class. How often the classifier still calls the result its class,
next to the same for the originals and for the inputs the edits start from. Writes a record under results/editing/
and, with --figure, one example per class (rows: original, input, result for each edit).

    md-train --save-dir runs/digits                  # the default job
    python benchmarks/editing.py runs/digits/checkpoint_epoch_40.pt --figure nbs/images/editing_digits.png
"""
import argparse, hashlib
from pathlib import Path
import torch
from minimal_diffusion.checkpoints import load_checkpoint, load_for_sampling
from minimal_diffusion.editing import edit, masked, block_average
from minimal_diffusion.evaluation import real_data, real_classifier, accuracy
from minimal_diffusion.sampling import save_grid
from records import write_record


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ckpt')
    p.add_argument('--n', type=int, default=500, help='test images edited per task')
    p.add_argument('--steps', type=int, default=50, help='DDPM steps of each edit')
    p.add_argument('--resample', type=int, default=5, help='RePaint takes per step for inpainting and super-resolution')
    p.add_argument('--strength', type=float, default=0.5, help='SDEdit strength')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--figure', default=None, help='PNG of one example per class')
    return p.parse_args(argv)


def tasks(x, a):
    "name -> (the input the edit starts from, what the model is given: edit's keyword arguments)."
    lower = torch.ones_like(x[:1]); lower[..., x.shape[-2] // 2:, :] = 0             # 1 where known: the upper half
    pooled = block_average(2)(x)
    return dict(inpaint_lower_half=(x * lower, dict(project=masked(lower), resample=a.resample)),
                super_resolution_2x=(pooled, dict(project=block_average(2), resample=a.resample)),
                sdedit=(x, dict(strength=a.strength)))


def main():
    a = parse()
    ck = load_checkpoint(a.ckpt)
    model, d, _ = load_for_sampling(ck)
    dataset = ck['args'].get('dataset', 'digits')
    if not model.num_classes: raise SystemExit(f"{a.ckpt} is unconditional; this benchmark edits with the image's class")
    xtr, ytr = real_data(dataset, train=True)
    xte, yte = real_data(dataset, train=False)
    clf, _ = real_classifier(xtr, ytr, model.num_classes, dict(dataset=dataset, data_dir=None, seed=0), epochs=10,
                             width=32, seed=0)                              # md-eval's, from its cache
    pick = torch.randperm(len(xte), generator=torch.Generator().manual_seed(a.seed))[:a.n]
    x, y = xte[pick], yte[pick]
    rows, shown = [dict(task='original', accuracy=accuracy(clf, x, y))], [x]
    print(f"{a.ckpt}: {dataset}, {len(x)} test images; the real classifier on the originals: {rows[0]['accuracy']:.3f}")
    for name, (start, kw) in tasks(x, a).items():
        g = torch.Generator().manual_seed(a.seed)
        out = torch.cat([edit(d, model, start[i:i + 100], y=y[i:i + 100], steps=a.steps, generator=g, **kw)
                         for i in range(0, len(x), 100)])
        rows.append(dict(task=name, accuracy=accuracy(clf, out, y), input_accuracy=accuracy(clf, start, y),
                         mean_abs_change=(out - x).abs().mean().item(), **{k: v for k, v in kw.items() if k != 'project'}))
        shown += [start, out]
        print(f"{name:>20}: {rows[-1]['accuracy']:.3f} of the results are their class (their inputs: "
              f"{rows[-1]['input_accuracy']:.3f})", flush=True)
    result = dict(rows=rows)
    if a.figure:
        one = torch.stack([torch.nonzero(y == c)[0, 0] for c in range(model.num_classes) if (y == c).any()])
        save_grid(torch.cat([s[one] for s in shown]), a.figure, nrow=len(one))
        result['figure'] = dict(path=str(a.figure), sha256=hashlib.sha256(Path(a.figure).read_bytes()).hexdigest())
    write_record('editing', settings=dict(vars(a), dataset=dataset, checkpoint_step=ck['step']), results=result)


if __name__ == '__main__': main()
