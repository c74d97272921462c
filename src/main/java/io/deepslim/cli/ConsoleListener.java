package io.deepslim.cli;

import io.deepslim.workflow.JobListener;
import io.deepslim.workflow.PlainProgressListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The CLI's listeners: a redrawn progress bar on a terminal, plain periodic lines otherwise. */
final class ConsoleListener implements JobListener {
    private ConsoleListener() {}

    /**
     * A progress bar on standard error when the JVM has a console and progress is wanted; plain
     * lines (no carriage returns or escape sequences) when output is redirected or with --no-progress.
     */
    static JobListener choose(boolean noProgress) {
        return choose(noProgress, System.console() != null);
    }

    static JobListener choose(boolean noProgress, boolean terminal) {
        return noProgress || !terminal ? new PlainProgressListener(System.err) : new ConsoleListener();
    }

    @Override
    public void log(String line) { System.err.println(line); }

    @Override
    public Progress progress(String task, long total, String unit) {
        ProgressBar pb = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setUnit(" " + unit, 1).showSpeed().build();
        return new Progress() {
            @Override public void step(long n) { pb.stepBy(n); }
            @Override public void message(String text) { pb.setExtraMessage(text); }
            @Override public void close() { pb.close(); }
        };
    }
}
