#!/usr/bin/env python3
"""PyTorch probe on the hard synthetic benchmark (tests/support/hard-defects.ts; docs/accuracy.md).

What does a from-scratch ResNet18 learn on the SAME generated images, with the recipe that
worked on real tile photos (issue 14: AdamW lr 1e-3 one-cycle, balanced sampling instead of
loss weights, all layers trained, the whole image resized, no random crop, flips and 90 degree
turns)? Variants: --pool max (global max pooling), --mix P (a good image's texture added to
defect images, label kept), --pre N (N epochs of CutPaste pretext training on the good
images first), --batch, --predata DIR --pre-epochs N (supervised pre-training on ANOTHER
generated set first, tests/support/pretrain-defects.ts: other mark shapes on the same kind
of surfaces; --save-init / --init keep and reuse those weights). The grey images are fed as one channel (our model replicates grey
to three; the first convolution sums them, so the capacity is the same).

Data: an imagefolder written by the generator, e.g.
  npx tsx -e "import('./tests/support/hard-defects.ts').then(m => m.generateHardSet({ root: '/tmp/hard-ci', seed: 14, scale: 'ci' }))"
  /usr/bin/python3 scripts/reference/hard_benchmark_probe.py --data /tmp/hard-ci --size 64 --epochs 15
  npx tsx -e "import('./tests/support/pretrain-defects.ts').then(m => m.generatePretrainSet({ root: '/tmp/pre', seed: 7 }))"
  /usr/bin/python3 scripts/reference/hard_benchmark_probe.py --data /tmp/hard-ci --size 64 --predata /tmp/pre --pre-epochs 8
  /usr/bin/python3 scripts/reference/hard_benchmark_probe.py --data /tmp/hard-ci --size 64 --recipe seed
--recipe reference (default) is the issue's recipe above; --recipe seed is torchvision's
fine-tuning recipe as the project's 'seed' preset runs it (SGD 0.001 momentum 0.9, StepLR
7/0.1, RandomResizedCrop 0.08-1 from the original image, flip, +-15 degrees, brightness and
contrast jitter 0.2, 1/count class weights beyond 3:1, stem frozen, 15 epochs, the kept
epoch and early stopping (patience 5) on val accuracy + defect recall). These two recipes,
and nothing of the project's trainer, calibrated the benchmark's v2 parameters
(docs/decisions.md, "Benchmarks keep their teeth"; docs/accuracy.md).
Prints per epoch the training loss, val balanced accuracy, held-out test balanced accuracy,
defect recall and per-class recall (classes in folder order, e.g. dent, good, scratch, spot),
then one JSON line (final, kept-epoch and best test balanced accuracy, wall and CPU seconds).
"""
import argparse, glob, json, os, time, math
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image
p = argparse.ArgumentParser()
p.add_argument('--data', default='/tmp/acc/hard-ci')
p.add_argument('--size', type=int, default=96)
p.add_argument('--width', type=float, default=0.25)
p.add_argument('--epochs', type=int, default=12)
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--wd', type=float, default=0.01)
p.add_argument('--batch', type=int, default=32)
p.add_argument('--draws', type=int, default=0, help='draws per epoch (0 = n train)')
p.add_argument('--opt', default='adamw')
p.add_argument('--pool', default='avg')
p.add_argument('--sampling', default='balanced')
p.add_argument('--stem', default='std', help='std | nopool (no maxpool) | s1')
p.add_argument('--seed', type=int, default=0)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--pct', type=float, default=0.25)
p.add_argument('--mix', type=float, default=0.0, help='prob of adding a good image to a defect image (label kept)')
p.add_argument('--pre', type=int, default=0, help='cutpaste pretrain epochs on good images')
p.add_argument('--predata', default='', help='supervised pre-training on another imagefolder (tests/support/pretrain-defects.ts)')
p.add_argument('--pre-epochs', type=int, default=0, help='epochs of --predata pre-training')
p.add_argument('--pre-lr', type=float, default=2e-3)
p.add_argument('--pre-size', type=int, default=0, help='resolution of the pre-training images (0 = --size)')
p.add_argument('--save-init', default='', help='save the pre-trained weights (torch state dict) here')
p.add_argument('--init', default='', help='start from these weights (fc replaced)')
p.add_argument('--freeze-bn', action='store_true')
p.add_argument('--recipe', default='reference', help='reference (issue 14: AdamW one-cycle, balanced, whole image, flips) | seed (torchvision fine-tuning: SGD 0.001 m 0.9, StepLR 7/0.1, RandomResizedCrop 0.08-1, flip, +-15 deg, jitter 0.2, 1/count weights, stem frozen, best epoch by val accuracy + defect recall)')
p.add_argument('--patience', type=int, default=0, help='early stopping on the monitored val score (0 = off; the seed preset uses 5)')
p.add_argument('--init-style', default='torch', help="torch (PyTorch's default layer init) | torchvision (kaiming_normal fan_out for convolutions, as torchvision's resnet18 and the project's 'random' backbone)")
p.add_argument('--classes', default='', help='comma-separated class folders (default: every folder of project/train, sorted)')
args = p.parse_args()
if args.recipe == 'seed':
    # The seed preset's settings (electron/engine/train/trainer.ts defaultTrainerConfig), unless given.
    for k, v in dict(opt='sgd', lr=1e-3, sampling='shuffle').items():
        if p.get_default(k) == getattr(args, k): setattr(args, k, v)
    if args.patience == 0: args.patience = 5
    if args.epochs == p.get_default('epochs'): args.epochs = 15
torch.set_num_threads(args.threads); torch.manual_seed(args.seed); np.random.seed(args.seed)
classes = args.classes.split(',') if args.classes else sorted(os.listdir(os.path.join(args.data, 'project/train')))
good = classes.index('good')
def load(folder, classes=classes, size=None):
    X, Y = [], []
    size = size or args.size
    for k, c in enumerate(classes):
        for f in sorted(glob.glob(os.path.join(folder, c, '*.png'))):
            im = Image.open(f).convert('L').resize((size, size), Image.BILINEAR)
            X.append(np.asarray(im, dtype=np.float32) / 255.0); Y.append(k)
    X = torch.tensor(np.stack(X))[:, None]
    return (X - 0.45) / 0.226, torch.tensor(Y)
def load_native(folder):
    # The seed preset crops from the image itself (RandomResizedCrop), so it needs the originals.
    ims = []
    for k, c in enumerate(classes):
        for f in sorted(glob.glob(os.path.join(folder, c, '*.png'))): ims.append(Image.open(f).convert('L'))
    return ims
Xtr, Ytr = load(os.path.join(args.data, 'project/train'))
Itr = load_native(os.path.join(args.data, 'project/train')) if args.recipe == 'seed' else None
Xva, Yva = load(os.path.join(args.data, 'project/val'))
Xte, Yte = load(os.path.join(args.data, 'test'))
class Block(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); s.bn1 = nn.BatchNorm2d(cout)
        s.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(cout)
        s.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if stride != 1 or cin != cout else None
    def forward(s, x):
        y = F.relu(s.bn1(s.conv1(x))); y = s.bn2(s.conv2(y))
        return F.relu(y + (s.down(x) if s.down is not None else x))
class Net(nn.Module):
    def __init__(s, nc, w):
        super().__init__()
        c = max(1, round(64 * w))
        s.conv1 = nn.Conv2d(1, c, 7, 2, 3, bias=False); s.bn1 = nn.BatchNorm2d(c)
        chans = [c, 2*c, 4*c, 8*c]; cin = c; L = []
        for i, co in enumerate(chans):
            L += [Block(cin, co, 1 if i == 0 else 2), Block(co, co, 1)]; cin = co
        s.layers = nn.Sequential(*L); s.fc = nn.Linear(cin, nc)
    def forward(s, x):
        x = F.relu(s.bn1(s.conv1(x)))
        if args.stem == 'std': x = F.max_pool2d(x, 3, 2, 1)
        x = s.layers(x)
        x = F.adaptive_max_pool2d(x, 1) if args.pool == 'max' else F.adaptive_avg_pool2d(x, 1)
        return s.fc(torch.flatten(x, 1))
model = Net(len(classes), args.width)
if args.init_style == 'torchvision':
    for m in model.modules():
        if isinstance(m, nn.Conv2d): nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
n = len(Ytr); draws = args.draws or n
steps_per_epoch = math.ceil(draws / args.batch); total = steps_per_epoch * args.epochs
if args.recipe == 'seed':
    # Stem frozen ('all-but-stem'), SGD without weight decay, StepLR 7/0.1 stepped per epoch.
    for q in list(model.conv1.parameters()) + list(model.bn1.parameters()): q.requires_grad_(False)
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, 7 * steps_per_epoch, 0.1)
    counts = torch.bincount(Ytr, minlength=len(classes)).float()
    cw = (len(Ytr) / (len(classes) * counts)) if counts.max() / counts.min() > 3 else torch.ones(len(classes))
    import torchvision.transforms as T
    seed_tf = T.Compose([T.RandomResizedCrop(args.size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)), T.RandomHorizontalFlip(), T.RandomRotation(15), T.ColorJitter(0.2, 0.2), T.ToTensor(), T.Normalize([0.45], [0.226])])
else:
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd) if args.opt == 'adamw' else torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=args.pct)
    cw = None
byc = [torch.nonzero(Ytr == k).flatten() for k in range(len(classes))]
def aug(x):
    B = x.shape[0]
    fx = torch.rand(B) < 0.5; fy = torch.rand(B) < 0.5; tr = torch.rand(B) < 0.5
    x = x.clone()
    x[fx] = x[fx].flip(3); x[fy] = x[fy].flip(2); x[tr] = x[tr].transpose(2, 3)
    return x
def mixgood(x, y):
    if args.mix <= 0: return x
    x = x.clone(); B = x.shape[0]
    sel = (torch.rand(B) < args.mix) & (y != good)
    g = byc[good][torch.randint(len(byc[good]), (B,))]
    lam = 0.5 + 0.3 * torch.rand(B)
    gx = aug(Xtr[g])
    # The defect image keeps its defect; a good image's texture (mean removed) is added on top.
    x[sel] = x[sel] * lam[sel, None, None, None] + (gx[sel] - gx[sel].mean((2, 3), keepdim=True)) * (1 - lam[sel, None, None, None])
    return x
def cutpaste(x):
    x = x.clone(); B, _, H, W = x.shape; y = torch.zeros(B, dtype=torch.long)
    for i in range(B):
        if torch.rand(1) < 0.5: continue
        y[i] = 1
        if torch.rand(1) < 0.5:
            h = int(torch.randint(2, max(3, H // 8), (1,))); w = int(torch.randint(2, max(3, W // 8), (1,)))
        else:
            h = int(torch.randint(1, 3, (1,))); w = int(torch.randint(H // 10, H // 4, (1,)))
        sy, sx = int(torch.randint(0, H - h, (1,))), int(torch.randint(0, W - w, (1,)))
        ty, tx = int(torch.randint(0, H - h, (1,))), int(torch.randint(0, W - w, (1,)))
        patch = x[i, :, sy:sy+h, sx:sx+w]
        if torch.rand(1) < 0.5: patch = patch.transpose(1, 2); h, w = w, h; ty = min(ty, H - h); tx = min(tx, W - w)
        x[i, :, ty:ty+h, tx:tx+w] = patch
    return x, y
if args.pre > 0:
    fc5 = model.fc; model.fc = nn.Linear(fc5.in_features, 2)
    popt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd)
    G = byc[good]; psteps = math.ceil(len(G) / args.batch) * args.pre
    psched = torch.optim.lr_scheduler.OneCycleLR(popt, max_lr=args.lr, total_steps=psteps, pct_start=0.25)
    t0 = time.time()
    for pe in range(args.pre):
        perm = G[torch.randperm(len(G))]; tl = 0; acc = 0; k = 0
        for s in range(0, len(perm), args.batch):
            xb, yb = cutpaste(aug(Xtr[perm[s:s+args.batch]]))
            out = model(xb); loss = F.cross_entropy(out, yb)
            popt.zero_grad(); loss.backward(); popt.step(); psched.step(); tl += loss.item(); acc += (out.argmax(1) == yb).float().mean().item(); k += 1
        print(f'pre {pe+1} loss {tl/k:.3f} acc {acc/k:.3f} t {time.time()-t0:.0f}s', flush=True)
    model.fc = fc5
if args.init:
    sd = torch.load(args.init); sd = {k: v for k, v in sd.items() if not k.startswith('fc.')}
    print('init from', args.init, model.load_state_dict(sd, strict=False))
if args.predata and args.pre_epochs > 0:
    pclasses = sorted(os.listdir(os.path.join(args.predata, 'train')))
    Xp, Yp = load(os.path.join(args.predata, 'train'), pclasses, args.pre_size); Xpv, Ypv = load(os.path.join(args.predata, 'val'), pclasses, args.pre_size)
    fc5 = model.fc; model.fc = nn.Linear(fc5.in_features, len(pclasses))
    popt = torch.optim.AdamW(model.parameters(), lr=args.pre_lr, weight_decay=args.wd)
    psteps = math.ceil(len(Yp) / args.batch) * args.pre_epochs
    psched = torch.optim.lr_scheduler.OneCycleLR(popt, max_lr=args.pre_lr, total_steps=psteps, pct_start=0.25)
    t0 = time.time()
    for pe in range(args.pre_epochs):
        perm = torch.randperm(len(Yp)); tl = 0; k = 0
        for s0 in range(0, len(perm), args.batch):
            b = perm[s0:s0+args.batch]
            out = model(aug(Xp[b])); loss = F.cross_entropy(out, Yp[b])
            popt.zero_grad(); loss.backward(); popt.step(); psched.step(); tl += loss.item(); k += 1
        model.eval()
        with torch.no_grad(): pacc = (model(Xpv).argmax(1) == Ypv).float().mean().item()
        model.train()
        print(f'predata {pe+1} loss {tl/k:.3f} val acc {pacc:.3f} t {time.time()-t0:.0f}s', flush=True)
    model.fc = fc5
    if args.save_init: torch.save(model.state_dict(), args.save_init)
def evaluate(X, Y):
    model.eval()
    with torch.no_grad():
        P = torch.cat([model(X[i:i+256]) for i in range(0, len(X), 256)]).argmax(1)
    model.train()
    rec = [((P == k) & (Y == k)).sum().item() / max(1, (Y == k).sum().item()) for k in range(len(classes))]
    dr = ((P != good) & (Y != good)).sum().item() / max(1, (Y != good).sum().item())
    return sum(rec) / len(rec), dr, rec, (P == Y).float().mean().item()
t0 = time.time(); hist = []; kept = None; since = 0
for ep in range(args.epochs):
    if args.sampling == 'balanced':
        cls = torch.randint(len(classes), (draws,)); idx = torch.stack([byc[c][torch.randint(len(byc[c]), (1,))][0] for c in cls.tolist()])
    else:
        idx = torch.randperm(n)
    tl = 0
    for s in range(steps_per_epoch):
        b = idx[s*args.batch:(s+1)*args.batch]
        xb = torch.stack([seed_tf(Itr[i]) for i in b.tolist()]) if args.recipe == 'seed' else mixgood(aug(Xtr[b]), Ytr[b])
        out = model(xb); loss = F.cross_entropy(out, Ytr[b], weight=cw)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); tl += loss.item()
    va = evaluate(Xva, Yva); te = evaluate(Xte, Yte)
    hist.append((ep+1, round(tl/steps_per_epoch, 3), round(va[0], 3), round(te[0], 3), round(te[1], 3)))
    print(f'ep {ep+1} loss {tl/steps_per_epoch:.3f} val bal {va[0]:.3f} test bal {te[0]:.3f} dr {te[1]:.3f} rec {[round(r,2) for r in te[2]]} t {time.time()-t0:.0f}s', flush=True)
    # The kept epoch, as our trainer keeps it: seed = val accuracy + defect recall, reference = val balanced accuracy.
    score = (va[3] + va[1]) if args.recipe == 'seed' else va[0]
    if kept is None or score > kept[0]: kept = (score, ep + 1, te[0]); since = 0
    else: since += 1
    if args.patience and since >= args.patience: break
print(json.dumps({'args': vars(args), 'seconds': time.time()-t0, 'cpu_seconds': time.process_time(), 'hist': hist, 'final_test_bal': hist[-1][3], 'kept_epoch': kept[1], 'kept_test_bal': kept[2], 'best_test_bal': max(h[3] for h in hist)}))
