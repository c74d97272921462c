package io.deepslim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Entry point of the {@code deepslim} command line. */
@Command(name = "deepslim", mixinStandardHelpOptions = true, version = "deepslim 0.1.0",
        description = "Train, compress and transfer-learn CNN DeepFake image detectors; run them fast on CPUs.",
        subcommands = {DemoCommand.class, SynthCommand.class, DataCommand.class, TrainCommand.class, EvaluateCommand.class,
                PredictCommand.class, InfoCommand.class, PruneCommand.class, DistillCommand.class, QuantizeCommand.class,
                FactorizeCommand.class, TransferCommand.class, ExperimentCommand.class, BenchCommand.class, ServeCommand.class,
                BundleCommand.class, LoadTestCommand.class, CommandLine.HelpCommand.class})
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
        // a parse error: the message and one hint line, not the whole usage
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
            cmd.getErr().println("try '" + cmd.getCommandSpec().qualifiedName() + " --help'");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            String msg = message(ex);
            if (msg == null) throw ex;
            cmd.getErr().println("error: " + msg);
            return 2;
        });
        return cl.execute(args);
    }

    /** The one-line message for an expected failure (bad input, unreadable file), or null for a bug. */
    static String message(Exception ex) {
        if (ex instanceof NoSuchFileException e) return "no such file or folder: " + e.getFile() + detail(e);
        if (ex instanceof AccessDeniedException e) return "permission denied: " + e.getFile() + detail(e);
        if (ex instanceof FileAlreadyExistsException e) return e.getFile() + " already exists (as a file where a folder was expected?)";
        if (ex instanceof NotDirectoryException e) return e.getFile() + " is not a folder";
        if (ex instanceof FileSystemException e) return e.getFile() + ": " + (e.getReason() == null ? ex.getClass().getSimpleName() : e.getReason());
        if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException || ex instanceof java.io.IOException) {
            return ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        }
        return null;
    }

    private static String detail(FileSystemException e) { return e.getOtherFile() == null ? "" : " (and " + e.getOtherFile() + ")"; }
}
