#!/usr/bin/env python3
"""PyTorch reference for Defect Studio's trainer (docs/decisions.md, PyTorch parity).

Trains the same ResNet18 (torchvision names, optional width multiplier) from the same
initial weights (a .safetensors file written by bench/train.ts) on the same images (an
imagefolder tree: DATA/train/<class>/*, DATA/val/<class>/*) with the same recipe:
  - freeze preset (frozen layers: requires_grad False and BatchNorm in eval mode),
  - SGD momentum / AdamW, StepLR(7, 0.1) per epoch or cosine with one warm-up epoch per batch,
  - class-weighted cross-entropy (weights passed in, computed by the app),
  - augmentation: horizontal flip, RandomRotation (--rotation), ColorJitter(0.2, 0.2, 0.2) on the
    whole image resized to S x S (fit 'whole'; random crops off, as the parity run uses),
  - shuffled batches (torch.Generator seeded), last partial batch kept (smaller batch),
  - validation every epoch; the best epoch by accuracy + defect recall is reported (as ours).
Random streams differ from ours (torch's generator vs per-sample streams), so runs agree in
distribution, not bit for bit: compare accuracies, not weights.

Prints one JSON line: {"valAccuracy", "defectRecall", "balancedAccuracy", "bestEpoch",
"history": [...], "imagesPerSecond", "confusion"}.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

from resnet18_reference import load_resnet18

p = argparse.ArgumentParser()
p.add_argument('--data', required=True)
p.add_argument('--classes', required=True, help='comma-separated, model output order')
p.add_argument('--good', default='ok')
p.add_argument('--weights', required=True)
p.add_argument('--width', type=float, default=1.0)
p.add_argument('--size', type=int, default=224)
p.add_argument('--batch', type=int, default=32)
p.add_argument('--epochs', type=int, default=10)
p.add_argument('--lr', type=float, default=0.001)
p.add_argument('--optimizer', default='sgd')
p.add_argument('--weight-decay', type=float, default=None)
p.add_argument('--freeze', default='all-but-stem')
p.add_argument('--class-weights', default=None, help='comma-separated, one per class')
p.add_argument('--rotation', type=float, default=15, help='RandomRotation degrees (0 = off)')
p.add_argument('--schedule', default='step', choices=['step', 'cosine'])
p.add_argument('--seed', type=int, default=0)
p.add_argument('--threads', type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)  # Debian's torch defaults to one thread here
torch.manual_seed(args.seed)
classes = args.classes.split(',')


trainable = {
    'head': lambda n: n.startswith('fc.'),
    'last-stage': lambda n: n.startswith(('fc.', 'layer4.')),
    'all-but-stem': lambda n: not n.startswith(('conv1.', 'bn1.')),
    'none': lambda n: True,
}[args.freeze]

model = load_resnet18(args.weights, len(classes), args.width)
for n, prm in model.named_parameters():
    prm.requires_grad_(trainable(n))
frozen_bn = [m for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d) and not trainable(n + '.weight')]

norm = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
train_tf = transforms.Compose([
    transforms.Resize((args.size, args.size)),
    transforms.RandomHorizontalFlip(),
    *([transforms.RandomRotation(args.rotation)] if args.rotation > 0 else []),
    transforms.ColorJitter(0.2, 0.2, 0.2),
    transforms.ToTensor(), norm])
val_tf = transforms.Compose([transforms.Resize((args.size, args.size)), transforms.ToTensor(), norm])


def listing(split):
    items = []
    for k, name in enumerate(classes):
        folder = os.path.join(args.data, split, name)
        if os.path.isdir(folder):
            items += [(os.path.join(folder, f), k) for f in sorted(os.listdir(folder))]
    return items


train_items, val_items = listing('train'), listing('val')
load = lambda path: Image.open(path).convert('RGB')
val_x = torch.stack([val_tf(load(f)) for f, _ in val_items])
val_y = torch.tensor([k for _, k in val_items])
train_imgs = [load(f) for f, _ in train_items]
train_y = torch.tensor([k for _, k in train_items])

params = [q for q in model.parameters() if q.requires_grad]
if args.optimizer == 'adamw':
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01 if args.weight_decay is None else args.weight_decay)
else:
    opt = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=args.weight_decay or 0)
import math
steps_per_epoch = (len(train_imgs) + args.batch - 1) // args.batch
if args.schedule == 'cosine':
    # Same as electron/engine/train/schedules.ts: one linear warm-up epoch, then half a
    # cosine to 0 at the end, stepped per batch.
    warm, total = steps_per_epoch, args.epochs * steps_per_epoch
    cosine = lambda t: (t + 1) / warm if t < warm else 0.5 * (1 + math.cos(math.pi * min(1.0, (t - warm) / max(1, total - warm))))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, cosine)
else:
    sched = torch.optim.lr_scheduler.StepLR(opt, 7, 0.1)
cw = torch.tensor([float(w) for w in args.class_weights.split(',')]) if args.class_weights else None
good = classes.index(args.good) if args.good in classes else None


def evaluate():
    model.eval()
    with torch.no_grad():
        pred = model(val_x).argmax(1)
    m = torch.zeros(len(classes), len(classes), dtype=torch.long)
    for t, q in zip(val_y.tolist(), pred.tolist()):
        m[t, q] += 1
    acc = m.diag().sum().item() / len(val_y)
    recalls = [m[k, k].item() / m[k].sum().item() for k in range(len(classes)) if m[k].sum() > 0]
    dr = None
    if good is not None:
        defects = sum(m[t].sum().item() for t in range(len(classes)) if t != good)
        caught = sum(m[t].sum().item() - m[t, good].item() for t in range(len(classes)) if t != good)
        dr = caught / defects if defects else None
    return acc, sum(recalls) / len(recalls), dr, m.tolist()


gen = torch.Generator().manual_seed(args.seed)
history, best, train_time, seen = [], None, 0.0, 0
for epoch in range(args.epochs):
    model.train()
    for m in frozen_bn:
        m.eval()
    order = torch.randperm(len(train_imgs), generator=gen).tolist()
    for s in range(0, len(order), args.batch):
        idx = order[s:s + args.batch]
        x = torch.stack([train_tf(train_imgs[i]) for i in idx])
        y = train_y[idx]
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y, weight=cw)
        loss.backward()
        opt.step()
        if args.schedule == 'cosine':
            sched.step()
        train_time += time.perf_counter() - t0
        seen += len(idx)
    if args.schedule == 'step':
        sched.step()
    acc, bal, dr, conf = evaluate()
    history.append({'epoch': epoch + 1, 'valAccuracy': acc, 'valBalancedAccuracy': bal, 'valDefectRecall': dr})
    score = acc + (dr if dr is not None else bal)  # ours: accuracy + defect recall
    if best is None or score > best['score']:
        best = {'epoch': epoch + 1, 'score': score, 'valAccuracy': acc, 'balancedAccuracy': bal, 'defectRecall': dr, 'confusion': conf}

print(json.dumps({'valAccuracy': best['valAccuracy'], 'defectRecall': best['defectRecall'], 'balancedAccuracy': best['balancedAccuracy'],
                  'bestEpoch': best['epoch'], 'confusion': best['confusion'], 'history': history,
                  'imagesPerSecond': seen / train_time if train_time else 0}))
