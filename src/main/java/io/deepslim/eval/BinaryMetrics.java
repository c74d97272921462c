package io.deepslim.eval;

/** Detection metrics at one threshold plus the threshold-free ones; fake (1) is the positive class. */
public record BinaryMetrics(long n, long tp, long fp, long tn, long fn,
                            double accuracy, double precision, double recall, double f1,
                            double rocAuc, double averagePrecision, double eer) {
}
