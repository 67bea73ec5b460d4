"""The ResNet18 the PyTorch references share with Defect Studio's engine.

torchvision's resnet18 layout and parameter names, with every channel count scaled by a
width multiplier (the engine's reduced models), loaded from the .safetensors files the
benches write. Kept in one module so train_reference.py and patchcore_reference.py build
exactly the same network.
"""
import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        assert e['dtype'] == 'F32', name
        b, en = e['data_offsets']
        out[name] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + en]), dtype=torch.float32).reshape(e['shape']).clone()
    return out


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class ResNet18(nn.Module):
    """torchvision.models.resnet18 with every channel count scaled by `width` (same names)."""

    def __init__(self, num_classes, width):
        super().__init__()
        c = max(1, round(64 * width))
        self.conv1 = nn.Conv2d(3, c, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        chans = [c, 2 * c, 4 * c, 8 * c]
        cin = c
        for i, co in enumerate(chans):
            stride = 1 if i == 0 else 2
            setattr(self, f'layer{i + 1}', nn.Sequential(Block(cin, co, stride), Block(co, co, 1)))
            cin = co
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def load_resnet18(weights_path, num_classes=None, width=None):
    """A ResNet18 with the file's weights; width and class count read from the file unless given."""
    state = read_safetensors(weights_path)
    if width is None:
        width = state['conv1.weight'].shape[0] / 64
    if num_classes is None:
        num_classes = state['fc.weight'].shape[0]
    model = ResNet18(num_classes, width)
    missing = model.load_state_dict({k: v for k, v in state.items() if not k.endswith('num_batches_tracked')}, strict=False)
    assert not missing.unexpected_keys, missing.unexpected_keys
    assert all(k.endswith('num_batches_tracked') for k in missing.missing_keys), missing.missing_keys
    return model
