package io.deepslim.compress;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.lowrank.Factorized;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Svd;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LowRankTest {
    static float[] run(Module m, Tensor x) {
        try (GradMode g = GradMode.off()) { return m.forward(x).toFloatArray(); }
    }

    static void assertRelClose(float[] a, float[] b, double tol) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += a[i] * (double) a[i];
        }
        assertTrue(Math.sqrt(num / den) < tol, "relative error " + Math.sqrt(num / den));
    }

    @Test
    void fullRankReproducesALinearLayer() {
        Random rng = new Random(31);
        Sequential net = new Sequential(new Linear(rng, 30, 20));
        Tensor x = Tensor.randn(rng, 1f, 5, 30);
        float[] before = run(net, x);
        Factorized f = LowRank.factorize(net, "0", 20, Variant.CORRECT);
        assertRelClose(before, run(net, x), 1e-4);
        assertTrue(((Linear) f.first()).bias() == null && ((Linear) f.second()).bias() != null);
        assertEquals(20 * 30 + 20 * 20 + 20, f.parameterCount());
    }

    @Test
    void fullRankReproducesAConvLayer() {
        Random rng = new Random(32);
        Sequential net = new Sequential(new Conv2d(rng, 4, 6, 3, 2, 1, 1, true));
        Tensor x = Tensor.randn(rng, 1f, 2, 4, 9, 7);
        float[] before = run(net, x);
        Factorized f = LowRank.factorize(net, "0", 6, Variant.CORRECT);
        assertRelClose(before, run(net, x), 1e-4);
        Conv2d a = (Conv2d) f.first(), b = (Conv2d) f.second();
        assertEquals(3, a.kernel);
        assertEquals(2, a.params.strideH());
        assertEquals(1, b.kernel);
        assertTrue(a.bias() == null && b.bias() != null);
    }

    @Test
    void truncationErrorIsTheDiscardedSingularValues() {
        Random rng = new Random(33);
        Linear lin = new Linear(rng, 30, 20);
        float[] w = lin.weight().toFloatArray();
        Sequential net = new Sequential(lin);
        Svd svd = LowRank.svd(net, "0");
        double frob = 0;
        for (float v : w) frob += v * (double) v;
        double sumSq = 0;
        for (float s : svd.s()) sumSq += s * (double) s;
        assertEquals(frob, sumSq, 1e-4 * frob);
        for (int i = 1; i < svd.s().length; i++) assertTrue(svd.s()[i] <= svd.s()[i - 1]);
        int r = 5;
        Factorized f = LowRank.factorize(net, "0", r, Variant.CORRECT);
        float[] a = ((Linear) f.first()).weight().toFloatArray(), b = ((Linear) f.second()).weight().toFloatArray();
        double err = 0;
        for (int o = 0; o < 20; o++) {
            for (int i = 0; i < 30; i++) {
                double wr = 0;
                for (int k = 0; k < r; k++) wr += b[o * r + k] * (double) a[k * 30 + i];
                err += (w[o * 30 + i] - wr) * (w[o * 30 + i] - wr);
            }
        }
        double discarded = 0;
        for (int i = r; i < svd.s().length; i++) discarded += svd.s()[i] * (double) svd.s()[i];
        assertEquals(discarded, err, 1e-3 * discarded);
    }

    @Test
    void rankByRetainedEnergy() {
        float[] s = {4, 2, 1, 1};   // squares 16, 4, 1, 1 of 22
        assertEquals(1, LowRank.rankForEnergy(s, 0.7));
        assertEquals(2, LowRank.rankForEnergy(s, 20 / 22.0));
        assertEquals(3, LowRank.rankForEnergy(s, 0.95));
        assertEquals(4, LowRank.rankForEnergy(s, 1.0));
        Sequential net = new Sequential(new Linear(new Random(34), 16, 12));
        Svd svd = LowRank.svd(net, "0");
        Factorized f = LowRank.factorizeByEnergy(net, "0", 0.9, Variant.CORRECT);
        assertEquals(LowRank.rankForEnergy(svd.s(), 0.9), f.rank());
        assertThrows(IllegalArgumentException.class, () -> LowRank.rankForEnergy(s, 0));
    }

    @Test
    void paperVariantDoesNotReproduceTheLayerEvenAtFullRank() {
        Random rng = new Random(35);
        Sequential net = new Sequential(new Linear(rng, 12, 8));
        net.eval();
        Tensor x = Tensor.randn(rng, 1f, 6, 12);
        float[] before = run(net, x);
        Factorized f = LowRank.factorize(net, "0", 8, Variant.PAPER_RELU_BETWEEN);
        assertEquals(4, f.size());
        assertTrue(net.stateDict().containsKey("0.3.bias") && net.stateDict().containsKey("0.0.weight"));
        float[] after = run(net, x);
        double num = 0, den = 0;
        for (int i = 0; i < before.length; i++) {
            num += (before[i] - after[i]) * (double) (before[i] - after[i]);
            den += before[i] * (double) before[i];
        }
        assertTrue(Math.sqrt(num / den) > 0.1, "ReLU between the factors changes the function");
    }

    @Test
    void zooFirstLinearAtThePapersRank() {
        ZooNet net = Zoo.create("vgg45m", 64, 2, 36);
        long before = net.parameterCount();
        String path = LowRank.firstLinear(net);
        assertEquals("fc.1", path);
        assertEquals("fc.1", LowRank.largestLinear(net));
        LowRank.factorize(net, path, 6, Variant.CORRECT);
        // 512×256 + 256 → 6·(512 + 256) + 256
        assertEquals(before - 512 * 256 + 6 * (512 + 256), net.parameterCount());
        net.eval();
        assertEquals(2 * 2, run(net, Tensor.randn(new Random(37), 1f, 2, 3, 64, 64)).length);
    }

    @Test
    void badRanksAndLayersAreRejectedBeforeAnyWork() {
        ZooNet net = Zoo.create("student30", 32, 2, 38);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LowRank.factorize(net, "fc.1", 129, Variant.CORRECT));
        assertTrue(e.getMessage().contains("129") && e.getMessage().contains("[1, 128]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LowRank.factorize(net, "fc.1", 0, Variant.CORRECT));
        e = assertThrows(IllegalArgumentException.class, () -> LowRank.factorize(net, "fc.7", 4, Variant.CORRECT));
        assertTrue(e.getMessage().contains("fc.7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LowRank.factorize(net, "layer1.1", 4, Variant.CORRECT));
        assertTrue(e.getMessage().contains("BatchNorm2d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LowRank.factorizeByEnergy(net, "fc.1", 1.5, Variant.CORRECT));
        assertTrue(ModuleTree.get(net, "fc.1").getClass() == Linear.class);
    }
}
