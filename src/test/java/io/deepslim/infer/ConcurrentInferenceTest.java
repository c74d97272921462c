package io.deepslim.infer;

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

/** The README's thread-safety contract: one loaded model, many threads predicting at once, same answers. */
class ConcurrentInferenceTest {
    private static float[] predict(ZooNet net, Tensor x) {
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            return net.forward(x).toFloatArray();
        }
    }

    @Test
    void sharedModelGivesTheSameLogitsOnEveryThread() throws Exception {
        for (ZooNet net : new ZooNet[]{Zoo.create("student10", 64, 2, 1), InferenceFusion.fuse(Zoo.create("vgg45m", 64, 2, 2))}) {
            net.eval();
            List<Tensor> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Tensor x = Tensor.randn(new Random(i), 1f, 1 + i % 2, 3, 64, 64);
                inputs.add(x);
                expected.add(predict(net, x));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Void>> jobs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int offset = t;
                    jobs.add(pool.submit(() -> {
                        for (int r = 0; r < 15; r++) {
                            int i = (r + offset) % inputs.size();
                            assertArrayEquals(expected.get(i), predict(net, inputs.get(i)), 0f, "input " + i + " on a shared model");
                        }
                        return null;
                    }));
                }
                for (Future<Void> f : jobs) f.get();
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
