package io.deepslim.cli;

import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.io.SafeTensors;
import io.deepslim.compress.ModelStats;
import io.deepslim.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim info`: what a model file holds. */
@Command(name = "info", header = "Shows a model file's metadata and one row per layer (shape, sparsity, dtype, rank, bytes).", mixinStandardHelpOptions = true,
        description = {"Shows a model file's metadata and one row per layer: shape, sparsity, storage dtype,",
                        "rank (low-rank layers), parameters, non-zeros, stored bytes; then totals. --tensors lists raw tensors.", "",
                "Example:", "  deepslim info runs/vgg-tconv/model.safetensors"})
public final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "Model file (.safetensors).")
    Path file;

    @Option(names = "--tensors", description = "List the stored tensors instead of the layers.")
    boolean tensors;

    @Override
    public Integer call() throws Exception {
        io.deepslim.workflow.Inputs.requireModelFile("FILE", file);
        ModelInfo info = ModelFile.readInfo(file);
        System.out.printf("file: %s (%,d bytes)%narch: %s, input %dx%d, classes %s%nnormalization: mean %s std %s%n",
                file, Files.size(file), info.arch(), info.inputSize(), info.inputSize(), info.classNames(),
                java.util.Arrays.toString(info.mean()), java.util.Arrays.toString(info.std()));
        if (!info.provenance().isEmpty()) System.out.println("provenance: " + info.provenance());
        if (!info.compression().isEmpty()) {
            java.util.Map<String, Object> summary = new java.util.LinkedHashMap<>(info.compression());
            Object layers = summary.remove("layers");
            System.out.println("compression: " + summary + (layers instanceof java.util.Map<?, ?> l ? " (" + l.size() + " compressed layers)" : ""));
        }
        System.out.println();
        if (tensors) {
            printTensors();
            return 0;
        }
        ModelFile.Loaded m = ModelFile.load(file);
        ModelStats stats = ModelStats.of(m.network());
        System.out.println("| layer | type | shape | sparsity | dtype | rank | parameters | non-zero | bytes |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (ModelStats.Row r : stats.rows()) {
            System.out.printf("| %s | %s | %s | %.1f%% | %s | %s | %,d | %,d | %,d |%n", r.name(), r.type(), Shape.str(r.shape()),
                    100 * r.sparsity(), r.dtype(), r.rank() < 0 ? "-" : String.valueOf(r.rank()), r.parameters(), r.nonZero(), r.bytes());
        }
        System.out.printf("%nparameters: %,d (non-zero %,d, %.1f%%); stored tensor bytes %,d; file bytes %,d%n", stats.parameterCount(),
                stats.nonZeroCount(), 100.0 * stats.nonZeroCount() / Math.max(1, stats.parameterCount()), stats.bytes(), Files.size(file));
        printKernels(m.network(), info.inputSize());
        return 0;
    }

    /** The inference kernel each compressed layer chose in one eval forward of a blank image. */
    private static void printKernels(io.deepslim.nn.Module model, int size) {
        System.out.println();
        System.out.println(io.deepslim.backend.nativ.NativeKernels.describe());
        model.eval();
        try (io.deepslim.autograd.GradMode g = io.deepslim.autograd.GradMode.off();
             io.deepslim.tensor.TensorScope s = io.deepslim.tensor.TensorScope.open()) {
            model.forward(io.deepslim.tensor.Tensor.full(0f, 1, 3, size, size));
        }
        StringBuilder rows = new StringBuilder();
        for (var n : io.deepslim.compress.ModuleTree.walk(model)) {
            String k = n.module() instanceof io.deepslim.compress.prune.PrunedConv2d c ? c.sparseKernel().lastChoice()
                    : n.module() instanceof io.deepslim.compress.prune.PrunedLinear l ? l.sparseKernel().lastChoice()
                    : n.module() instanceof io.deepslim.compress.quant.Int8Conv2d q ? q.int8Kernel().lastChoice()
                    : n.module() instanceof io.deepslim.compress.quant.Int8Linear q ? q.int8Kernel().lastChoice() : null;
            if (k != null) rows.append("| ").append(n.path()).append(" | ").append(k).append(" |\n");
        }
        if (rows.length() > 0) System.out.print("\n| layer | inference kernel |\n|---|---|\n" + rows);
    }

    private void printTensors() throws Exception {
        System.out.println("| tensor | shape | dtype | elements | non-zero | bytes |");
        System.out.println("|---|---|---|---|---|---|");
        long total = 0, nonzero = 0, bytes = 0;
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String name : st.names()) {
                SafeTensors.Entry e = st.entry(name);
                long nz = 0;
                for (float v : st.floats(name)) if (v != 0f) nz++;
                System.out.printf("| %s | %s | %s | %,d | %,d | %,d |%n", name, java.util.Arrays.toString(e.shape()), e.dtype(), e.numel(), nz, e.byteSize());
                total += e.numel();
                nonzero += nz;
                bytes += e.byteSize();
            }
        }
        System.out.printf("%nstored elements: %,d (non-zero %,d), tensor bytes %,d, file bytes %,d%n", total, nonzero, bytes, Files.size(file));
    }
}
