package io.deepslim.transfer;

import io.deepslim.compress.distill.DistillationLoss;
import io.deepslim.data.RgbImage;
import io.deepslim.data.Seeds;
import io.deepslim.data.Split;
import io.deepslim.data.TransformConfig;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SceneGenerator;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.eval.EvalReport;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.ops.Ops;
import io.deepslim.autograd.GradMode;
import io.deepslim.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The acceptance measurement of the transfer suite on in-memory synthetic data (no files): train a
 * detector on family A, show its drop on the other families, run every method on family B
 * (Table 4 protocol), the same from a non-deepfake scene task (Table 6 protocol), and the CAE
 * against its CE-only encoder in the cross-family protocol. Prints a markdown table, writes the
 * rows as JSON. Run: {@code java -cp … io.deepslim.transfer.TransferExperiment out=rows.json}
 * with optional {@code size= n= test= epochs= base-epochs= batch= teacher= student= a= b= keep= seed= methods=}.
 */
public final class TransferExperiment {
    private TransferExperiment() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (String a : args) {
            int i = a.indexOf('=');
            if (i < 0) throw new IllegalArgumentException("arguments are key=value, got " + a);
            o.put(a.substring(0, i), a.substring(i + 1));
        }
        int size = Integer.parseInt(o.getOrDefault("size", "64")), n = Integer.parseInt(o.getOrDefault("n", "300"));
        int nTest = Integer.parseInt(o.getOrDefault("test", "100")), epochs = Integer.parseInt(o.getOrDefault("epochs", "2"));
        int baseEpochs = Integer.parseInt(o.getOrDefault("base-epochs", "3"));
        String teacherArch = o.getOrDefault("teacher", "student30"), studentArch = o.getOrDefault("student", "student10");
        FakeFamily fa = FakeFamily.of(o.getOrDefault("a", "tconv")), fb = FakeFamily.of(o.getOrDefault("b", "vae8"));
        double keep = Double.parseDouble(o.getOrDefault("keep", "0.1"));
        long seed = Long.parseLong(o.getOrDefault("seed", "1"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "16"));
        List<String> only = o.containsKey("methods") ? List.of(o.get("methods").split(",")) : null;
        Path out = Path.of(o.getOrDefault("out", "transfer-rows.json"));

        long t0 = System.nanoTime();
        SynthGenerator gen = new SynthGenerator(SynthConfig.defaults(size, n, 0, nTest, seed));
        TaskData aTrain = family(gen, Split.TRAIN, fa, n), aTest = family(gen, Split.TEST, fa, nTest);
        TaskData bTrain = family(gen, Split.TRAIN, fb, n), bTest = family(gen, Split.TEST, fb, nTest);
        Map<FakeFamily, TaskData> tests = new LinkedHashMap<>();
        for (FakeFamily f : FakeFamily.values()) tests.put(f, f == fa ? aTest : f == fb ? bTest : family(gen, Split.TEST, f, nTest));
        System.err.printf(Locale.ROOT, "data: %d px, %d train / %d test per class, %.1f s%n", size, n, nTest, (System.nanoTime() - t0) / 1e9);

        List<Map<String, Object>> rows = new ArrayList<>();
        DistillationLoss kdA = DistillationLoss.paper();
        TransferConfig base = TransferConfig.defaults("finetune").withEpochs(baseEpochs).withBatch(batch).withTrainLayers(new Freezing("all"));
        boolean table4 = only == null || only.stream().anyMatch(m -> TransferConfig.METHODS.contains(m) && !m.startsWith("cae"));
        if (table4) table4(rows, aTrain, aTest, bTrain, bTest, tests, base, kdA, o, size, seed, teacherArch, studentArch, fa, fb, epochs, keep, only);

        // Table 6: task A is a non-deepfake two-class scene task, task B the deepfake family B
        if (only == null || only.contains("table6")) {
            TaskData sTrain = scenes(size, n, seed, 0), sTest = scenes(size, nTest, seed, 1);
            ZooNet sceneModel = Zoo.create(teacherArch, size, 2, seed + 2);
            Transfer.fit(sceneModel, (x, y) -> Ops.crossEntropy(sceneModel.forward(x), y), sTrain, base, null);
            ZooNet sceneStudent = Zoo.create(studentArch, size, 2, seed + 3);
            Transfer.fit(sceneStudent, (x, y) -> kdA.loss(sceneStudent.forward(x), logits(sceneModel, x), y), sTrain, base, null);
            for (String m : List.of("prune-finetune", "prune-adapter", "kd", "kd-adapter", "finetune")) {
                TransferConfig cfg = TransferConfig.defaults(m).withEpochs(epochs).withBatch(batch).withKeep(m.startsWith("prune") ? keep : 0).withNewClasses(true)
                        .withTrainLayers(new Freezing(m.equals("finetune") ? "last-conv-first-linear" : "all"));
                TransferResult r = Transfer.run(cfg, new Transfer.Inputs(Models.copy(sceneModel), sTrain.classNames(),
                        m.equals("kd-adapter") ? Models.copy(sceneStudent) : null, bTrain, bTest, relabel(sTest)), null);
                Map<String, Object> row = r.row();
                row.put("protocol", "table6 scenes→" + fb.id());
                rows.add(row);
                System.err.println(row);
            }
        }

        // CAE vs its CE-only encoder, trained on A, tested on every family
        if (only == null || only.contains("cae")) {
            for (String m : List.of("cae", "cae-ce")) {
                TransferConfig cfg = TransferConfig.defaults(m).withEpochs(baseEpochs).withBatch(batch);
                Map<String, Object> row = new LinkedHashMap<>();
                TransferResult r = Transfer.run(cfg, new Transfer.Inputs(null, null, null, aTrain, aTest, null), null);
                row.putAll(r.row());
                row.put("protocol", "cross-family, trained on " + fa.id());
                for (Map.Entry<FakeFamily, TaskData> e : tests.entrySet()) row.put("accuracy_" + e.getKey().id(), round(Transfer.evaluate(r.model(), e.getValue(), 64).accuracy()));
                rows.add(row);
                System.err.println(row);
            }
        }
        EvalReport.writeJson(out, Map.of("rows", rows, "size", size, "train_per_class", n, "test_per_class", nTest, "epochs", epochs,
                "teacher", teacherArch, "student", studentArch, "seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0));
        System.err.printf(Locale.ROOT, "wrote %s (%.0f s)%n", out, (System.nanoTime() - t0) / 1e9);
    }

    /** Table 4 protocol: the task-A model's drop on every family, then each method on family B. */
    private static void table4(List<Map<String, Object>> rows, TaskData aTrain, TaskData aTest, TaskData bTrain, TaskData bTest,
                               Map<FakeFamily, TaskData> tests, TransferConfig base, DistillationLoss kdA, Map<String, String> o, int size,
                               long seed, String teacherArch, String studentArch, FakeFamily fa, FakeFamily fb, int epochs, double keep,
                               List<String> only) {
        ZooNet teacher = Zoo.create(teacherArch, size, 2, seed);
        double[] fitA = Transfer.fit(teacher, (x, y) -> Ops.crossEntropy(teacher.forward(x), y), aTrain, base, null);
        Map<String, Object> drop = new LinkedHashMap<>();
        drop.put("method", "task-A model (" + teacherArch + " on " + fa.id() + ")");
        drop.put("train_seconds", Math.round(fitA[0] * 10) / 10.0);
        for (Map.Entry<FakeFamily, TaskData> e : tests.entrySet()) drop.put("accuracy_" + e.getKey().id(), round(Transfer.evaluate(teacher, e.getValue(), 64).accuracy()));
        rows.add(drop);
        System.err.println("drop: " + drop);

        // a student distilled on A (for kd-adapter), as `deepslim distill` would make it
        ZooNet distilled = Zoo.create(studentArch, size, 2, seed + 1);
        Transfer.fit(distilled, (x, y) -> kdA.loss(distilled.forward(x), logits(teacher, x), y), aTrain, base, null);
        System.err.printf(Locale.ROOT, "distilled %s on %s: accuracy %.4f%n", studentArch, fa.id(), Transfer.evaluate(distilled, aTest, 64).accuracy());

        String[][] plan = {
                {"finetune", "last-conv-first-linear", "0"}, {"finetune", "all", "0"}, {"prune-finetune", "all", "k"},
                {"adapter", "", "0"}, {"prune-adapter", "", "k"}, {"kd", "", "0"}, {"kd-adapter", "", "0"},
                {"quant-finetune", "last-conv-first-linear", "0"}, {"lowrank-finetune", "last-conv-first-linear", "0"}, {"fretal", "", "0"}};
        for (String[] p : plan) {
            if (only != null && !only.contains(p[0])) continue;
            TransferConfig cfg = TransferConfig.defaults(p[0]).withEpochs(epochs).withBatch(base.batch()).withKeep(p[2].equals("k") ? keep : 0)
                    .withTrainLayers(new Freezing(p[1].isEmpty() ? "last-conv-first-linear" : p[1]));
            ZooNet studentCopy = p[0].equals("kd-adapter") ? Models.copy(distilled) : null;
            TransferResult r = Transfer.run(cfg, new Transfer.Inputs(Models.copy(teacher), List.of("real", "fake"), studentCopy, bTrain, bTest, aTest), null);
            Map<String, Object> row = r.row();
            row.put("protocol", "table4 " + fa.id() + "→" + fb.id());
            if (!p[1].isEmpty()) row.put("train_layers", p[1]);
            rows.add(row);
            System.err.println(row);
        }

    }

    private static Tensor logits(ZooNet t, Tensor x) {
        t.eval();
        try (GradMode g = GradMode.off()) {
            return t.forward(x);
        }
    }

    private static double round(double v) { return Math.round(v * 10000) / 10000.0; }

    /** n real + n fake images of one family and split, interleaved, ImageNet-normalized. */
    static TaskData family(SynthGenerator gen, Split split, FakeFamily f, int n) {
        int s = gen.config().size();
        float[][] imgs = new float[2 * n][];
        IntStream.range(0, 2 * n).parallel().forEach(i -> imgs[i] = normalize(gen.renderFinal(split, f, i % 2, i / 2), s));
        return pack(f.id() + " " + split.folderName(), imgs, s, List.of("real", "fake"));
    }

    /**
     * The non-deepfake stand-in for dogs vs cats: procedural scenes, class "plain" as generated,
     * class "discs" with 2–4 opaque flat-coloured discs painted on (content, not generator traces).
     */
    static TaskData scenes(int s, int n, long seed, int split) {
        float[][] imgs = new float[2 * n][];
        IntStream.range(0, 2 * n).parallel().forEach(i -> {
            SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, 0x5CE7EL, split, i));
            RgbImage img = SceneGenerator.scene(s, rng);
            if (i % 2 == 1) discs(img, rng);
            imgs[i] = normalize(img, s);
        });
        return pack("scenes " + (split == 0 ? "train" : "test"), imgs, s, List.of("plain", "discs"));
    }

    private static void discs(RgbImage img, SplittableRandom rng) {
        int s = img.width, k = 2 + rng.nextInt(3);
        for (int d = 0; d < k; d++) {
            double cx = rng.nextDouble() * s, cy = rng.nextDouble() * s, r = s * (0.06 + 0.1 * rng.nextDouble());
            float[] col = {(float) rng.nextDouble(), (float) rng.nextDouble(), (float) rng.nextDouble()};
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) continue;
                    for (int c = 0; c < 3; c++) img.data[(c * s + y) * s + x] = col[c];
                }
            }
        }
    }

    private static float[] normalize(RgbImage img, int s) {
        float[] m = TransformConfig.IMAGENET_MEAN, sd = TransformConfig.IMAGENET_STD;
        float[] out = new float[3 * s * s];
        for (int c = 0; c < 3; c++) for (int i = 0; i < s * s; i++) out[c * s * s + i] = (img.data[c * s * s + i] - m[c]) / sd[c];
        return out;
    }

    private static TaskData pack(String name, float[][] imgs, int s, List<String> classes) {
        int per = 3 * s * s;
        float[] all = new float[imgs.length * per];
        int[] y = new int[imgs.length];
        for (int i = 0; i < imgs.length; i++) {
            System.arraycopy(imgs[i], 0, all, i * per, per);
            y[i] = i % 2;
        }
        return new TaskData(name, all, y, s, classes);
    }

    /** The scene test set under the real/fake names, for reading forgetting on task A after --new-classes. */
    private static TaskData relabel(TaskData d) { return new TaskData(d.name(), d.images(), d.labels(), d.size(), List.of("real", "fake")); }
}
