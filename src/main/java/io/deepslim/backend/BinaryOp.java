package io.deepslim.backend;

/** Elementwise two-input operations with broadcasting. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN,
    /** 1 where a > b else 0. */
    GT,
    /** 1 where a == b else 0. */
    EQ,
    /** a where b > 0 else 0 (ReLU backward: gradient a, input b). */
    MASK_POSITIVE
}
