package io.deepslim.transfer;

import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which parameters fine-tuning trains: {@code all}; {@code head} (every classifier layer);
 * {@code last-conv-first-linear} (the last convolutional block and the first classifier layer,
 * PAPER.md §4.5); or {@code regex:<pattern>} on the dotted parameter names. Everything else is frozen.
 */
public record Freezing(String spec) {
    public static final List<String> NAMED = List.of("all", "head", "last-conv-first-linear");

    public Freezing {
        if (!NAMED.contains(spec) && !spec.startsWith("regex:")) {
            throw new IllegalArgumentException("--train-layers must be one of " + NAMED + " or regex:<pattern>, got '" + spec + "'");
        }
        if (spec.startsWith("regex:")) {
            try {
                Pattern.compile(spec.substring(6));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("--train-layers: invalid regular expression '" + spec.substring(6) + "': " + e.getDescription());
            }
        }
    }

    /** The regular expression over parameter names this policy trains, for {@code net}. */
    public String regex(ZooNet net) {
        List<String> f = net.featureNames(), h = net.headNames();
        return switch (spec) {
            case "all" -> ".*";
            case "head" -> "(" + String.join("|", h) + ")\\..*";
            case "last-conv-first-linear" -> "(" + f.get(f.size() - 1) + "|" + h.get(0) + ")\\..*";
            default -> spec.substring(6);
        };
    }

    /**
     * Freezes every parameter of {@code model}, then unfreezes those the policy names; returns how
     * many tensors train. A pattern that matches nothing is an error (before any training).
     */
    public int apply(ZooNet model) {
        String re = regex(model);
        model.setTrainable(".*", false);
        int n = model.setTrainable(re, true);
        if (n == 0) {
            Map<String, Tensor> names = model.namedParameters();
            throw new IllegalArgumentException("--train-layers '" + spec + "' matches no parameter of " + model.arch()
                    + "; names look like " + names.keySet().stream().limit(4).toList() + " … " + lastName(names));
        }
        return n;
    }

    private static String lastName(Map<String, Tensor> names) {
        String last = "";
        for (String k : names.keySet()) last = k;
        return last;
    }

    /** Number of scalar parameters that currently train. */
    public static long trainableCount(Module m) {
        long n = 0;
        for (Tensor t : m.trainableParameters()) n += t.numel();
        return n;
    }
}
