package io.deepslim.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reader (and, in {@link Writer}, writer) of the safetensors format: an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON {@code {name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {string: string}}}, then the raw little-endian tensor bytes, offsets relative
 * to the end of the header.
 *
 * <p>{@link #open} validates the whole header (sizes, dtypes, shapes, offsets covering the data
 * area exactly) before it allocates anything sized by the file, and maps the data area read-only,
 * so a truncated or tampered file fails with {@link ModelFormatException}, never with an
 * OutOfMemoryError. A file truncated by another process <em>after</em> it was opened can still
 * make a later read fail with an {@link InternalError}; that is the price of memory mapping.
 *
 * <p>Thread safety: an open reader may be read from many threads; {@link #close} must not race them.
 * Nothing here depends on the tensor engine; adapters convert entries to tensors.
 */
public final class SafeTensors implements AutoCloseable {
    /** Largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Element types of the format that deepslim reads. */
    public enum Dtype {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I8(1), U8(1), BOOL(1);

        private final int size;

        Dtype(int size) { this.size = size; }

        /** Bytes per element. */
        public int size() { return size; }

        boolean isFloating() { return this == F64 || this == F32 || this == F16 || this == BF16; }

        static Dtype parse(String s) {
            for (Dtype d : values()) if (d.name().equals(s)) return d;
            return null;
        }
    }

    /** One tensor's header entry; {@code begin}/{@code end} are byte offsets into the data area. */
    public record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        public long byteSize() { return end - begin; }

        /** The shape as ints (deepslim tensors index with int). */
        public int[] intShape() {
            int[] s = new int[shape.length];
            for (int i = 0; i < s.length; i++) {
                if (shape[i] > Integer.MAX_VALUE) {
                    throw new IllegalStateException("tensor '" + name + "': dimension " + shape[i] + " exceeds int range");
                }
                s[i] = (int) shape[i];
            }
            return s;
        }

        @Override
        public String toString() { return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")"; }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final ByteBuffer data;                  // null when the data area exceeds one mapping (2 GiB)
    private final Map<String, Entry> entries;       // header order
    private final Map<String, String> metadata;

    private SafeTensors(Path path, FileChannel channel, long dataStart, ByteBuffer data,
                        Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.data = data;
        this.entries = Collections.unmodifiableMap(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    // ---------------------------------------------------------------- reading

    /** Opens and validates {@code path}; the caller closes the reader. */
    public static SafeTensors open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 8) throw bad(path, null, "file is " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(path, ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            // n < 0 means an unsigned value of 2^63 or more: certainly beyond the file
            if (n < 0 || n > size - 8) {
                throw bad(path, null, "header length " + Long.toUnsignedString(n) + " exceeds the file size " + size + " - 8");
            }
            if (n > MAX_HEADER_BYTES) throw bad(path, null, "header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(path, ch, header, 8);

            long dataStart = 8 + n;
            long dataLength = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(path, header.array(), dataLength, metadata);
            checkCoverage(path, entries, dataLength);

            ByteBuffer data = null;
            if (dataLength == 0) {
                data = ByteBuffer.allocate(0);
            } else if (dataLength <= Integer.MAX_VALUE) {
                data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLength);
            }
            return new SafeTensors(path, ch, dataStart, data, entries, metadata);
        } catch (IOException | RuntimeException | Error e) {
            ch.close();
            throw e;
        }
    }

    private static Map<String, Entry> parseHeader(Path path, byte[] header, long dataLength,
                                                  Map<String, String> metadataOut) throws ModelFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw bad(path, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw bad(path, null, "header could not be parsed: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw bad(path, null, "header is not a JSON object");

        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject()) throw bad(path, null, "__metadata__ is not an object");
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) throw bad(path, null, "__metadata__ value of '" + kv.getKey() + "' is not a string");
                    metadataOut.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            entries.put(name, parseEntry(path, name, v, dataLength));
        }
        return entries;
    }

    private static Entry parseEntry(Path path, String name, JsonNode v, long dataLength) throws ModelFormatException {
        if (!v.isObject()) throw bad(path, name, "entry is not an object");
        for (Iterator<String> k = v.fieldNames(); k.hasNext(); ) {
            String key = k.next();
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw bad(path, name, "unknown field '" + key + "'");
            }
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) throw bad(path, name, "missing or non-string dtype");
        Dtype dtype = Dtype.parse(dt.textValue());
        if (dtype == null) throw bad(path, name, "unknown dtype '" + dt.textValue() + "'");

        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) throw bad(path, name, "missing or non-array shape");
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(path, name, "shape", sh.get(i));
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw bad(path, name, "shape " + sh + " overflows");
            }
        }

        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) throw bad(path, name, "data_offsets must be an array [begin, end]");
        long begin = nonNegativeLong(path, name, "data_offsets", off.get(0));
        long end = nonNegativeLong(path, name, "data_offsets", off.get(1));
        if (end < begin) throw bad(path, name, "data_offsets [" + begin + ", " + end + "] are not ascending");
        if (end > dataLength) {
            throw bad(path, name, "data_offsets [" + begin + ", " + end + "] extend beyond the data area of " + dataLength + " bytes (truncated file?)");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, (long) dtype.size());
        } catch (ArithmeticException e) {
            throw bad(path, name, "shape " + sh + " overflows");
        }
        if (bytes != end - begin) {
            throw bad(path, name, "shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long nonNegativeLong(Path path, String name, String field, JsonNode n) throws ModelFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) throw bad(path, name, field + " value " + n + " is not an integer");
        long v = n.longValue();
        if (v < 0) throw bad(path, name, field + " value " + v + " is negative");
        return v;
    }

    /** The entries, sorted by offset, must tile [0, dataLength) with no gap and no overlap. */
    private static void checkCoverage(Path path, Map<String, Entry> entries, long dataLength) throws ModelFormatException {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long cursor = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin() < cursor) {
                throw bad(path, e.name(), "data [" + e.begin() + ", " + e.end() + ") overlaps tensor '" + prev.name()
                        + "' [" + prev.begin() + ", " + prev.end() + ")");
            }
            if (e.begin() > cursor) throw bad(path, e.name(), "gap of " + (e.begin() - cursor) + " unused bytes before its data at " + e.begin());
            cursor = e.end();
            prev = e;
        }
        if (cursor != dataLength) {
            throw bad(path, prev == null ? null : prev.name(), "tensors cover " + cursor + " bytes but the data area has "
                    + dataLength + " (trailing bytes)");
        }
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw bad(path, null, "file ended while reading the header (truncated while open?)");
        }
    }

    static ModelFormatException bad(Path path, String tensor, String what) {
        return bad(path, tensor, what, null);
    }

    static ModelFormatException bad(Path path, String tensor, String what, Throwable cause) {
        String where = tensor == null ? "" : " tensor '" + tensor + "':";
        return new ModelFormatException("safetensors " + path + ":" + where + " " + what, cause);
    }

    // ---------------------------------------------------------------- access

    public Path path() { return path; }

    /** Tensor names in header order. */
    public Set<String> names() { return entries.keySet(); }

    public boolean contains(String name) { return entries.containsKey(name); }

    /** String metadata from {@code __metadata__} (empty when absent). */
    public Map<String, String> metadata() { return metadata; }

    /** The header entry of {@code name}; IllegalArgumentException when absent. */
    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            String has = entries.keySet().stream().limit(12).collect(java.util.stream.Collectors.joining(", "));
            throw new IllegalArgumentException("safetensors " + path + ": no tensor '" + name + "' (has " + entries.size()
                    + ": " + has + (entries.size() > 12 ? ", ..." : "") + ")");
        }
        return e;
    }

    /** A read-only little-endian view of the tensor's bytes (no copy; valid until the buffer is collected). */
    public ByteBuffer buffer(String name) {
        if (!channel.isOpen()) throw new IllegalStateException("safetensors " + path + ": reader is closed");
        Entry e = entry(name);
        ByteBuffer b;
        if (data != null) {
            b = data.duplicate().position((int) e.begin()).limit((int) e.end()).slice();
        } else {
            if (e.byteSize() > Integer.MAX_VALUE) throw new IllegalStateException("tensor '" + name + "' exceeds 2 GiB");
            try {
                b = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.byteSize());
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException("safetensors " + path + ": mapping tensor '" + name + "'", ex);
            }
        }
        return b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the tensor's raw bytes. */
    public byte[] bytes(String name) {
        ByteBuffer b = buffer(name);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The elements converted to float (from any dtype; I64 beyond 2^24 loses precision). */
    public float[] floats(String name) {
        Entry e = entry(name);
        ByteBuffer b = buffer(name);
        float[] out = new float[arrayLength(e)];
        switch (e.dtype()) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> { for (int i = 0; i < out.length; i++) out[i] = (float) b.getDouble(i * 8); }
            case F16 -> { for (int i = 0; i < out.length; i++) out[i] = halfToFloat(b.getShort(i * 2)); }
            case BF16 -> { for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16); }
            case I64 -> { for (int i = 0; i < out.length; i++) out[i] = b.getLong(i * 8); }
            case I32 -> { for (int i = 0; i < out.length; i++) out[i] = b.getInt(i * 4); }
            case I8 -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i); }
            case U8 -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i) & 0xff; }
            case BOOL -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i) != 0 ? 1f : 0f; }
        }
        return out;
    }

    /** The elements of an integer or BOOL tensor as longs; IllegalArgumentException for float dtypes. */
    public long[] longs(String name) {
        Entry e = entry(name);
        if (e.dtype().isFloating()) {
            throw new IllegalArgumentException("safetensors " + path + ": tensor '" + name + "' is " + e.dtype() + ", not an integer type");
        }
        ByteBuffer b = buffer(name);
        long[] out = new long[arrayLength(e)];
        switch (e.dtype()) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < out.length; i++) out[i] = b.getInt(i * 4); }
            case I8 -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i); }
            case U8 -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i) & 0xff; }
            case BOOL -> { for (int i = 0; i < out.length; i++) out[i] = b.get(i) != 0 ? 1 : 0; }
            default -> throw new AssertionError(e.dtype());
        }
        return out;
    }

    private int arrayLength(Entry e) {
        long n = e.numel();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor '" + e.name() + "' has " + n + " elements, too many for a Java array");
        return (int) n;
    }

    /** IEEE 754 binary16 to float (exact: every half is a float). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / NaN
        if (exp == 0) {                                                                // zero / subnormal
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));        // rebias 15 -> 127
    }

    /** Closes the file; later reads throw IllegalStateException. Buffers already handed out stay valid (the JVM unmaps them on GC). */
    @Override
    public void close() throws IOException { channel.close(); }

    // ---------------------------------------------------------------- writing

    /** A new writer; add entries, then {@link SafeTensorsWriter#write}. */
    public static SafeTensorsWriter writer() { return new SafeTensorsWriter(); }

}
