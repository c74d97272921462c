#!/usr/bin/python3
"""PyTorch fixtures for the transfer suite's maths (adapter, FReTAL representation loss, CAE loss).

Regenerate (Debian; needs only python3-torch):
    /usr/bin/python3 tools/make_transfer_fixtures.py
Writes src/test/resources/transfer/<case>.safetensors (same file conventions as make_fixtures.py:
in.<k> inputs/parameters, out.<k> results, grad.<k> gradients, string metadata). References are
computed in float64 on float32 inputs and stored as float32. The FReTAL reference follows the
authors' released code structure (per class and bin: max-pool, channel mean, sample mean,
squared error to the teacher's fixed bin mean, summed), written independently of the Java code.
"""
import os
import shutil
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "transfer")
F64 = torch.float64


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def save(name, tensors, meta):
    path = os.path.join(OUT_DIR, name + ".safetensors")
    write_safetensors(path, tensors, meta)
    print(f"{name}: {os.path.getsize(path)} bytes")


def state(prefix, module):
    return {prefix + k: v.detach().clone() for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}


# ------------------------------------------------------------------ adapter

class Adapter(nn.Module):
    """x + out(relu(bn(pw(dw(x))))) with dw depthwise 3x3, pw and out 1x1."""

    def __init__(self, c):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.pw = nn.Conv2d(c, c, 1)
        self.bn = nn.BatchNorm2d(c)
        self.out = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return x + self.out(F.relu(self.bn(self.pw(self.dw(x)))))


def adapter_case():
    name = "adapter"
    seed(name)
    c = 4
    a = Adapter(c)
    with torch.no_grad():                      # non-zero out and affine BN so every path is exercised
        a.out.weight.normal_(0, 0.5)
        a.out.bias.normal_(0, 0.1)
        a.bn.weight.uniform_(0.5, 1.5)
        a.bn.bias.normal_(0, 0.2)
    x = torch.randn(2, c, 5, 5)
    gout = torch.randn(2, c, 5, 5)
    tensors = {"in.x": x.clone()}
    tensors.update(state("in.", a))
    a64 = a.double().train()
    x64 = x.double().requires_grad_(True)
    y = a64(x64)
    (y * gout.double()).sum().backward()
    tensors["gout"] = gout
    tensors["out"] = y.detach()
    tensors["grad.x"] = x64.grad
    for k in ["dw.weight", "pw.weight", "bn.weight", "out.weight", "out.bias"]:
        tensors["grad." + k] = dict(a64.named_parameters())[k].grad
    save(name, tensors, {"channels": c, "mode": "train"})


# ------------------------------------------------------------------ FReTAL

def bin_of(p):
    for b, hi in enumerate([0.6, 0.7, 0.8, 0.9, 1.0]):
        if p > hi - 0.1 and p <= hi:
            return b
    return -1


def pooled(feat):
    k = min(4, feat.shape[2], feat.shape[3])
    return F.max_pool2d(feat, k).mean(dim=1).flatten(1)      # (N, D)


def fretal_case(name, h):
    seed(name)
    c, m, n = 6, 40, 24
    tf = torch.randn(m, c, h, h)
    tl = torch.randn(m, 2) * 2
    ty = torch.randint(0, 2, (m,))
    sf = torch.randn(n, c, h, h)
    sl = torch.randn(n, 2) * 2
    sy = torch.randint(0, 2, (n,))
    tp = F.softmax(tl.double(), 1)
    d = pooled(tf.double()).shape[1]
    targets = torch.zeros(2, 5, d, dtype=F64)
    counts = torch.zeros(2, 5, dtype=F64)
    for cls in range(2):
        for b in range(5):
            idx = [i for i in range(m) if ty[i] == cls and bin_of(tp[i, cls].item()) == b]
            if idx:
                targets[cls, b] = pooled(tf.double()[idx]).mean(dim=0)
                counts[cls, b] = len(idx)
    sf64 = sf.double().requires_grad_(True)
    sp = F.softmax(sl.double(), 1)
    loss = torch.zeros((), dtype=F64)
    for cls in range(2):
        for b in range(5):
            idx = [i for i in range(n) if sy[i] == cls and bin_of(sp[i, cls].item()) == b]
            if idx and counts[cls, b] > 0:
                mean = pooled(sf64[idx]).mean(dim=0)
                loss = loss + ((mean - targets[cls, b]) ** 2).sum()
    loss.backward()
    save(name, {"in.teacher_feat": tf, "in.teacher_logits": tl, "in.teacher_labels": ty,
                "in.student_feat": sf, "in.student_logits": sl, "in.labels": sy,
                "out.targets": targets, "out.counts": counts, "out.loss": loss.detach().reshape(1),
                "grad.student_feat": sf64.grad}, {"h": h})


# ------------------------------------------------------------------ CAE

class Cae(nn.Module):
    def __init__(self, size, width, depth, hidden, classes):
        super().__init__()
        enc, c = [], 3
        for i in range(depth):
            o = width << i
            enc += [nn.Conv2d(c, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2)]
            c = o
        self.encoder = nn.Sequential(*enc)
        s = size >> depth
        self.head = nn.Sequential(nn.Linear(c * s * s, hidden), nn.ReLU(), nn.Linear(hidden, classes))
        dec = []
        for i in range(depth - 1, -1, -1):
            o = 3 if i == 0 else width << (i - 1)
            dec.append(nn.ConvTranspose2d(c, o, 2, stride=2))
            if i > 0:
                dec.append(nn.ReLU())
            c = o
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        z = self.encoder(x)
        return self.head(z.flatten(1)), self.decoder(z)


def cae_case():
    name = "cae"
    seed(name)
    size, width, depth, hidden, lam = 16, 4, 2, 8, 0.7
    net = Cae(size, width, depth, hidden, 2)
    x = torch.randn(3, 3, size, size)
    y = torch.tensor([0, 1, 1])
    tensors = {"in.x": x.clone(), "in.y": y}
    tensors.update(state("in.", net))
    n64 = net.double().train()
    logits, recon = n64(x.double())
    ce = F.cross_entropy(logits, y)
    loss = ce + lam * F.mse_loss(recon, x.double())
    loss.backward()
    tensors["out.loss"] = loss.detach().reshape(1)
    tensors["out.ce"] = ce.detach().reshape(1)
    tensors["out.recon"] = recon.detach()
    params = dict(n64.named_parameters())
    for k in ["encoder.0.weight", "encoder.4.weight", "head.2.weight", "decoder.0.weight", "decoder.2.weight", "decoder.2.bias"]:
        tensors["grad." + k] = params[k].grad
    save(name, tensors, {"size": size, "width": width, "depth": depth, "hidden": hidden, "lambda": lam})


def main():
    torch.set_num_threads(1)
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    os.makedirs(OUT_DIR)
    adapter_case()
    fretal_case("fretal_h8", 8)
    fretal_case("fretal_h2", 2)
    cae_case()
    print(f"torch {torch.__version__}: wrote fixtures to {os.path.normpath(OUT_DIR)}")


if __name__ == "__main__":
    main()
