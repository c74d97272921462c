package io.deepslim.compress.quant;

/** Scope of a weight scale: one for the whole tensor, or one per output channel/row. */
public enum Granularity { PER_TENSOR, PER_CHANNEL }
