package io.deepslim.cli;

import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.workflow.JobListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code deepslim synth}: writes the procedural real-vs-fake dataset in the ForenSynths layout. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {
                "Generate the synthetic real-vs-fake dataset (no download needed).",
                "Real images come from a simulated camera (procedural scene, Bayer mosaic + demosaic, sensor "
                        + "pattern, noise, gamma); fakes from five generator families with different traces. "
                        + "Written as <out>/{train,val,test}/<family>/{0_real,1_fake}/NNNNNN.jpg, readable by "
                        + "'deepslim data inspect' and the trainer (layout 'forensynths').",
                "",
                "Example:",
                "  deepslim synth --out data/synth --size 64 --train 2000 --val 400 --test 400 \\",
                "      --families tconv,resizeconv,vae8,blend,sr --strength 1.0 --jpeg 90 --seed 1",
                ""},
        sortOptions = false)
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (created). Default: ${DEFAULT-VALUE}.")
    Path out = Path.of("data/synth");

    @Option(names = "--size", paramLabel = "PX", description = "Image side in pixels, any value ≥ 8. Default: ${DEFAULT-VALUE}.")
    int size = 64;

    @Option(names = "--train", paramLabel = "N", description = "Training images per class per family. Default: ${DEFAULT-VALUE}.")
    int train = 2000;

    @Option(names = "--val", paramLabel = "N", description = "Validation images per class per family. Default: ${DEFAULT-VALUE}.")
    int val = 400;

    @Option(names = "--test", paramLabel = "N", description = "Test images per class per family. Default: ${DEFAULT-VALUE}.")
    int test = 400;

    @Option(names = "--families", split = ",", paramLabel = "F",
            description = "Fake families, comma-separated: tconv (transposed-conv checkerboard), resizeconv (resize-then-conv, "
                    + "high-frequency deficit), vae8 (8x8 block decoder, period-8 spectrum), blend (swapped region in a real "
                    + "photo), sr (super-resolution-like re-upsampling). Default: all five.")
    List<String> families = List.of("tconv", "resizeconv", "vae8", "blend", "sr");

    @Option(names = "--strength", paramLabel = "S",
            description = "Trace strength in [0,1]: one value for all families, or per family as tconv=0.5,vae8=1 "
                    + "(0 = no family trace, 1 = full). Default: ${DEFAULT-VALUE}.")
    String strength = "1.0";

    @Option(names = "--jpeg", paramLabel = "Q", description = "JPEG quality 1..100 for both classes, or 0 for lossless PNG. Default: ${DEFAULT-VALUE}.")
    int jpeg = 90;

    @Option(names = "--seed", description = "Seed; the same seed gives byte-identical files. Default: ${DEFAULT-VALUE}.")
    long seed = 1;

    @Option(names = "--threads", paramLabel = "T", description = "Worker threads. Default: one per processor.")
    int threads = Runtime.getRuntime().availableProcessors();

    @picocli.CommandLine.Mixin ProgressOptions progress;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        if (size < 8) throw new IllegalArgumentException("--size must be at least 8 pixels, got " + size);
        if (train < 0 || val < 0 || test < 0) throw new IllegalArgumentException("--train, --val and --test must be ≥ 0, got " + train + ", " + val + ", " + test);
        if (jpeg < 0 || jpeg > 100) throw new IllegalArgumentException("--jpeg must be 0 (PNG) or a quality in 1..100, got " + jpeg);
        if (threads <= 0) throw new IllegalArgumentException("--threads must be > 0, got " + threads);
        List<FakeFamily> fams = new ArrayList<>();
        for (String f : families) fams.add(FakeFamily.of(f));
        SynthConfig cfg = new SynthConfig(size, train, val, test, fams, parseStrengths(strength, fams), jpeg, seed, threads);
        PrintWriter w = spec.commandLine().getOut();
        w.printf("writing %d images (%d px, families %s, JPEG %s) to %s%n", cfg.total(), size, String.join(",", families),
                jpeg == 0 ? "off (PNG)" : "q" + jpeg, out);
        w.flush();
        long t0 = System.nanoTime();
        long n;
        n = generate(out, cfg, progress.listener());
        double s = (System.nanoTime() - t0) / 1e9;
        w.printf("done: %d images in %.1f s (%.0f images/s)%n", n, s, n / Math.max(s, 1e-9));
        return 0;
    }

    /** Writes the dataset, reporting the images written (from several generator threads) as one progress task. */
    static long generate(Path out, SynthConfig cfg, JobListener listener) throws java.io.IOException {
        try (JobListener.Progress pb = listener.progress("synth", cfg.total(), "img")) {
            long[] reported = {0};
            return SynthGenerator.generate(out, cfg, (done, total) -> {
                synchronized (reported) {
                    if (done > reported[0]) {
                        pb.step(done - reported[0]);
                        reported[0] = done;
                    }
                }
            });
        }
    }

    /** "0.7" for all, or "tconv=0.5,vae8=1" per family (unlisted families stay at 1). */
    static Map<FakeFamily, Double> parseStrengths(String text, List<FakeFamily> fams) {
        Map<FakeFamily, Double> m = new EnumMap<>(FakeFamily.class);
        if (!text.contains("=")) {
            double v = strength(text);
            for (FakeFamily f : fams) m.put(f, v);
            return m;
        }
        for (String part : text.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("--strength: expected family=value, got '" + part + "'");
            m.put(FakeFamily.of(kv[0]), strength(kv[1]));
        }
        return m;
    }

    private static double strength(String text) {
        double v;
        try {
            v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--strength: '" + text.trim() + "' is not a number");
        }
        if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException("--strength must be in [0, 1], got " + text.trim());
        return v;
    }
}
