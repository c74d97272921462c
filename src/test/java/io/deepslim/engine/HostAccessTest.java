package io.deepslim.engine;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Build check: outside backends and file I/O, no main source touches host memory directly. Other
 * code moves data with explicit copies (Tensor.toFloatArray/copyFrom/of/ofBytes/ofInts), so it
 * runs unchanged when tensors live on a device. Also forbids the deprecated Device.cpu() shim.
 */
class HostAccessTest {
    /** Host-memory accessors: Tensor.buffer/byteBuffer, Storage.floats/bytes/pointer/floatPointer. */
    static final Pattern HOST_ACCESS = Pattern.compile(
            "\\.(buffer|byteBuffer)\\(\\)|storage\\(\\)\\.(floats|bytes|pointer|floatPointer)\\(");

    /** Where host access is allowed, and why. Paths relative to src/main/java/io/deepslim/. */
    static final List<String> ALLOWED = List.of(
            "backend/cpu/",                 // the host backends (fast CPU and the reference)
            "backend/nativ/",               // the native/ kernels read host memory in place
            "tensor/Storage.java",          // defines the host views
            "tensor/Tensor.java",           // exposes them to backends (buffer/byteBuffer)
            "io/",                          // file formats read/write host buffers
            "bench/ConvBench.java");        // JMH: raw sgemm against conv, below the backend on purpose

    static final Path ROOT = Path.of("src/main/java/io/deepslim");

    @Test
    void noHostAccessOutsideBackendsAndIo() throws IOException {
        List<String> bad = scan(HOST_ACCESS, ALLOWED);
        assertEquals(List.of(), bad, "host memory accessed outside backends/io; copy explicitly instead (toFloatArray, copyFrom, Tensor.of)");
    }

    @Test
    void noDeprecatedDefaultDevice() throws IOException {
        List<String> bad = scan(Pattern.compile("\\bDevice\\.cpu\\(\\)"), List.of("backend/Device.java"));
        assertEquals(List.of(), bad, "use Devices.cpu() (the registry), not the deprecated Device.cpu()");
    }

    @Test
    void scannerFindsAViolation() {
        // the scan must be able to fail: a line in a non-allowed package is reported
        assertTrue(HOST_ACCESS.matcher("FloatBuffer w = p.buffer();").find());
        assertTrue(HOST_ACCESS.matcher("t.storage().floatPointer(0)").find());
        assertTrue(HOST_ACCESS.matcher("ByteBuffer b = t.storage().bytes();").find());
        assertTrue(!HOST_ACCESS.matcher("float[] v = t.toFloatArray();").find());
        assertTrue(!HOST_ACCESS.matcher("long n = stats.bytes();").find());
        assertTrue(!allowed("optim/SGD.java", ALLOWED));
        assertTrue(allowed("backend/cpu/CpuConv.java", ALLOWED));
    }

    static List<String> scan(Pattern p, List<String> allowed) throws IOException {
        assertTrue(Files.isDirectory(ROOT), "run from the project root: " + ROOT.toAbsolutePath());
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".java"))::iterator) {
                String rel = ROOT.relativize(f).toString().replace('\\', '/');
                if (allowed(rel, allowed)) continue;
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) continue;
                    Matcher m = p.matcher(line);
                    if (m.find()) bad.add(rel + ":" + (i + 1) + ": " + line);
                }
            }
        }
        return bad;
    }

    static boolean allowed(String rel, List<String> allowed) {
        for (String a : allowed) if (rel.equals(a) || (a.endsWith("/") && rel.startsWith(a))) return true;
        return false;
    }
}
