package io.deepslim.cli;

import io.deepslim.bench.ConvBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** `deepslim bench`: conv vs sgemm at the paper's layer shapes and whole-model latency. */
@Command(name = "bench", header = "Measures conv2d and whole-model speed (latency, images/s) on this machine's CPU or GPU.", mixinStandardHelpOptions = true,
        description = {"Measures conv2d forward at vgg45m's layer shapes next to a bare sgemm of the same GEMM",
                "shape (same run, so the ratio is meaningful on a noisy machine), then whole-model latency.",
                "With --device cuda it times the whole models on the GPU (unfused; the layer table is CPU-only).",
                "", "Examples:", "  deepslim bench --size 224 --batch 1 --models vgg45m,student10",
                "  deepslim bench --device cuda --batch 64 --no-layers"})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--size", description = "Input size S (S×S; multiple of 32). Default: ${DEFAULT-VALUE}.", defaultValue = "224")
    int size;

    @Option(names = "--batch", description = "Batch size. Default: ${DEFAULT-VALUE}.", defaultValue = "1")
    int batch;

    @Option(names = "--models", split = ",", description = {"Models for whole-forward latency: zoo names (at --size) or model files",
            "(.safetensors, at their own input size; adapter and CAE models too). Default: ${DEFAULT-VALUE}."},
            defaultValue = "vgg45m")
    List<String> models;

    @Option(names = "--warmup", description = "Untimed runs before timing. Default: ${DEFAULT-VALUE}.", defaultValue = "3")
    int warmup;

    @Option(names = "--reps", description = "Timed runs (the median is reported). Default: ${DEFAULT-VALUE}.", defaultValue = "7")
    int reps;

    @Option(names = "--no-layers", description = "Skip the per-layer table.")
    boolean noLayers;

    @Option(names = "--out", description = "Also write the table as Markdown to this file.")
    Path out;

    @picocli.CommandLine.Mixin DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() throws IOException {
        if (size <= 0 || size % 32 != 0) throw new IllegalArgumentException("--size must be a positive multiple of 32, got " + size);
        if (batch <= 0) throw new IllegalArgumentException("--batch must be > 0, got " + batch);
        if (reps <= 0) throw new IllegalArgumentException("--reps must be > 0, got " + reps);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be ≥ 0, got " + warmup);
        io.deepslim.backend.Device dev = device.resolve();
        boolean gpu = !device.cpu();
        ConvBench bench = new ConvBench(warmup, reps);
        StringBuilder md = new StringBuilder();
        md.append(gpu ? String.format("device: %s, size %d, batch %d, median of %d (unfused modules; each forward ends with a copy back)%n%n",
                        dev.backend().name(), size, batch, reps)
                : String.format("backend: %s, %s, cores: %d, size %d, batch %d, median of %d%n%n",
                ConvBench.backendName(), io.deepslim.backend.nativ.NativeKernels.describe(), Runtime.getRuntime().availableProcessors(), size, batch, reps));
        if (gpu && !noLayers) md.append("(the per-layer table compares the CPU's conv with its sgemm: skipped on ").append(dev.name()).append(")\n\n");
        if (!noLayers && !gpu) {
            md.append("| layer | conv ms | conv GFLOP/s | sgemm ms | sgemm GFLOP/s | conv/sgemm rate |\n|---|---|---|---|---|---|\n");
            System.out.print(md);
            for (ConvBench.Row r : bench.convLayers(size, batch)) {
                String line = String.format("| %s | %.2f | %.1f | %.2f | %.1f | %.0f%% |%n",
                        r.what(), r.ms(), r.gflops(), r.sgemmMs(), r.sgemmGflops(), 100 * r.ratio());
                md.append(line);
                System.out.print(line);
            }
            md.append('\n');
            System.out.println();
        }
        if (noLayers || gpu) System.out.print(md); // the layer branch printed it already
        String head = "| model | ms / batch | images/s |\n|---|---|---|\n";
        md.append(head);
        System.out.print(head);
        // model files named alike (every experiment cell writes model.safetensors): label them with their folder too
        java.util.Set<String> seen = new java.util.HashSet<>();
        boolean clash = false;
        for (String m : models) if (m.endsWith(".safetensors")) clash |= !seen.add(String.valueOf(Path.of(m).getFileName()));
        for (String m : models) {
            Path mp = Path.of(m);
            String label = clash && mp.getParent() != null && mp.getParent().getFileName() != null
                    ? mp.getParent().getFileName() + "/" + mp.getFileName() : String.valueOf(mp.getFileName());
            io.deepslim.io.ModelFile.Loaded file = m.endsWith(".safetensors") ? io.deepslim.workflow.Inputs.model("--models", Path.of(m)) : null;
            if (gpu) {
                io.deepslim.nn.Module net = file == null ? io.deepslim.models.Zoo.create(m, size, 2, 1) : file.network();
                ConvBench.Row r = bench.modelOn(file == null ? m : label, net, file == null ? size : file.info().inputSize(), batch, dev);
                String line = String.format("| %s | %.2f | %.1f |%n", r.what(), r.ms(), 1000.0 * batch / r.ms());
                md.append(line);
                System.out.print(line);
                continue;
            }
            for (boolean fused : new boolean[]{false, true}) {
                ConvBench.Row r = file == null ? bench.model(m, size, batch, fused)
                        : bench.model(label, file.network(), file.info().inputSize(), batch, fused);
                String line = String.format("| %s | %.1f | %.1f |%n", r.what(), r.ms(), 1000.0 * batch / r.ms());
                md.append(line);
                System.out.print(line);
            }
        }
        if (out != null) {
            if (out.getParent() != null) Files.createDirectories(out.getParent());
            Files.writeString(out, md.toString());
        }
        return 0;
    }
}
