#!/usr/bin/env python3
"""Markdown tables from a JMH JSON result of the compression grid (CompressBench, CompressLayerBench, LowRankBench).

Usage: python3 benchmarks/jmh_summary.py benchmarks/results/compress-jmh.json > summary.md

Whole models: ms per batch, images/s (batch x 1000 / ms) and speed-up against the dense vgg45m of the same size and
batch. Layers: dense ms and each variant's speed-up against it. Low-rank: microseconds per call. JMH runs each
variant in its own block of time, so on a shared machine the ratios carry that noise; CompressVersus alternates
variants inside every round for ratios that must hold.
"""
import json
import sys
from collections import defaultdict


def score(row):
    return row["primaryMetric"]["score"], row["primaryMetric"]["scoreUnit"]


def whole_models(rows):
    cells = {}
    for r in rows:
        p = r["params"]
        cells[(p["variant"], int(p["size"]), int(p["batch"]), p.get("fused", "true"))] = score(r)[0]
    keys = sorted({(s, b, f) for (_, s, b, f) in cells})
    variants = []
    for (v, *_rest) in cells:
        if v not in variants:
            variants.append(v)
    out = ["| model | " + " | ".join(f"{s} px b{b}{'' if f == 'true' else ' unfused'}: ms, img/s, vs dense" for s, b, f in keys) + " |",
           "|---|" + "---|" * len(keys)]
    for v in variants:
        line = [v]
        for s, b, f in keys:
            ms = cells.get((v, s, b, f))
            dense = cells.get(("dense", s, b, f))
            if ms is None:
                line.append("")
                continue
            ratio = f", {dense / ms:.2f}x" if dense else ""
            line.append(f"{ms:.2f}, {b * 1000 / ms:.0f}{ratio}")
        out.append("| " + " | ".join(line) + " |")
    return out


def layers(rows):
    """Per layer: the dense baselines' ms, then each compressed variant's speed-up against the plain dense module
    (dense-fused, conv → BN as the inference graph runs it, is listed beside it but not used as the baseline: alone
    it measured slower than the plain module, 2026-11-30, not explained; the ratios stay conservative)."""
    by = defaultdict(dict)
    variants = []
    for r in rows:
        p = r["params"]
        by[(p["shape"], int(p["batch"]))][p["variant"]] = score(r)[0]
        if p["variant"] not in variants:
            variants.append(p["variant"])
    bases = [v for v in ("dense", "dense-fused") if v in variants]
    others = [v for v in variants if v not in bases]
    out = ["| layer cin:cout:size | batch | " + " | ".join(f"{b} ms" for b in bases) + " | " + " | ".join(others) + " |",
           "|---|---|" + "---|" * (len(bases) + len(others))]
    for (shape, batch), v in sorted(by.items(), key=lambda kv: (kv[0][1], -int(kv[0][0].split(":")[2]), kv[0][0])):
        base = v.get("dense")
        cols = [f"{v[b]:.2f}" if b in v else "" for b in bases]
        cols += [f"{base / v[o]:.2f}x" if base and o in v else "" for o in others]
        out.append(f"| {shape} | {batch} | " + " | ".join(cols) + " |")
    return out


def lowrank(rows):
    by = defaultdict(dict)
    for r in rows:
        p = r["params"]
        by[(p["shape"], int(p["batch"]), int(p["rank"]))][p["variant"]] = score(r)[0]
    unit = score(rows[0])[1]
    out = [f"| Linear in:out | batch | rank | dense {unit} | factorized {unit} | two bare GEMMs {unit} | factorized / GEMMs"
           f" | fused dense {unit} | fused factorized {unit} | fused factorized / GEMMs |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    fmt = lambda x: f"{x:.1f}" if x is not None else ""
    ratio = lambda a, b: f"{a / b:.2f}" if a and b else ""
    for (shape, batch, rank), v in sorted(by.items()):
        f, g, d = v.get("factorized"), v.get("two-gemms"), v.get("dense")
        fd, ff = v.get("dense-fused"), v.get("factorized-fused")
        out.append(f"| {shape} | {batch} | {rank} | {fmt(d)} | {fmt(f)} | {fmt(g)} | {ratio(f, g)} | {fmt(fd)} | {fmt(ff)} | {ratio(ff, g)} |")
    return out


def main(path):
    rows = json.load(open(path))
    groups = defaultdict(list)
    for r in rows:
        groups[r["benchmark"].split(".")[-2]].append(r)
    sections = [("CompressBench", "Whole models (fused, as deployed)", whole_models),
                ("CompressLayerBench", "vgg45m conv layers at 224 px (speed-up vs the plain dense module)", layers),
                ("LowRankBench", "Factorized Linear", lowrank)]
    for name, title, fn in sections:
        if groups.get(name):
            print(f"### {title}\n")
            print("\n".join(fn(groups[name])))
            print()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
