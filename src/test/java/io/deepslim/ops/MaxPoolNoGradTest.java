package io.deepslim.ops;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.DelegatingBackend;
import io.deepslim.backend.Device;
import io.deepslim.backend.PoolParams;
import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Max-pool without a gradient to take skips the argmax on host backends, with the same values. */
class MaxPoolNoGradTest {
    /** Records whether each max-pool call got an argmax tensor. */
    static final class Recording extends DelegatingBackend {
        final List<Boolean> argmaxGiven = new ArrayList<>();
        Recording() { super(new CpuBackend()); }
        @Override public String name() { return "recording"; }
        @Override public void maxPool2dForward(Tensor x, PoolParams p, Tensor y, Tensor argmax) {
            argmaxGiven.add(argmax != null);
            super.maxPool2dForward(x, p, y, argmax);
        }
    }

    @Test
    void noGradPoolSkipsArgmaxAndMatchesTheGradPath() {
        Recording be = new Recording();
        Device dev = new Device("recording", be);
        // odd sizes: ragged last window with kernel 3 stride 2 pad 1, and 2x2/2 on an odd map
        for (int[] k : new int[][]{{2, 2, 0}, {3, 2, 1}}) {
            Tensor x = Tensor.randn(new Random(k[0]), 1f, 2, 3, 9, 7).to(dev);
            x.requiresGrad(true);
            Tensor withGrad = Ops.maxPool2d(x, k[0], k[1], k[2]);
            Tensor noGrad;
            try (GradMode g = GradMode.off()) {
                noGrad = Ops.maxPool2d(x, k[0], k[1], k[2]);
            }
            assertArrayEquals(withGrad.toFloatArray(), noGrad.toFloatArray(), 0f, "values differ for kernel " + k[0]);
            assertEquals(List.of(true, false), be.argmaxGiven, "argmax given (grad mode), then skipped (no grad)");
            be.argmaxGiven.clear();
            // the gradient path still works after a no-grad call
            Tensor s = Ops.sum(withGrad);
            io.deepslim.autograd.Autograd.backward(s);
            assertNotNull(x.grad(), "no gradient reached x");
        }
        // an input that does not want a gradient skips it even in grad mode
        Tensor plain = Tensor.randn(new Random(3), 1f, 1, 2, 6, 6).to(dev);
        Ops.maxPool2d(plain, 2, 2, 0);
        assertEquals(List.of(false), be.argmaxGiven);
    }
}
