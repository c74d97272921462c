"""Times PyTorch eager inference of the same CNN shapes on the GPU, for the CPU-vs-GPU table next to
deepslim's CudaCheck (benchmarks/gpu/check.sh). Batch 1 latency and batch 64/256 throughput at 224x224,
fp32 (TF32 off), median of 10 timed runs after 3 warm-ups, torch.cuda.synchronize() around each.
Usage: python3 tools/bench_torch_gpu.py [out.tsv]
The models are VGG-style stand-ins built from torchvision-free layers; architecture parity with
deepslim's zoo is approximate (same conv widths per stage as vgg45m/student10 in models/Zoo.java)."""
import statistics
import sys
import time

import torch
import torch.nn as nn


def vgg(widths, classes=2):
    layers, cin = [], 3
    for w in widths:
        if w == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(cin, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            cin = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes))


MODELS = {
    "vgg45m": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "student10": [16, "M", 32, "M", 64, "M", 128, "M", 128, "M"],
}


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    rows = ["model\tdevice\tbatch\tms_per_batch_median\timages_per_s"]
    for name, widths in MODELS.items():
        net = vgg(widths).to(dev).eval()
        for batch in (1, 64, 256):
            x = torch.randn(batch, 3, 224, 224, device=dev)
            times = []
            with torch.inference_mode():
                for i in range(13):
                    torch.cuda.synchronize()
                    t0 = time.perf_counter()
                    net(x)
                    torch.cuda.synchronize()
                    times.append(time.perf_counter() - t0)
            ms = statistics.median(times[3:]) * 1000
            rows.append(f"{name}\ttorch-cuda\t{batch}\t{ms:.3f}\t{batch * 1000 / ms:.1f}")
            print(rows[-1], flush=True)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
