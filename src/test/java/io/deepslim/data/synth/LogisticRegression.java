package io.deepslim.data.synth;

/** Standardized-feature logistic regression trained by full-batch gradient descent with L2 (test helper). */
final class LogisticRegression {
    private double[] mean, std, w;
    private double b;

    void fit(double[][] x, int[] y, int iters, double lr, double l2) {
        int n = x.length, d = x[0].length;
        mean = new double[d];
        std = new double[d];
        for (double[] r : x) for (int j = 0; j < d; j++) mean[j] += r[j] / n;
        for (double[] r : x) for (int j = 0; j < d; j++) std[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n;
        for (int j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) + 1e-9;
        w = new double[d];
        b = 0;
        for (int it = 0; it < iters; it++) {
            double[] gw = new double[d];
            double gb = 0;
            for (int i = 0; i < n; i++) {
                double e = prob(x[i]) - y[i];
                for (int j = 0; j < d; j++) gw[j] += e * (x[i][j] - mean[j]) / std[j] / n;
                gb += e / n;
            }
            for (int j = 0; j < d; j++) w[j] -= lr * (gw[j] + l2 * w[j]);
            b -= lr * gb;
        }
    }

    double prob(double[] x) {
        double z = b;
        for (int j = 0; j < w.length; j++) z += w[j] * (x[j] - mean[j]) / std[j];
        return 1 / (1 + Math.exp(-z));
    }

    double accuracy(double[][] x, int[] y) {
        int ok = 0;
        for (int i = 0; i < x.length; i++) if ((prob(x[i]) >= 0.5 ? 1 : 0) == y[i]) ok++;
        return (double) ok / x.length;
    }
}
