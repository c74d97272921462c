package io.deepslim.backend;

import io.deepslim.tensor.DType;
import io.deepslim.tensor.Storage;

/**
 * Where a tensor lives and which {@link Backend} computes on it: a device allocates the
 * {@link Storage} of its tensors and names the backend (stack) that runs primitives on them.
 * Devices are built by {@code io.deepslim.engine.Devices} (the registry); this class does not
 * know any implementation. Subclasses owning non-host memory override {@link #allocate} and
 * {@link #isHost()}.
 */
public class Device {
    private final String name;
    private final Backend backend;

    public Device(String name, Backend backend) {
        this.name = name;
        this.backend = backend;
    }

    /**
     * The default CPU device.
     *
     * @deprecated use {@code io.deepslim.engine.Devices.cpu()}; kept so that branches written
     * against the old API still compile (HostAccessTest forbids it in main sources).
     */
    @Deprecated
    public static Device cpu() { return io.deepslim.engine.Devices.cpu(); }

    /** Allocates {@code length} elements of {@code dtype}, zeroed or with unspecified content. */
    public Storage allocate(DType dtype, long length, boolean zeroed) {
        return zeroed ? Storage.zeros(dtype, length) : Storage.uninitialized(dtype, length);
    }

    /** True when this device's storage is host memory (all devices today). */
    public boolean isHost() { return true; }

    public String name() { return name; }

    public Backend backend() { return backend; }

    @Override
    public String toString() { return name + "(" + backend.name() + ")"; }
}
