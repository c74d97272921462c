package io.deepslim.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.api.ApiFixtures;
import io.deepslim.api.Detector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** The HTTP service on loopback: answers, every bad request class, slow clients, saturation, shutdown. */
class DetectorServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path dir;
    static Detector detector;
    static List<byte[]> images = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        detector = Detector.load(ApiFixtures.denseModel(dir, 11));
        for (int i = 0; i < 6; i++) images.add(ApiFixtures.png(ApiFixtures.image(40 + 5 * i, 56, 900 + i)));
    }

    @AfterAll
    static void tearDown() { detector.close(); }

    static ServerConfig config() {
        return ServerConfig.defaults(0).withWorkers(2, 4).withMaxBodyBytes(256 * 1024)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(5));
    }

    record Reply(int code, JsonNode body, String allow) {}

    static Reply call(int port, String method, String path, byte[] body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(5000);
        c.setReadTimeout(20000);
        if (body != null) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream o = c.getOutputStream()) {
                o.write(body);
            }
        }
        int code = c.getResponseCode();
        InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
        JsonNode node = in == null ? null : JSON.readTree(in.readAllBytes());
        return new Reply(code, node, c.getHeaderField("Allow"));
    }

    @Test
    void answersPredictionsHealthAndModelInfo() throws Exception {
        try (DetectorServer s = DetectorServer.start(detector, config())) {
            for (byte[] img : images) {
                Reply r = call(s.port(), "POST", "/predict", img);
                assertEquals(200, r.code());
                assertEquals(detector.predict(img).pFake(), r.body().get("p_fake").asDouble(), 0.0);
                assertEquals(detector.predict(img).label(), r.body().get("label").asText());
            }
            Reply h = call(s.port(), "GET", "/health", null);
            assertEquals(200, h.code());
            assertEquals("ok", h.body().get("status").asText());
            Reply m = call(s.port(), "GET", "/model", null);
            assertEquals("student10", m.body().get("arch").asText());
            assertEquals(64, m.body().get("input_size").asInt());
            assertEquals("fake", m.body().get("class_names").get(1).asText());
            assertEquals(images.size(), s.served());
        }
    }

    @Test
    void badRequestsGetTheirFourHundreds() throws Exception {
        try (DetectorServer s = DetectorServer.start(detector, config())) {
            int p = s.port();
            assertEquals(400, call(p, "POST", "/predict", new byte[0]).code(), "empty body");
            Reply notImage = call(p, "POST", "/predict", "hello, not an image".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, notImage.code());
            assertTrue(notImage.body().get("error").asText().contains("not a JPEG/PNG/BMP"), notImage.body().toString());
            assertEquals(400, call(p, "POST", "/predict", ApiFixtures.pngClaiming(100_000, 100_000)).code(), "huge dimensions");
            assertEquals(413, call(p, "POST", "/predict", new byte[300 * 1024]).code(), "oversized with Content-Length");
            assertEquals(413, chunkedStatus(p, 300 * 1024), "oversized, chunked (no Content-Length)");
            Reply get = call(p, "GET", "/predict", null);
            assertEquals(405, get.code());
            assertEquals("POST", get.allow());
            assertEquals(405, call(p, "DELETE", "/health", null).code());
            assertEquals(404, call(p, "GET", "/nothing-here", null).code());
            assertEquals(404, call(p, "POST", "/", images.get(0)).code());
            assertEquals(200, call(p, "POST", "/predict", images.get(0)).code(), "still serving after the bad requests");
        }
    }

    /** Status of a chunked POST of n bytes. */
    static int chunkedStatus(int port, int n) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/predict").openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setChunkedStreamingMode(8192);
        c.setReadTimeout(20000);
        try (OutputStream o = c.getOutputStream()) {
            o.write(new byte[n]);
        } catch (IOException e) {
            // the server may answer 413 and close before the whole body is sent
        }
        return c.getResponseCode();
    }

    /** A raw connection that sends headers announcing {@code length} body bytes, and {@code first} of them. */
    static Socket partialPost(int port, int length, byte[] first) throws IOException {
        Socket so = new Socket("127.0.0.1", port);
        so.setSoTimeout(15000);
        OutputStream o = so.getOutputStream();
        o.write(("POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(first);
        o.flush();
        return so;
    }

    static String statusLine(Socket so) throws IOException {
        StringBuilder sb = new StringBuilder();
        InputStream in = so.getInputStream();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) sb.append((char) c);
        return sb.toString().trim();
    }

    @Test
    void slowBodiesAreCutOffAndTheServerKeepsServing() throws Exception {
        try (DetectorServer s = DetectorServer.start(detector, config())) {
            byte[] img = images.get(1);
            // trickling: a byte every 150 ms, past the 1 s body timeout → 408
            try (Socket so = partialPost(s.port(), img.length, new byte[]{img[0]})) {
                long t0 = System.nanoTime();
                String status = null;
                for (int i = 1; i < img.length; i++) {
                    Thread.sleep(150);
                    try {
                        so.getOutputStream().write(img[i]);
                        so.getOutputStream().flush();
                    } catch (IOException e) {
                        break; // closed by the server after answering
                    }
                    if (so.getInputStream().available() > 0) break;
                    if (System.nanoTime() - t0 > 6e9) break;
                }
                status = statusLine(so);
                assertTrue(status.contains(" 408 "), "trickling body: " + status);
            }
            // stalled: half a body, then nothing → the connection is closed within the request timeout
            try (Socket so = partialPost(s.port(), img.length, java.util.Arrays.copyOf(img, img.length / 2))) {
                long t0 = System.nanoTime();
                String status = statusLine(so);
                double secs = (System.nanoTime() - t0) / 1e9;
                assertTrue(status.isEmpty() || status.contains(" 408 "), "stalled body: '" + status + "'");
                assertTrue(secs < 10, "stalled body held the connection for " + secs + " s");
            }
            assertEquals(200, call(s.port(), "POST", "/predict", img).code());
        }
    }

    @Test
    void saturationAnswers503AndHeldPlacesStillComplete() throws Exception {
        // one worker, one queue place: two clients holding their places (bodies half sent) fill the server
        ServerConfig c = config().withWorkers(1, 1).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5));
        try (DetectorServer s = DetectorServer.start(detector, c)) {
            byte[] img = images.get(2);
            int half = img.length / 2;
            try (Socket a = partialPost(s.port(), img.length, java.util.Arrays.copyOf(img, half));
                 Socket b = partialPost(s.port(), img.length, java.util.Arrays.copyOf(img, half))) {
                Thread.sleep(300); // both admitted
                Reply busy = call(s.port(), "POST", "/predict", img);
                assertEquals(503, busy.code());
                assertTrue(s.rejected() >= 1);
                for (Socket so : List.of(a, b)) {
                    so.getOutputStream().write(img, half, img.length - half);
                    so.getOutputStream().flush();
                }
                assertTrue(statusLine(a).contains(" 200 "));
                assertTrue(statusLine(b).contains(" 200 "));
            }
            assertEquals(200, call(s.port(), "POST", "/predict", img).code(), "places are released");
        }
    }

    @Test
    void concurrentClientsAllGetCorrectAnswers() throws Exception {
        ServerConfig c = config().withWorkers(2, 16);
        double[] want = new double[images.size()];
        for (int i = 0; i < want.length; i++) want[i] = detector.predict(images.get(i)).pFake();
        try (DetectorServer s = DetectorServer.start(detector, c)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> jobs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int offset = t;
                    jobs.add(pool.submit(() -> {
                        int ok = 0;
                        for (int r = 0; r < 25; r++) {
                            int i = (r + offset) % images.size();
                            if (r % 5 == 4) {
                                assertEquals(400, call(s.port(), "POST", "/predict", "junk".getBytes()).code());
                                continue;
                            }
                            Reply rep = call(s.port(), "POST", "/predict", images.get(i));
                            assertEquals(200, rep.code(), "request " + r + " of client " + offset);
                            assertEquals(want[i], rep.body().get("p_fake").asDouble(), 0.0);
                            ok++;
                        }
                        return ok;
                    }));
                }
                int ok = 0;
                for (Future<Integer> f : jobs) ok += f.get();
                assertEquals(8 * 20, ok);
                assertEquals(8 * 20, s.served());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shutdownLetsRequestsInFlightFinish() throws Exception {
        DetectorServer s = DetectorServer.start(detector, config());
        byte[] img = images.get(3);
        int half = img.length / 2;
        try (Socket a = partialPost(s.port(), img.length, java.util.Arrays.copyOf(img, half))) {
            Thread.sleep(200);
            Thread closer = new Thread(s::close);
            closer.start();
            Thread.sleep(200);
            assertTrue(closer.isAlive(), "close() must wait for the request in flight");
            assertEquals(503, call(s.port(), "GET", "/health", null).code(), "health says draining");
            a.getOutputStream().write(img, half, img.length - half);
            a.getOutputStream().flush();
            assertTrue(statusLine(a).contains(" 200 "), "the request in flight completes");
            closer.join(10_000);
            assertFalse(closer.isAlive());
        }
        assertThrows(IOException.class, () -> call(s.port(), "GET", "/health", null), "nothing listens after close");
    }
}
