package io.deepslim.cli;

import io.deepslim.workflow.DataConfig;
import io.deepslim.workflow.Job;
import io.deepslim.workflow.ResultRow;
import io.deepslim.workflow.TuneConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** What the compression verbs share: --out FILE, the data and training options, --no-progress, and how a row is printed. */
public final class CompressOptions {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model file to write; the result row goes to FILE.json.")
    Path out;

    @Mixin DataOptions data;
    @Mixin TrainOptions train;
    @Mixin ProgressOptions progress;

    DataConfig data() { return data.config(); }

    TuneConfig tune() { return train.config(); }

    /** Runs the job with the console listener, prints its row's summary and the files written; returns exit code 0. */
    int run(Job<ResultRow> job) throws IOException {
        ResultRow row = job.run(progress.listener());
        System.out.println(row.summary());
        System.out.println("wrote " + row.modelFile() + " and " + row.modelFile() + ".json");
        return 0;
    }
}
