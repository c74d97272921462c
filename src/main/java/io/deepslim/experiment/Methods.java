package io.deepslim.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The methods a spec may name: in-domain compression methods and transfer methods, and whether each takes a level. */
public final class Methods {
    private Methods() {}

    /** What a method is: a transfer method (needs targets) or not, leveled (one cell per level) or not. */
    public record Method(String name, boolean transfer, boolean leveled, String description) {}

    private static final Map<String, Method> COMPRESS = new LinkedHashMap<>();
    private static final Map<String, Method> TRANSFER = new LinkedHashMap<>();

    static {
        c("baseline", false, "the base model itself");
        c("student", true, "the zoo student of that size trained from scratch (no teacher)");
        c("prune-ft", true, "local L1 pruning to the level, then fine-tuning");
        c("prune", true, "local L1 pruning to the level, no fine-tuning");
        c("prune-structured-ft", true, "whole-filter L1 pruning to the level, then fine-tuning");
        c("kd", true, "knowledge distillation into the zoo student of that size (T = 2, w = 0.5)");
        c("int8-dynamic", false, "int8 Linear layers, dynamic activations (the paper)");
        c("int8-static", false, "int8 Conv2d and Linear, static per-channel, calibrated");
        c("lowrank", false, "SVD of the first Linear at the rank, no fine-tuning");
        c("lowrank-ft", false, "SVD of the first Linear at the rank, then fine-tuning");
        c("lowrank-paper", false, "the authors' variant (ReLU between the factors), no fine-tuning");
        c("lowrank-paper-ft", false, "the authors' variant, then fine-tuning");
        t("source", false, "the task-A model evaluated on the target, no transfer");
        t("finetune", false, "fine-tune the last conv and first Linear on the target");
        t("adapter", false, "train an adapter after the 4th conv on the target; every task-A weight frozen");
        t("prune-finetune", true, "prune to the level, then fine-tune on the target");
        t("prune-adapter", true, "prune to the level, then train an adapter after the 4th conv on the target");
        t("kd", true, "distill into the student of that size on the target");
        t("kd-adapter", true, "student distilled on task A, then an adapter trained on the target");
        t("fretal", false, "FReTAL: representation-learning distillation from the task-A teacher");
    }

    private static void c(String n, boolean leveled, String d) { COMPRESS.put(n, new Method(n, false, leveled, d)); }

    private static void t(String n, boolean leveled, String d) { TRANSFER.put(n, new Method(n, true, leveled, d)); }

    /** The method {@code name} in a block with ({@code transfer}) or without targets, or null when there is none. */
    public static Method find(String name, boolean transfer) { return (transfer ? TRANSFER : COMPRESS).get(name); }

    /** Names valid in a block with or without targets. */
    public static List<String> names(boolean transfer) { return List.copyOf((transfer ? TRANSFER : COMPRESS).keySet()); }
}
