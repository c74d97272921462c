package io.deepslim.workflow;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Progress for logs and pipes: plain lines ("epoch 1/3: 50% (400/800 img), 61 img/s, loss 0.6931")
 * each time another {@code percentStep}% is done or {@code seconds} have passed, plus one line at
 * the end. Never writes carriage returns or escape sequences, so {@code deepslim demo > log} stays
 * readable.
 */
public final class PlainProgressListener implements JobListener {
    private final PrintStream out;
    private final int percentStep;
    private final long intervalNanos;
    private final LongSupplier clock;

    /** Every 25% or 10 s, on {@code out}. */
    public PlainProgressListener(PrintStream out) { this(out, 25, 10, System::nanoTime); }

    /** @param clock nanosecond clock (tests pass a fake one) */
    public PlainProgressListener(PrintStream out, int percentStep, double seconds, LongSupplier clock) {
        if (percentStep <= 0 || percentStep > 100) throw new IllegalArgumentException("percentStep must be in [1, 100], got " + percentStep);
        if (!(seconds > 0)) throw new IllegalArgumentException("seconds must be > 0, got " + seconds);
        this.out = out;
        this.percentStep = percentStep;
        this.intervalNanos = (long) (seconds * 1e9);
        this.clock = clock;
    }

    @Override
    public void log(String line) { out.println(line); }

    @Override
    public Progress progress(String task, long total, String unit) {
        return new Progress() {
            final long t0 = clock.getAsLong();
            long done, lastPrintedAt = t0;
            int lastPercentBucket;
            String msg = "";

            @Override
            public void step(long n) {
                done += n;
                long now = clock.getAsLong();
                int bucket = total > 0 ? (int) (Math.min(done, total) * 100 / total) / percentStep : 0;
                if (done < total && (bucket > lastPercentBucket || now - lastPrintedAt >= intervalNanos)) print(now);
                lastPercentBucket = Math.max(lastPercentBucket, bucket);
            }

            @Override
            public void message(String text) { msg = text == null ? "" : text; }

            @Override
            public void close() { print(clock.getAsLong()); }

            private void print(long now) {
                lastPrintedAt = now;
                double secs = (now - t0) / 1e9;
                String pct = total > 0 ? String.format("%d%% ", done * 100 / total) : "";
                out.printf("%s: %s(%d/%d %s), %.0f %s/s%s%n", task, pct, done, total, unit, secs > 0 ? done / secs : 0.0, unit,
                        msg.isEmpty() ? "" : ", " + msg);
            }
        };
    }
}
