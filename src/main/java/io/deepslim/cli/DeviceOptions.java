package io.deepslim.cli;

import io.deepslim.backend.Device;
import io.deepslim.engine.Devices;
import picocli.CommandLine.Option;

/** The --device option of the verbs that run a model: cpu (default) or cuda. */
public final class DeviceOptions {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda",
            description = "Where the model runs (training included): cpu, or cuda for the first NVIDIA GPU, which needs the NVIDIA "
                    + "driver and the CUDA 13 and cuDNN 9 libraries on the library path (the error names what is missing). "
                    + "Default: ${DEFAULT-VALUE}.")
    String device = "cpu";

    /** The named device, or an IllegalArgumentException saying in one line why it is not available here. */
    Device resolve() { return Devices.forUser(device); }

    /** True when the default CPU device was asked for. */
    boolean cpu() { return device.trim().equalsIgnoreCase("cpu"); }
}
