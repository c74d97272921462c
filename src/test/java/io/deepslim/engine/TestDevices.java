package io.deepslim.engine;

import io.deepslim.backend.Device;
import io.deepslim.backend.cpu.RefBackend;
import org.junit.jupiter.params.provider.Arguments;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The devices every backend-parameterized test runs on: the reference backend, the fast CPU
 * stack, the GEMM-only test backend (over the reference), and the native and CUDA devices when a
 * later build registers them. A device that is not available here makes its cases skip, with the
 * reason in the test report.
 */
public final class TestDevices {
    /**
     * A device that is not the host as far as callers can tell ({@code isHost()} is false), computing
     * with the reference backend: the workflow tests run on it on every machine, so a verb that leaves
     * an input on the CPU while the model is "on the GPU" fails there (ops refuse mixed devices), not
     * first on a real GPU. Not in {@link #ALL}: the primitive suites gain nothing from it.
     */
    public static final String FAKE_GPU = "fake-gpu";

    /** Device names, in the order tests report them. */
    public static final List<String> ALL = List.of("ref", "cpu", "gemm-only", "native", "cuda");

    /**
     * The devices this run tests: all of {@link #ALL}, or the comma-separated subset named by the
     * system property {@code deepslim.test.devices} (the GPU check bundle runs only "cuda" cases).
     */
    public static final List<String> NAMES = pick(System.getProperty("deepslim.test.devices"));

    static List<String> pick(String only) {
        if (only == null || only.isBlank()) return ALL;
        List<String> names = List.of(only.split(","));
        for (String n : names) {
            if (!ALL.contains(n)) throw new IllegalArgumentException("deepslim.test.devices: unknown device '" + n + "' (known: " + ALL + ")");
        }
        return ALL.stream().filter(names::contains).toList();
    }

    static {
        synchronized (Devices.class) {
            if (!Devices.names().contains("gemm-only")) {
                Devices.register("gemm-only", () -> new Device("gemm-only", new GemmOnlyBackend(new RefBackend())));
            }
            if (!Devices.names().contains(FAKE_GPU)) {
                Devices.register(FAKE_GPU, () -> new Device(FAKE_GPU, new RefBackend()) {
                    @Override
                    public boolean isHost() { return false; }
                });
            }
        }
    }

    private TestDevices() {}

    /** Every device name (a JUnit method source). */
    public static Stream<String> names() { return NAMES.stream(); }

    /** (device, case) pairs for every device and case. */
    public static Stream<Arguments> cross(String... cases) {
        return NAMES.stream().flatMap(d -> Stream.of(cases).map(c -> Arguments.of(d, c)));
    }

    /** The device, or skips the calling test with the reason it is unavailable. */
    public static Device require(String name) {
        Devices.Probe p = Devices.names().contains(name) ? Devices.probe(name)
                : new Devices.Probe(name, null, "no '" + name + "' device is registered in this build");
        assumeTrue(p.available(), () -> "device " + name + " unavailable: " + p.problem());
        return p.device();
    }
}
