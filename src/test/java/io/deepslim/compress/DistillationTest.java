package io.deepslim.compress;

import io.deepslim.compress.distill.DistillationLoss;
import io.deepslim.compress.distill.Distiller;
import io.deepslim.compress.distill.FeatureDistillation;
import io.deepslim.io.SafeTensors;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.ops.Ops;
import io.deepslim.optim.SGD;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistillationTest {
    @ParameterizedTest
    @ValueSource(strings = {"kd_loss_T2_w05", "kd_loss_T4_w07"})
    void lossAndGradientMatchPyTorch(String fixture) throws Exception {
        try (SafeTensors st = SafeTensors.open(Path.of(getClass().getResource("/golden/" + fixture + ".safetensors").toURI()))) {
            Map<String, String> meta = st.metadata();
            DistillationLoss kd = new DistillationLoss(Float.parseFloat(meta.get("T")), Float.parseFloat(meta.get("w")));
            int[] shape = st.entry("in.s").intShape();
            Tensor s = Tensor.of(st.floats("in.s"), shape).requiresGrad(true);
            Tensor t = Tensor.of(st.floats("in.t"), shape).requiresGrad(true);
            long[] target = st.longs("in.target");
            int[] y = new int[target.length];
            for (int i = 0; i < y.length; i++) y[i] = (int) target[i];
            Tensor loss = kd.loss(s, t, y);
            float want = st.floats("out")[0];
            assertEquals(want, loss.item(), 1e-5 * Math.max(1, Math.abs(want)));
            loss.backward();
            float[] g = s.grad().toFloatArray(), wantG = st.floats("grad.s");
            for (int i = 0; i < g.length; i++) assertEquals(wantG[i], g[i], 1e-5, "grad.s[" + i + "]");
            assertNull(t.grad(), "teacher logits are detached");
        }
    }

    @Test
    void defaultsAreThePapersAndInputsAreValidated() {
        assertEquals(2f, DistillationLoss.paper().temperature());
        assertEquals(0.5f, DistillationLoss.paper().weight());
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0f, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(2f, 1.5f));
        Random rng = new Random(41);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistillationLoss.paper().loss(Tensor.randn(rng, 1f, 4, 3), Tensor.randn(rng, 1f, 4, 2), new int[]{0, 1, 2, 0}));
        assertTrue(e.getMessage().contains("3 output classes") && e.getMessage().contains("teacher has 2"), e.getMessage());
        ZooNet teacher = Zoo.create("vgg45m", 32, 2, 1), student = Zoo.create("student10", 32, 3, 2);
        e = assertThrows(IllegalArgumentException.class,
                () -> new Distiller(teacher, student, new SGD(student.parameters(), 0.01f, 0, 0, false), DistillationLoss.paper()));
        assertTrue(e.getMessage().contains("student has 3"), e.getMessage());
    }

    @Test
    void featureTermProjectsChannelsAndPoolsSpace() {
        Random rng = new Random(42);
        FeatureDistillation f = new FeatureDistillation(4, 8, 7);
        assertEquals(1, f.parameters().size());
        Tensor s = Tensor.randn(rng, 1f, 2, 4, 6, 6).requiresGrad(true), t = Tensor.randn(rng, 1f, 2, 8, 3, 3);
        Tensor l = f.loss(s, t);
        float expected = Ops.mseLoss(Ops.adaptiveAvgPool2d(f.forward(s), 3, 3), t).item();
        assertEquals(expected, l.item(), 1e-6);
        l.backward();
        assertTrue(s.grad() != null && f.parameters().get(0).grad() != null);
        FeatureDistillation same = new FeatureDistillation(8, 8, 7);
        assertEquals(0, same.parameters().size());
        Tensor a = Tensor.randn(rng, 1f, 2, 8, 3, 3);
        assertEquals(Ops.mseLoss(a, t).item(), same.loss(a, t).item(), 1e-7);
        assertThrows(IllegalArgumentException.class, () -> f.loss(t, s));
    }

    @Test
    void distillerTrainsTheStudentOnlyWithAFrozenTeacher() {
        ZooNet teacher = Zoo.create("vgg45m", 32, 2, 43), student = Zoo.create("student20", 32, 2, 44);
        FeatureDistillation f = new FeatureDistillation(64, 128, 45);
        List<Tensor> params = new ArrayList<>(student.parameters());
        params.addAll(f.parameters());
        Distiller d = new Distiller(teacher, student, new SGD(params, 0.05f, 0.9f, 0f, false), DistillationLoss.paper())
                .withFeatureTerm(f, 0.5f);
        float[] teacherBefore = teacher.parameters().get(0).toFloatArray(), studentBefore = student.parameters().get(0).toFloatArray();
        float[] projBefore = f.parameters().get(0).toFloatArray();
        Random rng = new Random(46);
        Tensor x = Tensor.uniform(rng, 0f, 1f, 4, 3, 32, 32);
        int[] y = {0, 1, 1, 0};
        float first = d.step(x, y);
        float last = first;
        for (int i = 0; i < 5; i++) last = d.step(x, y);
        assertTrue(Float.isFinite(first) && last < first, "loss went from " + first + " to " + last);
        assertArrayEquals(teacherBefore, teacher.parameters().get(0).toFloatArray());
        assertTrue(teacher.parameters().stream().allMatch(p -> p.grad() == null), "teacher gets no gradients");
        assertTrue(!java.util.Arrays.equals(studentBefore, student.parameters().get(0).toFloatArray()));
        assertTrue(!java.util.Arrays.equals(projBefore, f.parameters().get(0).toFloatArray()));
        assertTrue(Float.isFinite(d.evaluate(x, y)));
        // without the feature term, any modules work
        ZooNet other = Zoo.create("student10", 32, 2, 47);
        Distiller plain = new Distiller(teacher, other, new SGD(other.parameters(), 0.01f, 0f, 0f, false), new DistillationLoss(4f, 0.2f));
        assertTrue(Float.isFinite(plain.evaluate(x, y)));
    }
}
