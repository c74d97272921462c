package io.deepslim.models;

import io.deepslim.autograd.GradMode;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZooTest {
    @Test
    void parameterCountsMatchThePaperAt224() {
        // PAPER.md §1.1, recomputed from the authors' PyTorch models
        assertEquals(4_590_786L, Zoo.create("vgg45m", 224, 2, 1).parameterCount());
        assertEquals(1_800_066L, Zoo.create("student40", 224, 2, 1).parameterCount());
        assertEquals(1_340_418L, Zoo.create("student30", 224, 2, 1).parameterCount());
        assertEquals(902_146L, Zoo.create("student20", 224, 2, 1).parameterCount());
        assertEquals(441_378L, Zoo.create("student10", 224, 2, 1).parameterCount());
    }

    @Test
    void stateDictUsesPyTorchNames() {
        Map<String, Tensor> sd = Zoo.create("vgg45m", 64, 2, 1).stateDict();
        List<String> keys = List.copyOf(sd.keySet());
        assertEquals(List.of("layer1.0.weight", "layer1.0.bias", "layer1.1.weight", "layer1.1.bias",
                "layer1.1.running_mean", "layer1.1.running_var", "layer1.1.num_batches_tracked"), keys.subList(0, 7));
        assertTrue(sd.containsKey("fc.1.weight"));
        assertTrue(sd.containsKey("fc1.1.bias"));
        assertArrayEquals(new int[]{2, 256}, sd.get("fc2.0.weight").shape());
        assertArrayEquals(new int[]{256, 128 * 2 * 2}, sd.get("fc.1.weight").shape());
        Map<String, Tensor> s10 = Zoo.create("student10", 64, 2, 1).stateDict();
        assertArrayEquals(new int[]{64, 1, 3, 3}, s10.get("layer2.0.weight").shape());
        assertArrayEquals(new int[]{64, 128, 1, 1}, s10.get("layer5.1.weight").shape());
        assertTrue(s10.containsKey("fc1.0.weight"));
    }

    @Test
    void everyModelRunsForwardAt64() {
        for (String name : Zoo.NAMES) {
            ZooNet net = Zoo.create(name, 64, 2, 3);
            net.eval();
            try (GradMode g = GradMode.off()) {
                Tensor y = net.forward(Tensor.randn(new Random(1), 1f, 2, 3, 64, 64));
                assertArrayEquals(new int[]{2, 2}, y.shape(), name);
                for (float v : y.toFloatArray()) assertTrue(Float.isFinite(v), name);
            }
        }
    }

    @Test
    void badArgumentsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Zoo.create("resnet", 64, 2, 1));
        assertTrue(e.getMessage().contains("unknown architecture"));
        assertThrows(IllegalArgumentException.class, () -> Zoo.create("vgg45m", 100, 2, 1));
        ZooNet net = Zoo.create("student30", 64, 2, 1);
        e = assertThrows(IllegalArgumentException.class, () -> net.forward(Tensor.zeros(1, 3, 32, 32)));
        assertTrue(e.getMessage().contains("(N, 3, 64, 64)"), e.getMessage());
    }
}
