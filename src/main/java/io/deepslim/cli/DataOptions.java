package io.deepslim.cli;

import io.deepslim.workflow.DataConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** Options shared by the commands that read a dataset. */
public final class DataOptions {
    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Dataset folder in any supported layout (see `deepslim data inspect`).")
    Path data;

    @Option(names = "--layout", paramLabel = "NAME", defaultValue = "auto",
            description = "Layout name, or auto to detect it. Default: ${DEFAULT-VALUE}.")
    String layout;

    @Option(names = "--generators", split = ",", paramLabel = "G",
            description = "Use only these generator folders (e.g. tconv); default: all.")
    List<String> generators;

    @Option(names = "--workers", defaultValue = "0", paramLabel = "N",
            description = "Image decode threads (0 = one per core).")
    int workers;

    @Option(names = "--cache", description = "Decode once into a uint8 cache next to the data and reuse it.")
    boolean cache;

    @Option(names = "--strict", description = "Fail on the first unreadable image instead of skipping it.")
    boolean strict;

    @Option(names = "--max-pixels", defaultValue = "50000000", paramLabel = "N",
            description = {"Skip images whose header declares more than N pixels (width × height) without decoding them.",
                    "Images above 16 megapixels are decoded subsampled to about 4× --size. Default: ${DEFAULT-VALUE}."})
    long maxPixels;

    DataConfig config() {
        return new DataConfig(data, layout, generators, workers, cache, strict, maxPixels);
    }
}
