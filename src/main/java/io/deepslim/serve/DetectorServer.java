package io.deepslim.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.deepslim.api.Detector;
import io.deepslim.api.InvalidImageException;
import io.deepslim.api.Prediction;
import io.deepslim.io.ModelInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP front end for one {@link Detector}:
 * <ul>
 *   <li>{@code POST /predict} with the image file as body → {@code {"p_fake", "label", "fake", "threshold", "millis"}};</li>
 *   <li>{@code GET /health} → 200 {@code {"status":"ok"}} (503 "draining" during shutdown);</li>
 *   <li>{@code GET /model} → the model's metadata and the threshold.</li>
 * </ul>
 * Errors are JSON {@code {"error": "..."}}: 400 empty body or not a usable image, 404 unknown path, 405
 * wrong method, 408 body slower than the body timeout, 413 body above the cap, 503 when workers and
 * queue are full or the server is draining. Connections whose request is not answered within the
 * request timeout are closed by the JDK server (its {@code sun.net.httpserver.maxReqTime} and
 * {@code maxRspTime} properties, set from the first server's config unless already set: they are
 * per JVM). {@link #close()} stops accepting, lets requests in flight finish (up to the drain timeout)
 * and stops; the detector stays open (its owner closes it).
 */
public final class DetectorServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Detector detector;
    private final ServerConfig config;
    private final HttpServer http;
    private final ThreadPoolExecutor threads;
    /** Requests holding a place: running or waiting for a worker (workers + queue). */
    private final Semaphore admitted;
    /** Predictions running at once. */
    private final Semaphore running;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong served = new AtomicLong(), rejected = new AtomicLong();
    private volatile boolean draining;

    private DetectorServer(Detector detector, ServerConfig config) throws IOException {
        this.detector = detector;
        this.config = config;
        this.admitted = new Semaphore(config.workers() + config.queue());
        this.running = new Semaphore(config.workers());
        jdkTimeouts(config);
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
        // HTTP threads: the admitted requests plus a few answering 503s; beyond that the accept loop runs
        // handlers itself, which slows accepting (TCP back-pressure) instead of dropping connections
        int n = config.workers() + config.queue() + 4;
        this.threads = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(4 * n), r -> {
            Thread t = new Thread(r, "deepslim-serve");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        http.setExecutor(threads);
        http.createContext("/", this::handle);
    }

    /** Starts serving {@code detector}; returns once the port is bound. */
    public static DetectorServer start(Detector detector, ServerConfig config) throws IOException {
        DetectorServer s = new DetectorServer(detector, config);
        s.http.start();
        return s;
    }

    /** The bound port (useful with port 0). */
    public int port() { return http.getAddress().getPort(); }

    /** Requests answered with a prediction so far. */
    public long served() { return served.get(); }

    /** Requests refused with 503 so far. */
    public long rejected() { return rejected.get(); }

    private static synchronized void jdkTimeouts(ServerConfig c) {
        long secs = Math.max(1, (c.requestTimeout().toMillis() + 999) / 1000);
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) System.setProperty("sun.net.httpserver.maxReqTime", Long.toString(secs));
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) System.setProperty("sun.net.httpserver.maxRspTime", Long.toString(secs));
    }

    private void handle(HttpExchange ex) {
        inFlight.incrementAndGet();
        try {
            String path = ex.getRequestURI().getPath(), method = ex.getRequestMethod();
            switch (path) {
                case "/predict" -> {
                    if (!method.equals("POST")) methodNotAllowed(ex, "POST");
                    else predict(ex);
                }
                case "/health" -> {
                    if (!method.equals("GET") && !method.equals("HEAD")) methodNotAllowed(ex, "GET, HEAD");
                    else send(ex, draining ? 503 : 200, Map.of("status", draining ? "draining" : "ok"));
                }
                case "/model" -> {
                    if (!method.equals("GET") && !method.equals("HEAD")) methodNotAllowed(ex, "GET, HEAD");
                    else send(ex, 200, modelJson());
                }
                default -> error(ex, 404, "no endpoint " + path + " (POST /predict, GET /health, GET /model)");
            }
        } catch (IOException | RuntimeException e) {
            // the client went away or the connection was closed by the request timeout: nothing to answer
        } finally {
            ex.close();
            inFlight.decrementAndGet();
        }
    }

    private void predict(HttpExchange ex) throws IOException {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            long n;
            try {
                n = Long.parseLong(len.trim());
            } catch (NumberFormatException e) {
                error(ex, 400, "bad Content-Length " + len);
                return;
            }
            if (n > config.maxBodyBytes()) {
                error(ex, 413, "body of " + n + " bytes is above the limit of " + config.maxBodyBytes());
                return;
            }
        }
        if (draining || !admitted.tryAcquire()) {
            rejected.incrementAndGet();
            ex.getResponseHeaders().set("Retry-After", "1");
            error(ex, 503, draining ? "server is shutting down" : "server is busy: all workers and queue places are taken");
            return;
        }
        try {
            long t0 = System.nanoTime();
            byte[] body = readBody(ex, t0);
            if (body == null) return; // answered already
            if (body.length == 0) {
                error(ex, 400, "empty body: POST the image file's bytes");
                return;
            }
            long waitMs = config.requestTimeout().toMillis() - (System.nanoTime() - t0) / 1_000_000;
            if (!running.tryAcquire(Math.max(0, waitMs), TimeUnit.MILLISECONDS)) {
                rejected.incrementAndGet();
                error(ex, 503, "server is busy: no worker became free in time");
                return;
            }
            Prediction p;
            try {
                p = detector.predict(body);
            } catch (InvalidImageException e) {
                error(ex, 400, e.getMessage());
                return;
            } finally {
                running.release();
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("p_fake", p.pFake());
            out.put("label", p.label());
            out.put("fake", p.fake());
            out.put("threshold", p.threshold());
            out.put("millis", (System.nanoTime() - t0) / 1e6);
            send(ex, 200, out);
            served.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(ex, 503, "server is shutting down");
        } finally {
            admitted.release();
        }
    }

    /** The body, or null after answering 408/413 itself. */
    private byte[] readBody(HttpExchange ex, long t0) throws IOException {
        long deadline = t0 + config.bodyTimeout().toNanos();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        InputStream in = ex.getRequestBody();
        while (true) {
            int r = in.read(chunk);
            if (r < 0) return buf.toByteArray();
            buf.write(chunk, 0, r);
            if (buf.size() > config.maxBodyBytes()) {
                error(ex, 413, "body is above the limit of " + config.maxBodyBytes() + " bytes");
                return null;
            }
            if (System.nanoTime() > deadline) {
                error(ex, 408, "body took longer than " + config.bodyTimeout().toMillis() + " ms to arrive");
                return null;
            }
        }
    }

    private Map<String, Object> modelJson() {
        ModelInfo i = detector.modelInfo();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", detector.modelFile().getFileName().toString());
        m.put("arch", i.arch());
        m.put("input_size", i.inputSize());
        m.put("class_names", i.classNames());
        m.put("mean", i.mean());
        m.put("std", i.std());
        m.put("threshold", detector.threshold());
        m.put("parameters", detector.parameterCount());
        m.put("compression", i.compression());
        m.put("max_body_bytes", config.maxBodyBytes());
        m.put("workers", config.workers());
        m.put("queue", config.queue());
        return m;
    }

    private static void methodNotAllowed(HttpExchange ex, String allow) throws IOException {
        ex.getResponseHeaders().set("Allow", allow);
        error(ex, 405, ex.getRequestMethod() + " is not allowed here; use " + allow);
    }

    private static void error(HttpExchange ex, int code, String message) throws IOException {
        if (code >= 400 && code != 503) ex.getResponseHeaders().set("Connection", "close");
        send(ex, code, Map.of("error", message));
    }

    private static void send(HttpExchange ex, int code, Object body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(code, head ? -1 : b.length);
        if (!head) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }
    }

    /**
     * Graceful shutdown: /predict answers 503 from now on, the listener closes, requests in flight
     * finish (up to the drain timeout), then the threads stop. Idempotent.
     */
    @Override
    public void close() {
        if (draining && threads.isShutdown()) return;
        draining = true;
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        http.stop(0);
        threads.shutdown();
        try {
            threads.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        threads.shutdownNow();
    }
}
