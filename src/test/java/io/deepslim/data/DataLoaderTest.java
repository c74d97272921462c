package io.deepslim.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DataLoaderTest {
    @TempDir Path tmp;

    private List<Sample> samples(int n) {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path f = Fixtures.image(tmp.resolve((i % 2 == 0 ? "real/" : "fake/") + i + (i % 3 == 0 ? ".jpg" : ".png")), 24 + i % 5, 20, i);
            s.add(new Sample(f, i % 2, i % 2 == 0 ? "real" : "gen" + (i % 3), Split.TRAIN));
        }
        return s;
    }

    private static List<Batch> run(List<Sample> s, LoaderConfig cfg, TransformConfig t, int epoch, SkipLog log) {
        try (DataLoader l = new DataLoader(ImageSource.files(s, new ImageDecoder()), new Preprocessor(t, new ImageDecoder()), cfg, log)) {
            List<Batch> out = new ArrayList<>();
            for (Batch b : l.epoch(epoch)) out.add(b);
            return out;
        }
    }

    private static SkipLog quiet() { return new SkipLog(m -> { }); }

    @Test void sameSeedSameBatchesForAnyWorkerCount() {
        List<Sample> s = samples(23);
        TransformConfig t = TransformConfig.cnnDetection(16, 0.5).withCrop(0.5, 0.7);
        LoaderConfig base = LoaderConfig.training(5, 11).withPrefetch(2);
        List<Batch> one = run(s, base.withWorkers(1), t, 3, quiet());
        List<Batch> three = run(s, base.withWorkers(3), t, 3, quiet());
        assertEquals(5, one.size());
        assertEquals(one.size(), three.size());
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i).images(), three.get(i).images(), "batch " + i);
            assertArrayEquals(one.get(i).labels(), three.get(i).labels());
            assertArrayEquals(one.get(i).generators(), three.get(i).generators());
        }
        assertEquals(3, one.get(4).count(), "23 = 4·5 + 3");
        assertArrayEquals(new int[]{5, 3, 16, 16}, one.get(0).shape());
    }

    @Test void eachEpochVisitsEveryImageOnceInASeededOrder() {
        List<Sample> s = samples(12);
        TransformConfig t = TransformConfig.eval(8);
        LoaderConfig cfg = LoaderConfig.training(4, 5).withWorkers(2);
        List<Integer> e0 = indices(run(s, cfg, t, 0, quiet())), e1 = indices(run(s, cfg, t, 1, quiet()));
        assertEquals(12, new HashSet<>(e0).size());
        assertEquals(new HashSet<>(e0), new HashSet<>(e1));
        assertNotEquals(e0, e1, "epochs are shuffled differently");
        assertEquals(e0, indices(run(s, cfg, t, 0, quiet())), "same (seed, epoch), same order");
        List<Integer> ordered = indices(run(s, LoaderConfig.evaluation(5).withWorkers(2), t, 0, quiet()));
        for (int i = 0; i < 12; i++) assertEquals(i, ordered.get(i));
        for (Batch b : run(s, cfg, t, 0, quiet())) {
            for (int k = 0; k < b.count(); k++) {
                assertEquals(s.get(b.indices()[k]).label(), b.labels()[k]);
                assertEquals(s.get(b.indices()[k]).generator(), b.generators()[k]);
            }
        }
    }

    private static List<Integer> indices(List<Batch> bs) {
        List<Integer> out = new ArrayList<>();
        for (Batch b : bs) for (int i : b.indices()) out.add(i);
        return out;
    }

    @Test void badFilesAreSkippedAndCountedOrFailInStrictMode() throws Exception {
        List<Sample> s = new ArrayList<>(samples(8));
        byte[] good = Files.readAllBytes(s.get(0).path());
        s.add(new Sample(Fixtures.bytes(tmp.resolve("bad/zero.png"), new byte[0]), 1, "x", Split.TRAIN));
        s.add(new Sample(Fixtures.bytes(tmp.resolve("bad/text.jpg"), "hello".getBytes()), 1, "x", Split.TRAIN));
        s.add(new Sample(Fixtures.bytes(tmp.resolve("bad/corrupt.png"), Arrays.copyOf(new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3}, 300)), 0, "x", Split.TRAIN));
        s.add(new Sample(Fixtures.bytes(tmp.resolve("bad/bomb.png"), DecodeTest.pngBomb(50_000, 50_000)), 0, "x", Split.TRAIN));
        s.add(new Sample(tmp.resolve("bad/missing.png"), 0, "x", Split.TRAIN));
        assertTrue(good.length > 0);
        List<String> warnings = new ArrayList<>();
        SkipLog log = new SkipLog(m -> { synchronized (warnings) { warnings.add(m); } });
        List<Batch> bs = run(s, LoaderConfig.training(3, 1).withWorkers(2), TransformConfig.eval(8), 0, log);
        assertEquals(8, bs.stream().mapToInt(Batch::count).sum(), "the good images all arrive");
        assertEquals(5, log.count());
        assertEquals(5, warnings.size());
        assertTrue(log.entries().keySet().stream().anyMatch(k -> k.endsWith("zero.png")));
        run(s, LoaderConfig.training(3, 1).withWorkers(2), TransformConfig.eval(8), 1, log);
        assertEquals(5, log.count(), "a file is counted once across epochs");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run(s, LoaderConfig.training(3, 1).withWorkers(2).withStrict(true), TransformConfig.eval(8), 0, quiet()));
        assertTrue(e.getMessage().contains("strict"), e.getMessage());
    }

    @Test void allBadBatchIsSkippedNotReturnedEmpty() {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < 3; i++) s.add(new Sample(Fixtures.bytes(tmp.resolve("z" + i + ".png"), new byte[0]), 0, "x", Split.TRAIN));
        s.addAll(samples(2));
        List<Batch> bs = run(s, LoaderConfig.evaluation(3).withWorkers(1), TransformConfig.eval(8), 0, quiet());
        assertEquals(1, bs.size());
        assertEquals(2, bs.get(0).count());
        Set<Integer> idx = new HashSet<>();
        for (int i : bs.get(0).indices()) idx.add(i);
        assertEquals(Set.of(3, 4), idx);
    }
}
