package io.deepslim.serve;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The load generator's arithmetic and its loopback-only rule. */
class LoadTestTest {
    @Test
    void quantilesByNearestRank() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) v[i] = i + 1;
        assertEquals(50, LoadTest.quantile(v, 0.5));
        assertEquals(99, LoadTest.quantile(v, 0.99));
        assertEquals(7, LoadTest.quantile(new double[]{7}, 0.99));
        assertTrue(Double.isNaN(LoadTest.quantile(new double[0], 0.5)));
        assertEquals(2.5, LoadTest.median(new double[]{4, 1, 3, 2}));
    }

    @Test
    void refusesNonLoopbackTargets() {
        assertThrows(IllegalArgumentException.class, () -> LoadTest.run("10.1.2.3", 80, List.of(new byte[1]), 1, 1, 1));
    }
}
