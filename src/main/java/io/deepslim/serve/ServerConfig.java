package io.deepslim.serve;

import java.time.Duration;

/**
 * Limits of a {@link DetectorServer}.
 *
 * @param host           address to bind (default 127.0.0.1; "0.0.0.0" for all interfaces)
 * @param port           TCP port (0 picks a free one)
 * @param workers        predictions run at once (default: available cores)
 * @param queue          admitted requests that may wait for a worker; beyond workers + queue the answer is 503
 * @param maxBodyBytes   largest image body accepted; larger → 413 (default 16 MiB)
 * @param bodyTimeout    time allowed to receive a body; slower → 408 (default 10 s)
 * @param requestTimeout a request not answered by then has its connection closed (default 30 s)
 * @param drainTimeout   how long shutdown waits for requests in flight (default 10 s)
 */
public record ServerConfig(String host, int port, int workers, int queue, long maxBodyBytes, Duration bodyTimeout,
                           Duration requestTimeout, Duration drainTimeout) {
    /** Validates every field. */
    public ServerConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must be named");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535: " + port);
        if (workers < 1) throw new IllegalArgumentException("workers must be at least 1: " + workers);
        if (queue < 0) throw new IllegalArgumentException("queue must be ≥ 0: " + queue);
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body size must be positive: " + maxBodyBytes);
        if (bodyTimeout.isNegative() || bodyTimeout.isZero() || requestTimeout.compareTo(bodyTimeout) < 0) {
            throw new IllegalArgumentException("need 0 < body timeout ≤ request timeout, got " + bodyTimeout + ", " + requestTimeout);
        }
        if (drainTimeout.isNegative()) throw new IllegalArgumentException("drain timeout must be ≥ 0");
    }

    /** Loopback, the given port, a worker per core, a queue of twice that, 16 MiB, 10 s / 30 s, 10 s drain. */
    public static ServerConfig defaults(int port) {
        int cores = Runtime.getRuntime().availableProcessors();
        return new ServerConfig("127.0.0.1", port, cores, 2 * cores, 16L << 20, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(10));
    }

    /** Same limits with another worker count and queue length. */
    public ServerConfig withWorkers(int w, int q) {
        return new ServerConfig(host, port, w, q, maxBodyBytes, bodyTimeout, requestTimeout, drainTimeout);
    }

    /** Same limits with another body size cap. */
    public ServerConfig withMaxBodyBytes(long b) {
        return new ServerConfig(host, port, workers, queue, b, bodyTimeout, requestTimeout, drainTimeout);
    }

    /** Same limits with other timeouts. */
    public ServerConfig withTimeouts(Duration body, Duration request, Duration drain) {
        return new ServerConfig(host, port, workers, queue, maxBodyBytes, body, request, drain);
    }

    /** Same limits bound to another address. */
    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, workers, queue, maxBodyBytes, bodyTimeout, requestTimeout, drainTimeout);
    }
}
