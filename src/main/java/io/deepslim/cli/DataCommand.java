package io.deepslim.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code deepslim data}: dataset tools; the parent of {@link DataInspectCommand}. */
@Command(name = "data", mixinStandardHelpOptions = true, subcommands = DataInspectCommand.class,
        description = {"Dataset tools.", "", "Example:", "  deepslim data inspect data/synth", ""})
public final class DataCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
