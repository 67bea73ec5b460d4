"""PyTorch's ResNet18 training step on the GPU machine, the comparison for bench/gpu-check.ts:
224 px, batch 32, 4 classes, SGD momentum 0.9, freeze presets none / all-but-stem, fp32 and
fp16 autocast with a GradScaler (mixed precision with loss scaling). Prints img/s per row."""
import json
import time

import torch
import torchvision


def step_rate(freeze: str, amp: bool, steps: int = 20) -> float:
    dev = torch.device('cuda')
    model = torchvision.models.resnet18(num_classes=4).to(dev)
    if freeze == 'all-but-stem':
        for p in list(model.conv1.parameters()) + list(model.bn1.parameters()):
            p.requires_grad_(False)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-3, momentum=0.9)
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    x = torch.randn(32, 3, 224, 224, device=dev)
    y = torch.arange(32, device=dev) % 4
    def one():
        opt.zero_grad(set_to_none=True)
        with torch.autocast('cuda', dtype=torch.float16, enabled=amp):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    for _ in range(3):
        one()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps):
        one()
    torch.cuda.synchronize()
    return 32 * steps / (time.perf_counter() - t)


rows = []
for freeze in ('none', 'all-but-stem'):
    for amp in (False, True):
        rows.append({'freeze': freeze, 'precision': 'fp16 autocast + GradScaler' if amp else 'fp32', 'imagesPerSecond': step_rate(freeze, amp)})
        print(f"torch {torch.__version__} {torch.cuda.get_device_name()} step {freeze:13s} {rows[-1]['precision']:28s} {rows[-1]['imagesPerSecond']:.0f} img/s", flush=True)
print(json.dumps(rows))
