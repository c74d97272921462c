package io.deepslim.workflow;

import java.io.PrintStream;

/**
 * Where a job reports: human-readable log lines and progress of its long loops (an epoch, an
 * evaluation pass). Jobs never print; the caller picks the listener (a terminal bar, plain
 * periodic lines for logs, or nothing). {@link #log} may be called from the data loader's threads (a
 * skipped image), so implementations must make it thread-safe; progress calls come from the job's thread.
 */
public interface JobListener {
    /** One line of the job's log (no trailing newline). */
    void log(String line);

    /** Starts a progress task of {@code total} units ("img"); the returned handle is closed when the task ends. */
    default Progress progress(String task, long total, String unit) { return Progress.NONE; }

    /** A running progress task. */
    interface Progress extends AutoCloseable {
        /** Ignores every call. */
        Progress NONE = new Progress() {
            @Override public void step(long n) {}
            @Override public void message(String text) {}
            @Override public void close() {}
        };

        /** {@code n} more units are done. */
        void step(long n);

        /** A short status shown with the progress (e.g. "loss 0.6931"). */
        void message(String text);

        @Override
        void close();
    }

    /** Drops everything. */
    JobListener SILENT = line -> {};

    /** Log lines to {@code out}, no progress. */
    static JobListener lines(PrintStream out) { return out::println; }
}
