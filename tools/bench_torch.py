"""PyTorch side of the CPU comparison: eval forward latency and a training step, same shapes as
deepslim's `bench` / JMH ModelBench. Run next to `./deepslim bench` in the same session:

    /usr/bin/python3 tools/bench_torch.py --threads 2
"""
import argparse
import statistics
import time

import torch

from torch_models import ZooNet


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", default="vgg45m,student10")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--forward-only", action="store_true",
                    help="one line 'arch batch median_ms' per model (read by benchmarks/ DenseVersus)")
    ap.add_argument("--train-only", action="store_true",
                    help="one line 'arch batch median_ms' per model for a training step at --size px, batch "
                         "--batch, SGD momentum 0.9 (read by benchmarks/ DenseVersus --train)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.train_only:
        for arch in args.models.split(","):
            print(f"{arch} {args.batch} {median_ms(train_step(arch, args.size, args.batch), 2, args.reps):.3f}", flush=True)
        return
    if args.forward_only:
        for arch in args.models.split(","):
            net = ZooNet(arch, args.size).eval()
            x = torch.randn(args.batch, 3, args.size, args.size)
            with torch.no_grad():
                print(f"{arch} {args.batch} {median_ms(lambda: net(x), 2, args.reps):.3f}", flush=True)
        return
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print("| model | eval forward ms (batch 1) | train step ms (64 px, batch 32, SGD) |")
    print("|---|---|---|")
    for arch in args.models.split(","):
        net = ZooNet(arch, args.size).eval()
        x = torch.randn(1, 3, args.size, args.size)
        with torch.no_grad():
            fwd = median_ms(lambda: net(x), 3, args.reps)
        train = median_ms(train_step(arch, 64, 32), 2, args.reps)
        print(f"| {arch} | {fwd:.1f} | {train:.1f} |")


def train_step(arch, size, batch):
    """One SGD-momentum training step (forward, cross-entropy backward, update) as a callable."""
    tnet = ZooNet(arch, size).train()
    opt = torch.optim.SGD(tnet.parameters(), lr=0.01, momentum=0.9)
    xb, yb = torch.randn(batch, 3, size, size), torch.arange(batch) % 2

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(tnet(xb), yb).backward()
        opt.step()

    return step


if __name__ == "__main__":
    main()
