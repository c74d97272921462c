package io.deepslim.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Threshold calibration on hand-worked score sets. */
class CalibrationTest {
    @Test
    void separableScoresGetAThresholdBetweenTheClasses() {
        // real 0.1, 0.2, 0.3; fake 0.6, 0.7: any t in (0.3, 0.6] is perfect; the midpoint 0.45 is chosen
        double[] s = {0.1, 0.2, 0.3, 0.6, 0.7};
        int[] y = {0, 0, 0, 1, 1};
        for (Calibration.Criterion c : Calibration.Criterion.values()) {
            Calibration cal = Calibration.fromScores(s, y, c);
            assertEquals(0.45, cal.threshold(), 1e-12, c.name());
            assertEquals(1.0, cal.accuracy(), 1e-12);
            assertEquals(0.0, cal.falsePositiveRate());
            assertEquals(5, cal.images());
        }
    }

    @Test
    void eerAndAccuracyPickDifferentThresholdsOnOverlappingScores() {
        // real: 0.1 0.2 0.3 0.4 0.8 0.9   fake: 0.5 0.85
        // t=0.45: FP 2/6, FN 0/2, acc 6/8.  t=0.95 (none fake): FP 0, FN 1, acc 6/8 ... max accuracy is 7/8?
        // t=0.875: fake = {0.9}: FP 1/6, FN 2/2, acc 5/8.  t=0.825: fake {0.85,0.9}: FP 1/6, FN 1/2, acc 6/8.
        // t=0.65: fake {0.8,0.85,0.9}: FP 2/6, FN 1/2, acc 5/8. Accuracy max 6/8 at 0.45, 0.825 and 0.9+ :
        // closest to 0.5 is 0.45. EER: |FPR−FNR| = 1/3 at 0.45, 1/3 at 0.825, 1/2 at 0.9+, 0.5−2/6=1/6 at 0.65.
        double[] s = {0.1, 0.2, 0.3, 0.4, 0.8, 0.9, 0.5, 0.85};
        int[] y = {0, 0, 0, 0, 0, 0, 1, 1};
        Calibration acc = Calibration.fromScores(s, y, Calibration.Criterion.ACCURACY);
        assertEquals(0.45, acc.threshold(), 1e-12);
        assertEquals(0.75, acc.accuracy(), 1e-12);
        Calibration eer = Calibration.fromScores(s, y, Calibration.Criterion.EER);
        assertEquals(0.65, eer.threshold(), 1e-12);
        assertEquals(2.0 / 6, eer.falsePositiveRate(), 1e-12);
        assertEquals(0.5, eer.falseNegativeRate(), 1e-12);
    }

    @Test
    void needsBothClasses() {
        assertThrows(IllegalArgumentException.class, () -> Calibration.fromScores(new double[]{0.1, 0.2}, new int[]{0, 0}, Calibration.Criterion.EER));
        assertThrows(IllegalArgumentException.class, () -> Calibration.fromScores(new double[]{0.1}, new int[]{2}, Calibration.Criterion.EER));
    }

    @Test
    void calibratesADetectorOnAClassFolder(@TempDir Path dir) throws Exception {
        Path model = ApiFixtures.denseModel(dir, 5);
        List<Path> real = ApiFixtures.pngFiles(dir.resolve("val/real"), 6, 10);
        List<Path> fake = ApiFixtures.pngFiles(dir.resolve("val/fake"), 6, 50);
        try (Detector d = Detector.load(model)) {
            Calibration cal = Calibration.of(d, dir.resolve("val"), Calibration.Criterion.ACCURACY);
            double[] s = new double[12];
            int[] y = new int[12];
            for (int i = 0; i < 12; i++) {
                s[i] = d.predict(i < 6 ? real.get(i) : fake.get(i - 6)).pFake();
                y[i] = i < 6 ? 0 : 1;
            }
            assertEquals(Calibration.fromScores(s, y, Calibration.Criterion.ACCURACY).threshold(), cal.threshold(), 1e-6);
            assertEquals(12, cal.images());
        }
        Files.createDirectories(dir.resolve("empty/real"));
        try (Detector d = Detector.load(model)) {
            assertThrows(java.io.IOException.class, () -> Calibration.of(d, dir.resolve("empty"), Calibration.Criterion.EER));
        }
    }
}
