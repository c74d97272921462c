package io.deepslim.transfer;

import io.deepslim.io.SafeTensors;
import io.deepslim.models.CaeNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The adapter, FReTAL representation loss and CAE loss against tools/make_transfer_fixtures.py (PyTorch, float64 references). */
class TransferFixturesTest {
    private static SafeTensors open(String name) throws Exception {
        return SafeTensors.open(Path.of(TransferFixturesTest.class.getResource("/transfer/" + name + ".safetensors").toURI()));
    }

    private static Tensor tensor(SafeTensors st, String name) throws Exception {
        return Tensor.of(st.floats(name), st.entry(name).intShape());
    }

    private static int[] ints(SafeTensors st, String name) throws Exception {
        long[] l = st.longs(name);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = (int) l[i];
        return out;
    }

    private static void close(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + "[" + i + "]");
    }

    /** Loads every in.&lt;param&gt; of the fixture into {@code m}; all of m's parameters must be present. */
    private static void load(SafeTensors st, Module m) throws Exception {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            if (k.endsWith("num_batches_tracked")) continue;
            assertTrue(st.contains("in." + k), "fixture lacks " + k);
            sd.put(k, tensor(st, "in." + k));
        }
        m.loadStateDict(sd, false);
    }

    @Test
    void adapterForwardAndGradientsMatchPyTorch() throws Exception {
        try (SafeTensors st = open("adapter")) {
            Adapter a = new Adapter(4, 0);
            load(st, a);
            a.train(true);
            Tensor x = tensor(st, "in.x").requiresGrad(true);
            Tensor y = a.forward(x);
            close(st.floats("out"), y.toFloatArray(), 1e-5, "out");
            y.mul(tensor(st, "gout")).sum().backward();
            close(st.floats("grad.x"), x.grad().toFloatArray(), 1e-4, "grad.x");
            Map<String, Tensor> p = a.namedParameters();
            for (String k : new String[]{"dw.weight", "pw.weight", "bn.weight", "out.weight", "out.bias"}) {
                assertNotNull(p.get(k).grad(), k);
                close(st.floats("grad." + k), p.get(k).grad().toFloatArray(), 1e-4, "grad." + k);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fretal_h8", "fretal_h2"})
    void fretalTargetsAndRepresentationLossMatchPyTorch(String name) throws Exception {
        try (SafeTensors st = open(name)) {
            Fretal.TargetBuilder tb = new Fretal.TargetBuilder(2);
            tb.add(Fretal.pooled(tensor(st, "in.teacher_feat")), tensor(st, "in.teacher_logits"), ints(st, "in.teacher_labels"));
            Fretal.Targets t = tb.build();
            float[] wantT = st.floats("out.targets"), wantC = st.floats("out.counts");
            int d = t.dim();
            assertEquals(wantT.length, 2 * Fretal.BINS * d);
            int filled = 0;
            for (int c = 0; c < 2; c++) {
                for (int b = 0; b < Fretal.BINS; b++) {
                    assertEquals((int) wantC[c * Fretal.BINS + b], t.counts()[c][b], "count of class " + c + " bin " + b);
                    if (t.counts()[c][b] == 0) continue;
                    filled++;
                    for (int j = 0; j < d; j++) assertEquals(wantT[(c * Fretal.BINS + b) * d + j], t.mean()[c][b][j], 1e-5, "target " + c + "/" + b + "/" + j);
                }
            }
            assertTrue(filled >= 4, "the fixture must populate several bins, got " + filled);
            Tensor sf = tensor(st, "in.student_feat").requiresGrad(true);
            int[] y = ints(st, "in.labels");
            Tensor loss = Fretal.representationLoss(Fretal.pooled(sf), Fretal.bins(tensor(st, "in.student_logits"), y), y, t);
            float want = st.floats("out.loss")[0];
            assertTrue(want > 0, "a zero reference would not test anything");
            assertEquals(want, loss.item(), 1e-5 * Math.max(1, want));
            loss.backward();
            close(st.floats("grad.student_feat"), sf.grad().toFloatArray(), 1e-5, "grad.student_feat");
        }
    }

    @Test
    void caeLossReconstructionAndGradientsMatchPyTorch() throws Exception {
        try (SafeTensors st = open("cae")) {
            Map<String, String> meta = st.metadata();
            CaeNet net = new CaeNet(Integer.parseInt(meta.get("size")), Integer.parseInt(meta.get("width")), Integer.parseInt(meta.get("depth")),
                    Integer.parseInt(meta.get("hidden")), 2, 0);
            load(st, net);
            net.train(true);
            float lambda = Float.parseFloat(meta.get("lambda"));
            Tensor x = tensor(st, "in.x");
            int[] y = ints(st, "in.y");
            CaeNet.Output o = net.both(x, true);
            close(st.floats("out.recon"), o.reconstruction().toFloatArray(), 1e-5, "recon");
            Tensor loss = CaeNet.loss(o, x, y, lambda);
            assertEquals(st.floats("out.loss")[0], loss.item(), 1e-5);
            assertEquals(st.floats("out.ce")[0], CaeNet.loss(o, x, y, 0f).item(), 1e-5, "λ = 0 is plain cross-entropy");
            loss.backward();
            Map<String, Tensor> p = net.namedParameters();
            for (String k : new String[]{"encoder.0.weight", "encoder.4.weight", "head.2.weight", "decoder.0.weight", "decoder.2.weight", "decoder.2.bias"}) {
                close(st.floats("grad." + k), p.get(k).grad().toFloatArray(), 2e-4, "grad." + k);
            }
        }
    }
}
