package io.deepslim.backend.cuda;

import io.deepslim.engine.Devices;
import io.deepslim.tensor.Tensor;

/** Child process of CudaDetectionTest: runs with the CUDA preset jars removed from the classpath. */
public final class CudaAbsentMain {
    private CudaAbsentMain() {}

    public static void main(String[] args) {
        try {
            Class.forName("org.bytedeco.cuda.global.cudart");
            System.out.println("presets unexpectedly present");
            System.exit(3);
        } catch (ClassNotFoundException expected) {
            // the point of the test
        }
        System.out.println(Devices.probe("cuda").problem());
        Tensor a = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2);
        System.out.println("cpu ok " + a.matmul(a).toFloatArray()[3]);
    }
}
