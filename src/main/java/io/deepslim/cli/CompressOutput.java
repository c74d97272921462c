package io.deepslim.cli;

import io.deepslim.workflow.ResultRow;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The --out option of the compression verbs and how they report their row. */
public final class CompressOutput {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model file to write; the result row goes to FILE.json.")
    Path out;

    /** Prints the row's summary and the files written; returns exit code 0. */
    static int print(ResultRow row) {
        System.out.println(row.summary());
        System.out.println("wrote " + row.modelFile() + " and " + row.modelFile() + ".json");
        return 0;
    }
}
