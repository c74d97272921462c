package io.deepslim.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects tensors and metadata and writes them atomically (to {@code <file>.tmp}, fsync,
 * rename over the target). Header keys keep insertion order; the data area is laid out by
 * descending element size so every tensor is aligned to its element size (the header is padded
 * with spaces to a multiple of 8, as the reference implementation does).
 * Arrays handed to {@code add} are read at {@link #write} time, not copied.
 */
public final class SafeTensorsWriter {
    private record Pending(String name, SafeTensors.Dtype dtype, long[] shape, long bytes, Object source) {}

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    SafeTensorsWriter() {}

    /** Raw little-endian bytes of {@code dtype}. */
    public SafeTensorsWriter add(String name, SafeTensors.Dtype dtype, long[] shape, byte[] data) {
        return put(name, dtype, shape, data.length, data);
    }

    public SafeTensorsWriter add(String name, SafeTensors.Dtype dtype, int[] shape, byte[] data) { return add(name, dtype, longs(shape), data); }

    /** The remaining bytes of {@code data} (little-endian content; position is not moved). */
    public SafeTensorsWriter add(String name, SafeTensors.Dtype dtype, int[] shape, ByteBuffer data) {
        return put(name, dtype, longs(shape), data.remaining(), data.duplicate());
    }

    /** An F32 tensor. */
    public SafeTensorsWriter add(String name, int[] shape, float[] data) {
        return put(name, SafeTensors.Dtype.F32, longs(shape), 4L * data.length, data);
    }

    /** An I64 tensor. */
    public SafeTensorsWriter add(String name, int[] shape, long[] data) {
        return put(name, SafeTensors.Dtype.I64, longs(shape), 8L * data.length, data);
    }

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(java.util.Objects.requireNonNull(key), java.util.Objects.requireNonNull(value));
        return this;
    }

    public SafeTensorsWriter metadata(Map<String, String> m) {
        m.forEach(this::metadata);
        return this;
    }

    private SafeTensorsWriter put(String name, SafeTensors.Dtype dtype, long[] shape, long bytes, Object source) {
        if (name.equals(SafeTensors.METADATA_KEY)) throw new IllegalArgumentException("safetensors writer: the name " + SafeTensors.METADATA_KEY + " is reserved");
        if (tensors.containsKey(name)) throw new IllegalArgumentException("safetensors writer: duplicate tensor '" + name + "'");
        long numel = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("safetensors writer: tensor '" + name + "' has negative dimension in " + Arrays.toString(shape));
            numel = Math.multiplyExact(numel, d);
        }
        long need = Math.multiplyExact(numel, (long) dtype.size());
        if (need != bytes) {
            throw new IllegalArgumentException("safetensors writer: tensor '" + name + "' shape " + Arrays.toString(shape) + " of "
                    + dtype + " needs " + need + " bytes, got " + bytes);
        }
        tensors.put(name, new Pending(name, dtype, shape.clone(), bytes, source));
        return this;
    }

    private static long[] longs(int[] s) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) l[i] = s[i];
        return l;
    }

    /** Writes the file atomically; on failure the target is untouched and the temporary file removed. */
    public void write(Path target) throws IOException {
        List<Pending> layout = new ArrayList<>(tensors.values());
        layout.sort(Comparator.comparingInt((Pending p) -> -p.dtype().size()));   // stable: ties keep insertion order
        Map<String, long[]> offsets = new LinkedHashMap<>();
        long cursor = 0;
        for (Pending p : layout) {
            offsets.put(p.name(), new long[]{cursor, cursor + p.bytes()});
            cursor += p.bytes();
        }

        ObjectNode root = SafeTensors.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafeTensors.METADATA_KEY);
            metadata.forEach(m::put);
        }
        for (Pending p : tensors.values()) {
            ObjectNode e = root.putObject(p.name());
            e.put("dtype", p.dtype().name());
            var sh = e.putArray("shape");
            for (long d : p.shape()) sh.add(d);
            var off = e.putArray("data_offsets");
            off.add(offsets.get(p.name())[0]);
            off.add(offsets.get(p.name())[1]);
        }
        byte[] json = SafeTensors.JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) & ~7;
        if (padded > SafeTensors.MAX_HEADER_BYTES) throw new IllegalArgumentException("safetensors writer: header of " + padded + " bytes is too large");
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                writeFully(ch, head);
                for (Pending p : layout) writeData(ch, p);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(abs.getParent());
    }

    private static void writeData(FileChannel ch, Pending p) throws IOException {
        Object s = p.source();
        if (s instanceof byte[] b) {
            writeFully(ch, ByteBuffer.wrap(b));
        } else if (s instanceof ByteBuffer b) {
            writeFully(ch, b.duplicate());
        } else if (s instanceof float[] f) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < f.length; ) {
                chunk.clear();
                while (i < f.length && chunk.remaining() >= 4) chunk.putFloat(f[i++]);
                chunk.flip();
                writeFully(ch, chunk);
            }
        } else if (s instanceof long[] l) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < l.length; ) {
                chunk.clear();
                while (i < l.length && chunk.remaining() >= 8) chunk.putLong(l[i++]);
                chunk.flip();
                writeFully(ch, chunk);
            }
        } else {
            throw new AssertionError(s);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Makes the rename durable where the platform allows opening a directory (Linux does). */
    private static void syncDirectory(Path dir) {
        if (dir == null) return;
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not supported here (e.g. Windows); the data itself was already forced
        }
    }
}
