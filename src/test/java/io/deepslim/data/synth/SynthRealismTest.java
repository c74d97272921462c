package io.deepslim.data.synth;

import io.deepslim.data.Split;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cross-generator gap of the papers must exist in the synthetic data: a fixed spectral feature plus
 * logistic regression trained on one family (tconv) is ≥ 90% accurate on that family's test images and
 * ≤ 75% on at least one unseen family. Images go through the same JPEG as on disk.
 */
class SynthRealismTest {
    private static final int SIZE = 64, TRAIN = 150, TEST = 100;

    private static double[][] features(SynthGenerator g, Split split, FakeFamily f, int n, int[] labels) {
        double[][] x = new double[2 * n][];
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < 2; l++) {
                x[2 * i + l] = SpectralFeatures.of(g.renderFinal(split, f, l, i));
                labels[2 * i + l] = l;
            }
        }
        return x;
    }

    @Test void trainedOnOneFamilyFailsOnAnother() {
        SynthGenerator g = new SynthGenerator(SynthConfig.defaults(SIZE, 0, 0, 0, 1));
        int[] ytr = new int[2 * TRAIN];
        double[][] xtr = features(g, Split.TRAIN, FakeFamily.TCONV, TRAIN, ytr);
        LogisticRegression lr = new LogisticRegression();
        lr.fit(xtr, ytr, 400, 0.5, 1e-3);

        int[] y = new int[2 * TEST];
        double inFamily = lr.accuracy(features(g, Split.TEST, FakeFamily.TCONV, TEST, y), y);
        double resize = lr.accuracy(features(g, Split.TEST, FakeFamily.RESIZECONV, TEST, y), y);
        double blend = lr.accuracy(features(g, Split.TEST, FakeFamily.BLEND, TEST, y), y);
        String report = String.format("tconv→tconv %.3f, tconv→resizeconv %.3f, tconv→blend %.3f", inFamily, resize, blend);
        System.out.println("synthetic realism: " + report);
        assertTrue(inFamily >= 0.90, report);
        assertTrue(Math.min(resize, blend) <= 0.75, report);
    }
}
