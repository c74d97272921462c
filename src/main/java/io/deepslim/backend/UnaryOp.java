package io.deepslim.backend;

/** Elementwise single-input operations; alpha is the scalar parameter where one is used. */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, ABS, RELU, SIGMOID, TANH,
    /** 1 where x > 0 else 0 (ReLU derivative). */
    STEP,
    /** sign(x) in {-1, 0, 1}. */
    SIGN,
    /** alpha * x. */
    SCALE,
    /** x + alpha. */
    ADD_SCALAR,
    /** x ^ alpha. */
    POW,
    /** 1 / x. */
    RECIPROCAL,
    /** max(x, alpha). */
    CLAMP_MIN,
    /** log(1 + exp(x)), computed stably. */
    SOFTPLUS
}
