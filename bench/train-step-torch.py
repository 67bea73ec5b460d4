#!/usr/bin/env python3
"""PyTorch reference for bench/train-step.ts: the same ResNet18 training step (same freeze
preset, frozen BN in eval mode, SGD momentum 0.9, cross-entropy) on random data.
Prints one JSON line: {"imagesPerSecond", "cpuSecondsPerImage", "peakRssMb"}.
Usage: python3 bench/train-step-torch.py SIZE BATCH PRESET STEPS THREADS"""
import json
import resource
import sys
import time

import torch
import torchvision

size, batch, preset, steps, threads = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)  # Debian's torch defaults to one thread here
trainable = {
    'head': lambda n: n.startswith('fc.'),
    'last-stage': lambda n: n.startswith(('fc.', 'layer4.')),
    'all-but-stem': lambda n: not n.startswith(('conv1.', 'bn1.')),
    'none': lambda n: True,
}[preset]
model = torchvision.models.resnet18(num_classes=4)
model.train()
for n, p in model.named_parameters():
    p.requires_grad_(trainable(n))
for n, m in model.named_modules():
    if isinstance(m, torch.nn.BatchNorm2d) and not trainable(n + '.weight'):
        m.eval()
opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-3, momentum=0.9)
x = torch.randn(batch, 3, size, size)
y = torch.randint(0, 4, (batch,))


def step():
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()


step()  # warm-up
start = time.perf_counter()
cpu = time.process_time()
for _ in range(steps):
    step()
elapsed = time.perf_counter() - start
cpu_used = time.process_time() - cpu
print(json.dumps({
    'imagesPerSecond': batch * steps / elapsed,
    'cpuSecondsPerImage': cpu_used / (batch * steps),
    'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
