package io.deepslim.engine;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.Backend;
import io.deepslim.backend.BackendTrace;
import io.deepslim.backend.DelegatingBackend;
import io.deepslim.backend.Device;
import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.backend.cpu.Gemm;
import io.deepslim.backend.cpu.RefBackend;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.ops.Ops;
import io.deepslim.optim.SGD;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The device registry, the delegating backend stack, its trace, Module.to and the version counter. */
class BackendStackTest {
    @Test
    void gemmOnlyBackendRunsGemmItselfAndDelegatesTheRest() {
        Backend b = TestDevices.require("gemm-only").backend();
        assertEquals(Set.of("gemm"), ((DelegatingBackend) b).ownPrimitives());
        assertEquals("gemm-only", b.implementationOf("gemm"));
        assertEquals("ref", b.implementationOf("conv2dForward"));
        assertEquals("ref", b.implementationOf("sgdStep"));
        assertThrows(IllegalArgumentException.class, () -> b.implementationOf("noSuchPrimitive"));
    }

    @Test
    void cpuStackRunsItsOwnKernelsOverTheReference() {
        Backend b = Devices.cpu().backend();
        assertEquals(b.name(), b.implementationOf("conv2dForward"));
        assertEquals(b.name(), b.implementationOf("gemm"));
        assertEquals("ref", b.implementationOf("adamStep"));      // plain loops: the reference's are as fast
        assertEquals("ref", Devices.reference().backend().implementationOf("gemm"));
    }

    /** The acceptance check: a network forward/backward on the GEMM-only device calls that backend's GEMM. */
    @Test
    void gemmOnlyDeviceTrainsAModelThroughItsOwnGemm() {
        Device dev = TestDevices.require("gemm-only");
        BackendTrace trace = new BackendTrace();
        Device traced = new Device("gemm-only+trace", trace.wrap(dev.backend()));
        ZooNet net = Zoo.create("student10", 32, 2, 3, traced);
        long before = GemmOnlyBackend.CALLS.get();
        Tensor x = Tensor.randn(traced, new Random(1), 1f, 2, 3, 32, 32);
        Tensor loss = Ops.crossEntropy(net.forward(x), new int[]{0, 1});
        loss.backward();
        new SGD(net.trainableParameters(), 0.1f, 0.9f, 0f, false).step();
        assertTrue(GemmOnlyBackend.CALLS.get() > before, "the GEMM-only backend's gemm never ran");
        assertTrue(trace.calls("gemm", "gemm-only") > 0, trace.toString());
        assertTrue(trace.calls("conv2dForward", "ref") > 0, trace.toString());
        assertTrue(trace.calls("sgdStep", "ref") > 0, trace.toString());
        assertEquals(0, trace.calls("gemm", "ref"), trace.toString());
    }

    /** Fast-vs-reference at model level: forward and parameter gradients of a small net on each device against the reference device. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void modelForwardBackwardMatchesReference(String device) {
        Device dev = TestDevices.require(device);
        float[][] ref = reference(), got = forwardBackward(dev);
        for (int k = 0; k < ref.length; k++) {
            for (int i = 0; i < ref[k].length; i++) {
                if (Math.abs(ref[k][i] - got[k][i]) > 1e-4 + 1e-3 * Math.abs(ref[k][i])) {
                    fail(device + ": tensor " + k + " element " + i + " reference " + ref[k][i] + " got " + got[k][i]);
                }
            }
        }
    }

    private static float[][] referenceResult;

    private static synchronized float[][] reference() {
        if (referenceResult == null) referenceResult = forwardBackward(Devices.reference());
        return referenceResult;
    }

    /** {logits, gradient of the first conv weight, of the last linear weight} of student10 at 32 px, batch 2. */
    private static float[][] forwardBackward(Device dev) {
        ZooNet net = Zoo.create("student10", 32, 2, 5, dev);
        Tensor x = Tensor.randn(dev, new Random(2), 1f, 2, 3, 32, 32);
        Tensor logits = net.forward(x);
        Ops.crossEntropy(logits, new int[]{1, 0}).backward();
        var ps = net.trainableParameters();
        assertSame(dev, ps.get(0).device());
        return new float[][]{logits.toFloatArray(), ps.get(0).grad().toFloatArray(), ps.get(ps.size() - 2).grad().toFloatArray()};
    }

    @Test
    void moduleToMovesParametersAndKeepsValues() {
        ZooNet net = Zoo.create("student10", 32, 2, 7);
        float[] w = net.parameters().get(0).toFloatArray();
        Tensor p0 = net.parameters().get(0);
        net.to(Devices.reference());
        assertSame(p0, net.parameters().get(0), "layers keep their parameter objects");
        for (Tensor t : net.stateDict().values()) assertSame(Devices.reference(), t.device());
        assertEquals(java.util.Arrays.toString(w), java.util.Arrays.toString(p0.toFloatArray()));
    }

    @Test
    void registryBuildsOnceAndNamesUnknownDevices() {
        assertSame(Devices.cpu(), Devices.get("cpu"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.get("tpu"));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("ref"), e.getMessage());
        assertTrue(Devices.probe("tpu").problem() != null);
        assertThrows(IllegalArgumentException.class, () -> Devices.register("cpu", () -> null));
    }

    /** What users type for --device / DetectorOptions: cpu, cuda and its spellings, registered names; anything else is named back. */
    @Test
    void userDeviceNamesResolveOrSayWhyNot() {
        assertSame(Devices.cpu(), Devices.forUser("cpu"));
        assertSame(Devices.cpu(), Devices.forUser(" CPU "));
        assertSame(Devices.reference(), Devices.forUser("ref"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.forUser("tpu"));
        assertEquals("unknown device 'tpu'; use cpu or cuda", e.getMessage());
        Devices.Probe gpu = Devices.probe("cuda");
        for (String name : new String[]{"cuda", "gpu", "cuda:0", "CUDA"}) {
            if (gpu.available()) {
                assertSame(gpu.device(), Devices.forUser(name));
            } else {
                IllegalArgumentException why = assertThrows(IllegalArgumentException.class, () -> Devices.forUser(name));
                assertTrue(why.getMessage().startsWith("device '" + name + "' is not available here: "), why.getMessage());
                assertFalse(why.getMessage().contains("carries on") || why.getMessage().contains("\n"), why.getMessage());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Devices.forUser("cuda:1"));
    }

    @Test
    void versionCountsWritesThroughMutators() {
        Tensor w = Tensor.zeros(4).requiresGrad(true);
        long v0 = w.version();
        w.copyFrom(new float[]{1, 2, 3, 4});
        long v1 = w.version();
        assertNotEquals(v0, v1);
        Ops.sum(Ops.mul(w, w)).backward();
        new SGD(java.util.List.of(w), 0.1f, 0f, 0f, false).step();
        assertNotEquals(v1, w.version());
        try (GradMode g = GradMode.off()) {
            long v2 = w.version();
            Ops.mul(w, w);                       // reading does not count
            assertEquals(v2, w.version());
        }
    }

    @Test
    void explicitCopiesRoundTrip() {
        Tensor a = Tensor.ofBytes(Devices.reference(), new byte[]{-3, 0, 7}, 3);
        assertEquals("[-3, 0, 7]", java.util.Arrays.toString(a.toByteArray()));
        Tensor i = Tensor.ofInts(Devices.cpu(), new int[]{5, -1}, 2);
        assertEquals("[5.0, -1.0]", java.util.Arrays.toString(i.toFloatArray()));
        Tensor t = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
        Tensor h = t.to(Devices.reference());
        assertEquals("[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]", java.util.Arrays.toString(h.toFloatArray()));
        assertEquals(6f, h.get(2, 1));
        assertSame(h, h.to(Devices.reference()));
    }

    /**
     * No silent fallback: the CPU stack's GEMM is OpenBLAS unless the run explicitly allows the Java
     * GEMM ({@code -Ddeepslim.allowJavaGemm=true}), so the BLAS parity tests cannot become Java vs Java.
     */
    @Test
    void cpuGemmIsOpenBlasUnlessAllowed() {
        if (Boolean.getBoolean("deepslim.allowJavaGemm")) return;
        assertTrue(Gemm.best().usesBlas(), "OpenBLAS did not load: " + Gemm.blasProblem());
        assertEquals("cpu/openblas", new CpuBackend().name());
        assertEquals("cpu/openblas", Devices.cpu().backend().implementationOf("gemm"));
        assertEquals("ref", new RefBackend().name());
    }
}
