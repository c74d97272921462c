"""PyTorch eager on the GPU, the same rows as deepslim's CudaCheck bench stage (benchmarks/gpu/check.sh):
inference of vgg45m and student10 at 224x224, batch 1/64/256, and a training step at batch 64 (cross-entropy,
backward, SGD momentum 0.9), fp32 with TF32 off, cudnn.benchmark on. Timing as in CudaCheck: a warm-up, then
the median of several rounds of several calls each, torch.cuda.synchronize() closing each round.
The models are tools/torch_models.py's ZooNet, the same layers as deepslim's zoo.
Usage: python3 tools/bench_torch_gpu.py [out.tsv]"""
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import ZooNet  # noqa: E402


def timed(fn, rounds, reps):
    fn()
    torch.cuda.synchronize()
    t = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
        t.append((time.perf_counter() - t0) * 1000 / reps)
    return statistics.median(t)


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    torch.manual_seed(0)
    rows = ["kind\twhat\tdevice\tbatch\tms_median\titems_per_s\tnote"]

    def row(what, batch, ms, note):
        rows.append(f"model\t{what}\ttorch {torch.__version__} cuda\t{batch}\t{ms:.4f}\t{batch * 1000 / ms:.1f}\t{note}")
        print(rows[-1], flush=True)

    for name in ("vgg45m", "student10"):
        net = ZooNet(name, 224).to(dev).eval()
        for batch in (1, 64, 256):
            x = torch.randn(batch, 3, 224, 224, device=dev)
            with torch.inference_mode():
                for _ in range(3):
                    net(x)
                ms = timed(lambda: net(x), 7, 20 if batch == 1 else 3)
            row(f"{name} inference 224px", batch, ms, "fp32 eager, eval mode, median of 7 rounds")
        net = ZooNet(name, 224).to(dev).train()
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(64, 3, 224, 224, device=dev)
        y = torch.arange(64, device=dev) % 2

        def step():
            opt.zero_grad(set_to_none=False)
            F.cross_entropy(net(x), y).backward()
            opt.step()

        step()
        ms = timed(step, 5, 2)
        row(f"{name} train step 224px SGD", 64, ms, "fp32 eager, forward+backward+step, median of 5 rounds")
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
