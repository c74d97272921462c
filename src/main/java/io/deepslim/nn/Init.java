package io.deepslim.nn;

import io.deepslim.tensor.Tensor;

import java.util.Random;

/** PyTorch's default initializations. */
public final class Init {
    private Init() {}

    /**
     * Conv/Linear default: kaiming_uniform(a=√5) for the weight, which reduces to
     * U(−1/√fan_in, 1/√fan_in); the bias uses the same bound.
     */
    public static Tensor defaultUniform(Random rng, int fanIn, int... shape) {
        float bound = (float) (1.0 / Math.sqrt(Math.max(1, fanIn)));
        return Tensor.uniform(rng, -bound, bound, shape);
    }
}
