package io.deepslim.compress.lowrank;

/** How the two factors are joined. */
public enum Variant {
    /** Second(First(x)) with nothing between: full rank reproduces the layer exactly. */
    CORRECT,
    /**
     * The authors' code (PAPER.md §1.2): ReLU and Dropout(0.5) between the factors, so even full
     * rank does not reproduce the layer. Only for reproducing their Table 7.
     */
    PAPER_RELU_BETWEEN
}
