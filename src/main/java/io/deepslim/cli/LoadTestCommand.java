package io.deepslim.cli;

import io.deepslim.api.Detector;
import io.deepslim.serve.DetectorServer;
import io.deepslim.serve.LoadTest;
import io.deepslim.serve.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/** Hidden `deepslim loadtest`: serves each model on loopback in turn and measures it with a bounded load. */
@Command(name = "loadtest", header = "Benchmarks the HTTP service: latency and throughput per model, alternating rounds.", hidden = true, mixinStandardHelpOptions = true,
        description = {"Benchmark: for each round and each model (alternating), starts the service on 127.0.0.1 in this JVM,",
                "sends a bounded number of POST /predict requests from concurrent clients and reports throughput and",
                "p50/p99 latency; prints the medians over rounds.", "",
                "Example:",
                "  deepslim loadtest --model dense.safetensors --model pruned.safetensors --requests 1000 --concurrency 4"})
public final class LoadTestCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model files to compare (repeatable).")
    List<Path> models;

    @Option(names = "--requests", defaultValue = "1000", description = "Requests per model and round. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = "--concurrency", defaultValue = "4", description = "Concurrent clients. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds (models alternate within each). Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--max-seconds", defaultValue = "60", description = "Time cap per model and round. Default: ${DEFAULT-VALUE}.")
    double maxSeconds;

    @Option(names = "--image-size", defaultValue = "256", description = "Side of the synthetic PNG images sent. Default: ${DEFAULT-VALUE}.")
    int imageSize;

    @Override
    public Integer call() throws Exception {
        for (Path m : models) if (!Files.isRegularFile(m)) throw new IllegalArgumentException("--model " + m + " does not exist");
        if (rounds < 1 || requests < 1 || concurrency < 1 || imageSize < 8) throw new IllegalArgumentException("rounds, requests, concurrency ≥ 1; image size ≥ 8");
        List<byte[]> images = images(16, imageSize);
        double[][] tput = new double[models.size()][rounds], p50 = new double[models.size()][rounds], p99 = new double[models.size()][rounds];
        System.out.println("round\tmodel\trequests\tok\t503\terrors\treq/s\tp50_ms\tp99_ms");
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < models.size(); k++) {
                int m = (r % 2 == 0) ? k : models.size() - 1 - k; // alternate the order between rounds
                try (Detector d = Detector.load(models.get(m));
                     DetectorServer s = DetectorServer.start(d, ServerConfig.defaults(0).withWorkers(concurrency, 4 * concurrency))) {
                    LoadTest.run("127.0.0.1", s.port(), images, Math.min(50, requests), concurrency, maxSeconds); // warm-up
                    LoadTest.Result res = LoadTest.run("127.0.0.1", s.port(), images, requests, concurrency, maxSeconds);
                    tput[m][r] = res.throughput();
                    p50[m][r] = res.p50Millis();
                    p99[m][r] = res.p99Millis();
                    System.out.printf("%d\t%s\t%d\t%d\t%d\t%d\t%.1f\t%.2f\t%.2f%n", r, models.get(m).getFileName(), res.requests(), res.ok(),
                            res.busy(), res.errors(), res.throughput(), res.p50Millis(), res.p99Millis());
                }
            }
        }
        System.out.println("median over " + rounds + " rounds:");
        for (int m = 0; m < models.size(); m++) {
            System.out.printf("%s\t%.1f req/s\tp50 %.2f ms\tp99 %.2f ms%n", models.get(m).getFileName(), LoadTest.median(tput[m]),
                    LoadTest.median(p50[m]), LoadTest.median(p99[m]));
        }
        return 0;
    }

    /** Smooth random-colour PNGs (seeded), like photos in that they compress. */
    static List<byte[]> images(int n, int size) throws java.io.IOException {
        List<byte[]> out = new ArrayList<>();
        Random r = new Random(42);
        for (int i = 0; i < n; i++) {
            BufferedImage bi = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            int a = r.nextInt(255), b = r.nextInt(255);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    bi.setRGB(x, y, ((a + x) & 0xFF) << 16 | ((b + y) & 0xFF) << 8 | (x * y + r.nextInt(16)) & 0xFF);
                }
            }
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            ImageIO.write(bi, "png", o);
            out.add(o.toByteArray());
        }
        return out;
    }
}
