package io.deepslim.experiment;

import io.deepslim.data.Layouts;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.experiment.Spec.Block;
import io.deepslim.experiment.Spec.DataRef;
import io.deepslim.experiment.Spec.DatasetDef;
import io.deepslim.experiment.Spec.ModelDef;
import io.deepslim.experiment.Spec.Synthetic;
import io.deepslim.experiment.Spec.Training;
import io.deepslim.models.Zoo;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The semantic checks of a spec (references, ranges, impossible combinations), each failing with the key's line. */
final class SpecValidator {
    private SpecValidator() {}

    private static final String ID = "[a-z0-9][a-z0-9_-]*";

    static void validate(SpecLoader.Loaded l) {
        Spec s = l.spec();
        if (s.name() == null) throw l.error("", "'name' is required (a short identifier, e.g. name: demo)");
        if (!s.name().matches(ID)) throw l.error("/name", "must be lower-case letters, digits, '-' or '_', got '" + s.name() + "'");
        if (s.paper() != null && !PaperFigures.TABLES.contains(s.paper())) {
            throw l.error("/paper", "unknown paper table '" + s.paper() + "'; known: " + PaperFigures.TABLES);
        }
        if (s.seeds() != null) {
            if (s.seeds().isEmpty()) throw l.error("/seeds", "give at least one seed (or leave 'seeds' out for [1])");
            if (new HashSet<>(s.seeds()).size() != s.seeds().size()) throw l.error("/seeds", "seeds repeat: " + s.seeds());
        }
        if (s.datasets() == null || s.datasets().isEmpty()) throw l.error("", "'datasets' is required (at least one named dataset)");
        s.datasets().forEach((name, d) -> dataset(l, "/datasets/" + name, name, d));
        if (s.models() == null || s.models().isEmpty()) throw l.error("", "'models' is required (at least one named base model)");
        s.models().forEach((name, m) -> model(l, "/models/" + name, name, m));
        if (s.training() != null) training(l, s.training());
        if (s.grid() == null || s.grid().isEmpty()) throw l.error("", "'grid' is required (at least one block of methods)");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < s.grid().size(); i++) {
            Block b = s.grid().get(i);
            String p = "/grid/" + i;
            if (b == null) throw l.error(p, "empty block");
            if (b.name() == null) throw l.error(p, "'name' is required");
            if (!b.name().matches(ID)) throw l.error(p + "/name", "must be lower-case letters, digits, '-' or '_', got '" + b.name() + "'");
            if (!names.add(b.name())) throw l.error(p + "/name", "block name '" + b.name() + "' is used twice");
            block(l, p, b);
        }
    }

    private static void dataset(SpecLoader.Loaded l, String p, String name, DatasetDef d) {
        if (!name.matches(ID)) throw l.error(p, "dataset names must be lower-case letters, digits, '-' or '_'");
        if (d == null || (d.path() == null) == (d.synthetic() == null)) throw l.error(p, "give exactly one of 'path' (a folder) or 'synthetic' (generator settings)");
        if (d.layout() != null && !d.layout().equals("auto") && !Layouts.names().contains(d.layout())) {
            throw l.error(p + "/layout", "unknown layout '" + d.layout() + "'; known: auto, " + String.join(", ", Layouts.names()));
        }
        Synthetic y = d.synthetic();
        if (y == null) return;
        if (d.layout() != null) throw l.error(p + "/layout", "synthetic data has its own layout; drop 'layout'");
        String q = p + "/synthetic";
        if (y.size() == null || y.size() < 8) throw l.error(q + "/size", "image side in pixels ≥ 8 is required, got " + y.size());
        positive(l, q + "/train", y.train(), "train");
        positive(l, q + "/val", y.val(), "val");
        positive(l, q + "/test", y.test(), "test");
        if (y.families() != null) {
            if (y.families().isEmpty()) throw l.error(q + "/families", "give at least one family, or leave it out for all five");
            for (String f : y.families()) family(l, q + "/families", f);
        }
        if (y.strength() != null && !(y.strength() >= 0 && y.strength() <= 1)) throw l.error(q + "/strength", "must be in [0, 1], got " + y.strength());
        if (y.jpeg() != null && (y.jpeg() < 0 || y.jpeg() > 100)) throw l.error(q + "/jpeg", "must be 0 (PNG) or a quality 1..100, got " + y.jpeg());
    }

    private static void positive(SpecLoader.Loaded l, String p, Integer v, String what) {
        if (v == null || v <= 0) throw l.error(p, what + " (images per class per family) must be > 0, got " + v);
    }

    private static void family(SpecLoader.Loaded l, String p, String f) {
        if (Arrays.stream(FakeFamily.values()).noneMatch(x -> x.id().equals(f))) {
            throw l.error(p, "unknown synthetic family '" + f + "'; known: " + Arrays.stream(FakeFamily.values()).map(FakeFamily::id).toList());
        }
    }

    private static void model(SpecLoader.Loaded l, String p, String name, ModelDef m) {
        if (!name.matches(ID)) throw l.error(p, "model names must be lower-case letters, digits, '-' or '_'");
        if (m == null || (m.file() == null) == (m.arch() == null)) throw l.error(p, "give exactly one of 'arch' (trained here) or 'file' (a model file)");
        if (m.file() != null) {
            if (m.size() != null || m.train() != null || m.epochs() != null || m.augment() != null) {
                throw l.error(p + "/file", "a model read from a file takes no size/train/epochs/augment");
            }
            return;
        }
        if (!Zoo.NAMES.contains(m.arch())) throw l.error(p + "/arch", "unknown architecture '" + m.arch() + "'; known: " + Zoo.NAMES);
        if (m.size() == null || m.size() <= 0 || m.size() % 32 != 0) throw l.error(p + "/size", "input size must be a positive multiple of 32, got " + m.size());
        if (m.train() == null) throw l.error(p, "'train' (dataset and generators to train on) is required with 'arch'");
        ref(l, p + "/train", m.train());
        if (m.epochs() != null && m.epochs() <= 0) throw l.error(p + "/epochs", "must be > 0, got " + m.epochs());
        if (m.augment() != null && !List.of("none", "flip", "cnndetection").contains(m.augment())) {
            throw l.error(p + "/augment", "must be none, flip or cnndetection, got " + m.augment());
        }
    }

    private static void ref(SpecLoader.Loaded l, String p, DataRef r) {
        Map<String, DatasetDef> ds = l.spec().datasets();
        if (r.dataset() == null) throw l.error(p, "'dataset' is required; defined: " + ds.keySet());
        DatasetDef d = ds.get(r.dataset());
        if (d == null) throw l.error(p + "/dataset", "no dataset named '" + r.dataset() + "'; defined: " + ds.keySet());
        if (r.generators() == null) return;
        if (r.generators().isEmpty()) throw l.error(p + "/generators", "give at least one generator, or leave it out for all");
        if (d.synthetic() == null) return;   // folder datasets: checked when the data is read
        List<String> fams = d.synthetic().families() != null ? d.synthetic().families() : Arrays.stream(FakeFamily.values()).map(FakeFamily::id).toList();
        for (String g : r.generators()) {
            if (!fams.contains(g)) throw l.error(p + "/generators", "dataset '" + r.dataset() + "' has no generator '" + g + "'; it has " + fams);
        }
    }

    private static void training(SpecLoader.Loaded l, Training t) {
        if (t.batch() != null && t.batch() <= 0) throw l.error("/training/batch", "must be > 0, got " + t.batch());
        if (t.lr() != null && !(t.lr() > 0 && Double.isFinite(t.lr()))) throw l.error("/training/lr", "must be a finite number > 0, got " + t.lr());
        if (t.finetuneEpochs() != null && t.finetuneEpochs() <= 0) throw l.error("/training/finetune_epochs", "must be > 0, got " + t.finetuneEpochs());
        if (t.distillEpochs() != null && t.distillEpochs() <= 0) throw l.error("/training/distill_epochs", "must be > 0, got " + t.distillEpochs());
        if (t.trainLimit() != null && t.trainLimit() < 0) throw l.error("/training/train_limit", "must be ≥ 0 (0 = all), got " + t.trainLimit());
        if (t.calibrationBatches() != null && t.calibrationBatches() <= 0) throw l.error("/training/calibration_batches", "must be > 0, got " + t.calibrationBatches());
        if (t.patience() != null && t.patience() < 0) throw l.error("/training/patience", "must be ≥ 0 (0 = off), got " + t.patience());
    }

    private static void block(SpecLoader.Loaded l, String p, Block b) {
        Map<String, ModelDef> models = l.spec().models();
        if (b.model() == null) throw l.error(p, "'model' is required; defined: " + models.keySet());
        ModelDef m = models.get(b.model());
        if (m == null) throw l.error(p + "/model", "no model named '" + b.model() + "'; defined: " + models.keySet());
        if (b.data() != null) ref(l, p + "/data", b.data());
        else if (m.train() == null) throw l.error(p, "'data' is required: model '" + b.model() + "' is read from a file, so there is no training data to default to");
        if (b.evaluate() != null) ref(l, p + "/evaluate", b.evaluate());
        boolean transfer = b.targets() != null;
        if (transfer) {
            if (b.targets().isEmpty()) throw l.error(p + "/targets", "give at least one target, or drop 'targets' for an in-domain block");
            for (int i = 0; i < b.targets().size(); i++) ref(l, p + "/targets/" + i, b.targets().get(i));
        }
        if (b.methods() == null || b.methods().isEmpty()) throw l.error(p, "'methods' is required; known: " + Methods.names(transfer));
        boolean leveled = false;
        for (int i = 0; i < b.methods().size(); i++) {
            String name = b.methods().get(i);
            Methods.Method meth = Methods.find(name, transfer);
            if (meth == null) {
                boolean other = Methods.find(name, !transfer) != null;
                throw l.error(p + "/methods/" + i, "'" + name + "' " + (other
                        ? (transfer ? "is an in-domain method and this block has 'targets'" : "is a transfer method and needs 'targets' (task-B data)")
                        : "is not a method") + "; known here: " + Methods.names(transfer));
            }
            leveled |= meth.leveled();
        }
        if (new HashSet<>(b.methods()).size() != b.methods().size()) throw l.error(p + "/methods", "a method is listed twice: " + b.methods());
        if (leveled && (b.levels() == null || b.levels().isEmpty())) {
            throw l.error(p + "/methods", "methods " + b.methods().stream().filter(x -> Methods.find(x, transfer).leveled()).toList()
                    + " take a level: add 'levels' (percent of parameters kept, e.g. [40, 30, 20, 10])");
        }
        if (b.levels() != null) {
            if (!leveled) throw l.error(p + "/levels", "no method of this block takes a level; drop 'levels'");
            if (new HashSet<>(b.levels()).size() != b.levels().size()) throw l.error(p + "/levels", "a level is listed twice: " + b.levels());
            for (int lv : b.levels()) {
                if (lv <= 0 || lv >= 100) throw l.error(p + "/levels", "levels are percents kept in (0, 100), got " + lv);
                for (String name : b.methods()) {
                    if (Set.of("kd", "student", "kd-adapter").contains(name) && !Zoo.NAMES.contains("student" + lv)) {
                        throw l.error(p + "/levels", "'" + name + "' needs a zoo student keeping " + lv + "% and there is none (students: 40, 30, 20, 10)");
                    }
                }
            }
        }
        if (b.rank() != null && b.rank() <= 0) throw l.error(p + "/rank", "must be > 0, got " + b.rank());
        if (b.rank() != null && b.methods().stream().noneMatch(x -> x.startsWith("lowrank"))) throw l.error(p + "/rank", "no low-rank method in this block; drop 'rank'");
    }
}
