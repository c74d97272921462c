package io.deepslim.cli;

import io.deepslim.experiment.ExperimentRunner;
import io.deepslim.experiment.Plan;
import io.deepslim.experiment.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** `deepslim experiment validate SPEC`: checks a spec and lists its cells without running anything. */
@Command(name = "validate", header = "Checks an experiment spec without running it.", mixinStandardHelpOptions = true,
        description = {"Checks an experiment spec (keys, references, ranges, method/level/target combinations) and prints",
                "its cells and the data it needs, without running anything. Exit code 2 with file:line: key: reason when",
                "the spec is wrong; missing datasets are listed but do not fail validation.", "",
                "Example:", "  deepslim experiment validate experiments/table3.yaml"})
public final class ExperimentValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "Spec file or shipped spec name.")
    String spec;

    @Option(names = "--cells", description = "List every cell.")
    boolean listCells;

    @Override
    public Integer call() throws Exception {
        SpecLoader.Loaded l = ExperimentRunCommand.load(spec);
        List<Plan.Cell> cells = Plan.cells(l.spec());
        long transfer = cells.stream().filter(c -> c.method().transfer()).count();
        System.out.printf("%s: valid; %d cells (%d blocks × methods × levels%s, %d seed%s)%n", l.source(), cells.size(), l.spec().grid().size(),
                transfer > 0 ? " × targets" : "", Plan.seeds(l.spec()).size(), Plan.seeds(l.spec()).size() == 1 ? "" : "s");
        if (listCells) for (Plan.Cell c : cells) System.out.println("  " + c.id());
        List<String> missing = new ExperimentRunner(l, Path.of("runs", l.spec().name()), null).missing();
        for (String m : missing) System.out.println("data missing: " + m);
        return 0;
    }
}
