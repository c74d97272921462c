package io.deepslim.transfer;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.prune.Pruned;
import io.deepslim.models.CaeNet;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransferTest {
    static final List<String> RF = List.of("real", "fake");

    /** n images of size s; class 1 has a brighter red channel shifted by {@code shift} (a learnable cue). */
    static TaskData data(String name, int n, int s, long seed, float shift, List<String> classes) {
        Random r = new Random(seed);
        int per = 3 * s * s;
        float[] img = new float[n * per];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            for (int j = 0; j < per; j++) img[i * per + j] = (float) r.nextGaussian() + (y[i] == 1 && j < s * s ? shift : 0f);
        }
        return new TaskData(name, img, y, s, classes);
    }

    static float[] logits(Module m, TaskData d) {
        m.eval();
        try (TensorScope s = TensorScope.open(); GradMode g = GradMode.off()) {
            return m.forward(d.images(new int[]{0, 1, 2, 3})).toFloatArray();
        }
    }

    static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    @Test
    void adapterInsertionLeavesOutputsExactlyUnchangedThenLearnsWhileEverythingElseStaysBitIdentical() {
        ZooNet net = Zoo.create("student10", 32, 2, 3);
        TaskData d = data("B", 32, 32, 5, 1.5f, RF);
        float[] before = logits(net, d);
        double accBefore = Transfer.evaluate(net, d, 16).accuracy();
        Map<String, float[]> frozen = snapshot(net);
        String name = Adapters.insert(net, null, 7);
        assertEquals("adapter_layer5", name, "students take the adapter after their last conv block");
        assertArrayEquals(before, logits(net, d), "insertion must be an exact identity");
        assertEquals(accBefore, Transfer.evaluate(net, d, 16).accuracy(), "accuracy on A right after insertion equals the model's");

        Transfer.freezeAllBut(net, name, false);
        long trainable = Freezing.trainableCount(net);
        Adapter a = Adapters.of(net).get(0);
        assertEquals(64 * 9 + 64 + 64 * 64 + 64 + 2 * 64 + 64 * 64 + 64, trainable, "dw + pw + bn + out of a 64-channel adapter");
        // one step: the zero-initialized last map gets a non-zero gradient (a zero-init BN before the ReLU would not)
        Transfer.setTrainingMode(net, "auto");   // frozen BatchNorm layers keep task A's statistics
        Tensor out = a.namedParameters().get("out.weight");
        try (TensorScope s = TensorScope.open()) {
            io.deepslim.ops.Ops.crossEntropy(net.forward(d.images(new int[]{0, 1, 2, 3, 4, 5, 6, 7})), d.labels(new int[]{0, 1, 2, 3, 4, 5, 6, 7})).backward();
            assertNotNull(out.grad());
            float max = 0;
            for (float g : out.grad().toFloatArray()) max = Math.max(max, Math.abs(g));
            assertTrue(max > 0, "adapter output map must receive a gradient");
        }
        out.setGrad(null);
        for (Tensor t : net.parameters()) t.setGrad(null);
        Transfer.fit(net, (x, y) -> io.deepslim.ops.Ops.crossEntropy(net.forward(x), y), d, TransferConfig.defaults("adapter").withEpochs(2).withBatch(8), null);
        float[] after = logits(net, d);
        boolean changed = false;
        for (int i = 0; i < after.length; i++) changed |= after[i] != before[i];
        assertTrue(changed, "a few adapter steps must change the outputs");
        Map<String, float[]> now = snapshot(net);
        frozen.forEach((k, v) -> assertArrayEquals(v, now.get(k), "frozen tensor " + k + " changed"));
    }

    @Test
    void adapterGoesAfterLayer4InVgg45mAndWorksOnPrunedModels() {
        ZooNet vgg = Zoo.create("vgg45m", 32, 2, 1);
        assertEquals("layer4", Adapters.defaultPosition(vgg));
        ZooNet pruned = Zoo.create("student10", 32, 2, 2);
        io.deepslim.compress.prune.Pruning.l1Local(pruned, 0.7);
        TaskData d = data("B", 8, 32, 1, 1f, RF);
        float[] before = logits(pruned, d);
        Adapters.insert(pruned, "layer3", 1);
        assertArrayEquals(before, logits(pruned, d));
    }

    @Test
    void pruneFinetuneKeepsTheMaskAndTrainsTheRest() {
        ZooNet net = Zoo.create("student10", 32, 2, 4);
        TaskData d = data("B", 16, 32, 6, 1.5f, RF);
        io.deepslim.compress.prune.Pruning.l1Local(net, 0.7);
        Map<String, float[]> masks = new LinkedHashMap<>(), origs = new LinkedHashMap<>();
        net.stateDict().forEach((k, v) -> (k.endsWith("weight_mask") ? masks : origs).put(k, v.toFloatArray()));
        TransferConfig cfg = TransferConfig.defaults("prune-finetune").withEpochs(1).withBatch(8).withTrainLayers(new Freezing("all"));
        TransferResult r = Transfer.run(cfg, new Transfer.Inputs(net, RF, null, d, d, null), null);
        int checked = 0;
        for (Module m : r.model().namedModules().values()) {
            if (!(m instanceof Pruned p)) continue;
            float[] mask = p.mask().toFloatArray(), orig = p.weightOrig().toFloatArray();
            int zeros = 0;
            for (float v : mask) if (v == 0f) zeros++;
            assertTrue(zeros > mask.length / 2, "about 70% pruned");
            // the effective weight orig ⊙ mask is zero wherever the mask is
            for (int i = 0; i < mask.length; i++) if (mask[i] == 0f) assertTrue(orig[i] * mask[i] == 0f);
            checked++;
        }
        Map<String, float[]> now = snapshot(r.model());
        masks.forEach((k, v) -> assertArrayEquals(v, now.get(k), "task A's mask " + k + " must be kept"));
        assertFalse(java.util.Arrays.equals(origs.get("fc.1.weight_orig"), now.get("fc.1.weight_orig")), "training moved the weights");
        assertEquals(12, checked, "every conv (10) and linear (2) of student10 stays pruned");
        assertTrue(r.nonZeroParameters() < 0.45 * r.parameters(), r.nonZeroParameters() + " of " + r.parameters());
        assertTrue(r.trainableParameters() > 0);
    }

    @Test
    void finetuneLastConvFirstLinearFreezesTheRest() {
        ZooNet net = Zoo.create("student10", 32, 2, 4);
        Map<String, float[]> before = snapshot(net);
        TaskData d = data("B", 16, 32, 6, 1.5f, RF);
        TransferResult r = Transfer.run(TransferConfig.defaults("finetune").withEpochs(1).withBatch(8), new Transfer.Inputs(net, RF, null, d, d, d), null);
        Map<String, float[]> after = snapshot(r.model());
        int changed = 0;
        for (String k : before.keySet()) {
            boolean trains = k.startsWith("layer5.") || k.startsWith("fc.");
            boolean same = java.util.Arrays.equals(before.get(k), after.get(k));
            if (!trains) assertTrue(same, k + " must stay bit-identical");
            else if (!same) changed++;
        }
        assertTrue(changed > 0, "the trained layers moved");
        assertFalse(Double.isNaN(r.forgetting()));
        assertTrue(r.imagesPerSecond() > 0);
    }

    @Test
    void badInputIsOneClearErrorBeforeTraining() {
        ZooNet net = Zoo.create("student10", 32, 2, 4);
        TaskData d = data("B", 8, 32, 6, 1f, RF);
        Map<String, float[]> before = snapshot(net);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transfer.run(
                TransferConfig.defaults("adapter").withAdapterAfter("layer9"), new Transfer.Inputs(net, RF, null, d, d, null), null));
        assertTrue(e.getMessage().contains("layer9") && e.getMessage().contains("layer5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Transfer.run(
                TransferConfig.defaults("finetune").withTrainLayers(new Freezing("regex:nothing\\..*")), new Transfer.Inputs(net, RF, null, d, d, null), null));
        assertTrue(e.getMessage().contains("matches no parameter"), e.getMessage());
        TaskData dogs = data("B", 8, 32, 6, 1f, List.of("cat", "dog"));
        e = assertThrows(IllegalArgumentException.class, () -> Transfer.run(
                TransferConfig.defaults("finetune"), new Transfer.Inputs(net, RF, null, dogs, dogs, null), null));
        assertTrue(e.getMessage().contains("[cat, dog]") && e.getMessage().contains("--new-classes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Transfer.run(
                TransferConfig.defaults("fretal"), new Transfer.Inputs(new CaeNet(32, 4, 2, 8, 2, 1), RF, null, d, d, null), null));
        assertTrue(e.getMessage().contains("feature layer"), e.getMessage());
        ZooNet student64 = Zoo.create("student10", 64, 2, 1);
        e = assertThrows(IllegalArgumentException.class, () -> Transfer.run(
                TransferConfig.defaults("kd-adapter"), new Transfer.Inputs(net, RF, student64, d, d, null), null));
        assertTrue(e.getMessage().contains("64 px") && e.getMessage().contains("32 px"), e.getMessage());
        TaskData big = data("B", 4, 64, 6, 1f, RF);
        e = assertThrows(IllegalArgumentException.class, () -> Transfer.run(
                TransferConfig.defaults("finetune"), new Transfer.Inputs(net, RF, null, big, big, null), null));
        assertTrue(e.getMessage().contains("64 px"), e.getMessage());
        Map<String, float[]> after = snapshot(net);
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), "nothing trained: " + k));
        assertThrows(IllegalArgumentException.class, () -> new Freezing("lastconv"));
    }

    @Test
    void everyMethodRunsAndReportsItsRow() {
        TaskData d = data("B", 8, 32, 8, 2f, RF), a = data("A", 4, 32, 9, 2f, RF);
        ZooNet studentA = Zoo.create("student10", 32, 2, 11);
        for (String m : TransferConfig.METHODS) {
            ZooNet net = Zoo.create("student10", 32, 2, 10);
            TransferConfig cfg = TransferConfig.defaults(m).withEpochs(1).withBatch(8);
            if (m.startsWith("prune")) cfg = cfg.withKeep(0.5);
            ZooNet student = m.equals("kd-adapter") ? studentA : null;
            TransferResult r = Transfer.run(cfg, new Transfer.Inputs(net, RF, student, d, d, a), null);
            Map<String, Object> row = r.row();
            assertEquals(m, row.get("method"));
            assertNotNull(row.get("target_accuracy"), m);
            assertTrue(r.trainableParameters() > 0 && r.trainableParameters() <= r.parameters(), m + ": " + row);
            assertTrue(r.trainSeconds() > 0, m);
        }
    }
}
