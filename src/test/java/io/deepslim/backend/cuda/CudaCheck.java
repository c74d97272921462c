package io.deepslim.backend.cuda;

import io.deepslim.engine.Devices;
import io.deepslim.models.Zoo;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

/**
 * Entry point of the GPU check bundle (benchmarks/gpu/check.sh), where there is no Maven: prints the
 * detection line, runs the CUDA kernel tests and the backend-parameterized suites (golden, gradient,
 * optimizer) through the JUnit launcher, then times whole-model inference on "cuda" and "cpu".
 * Exit 0 when every test passed (or no GPU: exit 3 after the message), 1 on a failure.
 */
public final class CudaCheck {
    private CudaCheck() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "gpu-results");
        Files.createDirectories(out);
        String why = CudaDevices.whyUnavailable();
        System.out.println("[check] " + (why == null ? "cuda: available" : why));
        if (why != null) {
            Files.writeString(out.resolve("detection.txt"), why + "\n");
            System.out.println("[check] no GPU here: nothing CUDA was run");
            System.exit(3);
        }
        LauncherDiscoveryRequest req = org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(CudaKernelsTest.class), selectPackage("io.deepslim.golden"), selectPackage("io.deepslim.ops"),
                        selectPackage("io.deepslim.optim"))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(req, summary);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("tests.txt")))) {
            summary.getSummary().printTo(w);
            summary.getSummary().printFailuresTo(w, 30);
        }
        summary.getSummary().printTo(new PrintWriter(System.out));
        long failed = summary.getSummary().getTotalFailureCount();
        List<String> rows = new ArrayList<>();
        rows.add("model\tdevice\tbatch\tms_per_batch_median\timages_per_s");
        for (String model : new String[]{"vgg45m", "student10"}) {
            for (String dev : new String[]{"cuda", "cpu"}) {
                for (int batch : dev.equals("cuda") ? new int[]{1, 64, 256} : new int[]{1, 16}) {
                    rows.add(timeModel(model, dev, batch));
                    System.out.println("[bench] " + rows.get(rows.size() - 1));
                }
            }
        }
        Files.write(out.resolve("bench-models.tsv"), rows);
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Median of 10 timed forward passes after 3 warm-ups (inference, 224×224, synchronizing the GPU). */
    static String timeModel(String model, String device, int batch) {
        var dev = Devices.get(device);
        Module net = Zoo.create(model, 224, 2, 1L, dev);
        net.eval();
        Tensor x = Tensor.randn(dev, new Random(1), 1f, batch, 3, 224, 224);
        long[] t = new long[13];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            try (TensorScope s = TensorScope.open()) {
                Tensor y = ((io.deepslim.models.ZooNet) net).forward(x);
                y.toFloatArray(); // a host copy synchronizes the stream
            }
            t[i] = System.nanoTime() - t0;
        }
        long[] timed = java.util.Arrays.copyOfRange(t, 3, t.length);
        java.util.Arrays.sort(timed);
        double ms = timed[timed.length / 2] / 1e6;
        return model + "\t" + device + "\t" + batch + "\t" + String.format("%.3f", ms) + "\t" + String.format("%.1f", batch * 1000 / ms);
    }
}
