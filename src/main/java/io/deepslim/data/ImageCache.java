package io.deepslim.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A preprocessed copy of a sample list: every image resized (area/bilinear, no augmentation) to S×S and
 * stored as uint8 CHW, back to back in one memory-mapped file, with a JSON sidecar ({@code <file>.json})
 * holding labels, generators, paths, the image size, and a fingerprint of the source list (paths, labels,
 * sizes and modification times). Both files are written to temporaries and renamed, so a crash never
 * leaves a cache that looks valid. Bad files are left out and listed in the sidecar.
 */
public final class ImageCache implements ImageSource, AutoCloseable {
    // v2: images above the decode budget are stored from a subsampled decode (v1 decoded them in full)
    static final String FORMAT = "deepslim-image-cache-v2";
    private static final long CHUNK_BYTES = 1L << 30; // one mapping ≤ 1 GiB (a MappedByteBuffer is int-indexed)
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int size;
    private final int[] labels;
    private final String[] generators;
    private final String[] paths;
    private final MappedByteBuffer[] chunks;
    private final int perChunk;

    private ImageCache(int size, int[] labels, String[] generators, String[] paths, MappedByteBuffer[] chunks, int perChunk) {
        this.size = size;
        this.labels = labels;
        this.generators = generators;
        this.paths = paths;
        this.chunks = chunks;
        this.perChunk = perChunk;
    }

    /**
     * Opens the cache at {@code file} if its fingerprint matches {@code samples} at {@code size}, else builds
     * it. A damaged index (wrong types, missing fields, lists that disagree) is reported through
     * {@code skips} in one line and the cache is rebuilt.
     */
    public static ImageCache openOrBuild(Path file, List<Sample> samples, int size, ImageDecoder decoder,
                                         int workers, SkipLog skips, boolean strict) throws IOException {
        Optional<ImageCache> c;
        try {
            c = openChecked(file, samples, size);
        } catch (InvalidIndex e) {
            skips.note("cache index " + sidecar(file) + " is invalid (" + e.getMessage() + "): rebuilding it");
            c = Optional.empty();
        }
        if (c.isPresent()) return c.get();
        build(file, samples, size, decoder, workers, skips, strict);
        return open(file, samples, size).orElseThrow(() -> new IOException("cache " + file + " unreadable right after writing it"));
    }

    /** The cache at {@code file}, if present, valid, and made from exactly {@code samples} at {@code size}. */
    public static Optional<ImageCache> open(Path file, List<Sample> samples, int size) throws IOException {
        try {
            return openChecked(file, samples, size);
        } catch (InvalidIndex e) {
            return Optional.empty();
        }
    }

    /** An index that cannot describe a cache: its message says which field is wrong. */
    private static final class InvalidIndex extends Exception {
        InvalidIndex(String message) { super(message, null, false, false); }
    }

    /** Empty when absent or stale (other samples, size or format); InvalidIndex when the index is damaged. */
    private static Optional<ImageCache> openChecked(Path file, List<Sample> samples, int size) throws IOException, InvalidIndex {
        Path index = sidecar(file);
        if (!Files.isRegularFile(index) || !Files.isRegularFile(file)) return Optional.empty();
        JsonNode m;
        try {
            m = JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw new InvalidIndex("not JSON: " + e.getOriginalMessage());
        }
        if (m == null || !m.isObject()) throw new InvalidIndex("expected a JSON object");
        JsonNode format = m.get("format");
        if (format == null || !format.isTextual()) throw new InvalidIndex("'format' must be a string");
        if (!FORMAT.equals(format.asText())) return Optional.empty(); // another version's cache: stale
        JsonNode fp = m.get("fingerprint");
        if (fp == null || !fp.isTextual()) throw new InvalidIndex("'fingerprint' must be a string");
        if (!fingerprint(samples, size).equals(fp.asText())) return Optional.empty();
        JsonNode sz = m.get("size");
        if (sz == null || !sz.isInt()) throw new InvalidIndex("'size' must be a whole number");
        if (sz.asInt() != size) return Optional.empty();
        JsonNode lab = array(m, "labels"), gen = array(m, "generators"), pth = array(m, "paths"), count = m.get("count");
        int n = lab.size();
        if (gen.size() != n || pth.size() != n) {
            throw new InvalidIndex("labels, generators and paths have " + n + ", " + gen.size() + " and " + pth.size() + " entries");
        }
        if (count == null || !count.isInt() || count.asInt() != n) throw new InvalidIndex("'count' must be " + n + ", the number of labels");
        int[] labels = new int[n];
        String[] gens = new String[n], paths = new String[n];
        for (int i = 0; i < n; i++) {
            JsonNode l = lab.get(i), g = gen.get(i), p = pth.get(i);
            if (!l.isInt() || (l.asInt() != 0 && l.asInt() != 1)) throw new InvalidIndex("labels[" + i + "] is " + l + ", expected 0 or 1");
            if (!g.isTextual()) throw new InvalidIndex("generators[" + i + "] is " + g + ", expected a string");
            if (!p.isTextual()) throw new InvalidIndex("paths[" + i + "] is " + p + ", expected a string");
            labels[i] = l.asInt();
            gens[i] = g.asText();
            paths[i] = p.asText();
        }
        long per = 3L * size * size;
        if (Files.size(file) != n * per) {
            throw new InvalidIndex("data file has " + Files.size(file) + " bytes, the index describes " + n + " images of " + per);
        }
        int perChunk = (int) Math.max(1, CHUNK_BYTES / per);
        int nChunks = (n + perChunk - 1) / perChunk;
        MappedByteBuffer[] chunks = new MappedByteBuffer[nChunks];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int c = 0; c < nChunks; c++) {
                long from = c * perChunk * per, len = Math.min(n - (long) c * perChunk, perChunk) * per;
                chunks[c] = ch.map(FileChannel.MapMode.READ_ONLY, from, len); // stays valid after the channel closes
            }
        }
        return Optional.of(new ImageCache(size, labels, gens, paths, chunks, perChunk));
    }

    private static JsonNode array(JsonNode m, String field) throws InvalidIndex {
        JsonNode a = m.get(field);
        if (a == null || !a.isArray()) throw new InvalidIndex("'" + field + "' must be a list");
        return a;
    }

    /** Decodes and resizes {@code samples} with {@code workers} threads and writes the cache atomically. */
    public static void build(Path file, List<Sample> samples, int size, ImageDecoder decoder, int workers,
                             SkipLog skips, boolean strict) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmpData = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        List<Integer> kept = new ArrayList<>();
        Map<String, String> bad = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try (FileChannel out = FileChannel.open(tmpData, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            int chunk = 64 * workers; // bounded memory: decode a window, write it in order, move on
            for (int from = 0; from < samples.size(); from += chunk) {
                int to = Math.min(samples.size(), from + chunk);
                List<Future<byte[]>> fs = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    Sample s = samples.get(i);
                    fs.add(pool.submit(() -> toBytes(Resize.resize(decoder.decode(s.path(), size), size, size))));
                }
                for (int i = from; i < to; i++) {
                    try {
                        out.write(ByteBuffer.wrap(fs.get(i - from).get()));
                        kept.add(i);
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof Error) throw DataLoader.workerFailed(samples.get(i).path().toString(), e.getCause());
                        String where = samples.get(i).path().toString(), why = String.valueOf(e.getCause().getMessage());
                        if (strict) throw new IllegalStateException("strict mode: bad image " + why, e.getCause());
                        skips.skip(where, why);
                        bad.put(where, why);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building cache " + file, e);
        } finally {
            pool.shutdownNow();
        }
        Map<String, Object> idx = new LinkedHashMap<>();
        idx.put("format", FORMAT);
        idx.put("size", size);
        idx.put("layout", "uint8 CHW, " + size + "x" + size + ", images back to back");
        idx.put("resize", "area averaging when shrinking, bilinear when enlarging");
        idx.put("fingerprint", fingerprint(samples, size));
        idx.put("count", kept.size());
        idx.put("labels", kept.stream().map(i -> samples.get(i).label()).toList());
        idx.put("generators", kept.stream().map(i -> samples.get(i).generator()).toList());
        idx.put("paths", kept.stream().map(i -> samples.get(i).path().toString()).toList());
        idx.put("skipped", bad);
        Path tmpIdx = Files.createTempFile(dir, file.getFileName().toString(), ".json.tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmpIdx.toFile(), idx);
        // the index goes first and comes back last: a crash in between leaves no index, hence no cache
        Files.deleteIfExists(sidecar(file));
        move(tmpData, file);
        move(tmpIdx, sidecar(file));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The sidecar index of a cache file. */
    public static Path sidecar(Path file) { return file.resolveSibling(file.getFileName() + ".json"); }

    /** SHA-256 over the size and every sample's path, label, generator, byte size and modification time. */
    public static String fingerprint(List<Sample> samples, int size) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((FORMAT + "|" + size + "\n").getBytes(StandardCharsets.UTF_8));
            for (Sample s : samples) {
                long len = -1, mtime = -1;
                try {
                    len = Files.size(s.path());
                    mtime = Files.getLastModifiedTime(s.path()).toMillis();
                } catch (IOException ignored) {
                    // a missing file still gets a stable entry; the build will report it as bad
                }
                md.update((s.path() + "|" + s.label() + "|" + s.generator() + "|" + len + "|" + mtime + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] toBytes(RgbImage img) {
        byte[] b = new byte[img.data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) RgbImage.to8(img.data[i]);
        return b;
    }

    /** Side of the stored images. */
    public int imageSize() { return size; }

    @Override public int size() { return labels.length; }

    @Override public int label(int i) { return labels[i]; }

    @Override public String generator(int i) { return generators[i]; }

    @Override public String describe(int i) { return paths[i]; }

    /** Raw uint8 CHW bytes of image {@code i}. */
    public byte[] bytes(int i) {
        int per = 3 * size * size;
        byte[] b = new byte[per];
        chunks[i / perChunk].get((i % perChunk) * per, b); // absolute get: safe from many threads
        return b;
    }

    @Override public RgbImage image(int i) {
        byte[] b = bytes(i);
        float[] f = new float[b.length];
        for (int k = 0; k < b.length; k++) f[k] = (b[k] & 0xFF) * (1f / 255);
        return new RgbImage(size, size, f);
    }

    /** Drops the mappings (the OS frees them when they are garbage-collected). */
    @Override public void close() {
        java.util.Arrays.fill(chunks, null);
    }

}
