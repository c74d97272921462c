#!/usr/bin/python3
"""PyTorch golden fixtures for deepslim's parity tests.

Regenerate (Debian; needs only python3-torch, no safetensors package):
    apt-get install -y python3-torch
    /usr/bin/python3 tools/make_fixtures.py
Writes src/test/resources/golden/<case>.safetensors (the folder is wiped first) and prints a
summary. The output is deterministic: every case seeds torch with crc32(<case>).

File layout (see tools/README.md):
  in.<k>     inputs and parameters, float32 (class indices: I64)
  out        forward output; gout = upstream gradient, loss = (out * gout).sum()
  grad.<k>   d loss / d in.<k>
  __metadata__  the op and its arguments as strings
Inputs are drawn in float32, the reference runs in float64 on exactly those values, and the
results are stored rounded to float32, so a stored reference is within half an ulp of the truth.
The optimizer fixtures run in float32 end to end, as the Java side does.
"""
import json
import os
import shutil
import struct
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "golden")
F64 = torch.float64


# ------------------------------------------------------------------ safetensors writer

def write_safetensors(path, tensors, metadata):
    """Writes {name: tensor} (float -> F32, int64 -> I64) with string metadata, padded like the reference."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype in (torch.float32, torch.float64) and name not in RAW_DTYPES:
            t = t.to(torch.float32)                     # references are computed in float64, stored as F32
        if t.dtype == torch.bfloat16:                   # numpy has no bfloat16: write its bit pattern
            data = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        dtype = ST_DTYPES[t.dtype]
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


ST_DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int64: "I64", torch.int32: "I32", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
RAW_DTYPES = set()   # tensor names written in their own float dtype (the format-check file only)


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def randn(*shape):
    return torch.randn(shape, dtype=torch.float32)


def uniform(lo, hi, *shape):
    return lo + (hi - lo) * torch.rand(shape, dtype=torch.float32)


SUMMARY = []


def save(name, tensors, meta):
    path = os.path.join(OUT_DIR, name + ".safetensors")
    write_safetensors(path, tensors, meta)
    SUMMARY.append((name, os.path.getsize(path)))


# ------------------------------------------------------------------ single-op cases

def op_case(name, fn, inputs, meta, no_grad=(), use_gout=True):
    """Runs fn(**inputs) in float64; with use_gout the loss is (out * gout).sum(), else out itself."""
    xs = {}
    for k, v in inputs.items():
        if v.is_floating_point():
            xs[k] = v.to(F64).requires_grad_(k not in no_grad)
        else:
            xs[k] = v
    out = fn(**xs)
    tensors = {f"in.{k}": v for k, v in inputs.items()}
    if use_gout:
        gout = randn(*out.shape)
        (out * gout.to(F64)).sum().backward()
    else:
        out.backward()
    tensors["out"] = out
    if use_gout:
        tensors["gout"] = gout
    for k, x in xs.items():
        if x.is_floating_point() and x.requires_grad:
            tensors[f"grad.{k}"] = x.grad
    save(name, tensors, meta)


def elementwise_cases():
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    for op, fn in binary.items():
        for tag, bshape in (("same", (2, 3, 4)), ("b31", (3, 1)), ("b1", (1,))):
            name = f"{op}_{tag}"
            seed(name)
            a = randn(2, 3, 4)
            # keep divisors away from zero so div's gradient is well conditioned
            b = randn(*bshape) if op != "div" else uniform(0.5, 2.0, *bshape) * torch.sign(randn(*bshape))
            op_case(name, lambda a, b, fn=fn: fn(a, b), {"a": a, "b": b}, {"op": op, "kind": "binary"})
    unary = {
        "neg": (torch.neg, None), "exp": (torch.exp, None), "log": (torch.log, "pos"), "sqrt": (torch.sqrt, "pos"),
        "abs": (torch.abs, None), "relu": (torch.relu, None), "sigmoid": (torch.sigmoid, None), "tanh": (torch.tanh, None),
    }
    for op, (fn, domain) in unary.items():
        seed(op)
        x = uniform(0.1, 3.0, 2, 3, 5) if domain == "pos" else randn(2, 3, 5)
        op_case(op, lambda x, fn=fn: fn(x), {"x": x}, {"op": op, "kind": "unary"})
    seed("pow3")
    op_case("pow3", lambda x: torch.pow(x, 3), {"x": randn(2, 3, 5)}, {"op": "pow", "kind": "unary", "exponent": "3"})
    # dropout: only p = 0 (identity); PyTorch's RNG stream cannot be matched from Java
    seed("dropout_p0")
    op_case("dropout_p0", lambda x: F.dropout(x, p=0.0, training=True), {"x": randn(2, 3, 4)},
            {"op": "dropout", "p": "0", "training": "true"})


def matmul_cases():
    seed("matmul_2d")
    op_case("matmul_2d", lambda a, b: a @ b, {"a": randn(5, 7), "b": randn(7, 3)}, {"op": "matmul"})
    seed("matmul_3d")
    op_case("matmul_3d", lambda a, b: a @ b, {"a": randn(2, 5, 7), "b": randn(2, 7, 3)}, {"op": "matmul"})
    seed("linear")
    op_case("linear", lambda x, weight, bias: F.linear(x, weight, bias),
            {"x": randn(4, 7), "weight": randn(3, 7) * 0.4, "bias": randn(3)}, {"op": "linear", "bias": "true"})
    seed("linear_nobias")
    op_case("linear_nobias", lambda x, weight: F.linear(x, weight),
            {"x": randn(4, 7), "weight": randn(3, 7) * 0.4}, {"op": "linear", "bias": "false"})


def conv_cases():
    # (name, x shape, weight shape, bias, stride, padding, groups); weight is (out, in/groups, kh, kw)
    convs = [
        ("conv2d_3x3_s1_p1", (2, 3, 7, 7), (4, 3, 3, 3), True, 1, 1, 1),
        ("conv2d_3x3_s2_p1", (2, 3, 8, 9), (6, 3, 3, 3), True, 2, 1, 1),
        ("conv2d_1x1", (2, 4, 5, 5), (6, 4, 1, 1), True, 1, 0, 1),
        ("conv2d_groups2", (2, 4, 7, 6), (6, 2, 3, 3), True, 1, 1, 2),
        ("conv2d_depthwise", (2, 4, 7, 7), (8, 1, 3, 3), True, 1, 1, 4),
        ("conv2d_5x5_p2_nobias", (2, 3, 8, 8), (4, 3, 5, 5), False, 1, 2, 1),
    ]
    for name, xs, ws, bias, stride, padding, groups in convs:
        seed(name)
        inputs = {"x": randn(*xs), "weight": randn(*ws) * 0.3}
        if bias:
            inputs["bias"] = randn(ws[0])
        op_case(name, lambda x, weight, bias=None, s=stride, p=padding, g=groups: F.conv2d(x, weight, bias, s, p, 1, g),
                inputs, {"op": "conv2d", "stride": stride, "padding": padding, "groups": groups,
                         "bias": str(bias).lower()})
    # weight is (in, out/groups, kh, kw)
    tconvs = [
        ("conv_transpose2d_k4_s2_p1", (2, 4, 5, 5), (4, 3, 4, 4), True, 2, 1, 0, 1),
        ("conv_transpose2d_k3_s2_p1_op1", (2, 3, 5, 6), (3, 4, 3, 3), True, 2, 1, 1, 1),
        ("conv_transpose2d_k2_s2", (2, 4, 5, 5), (4, 3, 2, 2), True, 2, 0, 0, 1),
        ("conv_transpose2d_k4_s2_p1_groups2", (2, 4, 5, 5), (4, 3, 4, 4), False, 2, 1, 0, 2),
    ]
    for name, xs, ws, bias, stride, padding, opad, groups in tconvs:
        seed(name)
        inputs = {"x": randn(*xs), "weight": randn(*ws) * 0.3}
        if bias:
            inputs["bias"] = randn(ws[1] * groups)
        op_case(name, lambda x, weight, bias=None, s=stride, p=padding, o=opad, g=groups:
                F.conv_transpose2d(x, weight, bias, s, p, o, g),
                inputs, {"op": "conv_transpose2d", "stride": stride, "padding": padding, "output_padding": opad,
                         "groups": groups, "bias": str(bias).lower()})


def pool_cases():
    pools = [
        ("max_pool2d_k2_s2", "max_pool2d", 2, 2, 0, (2, 3, 7, 7)),
        ("max_pool2d_k3_s2_p1", "max_pool2d", 3, 2, 1, (2, 3, 7, 8)),
        ("avg_pool2d_k2_s2", "avg_pool2d", 2, 2, 0, (2, 3, 7, 7)),
        ("avg_pool2d_k3_s2_p1", "avg_pool2d", 3, 2, 1, (2, 3, 7, 8)),
    ]
    for name, op, k, s, p, xs in pools:
        seed(name)
        if op == "max_pool2d":
            fn = lambda x, k=k, s=s, p=p: F.max_pool2d(x, k, s, p)
        else:
            fn = lambda x, k=k, s=s, p=p: F.avg_pool2d(x, k, s, p, ceil_mode=False, count_include_pad=True)
        meta = {"op": op, "kernel": k, "stride": s, "padding": p}
        if op == "avg_pool2d":
            meta["count_include_pad"] = "true"
        op_case(name, fn, {"x": randn(*xs)}, meta)
    for name, oh, ow in (("adaptive_avg_pool2d_3x3", 3, 3), ("adaptive_avg_pool2d_1x1", 1, 1)):
        seed(name)
        op_case(name, lambda x, oh=oh, ow=ow: F.adaptive_avg_pool2d(x, (oh, ow)), {"x": randn(2, 3, 7, 7)},
                {"op": "adaptive_avg_pool2d", "out_h": oh, "out_w": ow})


def batchnorm_cases():
    for training in (True, False):
        name = "batch_norm_train" if training else "batch_norm_eval"
        seed(name)
        c = 6
        x = randn(2, c, 5, 5) * 1.5 + 0.5
        weight, bias = uniform(0.5, 1.5, c), randn(c) * 0.2
        rm, rv = randn(c) * 0.1, uniform(0.5, 1.5, c)
        xd = x.to(F64).requires_grad_()
        wd, bd = weight.to(F64).requires_grad_(), bias.to(F64).requires_grad_()
        rmd, rvd = rm.to(F64), rv.to(F64)
        out = F.batch_norm(xd, rmd, rvd, wd, bd, training=training, momentum=0.1, eps=1e-5)
        gout = randn(*out.shape)
        (out * gout.to(F64)).sum().backward()
        save(name, {
            "in.x": x, "in.weight": weight, "in.bias": bias, "in.running_mean": rm, "in.running_var": rv,
            "out": out, "out.running_mean": rmd, "out.running_var": rvd, "gout": gout,
            "grad.x": xd.grad, "grad.weight": wd.grad, "grad.bias": bd.grad,
        }, {"op": "batch_norm", "training": str(training).lower(), "momentum": "0.1", "eps": "1e-05"})


def shape_cases():
    seed("flatten")
    op_case("flatten", lambda x: torch.flatten(x, 1), {"x": randn(2, 3, 4, 5)}, {"op": "flatten", "start_dim": 1})
    seed("reshape")
    op_case("reshape", lambda x: x.reshape(6, 20), {"x": randn(2, 3, 4, 5)}, {"op": "reshape", "shape": "6,20"})
    seed("transpose")
    op_case("transpose", lambda x: x.transpose(0, 2), {"x": randn(2, 3, 4)}, {"op": "transpose", "dim0": 0, "dim1": 2})
    seed("permute")
    op_case("permute", lambda x: x.permute(0, 2, 3, 1), {"x": randn(2, 3, 4, 5)}, {"op": "permute", "dims": "0,2,3,1"})


def reduction_cases():
    cases = [
        ("sum_all", lambda x: x.sum(), {"op": "sum"}),
        ("sum_dim1_keepdim", lambda x: x.sum(1, keepdim=True), {"op": "sum", "dim": 1, "keepdim": "true"}),
        ("mean_all", lambda x: x.mean(), {"op": "mean"}),
        ("mean_dim0", lambda x: x.mean(0), {"op": "mean", "dim": 0, "keepdim": "false"}),
        ("max_dim1", lambda x: x.max(1).values, {"op": "max", "dim": 1, "keepdim": "false"}),
    ]
    for name, fn, meta in cases:
        seed(name)
        op_case(name, fn, {"x": randn(2, 3, 4)}, meta)
    cases = [
        ("softmax_last", lambda x: F.softmax(x, -1), (2, 3, 5), {"op": "softmax", "dim": -1}),
        ("log_softmax_last", lambda x: F.log_softmax(x, -1), (2, 3, 5), {"op": "log_softmax", "dim": -1}),
        ("softmax_dim1_4d", lambda x: F.softmax(x, 1), (2, 3, 4, 5), {"op": "softmax", "dim": 1}),
    ]
    for name, fn, shape, meta in cases:
        seed(name)
        op_case(name, fn, {"x": randn(*shape) * 2}, meta)


def loss_cases():
    # losses: out is the scalar loss and grads are of it directly (no gout)
    seed("cross_entropy")
    op_case("cross_entropy", lambda logits, target: F.cross_entropy(logits, target),
            {"logits": randn(5, 4) * 2, "target": torch.randint(0, 4, (5,))},
            {"op": "cross_entropy", "reduction": "mean"}, use_gout=False)
    seed("bce_with_logits")
    op_case("bce_with_logits", lambda logits, target: F.binary_cross_entropy_with_logits(logits, target),
            {"logits": randn(3, 4) * 2, "target": torch.rand(3, 4)},
            {"op": "bce_with_logits", "reduction": "mean"}, no_grad=("target",), use_gout=False)
    T = 2.0
    seed("kl_div_T2")
    op_case("kl_div_T2", lambda s, t: F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction="batchmean"),
            {"s": randn(4, 5) * 2, "t": randn(4, 5) * 2},
            {"op": "kl_div", "T": "2", "reduction": "batchmean",
             "formula": "kl_div(log_softmax(s/T,1), softmax(t/T,1), batchmean)"}, no_grad=("t",), use_gout=False)
    # full distillation loss of PAPER.md §1.2 (the authors' code), read by io.deepslim.compress.DistillationTest
    for name, T, w in (("kd_loss_T2_w05", 2.0, 0.5), ("kd_loss_T4_w07", 4.0, 0.7)):
        seed(name)
        op_case(name, lambda s, t, target, T=T, w=w:
                w * T * T * F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction="batchmean")
                + (1 - w) * F.cross_entropy(s, target),
                {"s": randn(6, 3) * 2, "t": randn(6, 3) * 2, "target": torch.randint(0, 3, (6,))},
                {"op": "kd_loss", "T": str(T), "w": str(w),
                 "formula": "w*T^2*kl_div(log_softmax(s/T,1), softmax(t/T,1), batchmean) + (1-w)*cross_entropy(s, target)"},
                no_grad=("t",), use_gout=False)
    seed("mse_loss")
    op_case("mse_loss", lambda a, b: F.mse_loss(a, b), {"a": randn(3, 4), "b": randn(3, 4)},
            {"op": "mse_loss", "reduction": "mean"}, use_gout=False)


# ------------------------------------------------------------------ networks

class PaperNet(nn.Module):
    """Paper-style detector at 32x32: two conv-BN-ReLU-pool blocks, a depthwise-separable block, two FCs."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
        self.layer2 = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.layer3 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.Conv2d(16, 16, 1),
                                    nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Sequential(nn.Linear(16 * 4 * 4, 32), nn.ReLU())
        self.fc1 = nn.Linear(32, 2)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc1(self.fc(torch.flatten(x, 1)))


NET_META = {
    "arch": "layer1=conv3x3(3->8,p1)-bn-relu-maxpool2; layer2=conv3x3(8->16,p1)-bn-relu-maxpool2; "
            "layer3=conv3x3(16->16,p1,groups16)-conv1x1(16->16)-bn-relu-maxpool2; flatten; "
            "fc=linear(256->32)-relu; fc1=linear(32->2); loss=cross_entropy(mean)",
    "bn_momentum": "0.1", "bn_eps": "1e-05", "input": "2x3x32x32",
}


def make_net(name):
    """The network with deterministic float32 parameters (BN affine params randomized so they matter)."""
    seed(name)
    net = PaperNet()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(uniform(0.5, 1.5, m.num_features))
                m.bias.copy_(randn(m.num_features) * 0.1)
    x = randn(2, 3, 32, 32)
    y = torch.tensor([0, 1], dtype=torch.int64)
    return net, x, y


def net_train_case():
    name = "net_train"
    net, x, y = make_net(name)
    tensors = {f"param.{k}": v.clone() for k, v in net.named_parameters()}
    tensors.update({f"init.{k}": v.clone() for k, v in net.named_buffers()})
    net = net.double().train()
    logits = net(x.to(F64))
    loss = F.cross_entropy(logits, y)
    loss.backward()
    tensors.update({"in.x": x, "in.y": y, "out.logits": logits, "out.loss": loss})
    tensors.update({f"buffer.{k}": v for k, v in net.named_buffers()})
    tensors.update({f"grad.{k}": p.grad for k, p in net.named_parameters()})
    save(name, tensors, dict(NET_META, mode="train"))


def net_eval_case():
    name = "net_eval"
    net, x, y = make_net(name)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(randn(m.num_features) * 0.2)
                m.running_var.copy_(uniform(0.5, 2.0, m.num_features))
    tensors = {f"param.{k}": v.clone() for k, v in net.named_parameters()}
    tensors.update({f"buffer.{k}": v.clone() for k, v in net.named_buffers()})
    net = net.double().eval()
    logits = net(x.to(F64))
    loss = F.cross_entropy(logits, y)
    loss.backward()
    tensors.update({"in.x": x, "in.y": y, "out.logits": logits, "out.loss": loss})
    tensors.update({f"grad.{k}": p.grad for k, p in net.named_parameters()})
    save(name, tensors, dict(NET_META, mode="eval"))


def optimizer_case(name, make_opt, meta):
    """Two steps on the same batch, float32 throughout; stores the gradients each step saw too."""
    net, x, y = make_net("net_train")            # same start as net_train
    tensors = {f"param.{k}": v.detach().clone() for k, v in net.named_parameters()}
    tensors.update({f"init.{k}": v.clone() for k, v in net.named_buffers()})
    tensors.update({"in.x": x, "in.y": y})
    net.train()
    opt = make_opt(net.parameters())
    for step in (1, 2):
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        tensors[f"out.loss{step}"] = loss.detach().clone()
        tensors.update({f"grad{step}.{k}": p.grad.detach().clone() for k, p in net.named_parameters()})
        opt.step()
        tensors.update({f"step{step}.{k}": p.detach().clone() for k, p in net.named_parameters()})
    save(name, tensors, dict(NET_META, **meta))


def optimizer_cases():
    optimizer_case("opt_sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True),
                   {"optimizer": "sgd", "lr": "0.1", "momentum": "0.9", "weight_decay": "0.0001", "nesterov": "true"})
    optimizer_case("opt_adam", lambda ps: torch.optim.Adam(ps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4),
                   {"optimizer": "adam", "lr": "0.001", "beta1": "0.9", "beta2": "0.999", "eps": "1e-08",
                    "weight_decay": "0.0001"})
    optimizer_case("opt_adamw", lambda ps: torch.optim.AdamW(ps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2),
                   {"optimizer": "adamw", "lr": "0.001", "beta1": "0.9", "beta2": "0.999", "eps": "1e-08",
                    "weight_decay": "0.01"})


def format_case():
    """Known values in every dtype the Java reader supports (checks the reader, not an op)."""
    common = [0.0, 1.0, -2.5, 0.375, 1024.0, -2.0 ** -7]          # exact in every float dtype
    tensors = {
        "f32": torch.tensor(common, dtype=torch.float32).reshape(2, 3),
        "f64": torch.tensor(common, dtype=torch.float64),
        "f16": torch.tensor(common, dtype=torch.float16),
        "bf16": torch.tensor(common, dtype=torch.bfloat16),
        "f16_special": torch.tensor([2.0 ** -24, 65504.0, float("inf"), -0.0], dtype=torch.float16),
        "i64": torch.tensor([-3, 0, 2 ** 40], dtype=torch.int64),
        "i32": torch.tensor([-7, 2 ** 31 - 1], dtype=torch.int32),
        "i8": torch.tensor([-128, 127, 5], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "empty": torch.zeros(0, 3),
        "scalar": torch.tensor(42.5),
    }
    RAW_DTYPES.update(["f64"])
    save("safetensors_dtypes", tensors, {"purpose": "reader check", "unicode": "ünï ✓"})


def main():
    torch.set_num_threads(1)
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    os.makedirs(OUT_DIR)
    elementwise_cases()
    matmul_cases()
    conv_cases()
    pool_cases()
    batchnorm_cases()
    shape_cases()
    reduction_cases()
    loss_cases()
    net_train_case()
    net_eval_case()
    optimizer_cases()
    format_case()
    total = sum(s for _, s in SUMMARY)
    print(f"torch {torch.__version__}: wrote {len(SUMMARY)} fixtures, {total} bytes, to {os.path.normpath(OUT_DIR)}")


if __name__ == "__main__":
    main()
