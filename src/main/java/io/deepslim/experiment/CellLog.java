package io.deepslim.experiment;

import io.deepslim.workflow.JobListener;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cell's listener: every log line goes to the console listener and to the cell's log file; each
 * progress task shows on the console and leaves one summary line in the file.
 */
final class CellLog implements JobListener, AutoCloseable {
    private final JobListener console;
    private final PrintStream file;

    CellLog(JobListener console, Path logFile) throws IOException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        this.console = console;
        this.file = new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void log(String line) {
        console.log(line);
        file.println(line);
    }

    @Override
    public Progress progress(String task, long total, String unit) {
        Progress p = console.progress(task, total, unit);
        long t0 = System.nanoTime();
        return new Progress() {
            long done;
            String msg = "";

            @Override public void step(long n) { done += n; p.step(n); }

            @Override public void message(String text) { msg = text; p.message(text); }

            @Override public void close() {
                p.close();
                synchronized (CellLog.this) {
                    file.printf("%s: %d/%d %s in %.1f s%s%n", task, done, total, unit, (System.nanoTime() - t0) / 1e9, msg.isEmpty() ? "" : ", " + msg);
                }
            }
        };
    }

    @Override
    public void close() { file.close(); }
}
