package io.deepslim.backend;

/** Reductions along one dimension. */
public enum ReduceOp { SUM, MEAN, MAX }
