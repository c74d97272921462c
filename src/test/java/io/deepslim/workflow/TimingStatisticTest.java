package io.deepslim.workflow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The report's ms/image statistic: the lowest of the timing blocks' medians, so one loaded stretch does not move it. */
class TimingStatisticTest {
    @Test
    void lowestBlockMedianIgnoresABlockSlowedByOtherLoad() {
        double[][] blocks = {{5, 5, 9}, {3.5, 9, 3, 3.2}, {4, 4, 100}};
        // medians 5, 3.5 (upper median of 3, 3.2, 3.5, 9), 4: the quiet block's
        assertEquals(3.5, CompressionSteps.lowestBlockMedian(blocks), 0);
        // one fast outlier run does not win on its own: its block's median does
        assertEquals(4.0, CompressionSteps.lowestBlockMedian(new double[][]{{0.1, 6, 7}, {4, 4, 4}}), 0);
        // the input blocks are not reordered
        double[] b = {9, 1, 5};
        CompressionSteps.lowestBlockMedian(new double[][]{b});
        assertEquals(9, b[0], 0);
    }
}
