package io.deepslim.backend;

import io.deepslim.backend.cpu.CpuBackend;

/**
 * Where a tensor lives and which {@link Backend} computes on it. Devices are ordinary objects;
 * {@link #cpu()} is a lazily created shared default so that tensors built without naming a
 * device still have one.
 */
public final class Device {
    private final String name;
    private final Backend backend;

    public Device(String name, Backend backend) {
        this.name = name;
        this.backend = backend;
    }

    private static final class DefaultCpu {
        static final Device INSTANCE = new Device("cpu", new CpuBackend());
    }

    /** The default CPU device (OpenBLAS when it loads, plain Java otherwise). */
    public static Device cpu() { return DefaultCpu.INSTANCE; }

    public String name() { return name; }

    public Backend backend() { return backend; }

    @Override
    public String toString() { return name + "(" + backend.name() + ")"; }
}
