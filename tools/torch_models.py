"""The paper's detectors in PyTorch, with the module names deepslim's zoo uses (PAPER.md §1.1).

Used by bench_torch.py (side-by-side latency) and by fixture scripts that check weight import.
"""
import torch.nn as nn


def _block(cin, cout, pool):
    layers = [nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU()]
    if pool:
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)


def _separable(cin, mid, cout, groups):
    return nn.Sequential(nn.Conv2d(cin, mid, 3, 1, 1, groups=groups), nn.Conv2d(mid, cout, 1),
                         nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2, 2))


def _hidden(cin, cout):
    return nn.Sequential(nn.Dropout(0.5), nn.Linear(cin, cout), nn.ReLU())


SPECS = {
    # channels of layer1..layerK, which layers pool, heads as (name, in, out, hidden?)
    "vgg45m": ([3, 64, 64, 128, 128, 256, 256, 512, 128], [0, 1, 0, 1, 0, 1, 1, 1]),
    "student40": ([3, 32, 64, 128, 256, 128, 128, 128], [1, 1, 1, 1, 1, 0, 0]),
    "student30": ([3, 32, 64, 128, 128, 128, 128], [1, 1, 1, 1, 1, 0]),
    "student20": ([3, 32, 64, 128, 128, 128, 64, 64], [1, 1, 1, 1, 1, 0, 0]),
}


class ZooNet(nn.Module):
    def __init__(self, arch, size=224, classes=2):
        super().__init__()
        s = size // 32
        if arch == "student10":
            for i, (cin, mid, cout, g) in enumerate([(3, 32, 32, 1), (32, 64, 64, 32), (64, 64, 64, 64),
                                                      (64, 128, 128, 64), (128, 128, 64, 128)], 1):
                setattr(self, f"layer{i}", _separable(cin, mid, cout, g))
            self.nlayers = 5
            self.fc = _hidden(64 * s * s, 128)
            self.fc1 = nn.Sequential(nn.Linear(128, classes))
            self.heads = ["fc", "fc1"]
            return
        ch, pools = SPECS[arch]
        for i in range(len(pools)):
            setattr(self, f"layer{i + 1}", _block(ch[i], ch[i + 1], pools[i]))
        self.nlayers = len(pools)
        last = ch[-1]
        if arch == "vgg45m":
            self.fc, self.fc1 = _hidden(last * s * s, 256), _hidden(256, 256)
            self.fc2 = nn.Sequential(nn.Linear(256, classes))
            self.heads = ["fc", "fc1", "fc2"]
        elif arch == "student40":
            self.fc, self.fc1 = _hidden(last * s * s, 128), _hidden(128, 128)
            self.fc2 = nn.Sequential(nn.Linear(128, classes))
            self.heads = ["fc", "fc1", "fc2"]
        else:
            self.fc = _hidden(last * s * s, 128)
            self.fc2 = nn.Sequential(nn.Linear(128, classes))
            self.heads = ["fc", "fc2"]

    def forward(self, x):
        for i in range(1, self.nlayers + 1):
            x = getattr(self, f"layer{i}")(x)
        x = x.flatten(1)
        for h in self.heads:
            x = getattr(self, h)(x)
        return x
