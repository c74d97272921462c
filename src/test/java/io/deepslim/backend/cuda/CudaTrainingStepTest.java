package io.deepslim.backend.cuda;

import io.deepslim.backend.Device;
import io.deepslim.engine.Devices;
import io.deepslim.engine.TestDevices;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.optim.SGD;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole training step of vgg45m (train-mode batch norm, cross-entropy, backward, SGD momentum) on
 * the GPU against the same step on the CPU device: same initial weights, same batch. Dropout is
 * switched off in both (their random streams differ by design). Tolerances: the loss to 1e-4
 * relative; every gradient to 2e-2 of its own norm and every updated weight to 1e-3, plus 1e-5 per
 * element (fp32 through eight train-mode batch-norm layers amplifies summation-order differences:
 * two CPU backends already differ by 4e-3 on the first layer's gradient; a wrong kernel gives O(1)). Skips
 * with the reason when no CUDA device is available; the "gemm-only" case runs on every machine.
 */
class CudaTrainingStepTest {
    /** "gemm-only" (the reference backend with GEMM-lowered convs) runs everywhere and keeps the comparison itself honest. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gemm-only", "cuda", "cuda+find"})
    void vgg45mTrainingStepMatchesTheCpu(String device) {
        Device gpu = TestDevices.require(device.replace("+find", ""));
        // "cuda+find": the convolution algorithms timed by cuDNN Find (-Ddeepslim.cuda.benchmark) instead of its heuristics
        if (device.endsWith("+find")) System.setProperty("deepslim.cuda.benchmark", "true");
        try {
            compare(gpu);
        } finally {
            System.clearProperty("deepslim.cuda.benchmark");
        }
    }

    static void compare(Device gpu) {
        Device cpu = Devices.cpu();
        int size = 32, batch = 4;
        Tensor x = Tensor.randn(cpu, new Random(3), 1f, batch, 3, size, size);
        int[] labels = {0, 1, 1, 0};
        Step onCpu = step(Zoo.create("vgg45m", size, 2, 5L), x, labels);
        Step onGpu = step(Zoo.create("vgg45m", size, 2, 5L, gpu), x.to(gpu), labels);
        assertEquals(onCpu.loss, onGpu.loss, 1e-4 * Math.abs(onCpu.loss), "loss");
        assertTrue(onCpu.grads.size() > 20, "vgg45m has its conv, batch-norm and linear parameters");
        for (String name : onCpu.grads.keySet()) {
            near("gradient of " + name, onCpu.grads.get(name), onGpu.grads.get(name), 2e-2);
            near("updated " + name, onCpu.weights.get(name), onGpu.weights.get(name), 1e-3);
        }
    }

    record Step(double loss, Map<String, float[]> grads, Map<String, float[]> weights) {}

    static Step step(ZooNet net, Tensor x, int[] labels) {
        net.train(true);
        for (Module m : net.namedModules().values()) if (m instanceof Layers.Dropout) m.train(false);
        SGD opt = new SGD(net.parameters(), 0.05f, 0.9f, 1e-4f, false);
        Map<String, float[]> grads = new java.util.TreeMap<>(), weights = new java.util.TreeMap<>();
        double loss;
        try (TensorScope s = TensorScope.open()) {
            opt.zeroGrad();
            Tensor l = Ops.crossEntropy(net.forward(x), labels);
            loss = l.toFloatArray()[0];
            l.backward();
            for (var e : net.namedParameters().entrySet()) grads.put(e.getKey(), e.getValue().grad().toFloatArray());
            opt.step();
        }
        for (var e : net.namedParameters().entrySet()) weights.put(e.getKey(), e.getValue().toFloatArray());
        return new Step(loss, grads, weights);
    }

    static void near(String what, float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length, what + ": length");
        double err = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            err += (double) (want[i] - got[i]) * (want[i] - got[i]);
            norm += (double) want[i] * want[i];
        }
        // the floor (1e-5 per element) covers gradients that are zero in exact arithmetic: a conv bias
        // followed by train-mode batch norm gets only rounding noise
        double allowed = tol * Math.sqrt(norm) + 1e-5 * Math.sqrt(want.length);
        assertTrue(Math.sqrt(err) <= allowed, what + ": error norm " + Math.sqrt(err) + " > allowed " + allowed + " (norm " + Math.sqrt(norm) + ")");
    }
}
