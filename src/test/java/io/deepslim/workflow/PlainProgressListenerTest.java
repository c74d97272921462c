package io.deepslim.workflow;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Progress for redirected output: plain lines at each 25% (or every 10 s), nothing a terminal would redraw. */
class PlainProgressListenerTest {
    @Test
    void printsALineAtEachQuarterAndAtTheEndWithoutEscapes() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long[] now = {0};
        JobListener l = new PlainProgressListener(new PrintStream(buf, true), 25, 10, () -> now[0]);
        l.log("start");
        try (JobListener.Progress p = l.progress("epoch 1/2", 100, "img")) {
            for (int i = 0; i < 100; i++) {
                now[0] += 10_000_000;   // 10 ms per image: the 10 s interval never fires
                p.message("loss 0.5");
                p.step(1);
            }
        }
        String out = buf.toString();
        assertFalse(out.contains("\r") || out.contains("\u001b") || out.contains("\b"), "no carriage returns or escape sequences: " + out);
        List<String> lines = out.lines().toList();
        assertEquals(List.of("start", "epoch 1/2: 25% (25/100 img), 100 img/s, loss 0.5", "epoch 1/2: 50% (50/100 img), 100 img/s, loss 0.5",
                "epoch 1/2: 75% (75/100 img), 100 img/s, loss 0.5", "epoch 1/2: 100% (100/100 img), 100 img/s, loss 0.5"), lines);
    }

    @Test
    void aSlowTaskPrintsEveryIntervalBetweenQuarters() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long[] now = {0};
        JobListener l = new PlainProgressListener(new PrintStream(buf, true), 25, 10, () -> now[0]);
        try (JobListener.Progress p = l.progress("evaluate", 1000, "img")) {
            for (int i = 0; i < 30; i++) {   // 3% done after 30 s of 1 s steps
                now[0] += 1_000_000_000L;
                p.step(1);
            }
        }
        List<String> lines = buf.toString().lines().toList();
        assertEquals(4, lines.size(), lines.toString());   // at 10 s, 20 s, 30 s and the close
        assertTrue(lines.get(0).startsWith("evaluate: 1% (10/1000 img)"), lines.get(0));
    }
}
