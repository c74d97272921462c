package io.deepslim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code deepslim} command line. */
@Command(name = "deepslim", mixinStandardHelpOptions = true, version = "deepslim 0.1.0",
        description = "Train, compress and transfer-learn CNN DeepFake image detectors; run them fast on CPUs.",
        subcommands = {DemoCommand.class, SynthCommand.class, DataCommand.class, TrainCommand.class, EvaluateCommand.class,
                PredictCommand.class, InfoCommand.class, PruneCommand.class, DistillCommand.class, QuantizeCommand.class,
                FactorizeCommand.class, ExperimentCommand.class, BenchCommand.class, ServeCommand.class, BundleCommand.class,
                LoadTestCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return run(null, args);
    }

    /** Runs the CLI with picocli's error/usage output sent to {@code err} (null: standard error). */
    public static int run(java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        if (err != null) cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException || ex instanceof java.io.IOException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }
}
