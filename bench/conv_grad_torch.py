#!/usr/bin/env python3
"""PyTorch's side of bench/conv-grad-probe.ts: CPU ms of one ResNet18 conv's forward, input
gradient and weight gradient (aten.convolution_backward, oneDNN), batch 32 at 224 px, 2 threads,
best of 3 rounds of 3 runs. Usage: /usr/bin/python3 bench/conv_grad_torch.py"""
import time, torch
torch.set_num_threads(2)
shapes = {'layer1': (64, 64, 56, 1), 'layer2': (128, 128, 28, 1), 'layer3': (256, 256, 14, 1), 'layer4': (512, 512, 7, 1), 'layer2.s2': (64, 128, 56, 2), 'layer3.s2': (128, 256, 28, 2), 'layer4.s2': (256, 512, 14, 2)}
for name, (ci, co, h, s) in shapes.items():
    x = torch.randn(32, ci, h, h); w = torch.randn(co, ci, 3, 3)
    oh = (h + 2 - 3) // s + 1
    dy = torch.randn(32, co, oh, oh)
    def fwd(): torch.nn.functional.conv2d(x, w, stride=s, padding=1)
    def both():
        return torch.ops.aten.convolution_backward(dy, x, w, None, [s, s], [1, 1], [1, 1], False, [0, 0], 1, [True, True, False])
    def dxo(): torch.ops.aten.convolution_backward(dy, x, w, None, [s, s], [1, 1], [1, 1], False, [0, 0], 1, [True, False, False])
    def dwo(): torch.ops.aten.convolution_backward(dy, x, w, None, [s, s], [1, 1], [1, 1], False, [0, 0], 1, [False, True, False])
    out = []
    for f in (fwd, dxo, dwo):
        f(); f()
        best = 1e9
        for r in range(3):
            c = time.process_time()
            for i in range(3): f()
            best = min(best, (time.process_time() - c) / 3 * 1000)
        out.append(best)
    print(f"{name}: fwd {out[0]:.1f} dX {out[1]:.1f} dW {out[2]:.1f} CPU ms")
