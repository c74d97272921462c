package io.deepslim.nn;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;

/** The parameter-free layers. */
public final class Layers {
    private Layers() {}

    /** Rectified linear unit. */
    public static final class ReLU extends Module {
        @Override
        public Tensor forward(Tensor x) { return Ops.relu(x); }
    }

    /** Max pooling with a square window. */
    public static final class MaxPool2d extends Module {
        private final int kernel, stride, padding;

        public MaxPool2d(int kernel) { this(kernel, kernel, 0); }

        public MaxPool2d(int kernel, int stride, int padding) {
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
        }

        @Override
        public Tensor forward(Tensor x) { return Ops.maxPool2d(x, kernel, stride, padding); }

        public int kernel() { return kernel; }

        public int stride() { return stride; }

        public int padding() { return padding; }

        @Override
        protected String describe() { return "k" + kernel + ", s" + stride; }
    }

    /** Average pooling with a square window. */
    public static final class AvgPool2d extends Module {
        private final int kernel, stride, padding;

        public AvgPool2d(int kernel, int stride, int padding) {
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
        }

        @Override
        public Tensor forward(Tensor x) { return Ops.avgPool2d(x, kernel, stride, padding); }

        public int kernel() { return kernel; }

        public int stride() { return stride; }

        public int padding() { return padding; }
    }

    /** Adaptive average pooling to a fixed output size. */
    public static final class AdaptiveAvgPool2d extends Module {
        private final int oh, ow;

        public AdaptiveAvgPool2d(int oh, int ow) {
            this.oh = oh;
            this.ow = ow;
        }

        @Override
        public Tensor forward(Tensor x) { return Ops.adaptiveAvgPool2d(x, oh, ow); }

        public int outH() { return oh; }

        public int outW() { return ow; }
    }

    /**
     * Inverted dropout. Evaluation mode is the identity and touches no state, so one model can be
     * shared by inference threads. In training mode each forward takes the next mask seed from an
     * explicit sequence: {@link #reseed} sets it (the trainer does, per (seed, epoch, step, layer), so
     * resumed runs draw the same masks) and {@link #forward(Tensor, long)} takes a seed directly.
     */
    public static final class Dropout extends Module {
        private final float p;
        private final java.util.concurrent.atomic.AtomicLong nextSeed;

        public Dropout(float p, long seed) {
            if (p < 0f || p >= 1f) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
            this.p = p;
            this.nextSeed = new java.util.concurrent.atomic.AtomicLong(seed);
        }

        @Override
        public Tensor forward(Tensor x) {
            if (!isTraining() || p == 0f) return x;   // eval: no state read or written
            return forward(x, nextSeed.getAndIncrement());
        }

        /** The training-mode forward with the mask drawn from {@code maskSeed}; the identity in eval mode. */
        public Tensor forward(Tensor x, long maskSeed) {
            return Ops.dropout(x, p, isTraining(), maskSeed * 0x9E3779B97F4A7C15L);
        }

        /** Probability of zeroing an element in training. */
        public float p() { return p; }

        /** Restarts the mask sequence (the trainer reseeds per step so resumed runs draw the same masks). */
        public void reseed(long s) { nextSeed.set(s); }

        @Override
        protected String describe() { return "p=" + p; }
    }

    /** Passes its input through (stands in for layers folded into a neighbour). */
    public static final class Identity extends Module {
        @Override
        public Tensor forward(Tensor x) { return x; }
    }

    /** Flattens all dimensions from 1 on: (N, C, H, W) → (N, C·H·W). */
    public static final class Flatten extends Module {
        @Override
        public Tensor forward(Tensor x) { return Ops.flatten(x, 1); }
    }
}
