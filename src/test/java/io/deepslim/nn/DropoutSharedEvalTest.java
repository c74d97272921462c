package io.deepslim.nn;

import io.deepslim.autograd.GradMode;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Eval-mode inference mutates nothing shared: a model with Dropout serves 8 threads and keeps its training state. */
class DropoutSharedEvalTest {
    private static float[] forward(Module net, Tensor x) {
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            return net.forward(x).toFloatArray();
        }
    }

    @Test
    void eightThreadsInEvalModeMatchSequentialAndLeaveDropoutUntouched() throws Exception {
        ZooNet shared = Zoo.create("student10", 32, 2, 3), fresh = Zoo.create("student10", 32, 2, 3);
        assertTrue(shared.namedModules().values().stream().anyMatch(m -> m instanceof Layers.Dropout), "the model must contain Dropout");
        shared.eval();
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inputs.add(Tensor.randn(new Random(i), 1f, 2, 3, 32, 32));
            expected.add(forward(shared, inputs.get(i)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int first = t;
                jobs.add(pool.submit(() -> {
                    for (int r = 0; r < 5; r++) {
                        int i = (first + r) % inputs.size();
                        assertArrayEquals(expected.get(i), forward(shared, inputs.get(i)), 0f, "thread " + first + " input " + i);
                    }
                }));
            }
            for (Future<?> f : jobs) f.get();
        } finally {
            pool.shutdown();
        }
        // 48 eval forwards later, the next training-mode mask must still be the first one of a fresh model
        shared.train(true);
        fresh.train(true);
        Tensor x = Tensor.randn(new Random(99), 1f, 2, 3, 32, 32);
        float[] a = forward(shared, x), b = forward(fresh, x);
        assertArrayEquals(b, a, 0f, "eval-mode forwards advanced the dropout sequence");
        assertFalse(java.util.Arrays.equals(a, forward(fresh, x)), "training-mode forwards draw a new mask each time");
    }

    @Test
    void explicitMaskSeedIsReproducibleAndEvalIsIdentity() {
        Layers.Dropout d = new Layers.Dropout(0.5f, 0);
        Tensor x = Tensor.randn(new Random(1), 1f, 4, 64);
        d.train(true);
        float[] m1 = forward(new Module() {
            @Override public Tensor forward(Tensor in) { return d.forward(in, 42); }
        }, x);
        float[] m2 = forward(new Module() {
            @Override public Tensor forward(Tensor in) { return d.forward(in, 42); }
        }, x);
        assertArrayEquals(m1, m2, 0f);
        d.eval();
        assertArrayEquals(x.toFloatArray(), forward(d, x), 0f);
    }
}
