package io.deepslim.golden;

import io.deepslim.backend.Device;
import io.deepslim.engine.Devices;
import io.deepslim.engine.TestDevices;
import io.deepslim.io.SafeTensors;
import io.deepslim.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One PyTorch fixture written by {@code tools/make_fixtures.py}: {@code in.<k>}, {@code out},
 * {@code gout}, {@code grad.<k>} and string metadata; see tools/README.md for the naming scheme.
 */
final class Golden {
    final String name;
    private final Map<String, String> meta;
    private final Map<String, float[]> values;     // every tensor, converted to float, in file order
    private final Map<String, int[]> shapes;
    private final Map<String, long[]> integers;    // I64 tensors (class indices) exactly
    private final boolean report;
    private final Device device;                   // where tensor(...) puts inputs

    private Golden(String name, Map<String, String> meta, Map<String, float[]> values, Map<String, int[]> shapes,
                   Map<String, long[]> integers, boolean report, Device device) {
        this.device = device;
        this.name = name;
        this.meta = meta;
        this.values = values;
        this.shapes = shapes;
        this.integers = integers;
        this.report = report;
    }

    /** The same fixture, comparing without printing report lines (for tests of the comparison itself). */
    Golden quiet() { return new Golden(name, meta, values, shapes, integers, false, device); }

    /** The same fixture, building its tensors on {@code d}. */
    Golden on(Device d) { return new Golden(name, meta, values, shapes, integers, report, d); }

    /** Loads the fixture with its tensors on the test device named {@code deviceName} (skips when unavailable). */
    static Golden load(String deviceName, String name) { return load(name).on(TestDevices.require(deviceName)); }

    /** Loads {@code /golden/<name>.safetensors} from the test class path, reading every tensor. */
    static Golden load(String name) {
        URL url = Golden.class.getResource("/golden/" + name + ".safetensors");
        assertNotNull(url, "missing fixture " + name + ".safetensors; run tools/make_fixtures.py");
        try (SafeTensors st = SafeTensors.open(Path.of(url.toURI()))) {
            Map<String, float[]> values = new LinkedHashMap<>();
            Map<String, int[]> shapes = new LinkedHashMap<>();
            Map<String, long[]> integers = new LinkedHashMap<>();
            for (String n : st.names()) {
                values.put(n, st.floats(n));
                shapes.put(n, st.entry(n).intShape());
                if (st.entry(n).dtype() == SafeTensors.Dtype.I64) integers.put(n, st.longs(n));
            }
            return new Golden(name, st.metadata(), values, shapes, integers, true, Devices.cpu());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean has(String tensor) { return values.containsKey(tensor); }

    /** Tensor names starting with {@code prefix}, sorted. */
    Set<String> names(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String n : values.keySet()) if (n.startsWith(prefix)) out.add(n);
        return out;
    }

    String meta(String key) {
        String v = meta.get(key);
        if (v == null) throw new IllegalStateException(name + ": no metadata '" + key + "' in " + meta);
        return v;
    }

    String meta(String key, String dflt) { return meta.getOrDefault(key, dflt); }

    int metaInt(String key) { return Integer.parseInt(meta(key)); }

    int[] metaInts(String key) { return Arrays.stream(meta(key).split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray(); }

    boolean metaBool(String key) { return Boolean.parseBoolean(meta(key)); }

    /** A copy of the tensor's values. */
    float[] floats(String tensor) { return require(values, tensor).clone(); }

    int[] shape(String tensor) { return require(shapes, tensor).clone(); }

    /** Class indices stored as I64. */
    int[] ints(String tensor) { return Arrays.stream(require(integers, tensor)).mapToInt(Math::toIntExact).toArray(); }

    private <T> T require(Map<String, T> m, String tensor) {
        T v = m.get(tensor);
        if (v == null) throw new IllegalArgumentException(name + ": no " + (m == integers ? "I64 " : "") + "tensor '" + tensor + "'");
        return v;
    }

    /** A fresh F32 tensor holding {@code tensor}'s values (no gradient tracking). */
    Tensor tensor(String tensor) { return Tensor.of(device, floats(tensor), shape(tensor)); }

    Device device() { return device; }

    // ---------------------------------------------------------------- comparison

    /** {@code |got − ref| ≤ atol + rtol·|ref|} element-wise; on failure reports the worst element. */
    void assertClose(String what, String refName, Tensor got, double atol, double rtol) {
        assertNotNull(got, name + " " + what + ": no tensor computed (gradient missing?)");
        assertClose(what, floats(refName), shape(refName), got.shape(), got.toFloatArray(), atol, rtol);
    }

    void assertClose(String what, float[] ref, int[] refShape, int[] gotShape, float[] got, double atol, double rtol) {
        assertArrayEquals(refShape, gotShape, () -> name + " " + what + ": shape " + Arrays.toString(gotShape)
                + ", PyTorch has " + Arrays.toString(refShape));
        Stats s = compare(ref, got, atol, rtol);
        if (report) Report.record(name, what, s);
        if (s.bad > 0) {
            fail(String.format("%s %s: %d of %d elements beyond atol %.1e + rtol %.1e·|ref|; worst at %s: got %.9g, ref %.9g, "
                            + "|diff| %.3g (allowed %.3g); max |diff| %.3g", name, what, s.bad, ref.length, atol, rtol,
                    index(s.worst, refShape), got[s.worst], ref[s.worst], Math.abs(got[s.worst] - (double) ref[s.worst]),
                    atol + rtol * Math.abs(ref[s.worst]), s.maxAbs));
        }
    }

    /** Error statistics of one comparison; {@code worst} is the element with the largest error/allowance ratio. */
    record Stats(int bad, int worst, double maxAbs, double maxRatio) {}

    static Stats compare(float[] ref, float[] got, double atol, double rtol) {
        int bad = 0, worst = 0;
        double maxAbs = 0, maxRatio = -1;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs((double) got[i] - ref[i]);
            if (Double.isNaN(got[i]) && !Double.isNaN(ref[i])) d = Double.POSITIVE_INFINITY;
            double allowed = atol + rtol * Math.abs(ref[i]);
            double ratio = d / allowed;
            if (!(d <= allowed)) bad++;
            if (ratio > maxRatio || Double.isNaN(ratio)) {
                maxRatio = ratio;
                worst = i;
            }
            maxAbs = Math.max(maxAbs, d);
        }
        return new Stats(bad, worst, maxAbs, maxRatio);
    }

    /** Row-major flat index to a multi-index string. */
    static String index(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return Arrays.toString(idx);
    }

    /**
     * With {@code -Dgolden.report} (e.g. {@code mvn -o test -Dtest='*GoldenTest' -Dgolden.report}) prints one
     * line per comparison (its worst error), so the run's output doubles as a parity table.
     */
    static final class Report {
        private static final boolean ON = System.getProperty("golden.report") != null;

        private Report() {}

        static synchronized void record(String fixture, String what, Stats s) {
            if (!ON) return;
            System.out.printf("golden %-36s %-34s max|diff| %.2e  worst/allowed %.3f%s%n", fixture, what, s.maxAbs(),
                    s.maxRatio(), s.bad() > 0 ? "  FAIL" : "");
        }
    }
}
