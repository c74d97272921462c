package io.deepslim.data;

import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BatchTensorsTest {
    @Test void batchBecomesNchwTensorAndLabelTensor() {
        float[] img = new float[2 * 3 * 4 * 4];
        for (int i = 0; i < img.length; i++) img[i] = i * 0.5f;
        Batch b = new Batch(img, new int[]{1, 0}, new String[]{"tconv", "tconv"}, new int[]{7, 3}, 4);
        try (Tensor x = BatchTensors.images(b); Tensor y = BatchTensors.labels(b)) {
            assertArrayEquals(new int[]{2, 3, 4, 4}, x.shape());
            assertArrayEquals(img, x.toFloatArray());
            assertArrayEquals(new float[]{1, 0}, y.toFloatArray());
        }
        assertThrows(IllegalArgumentException.class, () -> new Batch(new float[5], new int[]{1}, new String[]{"a"}, new int[]{0}, 4));
    }
}
