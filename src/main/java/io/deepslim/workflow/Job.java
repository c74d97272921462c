package io.deepslim.workflow;

import java.io.IOException;

/**
 * One unit of work with typed settings (a record implementing this) and a typed result. Jobs
 * validate their settings in their constructors, report through the listener and never print,
 * so the CLI, the experiment grid and embedding apps run them the same way.
 *
 * @param <R> what the job returns (a {@link ResultRow} for compression jobs)
 */
public interface Job<R> {
    /** Runs the job; progress and log lines go to {@code listener}. */
    R run(JobListener listener) throws IOException;
}
