package io.deepslim.data.synth;
import io.deepslim.data.*;
import java.util.*;
/**
 * Not a test: prints the cross-family accuracy matrix of the spectral-feature logistic regression, to tune
 * the generator. Run: {@code java -cp target/classes:target/test-classes:<deps> io.deepslim.data.synth.SynthRealismMatrix 64 200 100}.
 */
public class SynthRealismMatrix {
    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]), ntr = Integer.parseInt(a[1]), nte = Integer.parseInt(a[2]);
        SynthGenerator g = new SynthGenerator(SynthConfig.defaults(n, 0, 0, 0, 1));
        FakeFamily[] fams = FakeFamily.values();
        long t0 = System.nanoTime();
        double[][][] trX = new double[fams.length][][], teX = new double[fams.length][][];
        int[][] trY = new int[fams.length][], teY = new int[fams.length][];
        for (FakeFamily f : fams) {
            int k = f.ordinal();
            trX[k] = new double[2*ntr][]; trY[k] = new int[2*ntr];
            teX[k] = new double[2*nte][]; teY[k] = new int[2*nte];
            for (int i = 0; i < ntr; i++) for (int l = 0; l < 2; l++) { trX[k][2*i+l] = SpectralFeatures.of(g.renderFinal(Split.TRAIN, f, l, i)); trY[k][2*i+l] = l; }
            for (int i = 0; i < nte; i++) for (int l = 0; l < 2; l++) { teX[k][2*i+l] = SpectralFeatures.of(g.renderFinal(Split.TEST, f, l, i)); teY[k][2*i+l] = l; }
        }
        System.out.printf("render+features %.1f s for %d images%n", (System.nanoTime()-t0)/1e9, fams.length*2*(ntr+nte));
        for (FakeFamily f : fams) {
            LogisticRegression lr = new LogisticRegression();
            lr.fit(trX[f.ordinal()], trY[f.ordinal()], 400, 0.5, 1e-3);
            StringBuilder sb = new StringBuilder(String.format("train %-10s train %.2f |", f.id(), lr.accuracy(trX[f.ordinal()], trY[f.ordinal()])));
            for (FakeFamily t : fams) sb.append(String.format(" %s %.2f", t.id(), lr.accuracy(teX[t.ordinal()], teY[t.ordinal()])));
            System.out.println(sb);
        }
        // mean features per family
        for (FakeFamily f : fams) {
            double[] m0 = new double[15], m1 = new double[15];
            for (int i = 0; i < trX[f.ordinal()].length; i++) for (int j = 0; j < 15; j++) (trY[f.ordinal()][i]==0?m0:m1)[j] += trX[f.ordinal()][i][j]/ntr;
            StringBuilder sb = new StringBuilder(String.format("%-10s fake-real:", f.id()));
            for (int j = 0; j < 15; j++) sb.append(String.format(" %5.2f", m1[j]-m0[j]));
            System.out.println(sb);
        }
    }
}
