package io.deepslim.engine;

import io.deepslim.backend.Device;
import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.backend.cpu.RefBackend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The device registry: builds devices by name, once, from registered factories. Built in:
 * {@code "cpu"} (the fast {@link CpuBackend} over {@link RefBackend}, the default for code that
 * does not name a device) and {@code "ref"} (the {@link RefBackend} alone), {@code "cuda"} (GPU 0 through the CUDA presets, when the
 * driver, libraries and a GPU are present). Native
 * devices register here too; a factory that cannot build its device (library missing, no GPU)
 * throws, and {@link #probe} reports why instead of falling back silently.
 */
public final class Devices {
    private static final Map<String, Supplier<Device>> FACTORIES = new LinkedHashMap<>();
    private static final Map<String, Device> BUILT = new LinkedHashMap<>();

    static {
        FACTORIES.put("cpu", () -> new Device("cpu", new CpuBackend()));
        FACTORIES.put("ref", () -> new Device("ref", new RefBackend()));
        // a lambda, not a method reference: the CUDA classes load only when someone asks for "cuda"
        FACTORIES.put("cuda", () -> io.deepslim.backend.cuda.CudaDevices.create());
    }

    private Devices() {}

    /** The default CPU device: what {@code Tensor.zeros(shape)}, {@code Zoo.create(...)} etc. use when no device is named. */
    public static Device cpu() { return get("cpu"); }

    /** The reference device (plain-Java specification backend, single-threaded). */
    public static Device reference() { return get("ref"); }

    /** The device registered as {@code name}, built on first use; unknown names or failed builds throw with the reason. */
    public static synchronized Device get(String name) {
        Device d = BUILT.get(name);
        if (d != null) return d;
        Supplier<Device> f = FACTORIES.get(name);
        if (f == null) throw new IllegalArgumentException("unknown device '" + name + "'; registered: " + FACTORIES.keySet());
        d = f.get();
        BUILT.put(name, d);
        return d;
    }

    /** Registers a device factory under {@code name} (replacing none: names are unique). */
    public static synchronized void register(String name, Supplier<Device> factory) {
        if (FACTORIES.containsKey(name)) throw new IllegalArgumentException("device '" + name + "' is already registered");
        FACTORIES.put(name, factory);
    }

    /** Registered names, in registration order. */
    public static synchronized List<String> names() { return new ArrayList<>(FACTORIES.keySet()); }

    /** A device, or why it is not available here. */
    public record Probe(String name, Device device, String problem) {
        public boolean available() { return device != null; }
    }

    /**
     * The device a user named ("cpu", or "cuda" / "cuda:0" / "gpu" for the first NVIDIA GPU; any other
     * registered name too, e.g. "ref" for the reference backend), or an IllegalArgumentException whose
     * one-line message says why it cannot be used here (an unknown name, or what the GPU check found
     * missing: driver, libraries, device).
     */
    public static Device forUser(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("cuda:0") || n.equals("gpu")) n = "cuda";
        if (!names().contains(n)) {
            throw new IllegalArgumentException("unknown device '" + name + "'; use cpu or cuda");
        }
        Probe p = probe(n);
        if (p.available()) return p.device();
        String why = p.problem().replaceFirst("^cuda: ", "").replace("; the CPU device carries on", "");
        throw new IllegalArgumentException("device '" + name + "' is not available here: " + why);
    }

    /** Tries to build {@code name}; never throws for a device that cannot run on this machine. */
    public static Probe probe(String name) {
        try {
            return new Probe(name, get(name), null);
        } catch (RuntimeException | LinkageError e) {
            return new Probe(name, null, String.valueOf(e.getMessage() == null ? e : e.getMessage()));
        }
    }
}
