#!/usr/bin/env python3
"""PyTorch side of bench/infer.ts (run by it; not meant to be run alone).

argv: WEIGHTS.safetensors THREADS SIZE IMAGE...
Loads the same full-size weights into torchvision's resnet18, measures batch-1 latency and
batch-32 throughput with torch.set_num_threads(THREADS), and computes logits for the images
through torchvision's evaluation transform. Prints one JSON line.
"""
import json
import struct
import sys
import time

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image, ImageOps


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: torch.from_numpy(np.frombuffer(data[e['data_offsets'][0]:e['data_offsets'][1]], dtype='<f4').reshape(e['shape']).copy())
            for k, e in header.items() if k != '__metadata__'}


def main():
    weights, threads, size, images = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    torch.set_num_threads(threads)
    sd = read_safetensors(weights)
    model = torchvision.models.resnet18(num_classes=sd['fc.weight'].shape[0])
    model.load_state_dict(sd, strict=False)  # num_batches_tracked is not in the file
    model.eval()
    t = T.Compose([T.Resize(int(size * 256 / 224)), T.CenterCrop(size), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    with torch.no_grad():
        batch = torch.stack([t(ImageOps.exif_transpose(Image.open(p)).convert('RGB')) for p in images])
        logits = model(batch).tolist()
        x1 = torch.randn(1, 3, size, size)
        for _ in range(5):
            model(x1)
        lat = []
        c0 = time.process_time()
        for _ in range(30):
            t0 = time.perf_counter()
            model(x1)
            lat.append((time.perf_counter() - t0) * 1000)
        batch1_cpu_ms = (time.process_time() - c0) * 1000 / 30
        x32 = torch.randn(32, 3, size, size)
        model(x32)
        runs = 3
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(runs):
            model(x32)
        ips = 32 * runs / (time.perf_counter() - t0)
        cpu_ms_per_image = (time.process_time() - c0) * 1000 / (32 * runs)
    lat.sort()
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'p50': lat[len(lat) // 2], 'p95': lat[int(len(lat) * 0.95) - 1], 'imagesPerSecond': ips, 'batch1CpuMs': batch1_cpu_ms, 'cpuMsPerImage': cpu_ms_per_image, 'logits': logits}))


if __name__ == '__main__':
    main()
