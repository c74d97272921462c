#!/usr/bin/env python3
"""Per conv layer of a pruned deepslim model file: weight density and the share of 3x3 kernels (one output x
one input channel) with any nonzero. Winograd-domain skipping can only skip all-zero kernels, so this bounds
what a sparse Winograd kernel could save. Usage: /usr/bin/python3 tools/kernel_density.py model.safetensors"""
import json
import struct
import sys

import numpy as np


def main(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    print("| layer | cout x cin | weight density | kernels with a nonzero | if nonzeros were uniform |")
    print("|---|---|---|---|---|")
    for key, meta in header.items():
        if not key.endswith(".weight.bitmask"):
            continue
        s, e = meta["data_offsets"]
        bits = np.unpackbits(np.frombuffer(raw[base + s:base + e], dtype=np.uint8), bitorder="little")
        bn = key[:-len("0.weight.bitmask")] + "1.weight"  # the BatchNorm after the conv gives cout
        if bn not in header:
            continue
        cout = header[bn]["shape"][0]
        total = len(bits) // (9 * cout) * 9 * cout
        if total == 0:
            continue
        m = bits[:total].reshape(cout, -1, 9)
        d = m.mean()
        print(f"| {key[:-len('.weight.bitmask')]} | {cout} x {m.shape[1]} | {d:.3f} | {(m.sum(-1) > 0).mean():.3f} | {1 - (1 - d) ** 9:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1])
