"""Exports the zoo models (random weights, fixed seed, eval mode) to ONNX for the side-by-side
benchmark (benchmarks/ DenseVersus): ONNX Runtime runs the same networks deepslim and PyTorch do.

    /usr/bin/python3 tools/export_onnx.py --out benchmarks/target/onnx --size 224

Needs only torch (the exporter); the optional `onnx` package is not used.
"""
import argparse
import os

import torch

from torch_models import ZooNet


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/target/onnx")
    ap.add_argument("--models", default="vgg45m,student10")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for arch in args.models.split(","):
        torch.manual_seed(args.seed)
        net = ZooNet(arch, args.size).eval()
        x = torch.randn(1, 3, args.size, args.size)
        path = os.path.join(args.out, f"{arch}-{args.size}.onnx")
        tmp = path + ".tmp"
        # a dynamic batch axis, so one file serves batch 1 and batch 8
        torch.onnx.export(net, x, tmp, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
        os.replace(tmp, path)
        print(f"{arch}: {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
