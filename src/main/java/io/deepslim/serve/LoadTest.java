package io.deepslim.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load generator for a local {@code deepslim serve}: {@code concurrency} clients POST the given
 * images (round robin) until {@code requests} were sent or {@code maxSeconds} passed. Loopback only.
 */
public final class LoadTest {
    private LoadTest() {}

    /**
     * What one run measured.
     *
     * @param requests   requests completed (any status)
     * @param ok         of which 200
     * @param busy       of which 503
     * @param errors     other statuses or failed connections
     * @param seconds    wall time
     * @param p50Millis  median latency of the 200s
     * @param p99Millis  99th percentile latency of the 200s
     */
    public record Result(int requests, int ok, int busy, int errors, double seconds, double p50Millis, double p99Millis) {
        /** Successful predictions per second. */
        public double throughput() { return ok / seconds; }
    }

    /** Runs the load against http://{host}:{port}/predict; {@code host} must be a loopback address. */
    public static Result run(String host, int port, List<byte[]> images, int requests, int concurrency, double maxSeconds)
            throws IOException, InterruptedException {
        if (!InetAddress.getByName(host).isLoopbackAddress()) throw new IllegalArgumentException("load tests run on loopback only, not " + host);
        if (images.isEmpty() || requests < 1 || concurrency < 1 || !(maxSeconds > 0)) throw new IllegalArgumentException("need images, requests ≥ 1, concurrency ≥ 1, time > 0");
        URL url = new URL("http", host, port, "/predict");
        AtomicInteger next = new AtomicInteger(), ok = new AtomicInteger(), busy = new AtomicInteger(), errors = new AtomicInteger();
        long t0 = System.nanoTime(), stop = t0 + (long) (maxSeconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<List<Double>>> jobs = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            jobs.add(pool.submit(() -> {
                List<Double> lat = new ArrayList<>();
                int i;
                while ((i = next.getAndIncrement()) < requests && System.nanoTime() < stop) {
                    long s = System.nanoTime();
                    int code = post(url, images.get(i % images.size()));
                    if (code == 200) {
                        ok.incrementAndGet();
                        lat.add((System.nanoTime() - s) / 1e6);
                    } else if (code == 503) busy.incrementAndGet();
                    else errors.incrementAndGet();
                }
                return lat;
            }));
        }
        List<Double> all = new ArrayList<>();
        try {
            for (Future<List<Double>> f : jobs) all.addAll(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("load client failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        double[] l = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Result(ok.get() + busy.get() + errors.get(), ok.get(), busy.get(), errors.get(), secs, quantile(l, 0.5), quantile(l, 0.99));
    }

    /** The q-quantile of sorted values (nearest rank); NaN when empty. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Median of values (for summarizing rounds). */
    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static int post(URL url, byte[] body) {
        try {
            HttpURLConnection c = (HttpURLConnection) url.openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setConnectTimeout(5000);
            c.setReadTimeout(30000);
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream o = c.getOutputStream()) {
                o.write(body);
            }
            int code = c.getResponseCode();
            try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) in.readAllBytes(); // drain so the connection is reused
            }
            return code;
        } catch (IOException e) {
            return -1;
        }
    }
}
