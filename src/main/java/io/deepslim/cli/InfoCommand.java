package io.deepslim.cli;

import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.io.SafeTensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim info`: what a model file holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Shows a model file's metadata and every tensor: shape, dtype, elements, non-zeros, bytes.", "",
                "Example:", "  deepslim info runs/vgg-tconv/model.safetensors"})
public final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "Model file (.safetensors).")
    Path file;

    @Override
    public Integer call() throws Exception {
        ModelInfo info = ModelFile.readInfo(file);
        System.out.printf("file: %s (%,d bytes)%narch: %s, input %dx%d, classes %s%nnormalization: mean %s std %s%n",
                file, Files.size(file), info.arch(), info.inputSize(), info.inputSize(), info.classNames(),
                java.util.Arrays.toString(info.mean()), java.util.Arrays.toString(info.std()));
        if (!info.provenance().isEmpty()) System.out.println("provenance: " + info.provenance());
        if (!info.compression().isEmpty()) System.out.println("compression: " + info.compression());
        System.out.println();
        System.out.println("| tensor | shape | dtype | elements | non-zero | bytes |");
        System.out.println("|---|---|---|---|---|---|");
        long total = 0, nonzero = 0, bytes = 0;
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String name : st.names()) {
                SafeTensors.Entry e = st.entry(name);
                long nz = 0;
                for (float v : st.floats(name)) if (v != 0f) nz++;
                System.out.printf("| %s | %s | %s | %,d | %,d | %,d |%n", name, java.util.Arrays.toString(e.shape()), e.dtype(), e.numel(), nz, e.byteSize());
                if (!name.endsWith("num_batches_tracked") && !name.contains("running_")) {
                    total += e.numel();
                    nonzero += nz;
                }
                bytes += e.byteSize();
            }
        }
        System.out.printf("%nparameters: %,d (non-zero %,d), tensor bytes %,d%n", total, nonzero, bytes);
        return 0;
    }
}
