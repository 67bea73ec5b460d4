#!/usr/bin/env python3
"""PyTorch PatchCore reference for Defect Studio's anomaly mode (bench/patchcore-reference.ts).

PatchCore as published (Roth et al., "Towards Total Recall in Industrial Anomaly
Detection", CVPR 2022) and as anomalib implements it, written out here in plain torch so
that it runs on Debian's python3-torch without extra packages:
  - backbone: the same ResNet18 weights as the app (a .safetensors file), eval mode;
  - features: layer2 and layer3, each averaged over a 3x3 neighbourhood (stride 1, pad 1),
    layer3 resized bilinearly to layer2's grid, concatenated;
  - memory bank: every training patch, subsampled by greedy k-center coreset selection
    (distances in a 128-d Gaussian random projection, first centre a seeded random patch);
  - scores: Euclidean distance of each test patch to its nearest bank row; image score
    = the largest patch score, also reported with PatchCore's reweighting (eq. 7, 9
    neighbours: anomalib's default);
  - anomaly map: patch scores resized bilinearly to the input and smoothed by a Gaussian
    of sigma 4 (kernel radius 4 sigma).
Images: the whole image resized to S x S with PIL bilinear, ImageNet normalisation (the
app's 'whole' fit, electron/imaging/preprocess.ts). Masks: resized the same way, > 127 = defect.

Input: --train DIR of good images, --test an MVTec-style root (test/<good|kind>/*, masks in
ground_truth/<kind>/<name>_mask.png). Prints one JSON line:
{"imageAuroc", "imageAurocReweighted", "pixelAuroc", "bankSize", "patches", "featureDim",
 "trainImages", "goodImages", "defectImages", "maskImages", "fitSeconds", "scoreSeconds"}.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from resnet18_reference import load_resnet18

p = argparse.ArgumentParser()
p.add_argument('--train', required=True, help='folder of good training images')
p.add_argument('--test', required=True, help='MVTec-style root with test/ and ground_truth/')
p.add_argument('--weights', required=True)
p.add_argument('--size', type=int, default=224)
p.add_argument('--coreset', type=float, default=0.1)
p.add_argument('--projection', type=int, default=128)
p.add_argument('--neighbours', type=int, default=9)
p.add_argument('--sigma', type=float, default=4.0)
p.add_argument('--seed', type=int, default=0)
p.add_argument('--threads', type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
S = args.size
IMAGE_EXT = {'.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp'}
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def images_in(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if os.path.splitext(f)[1].lower() in IMAGE_EXT)


def load_image(path):
    img = Image.open(path).convert('RGB').resize((S, S), Image.BILINEAR)
    x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (x - MEAN) / STD


def load_mask(path):
    m = Image.open(path).convert('L').resize((S, S), Image.BILINEAR)
    return torch.from_numpy((np.asarray(m) > 127).astype(np.uint8))


model = load_resnet18(args.weights).eval()


def embed(batch):
    """[N, 3, S, S] -> ([N * h * w, D], (h, w)): locally aware patch features."""
    with torch.no_grad():
        x = model.maxpool(F.relu(model.bn1(model.conv1(batch))))
        l2 = model.layer2(model.layer1(x))
        l3 = model.layer3(l2)
        l2 = F.avg_pool2d(l2, 3, 1, 1)
        l3 = F.avg_pool2d(l3, 3, 1, 1)
        l3 = F.interpolate(l3, size=l2.shape[-2:], mode='bilinear', align_corners=False)
        f = torch.cat([l2, l3], 1)
    n, d, h, w = f.shape
    return f.permute(0, 2, 3, 1).reshape(n * h * w, d), (h, w)


def embed_files(files, batch=16):
    out, grid = [], None
    for s in range(0, len(files), batch):
        e, grid = embed(torch.stack([load_image(f) for f in files[s:s + batch]]))
        out.append(e)
    return torch.cat(out), grid


def greedy_coreset(features, k):
    """Greedy k-center on a random projection (PatchCore Algorithm 1)."""
    gen = torch.Generator().manual_seed(args.seed)
    if args.projection > 0:
        proj = torch.randn(features.shape[1], args.projection, generator=gen) / args.projection ** 0.5
        z = features @ proj
    else:
        z = features
    first = int(torch.randint(len(z), (1,), generator=gen))
    chosen = [first]
    # Squared distances as |z|^2 - 2 z.c + |c|^2: one matrix-vector product per centre.
    sq = (z * z).sum(1)
    min_d = sq - 2 * (z @ z[first]) + sq[first]
    for _ in range(k - 1):
        i = int(torch.argmax(min_d))
        chosen.append(i)
        torch.minimum(min_d, sq - 2 * (z @ z[i]) + sq[i], out=min_d)
    return torch.tensor(chosen)


def euclidean(a, b):
    """Pairwise distances [len(a), len(b)] as |a|^2 + |b|^2 - 2 a.b (anomalib's form; far
    faster than torch.cdist on this torch)."""
    d2 = (a * a).sum(1, keepdim=True) + (b * b).sum(1) - 2 * (a @ b.T)
    return d2.clamp_min(0).sqrt()


def nearest(queries, bank, chunk=4096):
    """Distance to and index of the nearest bank row for each query row."""
    dists, idx = [], []
    for s in range(0, len(queries), chunk):
        d = euclidean(queries[s:s + chunk], bank)
        v, i = d.min(1)
        dists.append(v)
        idx.append(i)
    return torch.cat(dists), torch.cat(idx)


def gaussian_blur(maps, sigma):
    """maps [N, 1, S, S]; separable Gaussian, reflect padding (anomalib's GaussianBlur2d)."""
    r = int(4 * sigma + 0.5)
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t * t / (2 * sigma * sigma))
    k = k / k.sum()
    x = F.pad(maps, (r, r, 0, 0), mode='reflect')
    x = F.conv2d(x, k.view(1, 1, 1, -1))
    x = F.pad(x, (0, 0, r, r), mode='reflect')
    return F.conv2d(x, k.view(1, 1, -1, 1))


def auroc(scores, labels):
    """Area under the ROC curve by ranks (Mann-Whitney U), ties counted half."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    pos, neg = labels.sum(), (~labels).sum()
    if pos == 0 or neg == 0:
        return None
    # Average rank of each distinct value (1-based): ties share the mean of their ranks.
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    r = (upper - (counts - 1) / 2)[inverse]
    return float((r[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


t0 = time.perf_counter()
train_files = images_in(args.train)
features, (gh, gw) = embed_files(train_files)
k = max(1, round(len(features) * args.coreset))
bank = features[greedy_coreset(features, k)]
fit_seconds = time.perf_counter() - t0

test_root = os.path.join(args.test, 'test')
tests = []
for kind in sorted(os.listdir(test_root)):
    for f in images_in(os.path.join(test_root, kind)):
        mask = os.path.join(args.test, 'ground_truth', kind, os.path.splitext(os.path.basename(f))[0] + '_mask.png')
        tests.append((f, kind == 'good', mask if kind != 'good' and os.path.exists(mask) else None))

t0 = time.perf_counter()
image_max, image_rw, pixel_scores, pixel_labels = [], [], [], []
mask_images = 0
for f, good, mask in tests:
    e, _ = embed(load_image(f).unsqueeze(0))
    d, nn_idx = nearest(e, bank)
    m = int(torch.argmax(d))
    image_max.append(float(d[m]))
    # Reweighting (eq. 7): how far the worst patch is from the bank row's own neighbours.
    support = euclidean(bank[nn_idx[m]].unsqueeze(0), bank)[0].topk(min(args.neighbours, len(bank)), largest=False).indices
    dist_support = torch.linalg.norm(bank[support] - e[m], dim=1)
    image_rw.append(float((1 - torch.softmax(dist_support, 0)[0]) * d[m]))
    amap = F.interpolate(d.view(1, 1, gh, gw), size=(S, S), mode='bilinear', align_corners=False)
    amap = gaussian_blur(amap, args.sigma)[0, 0]
    if good or mask:
        labels = torch.zeros(S, S, dtype=torch.uint8) if good else load_mask(mask)
        mask_images += 0 if good else 1
        pixel_scores.append(amap.flatten().numpy())
        pixel_labels.append(labels.flatten().numpy())
score_seconds = time.perf_counter() - t0

labels = [0 if good else 1 for _, good, _ in tests]
print(json.dumps({
    'imageAuroc': auroc(image_max, labels),
    'imageAurocReweighted': auroc(image_rw, labels),
    'pixelAuroc': auroc(np.concatenate(pixel_scores), np.concatenate(pixel_labels)) if mask_images else None,
    'bankSize': int(len(bank)),
    'patches': int(len(features)),
    'featureDim': int(features.shape[1]),
    'grid': [gh, gw],
    'trainImages': len(train_files),
    'goodImages': labels.count(0),
    'defectImages': labels.count(1),
    'maskImages': mask_images,
    'fitSeconds': fit_seconds,
    'scoreSeconds': score_seconds,
}))
