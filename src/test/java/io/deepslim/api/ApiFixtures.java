package io.deepslim.api;

import io.deepslim.compress.prune.Pruning;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.TensorScope;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/** Tiny 64 px model files and images shared by the api and serve tests. */
public final class ApiFixtures {
    private ApiFixtures() {}

    /** A randomly initialized student10 at 64 px (batch-norm statistics perturbed so fusion matters). */
    public static Path denseModel(Path dir, long seed) throws IOException {
        return denseModel(dir, seed, 64);
    }

    /** A randomly initialized student10 at {@code size} px. */
    public static Path denseModel(Path dir, long seed, int size) throws IOException {
        ZooNet net = TensorScope.unscoped(() -> Zoo.create("student10", size, 2, seed));
        perturbBatchNorm(net, seed);
        net.eval();
        Path f = dir.resolve("dense-" + seed + "-" + size + ".safetensors");
        ModelFile.save(net, ModelInfo.of("student10", size), f);
        return f;
    }

    /** The same network with 70% of its weights pruned globally by magnitude, saved in compressed form. */
    public static Path prunedModel(Path dir, long seed) throws IOException {
        return prunedModel(dir, seed, 64);
    }

    /** A pruned student10 at {@code size} px. */
    public static Path prunedModel(Path dir, long seed, int size) throws IOException {
        ZooNet net = TensorScope.unscoped(() -> Zoo.create("student10", size, 2, seed));
        perturbBatchNorm(net, seed);
        Pruning.l1Global(net, 0.7);
        net.eval();
        Path f = dir.resolve("pruned-" + seed + "-" + size + ".safetensors");
        ModelFile.save(net, ModelInfo.of("student10", size).withCompression(Map.of("method", "prune", "amount", 0.7)), f);
        return f;
    }

    /**
     * A vgg45m at {@code size} px (batch-norm statistics perturbed, scores spread), compressed as the fused-graph tests
     * need it: {@code "prune90"} prunes 90% of every layer by magnitude (past the sparse kernels' break-evens), {@code
     * "int8"} quantizes every conv and Linear statically, per channel, calibrated on random inputs.
     */
    public static Path compressedVgg(Path dir, String how, long seed, int size) throws IOException {
        ZooNet net = TensorScope.unscoped(() -> Zoo.create("vgg45m", size, 2, seed));
        perturbBatchNorm(net, seed);
        net.eval();
        ModelInfo info = ModelInfo.of("vgg45m", size);
        if (how.equals("prune90")) {
            Pruning.l1Local(net, 0.9);
            info = info.withCompression(Map.of("method", "prune", "amount", 0.9));
        } else if (how.equals("int8")) {
            io.deepslim.tensor.Tensor calib = TensorScope.unscoped(() -> io.deepslim.tensor.Tensor.uniform(new Random(seed), -1f, 1f, 4, 3, size, size));
            io.deepslim.compress.quant.Quantizer.all(net, java.util.List.of(calib), io.deepslim.compress.quant.Granularity.PER_CHANNEL,
                    io.deepslim.compress.quant.Observer::minMax);
            info = info.withCompression(Map.of("method", "quantize", "mode", "static-all"));
        } else {
            throw new IllegalArgumentException(how);
        }
        net.eval();
        Path f = dir.resolve("vgg45m-" + how + "-" + seed + "-" + size + ".safetensors");
        ModelFile.save(net, info, f);
        return f;
    }

    private static void perturbBatchNorm(ZooNet net, long seed) {
        Random r = new Random(seed);
        String last = net.headNames().get(net.headNames().size() - 1) + ".";
        net.stateDict().forEach((name, t) -> {
            if (name.startsWith(last) && name.endsWith("weight")) { // random-init logits are tiny: spread the scores
                float[] v = t.toFloatArray();
                for (int i = 0; i < v.length; i++) v[i] *= 30;
                t.buffer().put(t.offset(), v);
            }
            if (name.endsWith("running_mean") || name.endsWith("running_var") || (name.contains("bn") || name.matches(".*\\.\\d+\\.bias"))) {
                if (name.endsWith("num_batches_tracked")) return;
                float[] v = t.toFloatArray();
                for (int i = 0; i < v.length; i++) v[i] = name.endsWith("running_var") ? 0.5f + r.nextFloat() : v[i] + 0.2f * (float) r.nextGaussian();
                t.buffer().put(t.offset(), v);
            }
        });
    }

    /** A w×h image with smooth colour gradients plus noise (seeded). */
    public static BufferedImage image(int w, int h, long seed) {
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        int a = r.nextInt(4) + 1, b = r.nextInt(4) + 1, gain = 30 + r.nextInt(71); // percent brightness
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int red = (x * 255 * a / w + r.nextInt(40)) & 0xFF, green = (y * 255 * b / h + r.nextInt(40)) & 0xFF, blue = r.nextInt(256);
                bi.setRGB(x, y, (red * gain / 100 << 16) | (green * gain / 100 << 8) | blue * gain / 100);
            }
        }
        return bi;
    }

    /** The image encoded as PNG (lossless, so decoding gives back its pixels). */
    public static byte[] png(BufferedImage bi) {
        return encode(bi, "png");
    }

    /** The image encoded in an ImageIO format ("png", "jpeg", "bmp"). */
    public static byte[] encode(BufferedImage bi, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(bi, format, out)) throw new IOException("no ImageIO writer for " + format);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code n} PNGs of assorted sizes into {@code dir} and returns their paths. */
    public static java.util.List<Path> pngFiles(Path dir, int n, long seed) throws IOException {
        Files.createDirectories(dir);
        java.util.List<Path> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve(String.format("img%03d.png", i));
            Files.write(f, png(image(40 + (i * 7) % 50, 50 + (i * 11) % 40, seed + i)));
            out.add(f);
        }
        return out;
    }

    /** A valid PNG whose header claims {@code w}×{@code h} (IHDR patched, CRC recomputed; pixel data is not). */
    public static byte[] pngClaiming(int w, int h) {
        byte[] b = png(image(4, 4, 1));
        // signature (8) + length (4) + "IHDR" (4): width at 16, height at 20, CRC over type+data at 29
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
        bb.putInt(16, w).putInt(20, h);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 12, 17);
        bb.putInt(29, (int) crc.getValue());
        return b;
    }
}
