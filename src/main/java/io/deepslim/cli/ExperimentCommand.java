package io.deepslim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `deepslim experiment`: the paper's experiment protocols, each one command. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Runs one of the paper's experiment protocols end to end.", "",
                "Examples:", "  deepslim experiment run experiments/demo.yaml --out runs/demo", "  deepslim experiment validate table3",
                "  deepslim experiment compress --baseline runs/vgg-tconv/model.safetensors --data data/synth --out runs/compress"},
        subcommands = {ExperimentRunCommand.class, ExperimentValidateCommand.class, CompressExperiment.class})
public final class ExperimentCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
