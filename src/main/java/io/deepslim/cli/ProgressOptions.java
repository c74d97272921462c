package io.deepslim.cli;

import io.deepslim.workflow.JobListener;
import picocli.CommandLine.Option;

/** The --no-progress switch every long-running verb shares. */
public final class ProgressOptions {
    @Option(names = "--no-progress", description = "No progress bar: plain progress lines every 25%% or 10 s (also when output is redirected).")
    boolean noProgress;

    /** The listener for this run (see {@link ConsoleListener#choose}). */
    JobListener listener() { return ConsoleListener.choose(noProgress); }
}
