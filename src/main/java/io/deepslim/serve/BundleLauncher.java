package io.deepslim.serve;

import io.deepslim.api.Detector;
import io.deepslim.api.InvalidImageException;
import io.deepslim.api.Prediction;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of a {@link Bundle}'s launchers; uses the engine only (no CLI libraries).
 * {@code detect MODEL IMAGE...} prints image, label and p_fake per line (exit 1 if any image was
 * unusable); {@code serve MODEL [--port N] [--host H]} runs {@link DetectorServer} until SIGTERM/ctrl-c.
 */
public final class BundleLauncher {
    private BundleLauncher() {}

    /** Runs a launcher verb; exit code 2 on bad arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !(args[0].equals("detect") || args[0].equals("serve"))) {
            System.err.println("usage: detect MODEL IMAGE... | serve MODEL [--port N] [--host H]");
            System.exit(2);
        }
        Path model = Path.of(args[1]);
        if (args[0].equals("detect")) System.exit(detect(model, args));
        int port = 8080;
        String host = "127.0.0.1";
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--port") && i + 1 < args.length) port = Integer.parseInt(args[++i]);
            else if (args[i].equals("--host") && i + 1 < args.length) host = args[++i];
            else {
                System.err.println("unknown argument " + args[i] + "; serve MODEL [--port N] [--host H]");
                System.exit(2);
            }
        }
        serve(model, ServerConfig.defaults(port).withHost(host));
    }

    private static int detect(Path model, String[] args) throws Exception {
        int bad = 0;
        try (Detector d = Detector.load(model)) {
            System.out.println("image\tclass\tp_fake");
            for (int i = 2; i < args.length; i++) {
                try {
                    Prediction p = d.predict(Path.of(args[i]));
                    System.out.printf("%s\t%s\t%.4f%n", args[i], p.label(), p.pFake());
                } catch (InvalidImageException e) {
                    System.err.println("skipped " + e.getMessage());
                    bad++;
                }
            }
        }
        return bad == 0 ? 0 : 1;
    }

    /** Serves until the JVM is asked to stop, then drains requests in flight and frees the model. */
    public static void serve(Path model, ServerConfig config) throws Exception {
        serve(model, config, io.deepslim.api.DetectorOptions.defaults());
    }

    /** {@link #serve(Path, ServerConfig)} with the detector loaded with {@code options} (its device, for one). */
    public static void serve(Path model, ServerConfig config, io.deepslim.api.DetectorOptions options) throws Exception {
        Detector d = Detector.load(model, options);
        DetectorServer s = DetectorServer.start(d, config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("deepslim serve: shutting down, draining requests in flight");
            s.close();
            d.close();
            stopped.countDown();
        }, "deepslim-serve-shutdown"));
        System.err.printf("deepslim serve: %s on http://%s:%d (POST /predict, GET /health, GET /model); %d workers, queue %d%s%n",
                model.getFileName(), config.host(), s.port(), config.workers(), config.queue(),
                options.device().equalsIgnoreCase("cpu") ? "" : "; model on " + options.device());
        stopped.await();
    }
}
