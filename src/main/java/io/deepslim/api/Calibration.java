package io.deepslim.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A decision threshold picked on labelled validation images, and how it scores there. Candidate
 * thresholds are the lowest score and the midpoints between consecutive distinct scores (plus one
 * above the highest score when that is below 1); an image is called fake when p_fake ≥ threshold.
 *
 * @param threshold         the chosen threshold on p_fake
 * @param criterion         what it optimizes
 * @param accuracy          fraction of validation images it classifies correctly
 * @param falsePositiveRate fraction of real images it calls fake
 * @param falseNegativeRate fraction of fake images it calls real
 * @param images            number of validation images
 */
public record Calibration(double threshold, Criterion criterion, double accuracy, double falsePositiveRate,
                          double falseNegativeRate, int images) {

    /** What a calibrated threshold optimizes. */
    public enum Criterion {
        /** Equal error rate: the candidate with the smallest |FPR − FNR| (ties: higher accuracy, then lower threshold). */
        EER,
        /** The candidate with the highest accuracy (ties: the one closest to 0.5). */
        ACCURACY
    }

    /** Picks a threshold for scores {@code pFake[i]} of images labelled {@code labels[i]} (0 real, 1 fake). */
    public static Calibration fromScores(double[] pFake, int[] labels, Criterion criterion) {
        if (pFake.length != labels.length) throw new IllegalArgumentException(pFake.length + " scores but " + labels.length + " labels");
        int pos = 0, neg = 0;
        for (int l : labels) {
            if (l == 1) pos++;
            else if (l == 0) neg++;
            else throw new IllegalArgumentException("labels must be 0 (real) or 1 (fake): " + l);
        }
        if (pos == 0 || neg == 0) throw new IllegalArgumentException("calibration needs both real and fake images (got " + neg + " real, " + pos + " fake)");
        double[] u = Arrays.stream(pFake).sorted().distinct().toArray();
        List<Double> cands = new ArrayList<>();
        cands.add(u[0]);
        for (int i = 0; i + 1 < u.length; i++) cands.add((u[i] + u[i + 1]) / 2);
        if (u[u.length - 1] < 1) cands.add(Math.min(1.0, Math.nextUp(u[u.length - 1])));
        Calibration best = null;
        for (double t : cands) {
            int fp = 0, fn = 0;
            for (int i = 0; i < pFake.length; i++) {
                boolean fake = pFake[i] >= t;
                if (fake && labels[i] == 0) fp++;
                if (!fake && labels[i] == 1) fn++;
            }
            Calibration c = new Calibration(t, criterion, 1.0 - (double) (fp + fn) / pFake.length, (double) fp / neg, (double) fn / pos, pFake.length);
            if (best == null || c.better(best)) best = c;
        }
        return best;
    }

    private boolean better(Calibration o) {
        double gap = Math.abs(falsePositiveRate - falseNegativeRate), oGap = Math.abs(o.falsePositiveRate - o.falseNegativeRate);
        if (criterion == Criterion.EER) {
            if (gap != oGap) return gap < oGap;
            if (accuracy != o.accuracy) return accuracy > o.accuracy;
            return threshold < o.threshold;
        }
        if (accuracy != o.accuracy) return accuracy > o.accuracy;
        return Math.abs(threshold - 0.5) < Math.abs(o.threshold - 0.5);
    }

    /** Scores {@code real} and {@code fake} images with {@code detector} and picks a threshold. */
    public static Calibration of(Detector detector, List<Path> real, List<Path> fake, Criterion criterion) throws InvalidImageException {
        List<Path> all = new ArrayList<>(real);
        all.addAll(fake);
        List<Prediction> ps = detector.predictFiles(all);
        double[] s = new double[ps.size()];
        int[] y = new int[ps.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = ps.get(i).pFake();
            y[i] = i < real.size() ? 0 : 1;
        }
        return fromScores(s, y, criterion);
    }

    /**
     * Calibrates on a folder with one subfolder per class: the model's class names (e.g. {@code real/},
     * {@code fake/}) or {@code 0_real/} and {@code 1_fake/}, holding .jpg/.jpeg/.png/.bmp files.
     */
    public static Calibration of(Detector detector, Path folder, Criterion criterion) throws InvalidImageException, IOException {
        List<String> names = detector.modelInfo().classNames();
        return of(detector, images(folder, names.get(0), "0_real"), images(folder, names.get(1), "1_fake"), criterion);
    }

    private static List<Path> images(Path folder, String... names) throws IOException {
        for (String n : names) {
            Path d = folder.resolve(n);
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.list(d)) {
                List<Path> files = s.filter(p -> {
                    String f = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return Files.isRegularFile(p) && !f.startsWith(".")
                            && (f.endsWith(".jpg") || f.endsWith(".jpeg") || f.endsWith(".png") || f.endsWith(".bmp"));
                }).sorted().toList();
                if (files.isEmpty()) throw new IOException(d + ": no .jpg/.jpeg/.png/.bmp images");
                return files;
            }
        }
        throw new IOException(folder + ": no class folder " + String.join(" or ", names) + "/");
    }
}
