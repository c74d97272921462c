package io.deepslim.cli;

import io.deepslim.serve.BundleLauncher;
import io.deepslim.serve.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** `deepslim serve`: the HTTP detection service. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves a model over HTTP until SIGTERM or ctrl-c (then drains requests in flight).",
                "  POST /predict   body: an image file (JPEG/PNG/BMP) → {\"p_fake\", \"label\", \"fake\", \"threshold\", \"millis\"}",
                "  GET  /health    → {\"status\":\"ok\"} (503 while shutting down)",
                "  GET  /model     → architecture, input size, classes, normalization, compression, threshold",
                "Errors: 400 empty/not an image, 404, 405, 408 slow body, 413 too large, 503 busy (Retry-After: 1).", "",
                "Example:",
                "  deepslim serve --model runs/vgg-tconv/model.safetensors --port 8080",
                "  curl --data-binary @photo.jpg http://127.0.0.1:8080/predict"})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file (.safetensors), dense or compressed.")
    Path model;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind; 0.0.0.0 for all interfaces. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--workers", description = "Predictions at once. Default: the number of cores.")
    Integer workers;

    @Option(names = "--queue", description = "Requests that may wait for a worker before 503. Default: twice the workers.")
    Integer queue;

    @Option(names = "--max-body-mb", defaultValue = "16", description = "Largest image body in MiB (larger: 413). Default: ${DEFAULT-VALUE}.")
    int maxBodyMb;

    @Option(names = "--body-timeout", defaultValue = "10", paramLabel = "SECONDS", description = "Time to receive a body (slower: 408). Default: ${DEFAULT-VALUE}.")
    int bodyTimeout;

    @picocli.CommandLine.Mixin DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("--model " + model + " does not exist");
        if (maxBodyMb < 1) throw new IllegalArgumentException("--max-body-mb must be ≥ 1, got " + maxBodyMb);
        if (bodyTimeout < 1) throw new IllegalArgumentException("--body-timeout must be ≥ 1, got " + bodyTimeout);
        ServerConfig d = ServerConfig.defaults(port).withHost(host);
        int w = workers != null ? workers : d.workers(), q = queue != null ? queue : 2 * w;
        ServerConfig c = d.withWorkers(w, q).withMaxBodyBytes((long) maxBodyMb << 20)
                .withTimeouts(Duration.ofSeconds(bodyTimeout), Duration.ofSeconds(Math.max(30, 3L * bodyTimeout)), d.drainTimeout());
        device.resolve();   // an unusable GPU is one line before anything binds
        BundleLauncher.serve(model, c, io.deepslim.api.DetectorOptions.defaults().withDevice(device.device));
        return 0;
    }
}
