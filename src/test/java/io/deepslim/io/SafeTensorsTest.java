package io.deepslim.io;

import io.deepslim.io.SafeTensors.Dtype;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class SafeTensorsTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- round trip

    @Test
    void roundTripKeepsNamesShapesValuesAndMetadata() throws IOException {
        Path file = dir.resolve("m.safetensors");
        float[] w = {1.5f, -2f, 3.25f, 0f, Float.MIN_VALUE, -0f};
        long[] idx = {-1, 0, 1L << 40};
        ByteBuffer f64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-7);
        f64.flip();
        SafeTensors.writer()
                .add("layer1.0.weight", new int[]{2, 3}, w)
                .add("odd", new int[]{1}, new float[]{9f})          // 4 bytes: would misalign what follows
                .add("idx", new int[]{3}, idx)
                .add("u8", Dtype.U8, new int[]{3}, new byte[]{0, (byte) 255, 7})
                .add("d", Dtype.F64, new int[]{2}, f64)
                .add("empty", new int[]{0, 4}, new float[0])
                .metadata(Map.of("arch", "{\"name\":\"student10\"}", "note", "ünï ✓"))
                .write(file);

        assertFalse(Files.exists(dir.resolve("m.safetensors.tmp")), "temporary file left behind");
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(List.of("layer1.0.weight", "odd", "idx", "u8", "d", "empty"), List.copyOf(st.names()));
            assertArrayEquals(w, st.floats("layer1.0.weight"));
            assertArrayEquals(new long[]{2, 3}, st.entry("layer1.0.weight").shape());
            assertArrayEquals(new float[]{9f}, st.floats("odd"));
            assertArrayEquals(idx, st.longs("idx"));
            assertArrayEquals(new long[]{0, 255, 7}, st.longs("u8"));
            assertArrayEquals(new float[]{0.1f, -7f}, st.floats("d"));
            assertEquals(Dtype.F64, st.entry("d").dtype());
            assertEquals(0, st.floats("empty").length);
            assertArrayEquals(new int[]{0, 4}, st.entry("empty").intShape());
            assertEquals("{\"name\":\"student10\"}", st.metadata().get("arch"));
            assertEquals("ünï ✓", st.metadata().get("note"));
            // every tensor starts at a multiple of its element size from an 8-aligned data area
            for (String n : st.names()) {
                SafeTensors.Entry e = st.entry(n);
                assertEquals(0, e.begin() % e.dtype().size(), n + " misaligned");
            }
        }
        long n = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header length is padded to 8");
    }

    @Test
    void readingAfterCloseFailsClearly() throws IOException {
        Path file = dir.resolve("c.safetensors");
        SafeTensors.writer().add("a", new int[]{2}, new float[]{1, 2}).write(file);
        SafeTensors st = SafeTensors.open(file);
        ByteBuffer view = st.buffer("a");
        st.close();
        assertThrows(IllegalStateException.class, () -> st.floats("a"));
        assertEquals(2f, view.getFloat(4));                                 // a view taken before close stays valid
    }

    @Test
    void writeReplacesAnExistingFile() throws IOException {
        Path file = dir.resolve("m.safetensors");
        SafeTensors.writer().add("a", new int[]{2}, new float[]{1, 2}).write(file);
        SafeTensors.writer().add("b", new int[]{1}, new float[]{3}).write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(List.of("b"), List.copyOf(st.names()));
            assertTrue(st.metadata().isEmpty());
        }
    }

    @Test
    void writerRejectsInconsistentEntries() {
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.writer().add("a", new int[]{3}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.writer().add("a", new int[]{1}, new float[1]).add("a", new int[]{1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.writer().add("__metadata__", new int[]{1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.writer().add("a", Dtype.F16, new int[]{3}, new byte[4]));
    }

    // ---------------------------------------------------------------- file written by PyTorch (tools/make_fixtures.py)

    @Test
    void readsEveryDtypeFromThePythonFixture() throws IOException, URISyntaxException {
        Path file = Path.of(getClass().getResource("/golden/safetensors_dtypes.safetensors").toURI());
        float[] common = {0f, 1f, -2.5f, 0.375f, 1024f, -0.0078125f};
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(List.of("f32", "f64", "f16", "bf16", "f16_special", "i64", "i32", "i8", "u8", "bool", "empty", "scalar"),
                    List.copyOf(st.names()));
            assertEquals("ünï ✓", st.metadata().get("unicode"));
            assertArrayEquals(new long[]{2, 3}, st.entry("f32").shape());
            for (String n : List.of("f32", "f64", "f16", "bf16")) assertArrayEquals(common, st.floats(n), n);
            assertEquals(Dtype.BF16, st.entry("bf16").dtype());
            float[] special = st.floats("f16_special");
            assertEquals(0x1p-24f, special[0]);                      // smallest half subnormal
            assertEquals(65504f, special[1]);                        // largest half
            assertEquals(Float.POSITIVE_INFINITY, special[2]);
            assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(special[3]));
            assertArrayEquals(new long[]{-3, 0, 1L << 40}, st.longs("i64"));
            assertArrayEquals(new long[]{-7, Integer.MAX_VALUE}, st.longs("i32"));
            assertArrayEquals(new long[]{-128, 127, 5}, st.longs("i8"));
            assertArrayEquals(new long[]{0, 255, 7}, st.longs("u8"));
            assertArrayEquals(new long[]{1, 0, 1}, st.longs("bool"));
            assertArrayEquals(new float[]{-3f, 0f, 0x1p40f}, st.floats("i64"));
            assertArrayEquals(new long[]{0, 3}, st.entry("empty").shape());
            assertEquals(0, st.entry("scalar").shape().length);
            assertArrayEquals(new float[]{42.5f}, st.floats("scalar"));
            assertThrows(IllegalArgumentException.class, () -> st.longs("f32"));
            assertThrows(IllegalArgumentException.class, () -> st.floats("nope"));
        }
    }

    @Test
    void readsAnOpFixture() throws IOException, URISyntaxException {
        Path file = Path.of(getClass().getResource("/golden/neg.safetensors").toURI());
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals("neg", st.metadata().get("op"));
            float[] x = st.floats("in.x"), out = st.floats("out"), gout = st.floats("gout"), gx = st.floats("grad.x");
            for (int i = 0; i < x.length; i++) {
                assertEquals(-x[i], out[i]);
                assertEquals(-gout[i], gx[i]);
            }
        }
    }

    // ---------------------------------------------------------------- broken files

    /** Writes 8-byte length + header (unpadded) + data exactly as given. */
    private Path raw(String name, long headerLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private Path raw(String name, String header, int dataBytes) throws IOException {
        return raw(name, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    /** Opening must fail with ModelFormatException whose message names the file and each of {@code words}. */
    private static ModelFormatException rejects(Path p, String... words) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafeTensors.open(p).close());
        assertTrue(e.getMessage().contains(p.getFileName().toString()), "message names the file: " + e.getMessage());
        for (String w : words) assertTrue(e.getMessage().contains(w), "message mentions '" + w + "': " + e.getMessage());
        return e;
    }

    @Test
    void validMinimalFileOpens() throws IOException {
        Path p = raw("ok.st", "{" + t("a", "F32", "[2]", 0, 8) + "}", 8);
        try (SafeTensors st = SafeTensors.open(p)) {
            assertArrayEquals(new float[]{0f, 0f}, st.floats("a"));
        }
    }

    @Test
    void truncatedData() throws IOException {
        rejects(raw("trunc.st", "{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[4]", 8, 24) + "}", 20), "'b'", "beyond");
    }

    @Test
    void trailingBytes() throws IOException {
        rejects(raw("trail.st", "{" + t("a", "F32", "[2]", 0, 8) + "}", 12), "trailing");
    }

    @Test
    void fileShorterThanLengthField() throws IOException {
        Path p = dir.resolve("tiny.st");
        Files.write(p, new byte[]{1, 2, 3});
        rejects(p, "shorter");
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        rejects(raw("beyond.st", 1000, "{}", 0), "exceeds the file size");
        rejects(raw("negative.st", -5, "{}", 0), "exceeds the file size");   // 2^64 - 5 unsigned
    }

    @Test
    void headerLengthOverLimitIsRejectedBeforeAllocating() throws IOException {
        Path p = dir.resolve("huge.st");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(8 + 120_000_000L);                                   // sparse: no disk used
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(110_000_000L).array());
        }
        rejects(p, "limit");
    }

    @Test
    void overlappingOffsets() throws IOException {
        rejects(raw("overlap.st", "{" + t("a", "F32", "[4]", 0, 16) + "," + t("b", "F32", "[4]", 8, 24) + "}", 24), "overlaps", "'a'", "'b'");
    }

    @Test
    void gapBetweenTensors() throws IOException {
        rejects(raw("gap.st", "{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 12, 20) + "}", 20), "gap", "'b'");
    }

    @Test
    void offsetsNotAscending() throws IOException {
        rejects(raw("desc.st", "{" + t("a", "F32", "[2]", 8, 0) + "}", 8), "'a'", "ascending");
    }

    @Test
    void shapeSizeMismatch() throws IOException {
        rejects(raw("shape.st", "{" + t("w", "F32", "[3]", 0, 8) + "}", 8), "'w'", "needs 12 bytes");
        rejects(raw("dtype.st", "{" + t("w", "F64", "[2]", 0, 8) + "}", 8), "'w'", "needs 16 bytes");
    }

    @Test
    void shapeOverflow() throws IOException {
        rejects(raw("ovf.st", "{" + t("w", "F32", "[4294967296,4294967296]", 0, 8) + "}", 8), "'w'", "overflow");
    }

    @Test
    void negativeDimension() throws IOException {
        rejects(raw("neg.st", "{" + t("w", "F32", "[-2]", 0, 8) + "}", 8), "'w'", "negative");
        rejects(raw("negoff.st", "{" + t("w", "F32", "[2]", -8, 0) + "}", 8), "'w'", "negative");
    }

    @Test
    void nonIntegerNumbers() throws IOException {
        rejects(raw("float.st", "{" + t("w", "F32", "[2.5]", 0, 8) + "}", 8), "'w'", "integer");
        rejects(raw("big.st", "{" + t("w", "F32", "[2]", 0, Long.MAX_VALUE).replace(Long.toString(Long.MAX_VALUE), "99999999999999999999999") + "}", 8), "'w'");
    }

    @Test
    void badJson() throws IOException {
        rejects(raw("json.st", "{\"a\":{\"dtype\":\"F32\",", 0), "JSON");
        rejects(raw("array.st", "[1,2]", 0), "not a JSON object");
        rejects(raw("trailing.st", "{}{}", 0), "JSON");
        rejects(raw("dup.st", "{" + t("a", "F32", "[1]", 0, 4) + "," + t("a", "F32", "[1]", 0, 4) + "}", 4), "JSON");
        rejects(raw("binary.st", "\u0000\u0001garbage", 0));
        rejects(raw("empty.st", "", 0));
    }

    @Test
    void unknownDtype() throws IOException {
        rejects(raw("dtype.st", "{" + t("w", "Q4", "[2]", 0, 2) + "}", 2), "'w'", "unknown dtype 'Q4'");
    }

    @Test
    void malformedEntriesAndMetadata() throws IOException {
        rejects(raw("field.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4), "'w'", "unknown field");
        rejects(raw("nooff.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "'w'", "data_offsets");
        rejects(raw("three.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4), "'w'", "data_offsets");
        rejects(raw("noshape.st", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "'w'", "shape");
        rejects(raw("entry.st", "{\"w\":3}", 0), "'w'");
        rejects(raw("meta.st", "{\"__metadata__\":{\"k\":1}}", 0), "__metadata__");
        rejects(raw("meta2.st", "{\"__metadata__\":[]}", 0), "__metadata__");
    }

    @Test
    void paddedHeaderWithSpacesIsAccepted() throws IOException {
        try (SafeTensors st = SafeTensors.open(raw("pad.st", "{" + t("a", "U8", "[1]", 0, 1) + "}     ", 1))) {
            assertArrayEquals(new long[]{0}, st.longs("a"));
        }
    }

    /** Every truncation and many random header corruptions of a valid file: open succeeds or throws ModelFormatException. */
    @Test
    void fuzzedFilesNeverEscapeModelFormatException() throws IOException {
        Path good = dir.resolve("good.st");
        SafeTensors.writer().add("a", new int[]{2, 3}, new float[6]).add("b", new int[]{5}, new long[5])
                .add("c", Dtype.U8, new int[]{3}, new byte[3]).metadata("k", "v").write(good);
        byte[] bytes = Files.readAllBytes(good);
        int headerEnd = 8 + (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Path p = dir.resolve("fuzz.st");
        for (int len = 0; len < bytes.length; len++) {
            Files.write(p, java.util.Arrays.copyOf(bytes, len));
            assertThrows(ModelFormatException.class, () -> SafeTensors.open(p).close(), "truncated to " + len);
        }
        Random rng = new Random(7);
        int opened = 0;
        for (int trial = 0; trial < 2000; trial++) {
            byte[] b = bytes.clone();
            for (int k = 1 + rng.nextInt(3); k > 0; k--) {
                int at = rng.nextInt(headerEnd);
                b[at] = rng.nextBoolean() ? (byte) rng.nextInt(256) : (byte) "0123456789[]{},:-\"".charAt(rng.nextInt(18));
            }
            Files.write(p, b);
            try (SafeTensors st = SafeTensors.open(p)) {
                for (String n : st.names()) st.bytes(n);                        // whatever opened must be readable
                opened++;
            } catch (ModelFormatException expected) {
                // fine
            } catch (Throwable other) {
                fail("trial " + trial + " escaped as " + other, other);
            }
        }
        assertTrue(opened < 2000, "fuzzing never broke the file");
    }
}
