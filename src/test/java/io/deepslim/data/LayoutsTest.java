package io.deepslim.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class LayoutsTest {
    @TempDir Path tmp;

    private static Map<String, Long> countBy(Dataset d, java.util.function.Function<Sample, String> key) {
        return d.samples().stream().collect(Collectors.groupingBy(key, Collectors.counting()));
    }

    @Test void genericRealFake() {
        Fixtures.images(tmp.resolve("real"), 3);
        Fixtures.images(tmp.resolve("fake"), 2);
        Dataset d = Layouts.detect(tmp, 0);
        assertEquals("generic", d.layout());
        assertEquals(3, d.count(0));
        assertEquals(2, d.count(1));
        for (Sample s : d.samples()) {
            assertEquals(s.path().getParent().getFileName().toString().equals("real") ? 0 : 1, s.label());
            assertEquals(Split.UNSPLIT, s.split());
        }
    }

    @Test void genericNumberedFoldersAnyCase() {
        Fixtures.images(tmp.resolve("0_REAL"), 2);
        Fixtures.images(tmp.resolve("1_Fake"), 4);
        Dataset d = Layouts.detect(tmp, 0);
        assertEquals("generic", d.layout());
        assertEquals(2, d.count(0));
        assertEquals(4, d.count(1));
    }

    @Test void splitFolders() {
        Fixtures.images(tmp.resolve("Train/real"), 3);
        Fixtures.images(tmp.resolve("Train/fake"), 3);
        Fixtures.images(tmp.resolve("validation/0_real"), 1);
        Fixtures.images(tmp.resolve("validation/1_fake"), 2);
        Fixtures.images(tmp.resolve("test/real"), 2);
        Fixtures.images(tmp.resolve("test/fake"), 1);
        Dataset d = Layouts.detect(tmp, 0);
        assertEquals("split", d.layout());
        assertEquals(6, d.split(Split.TRAIN).size());
        assertEquals(2, d.split(Split.VAL).count(1));
        assertEquals(1, d.split(Split.TEST).count(1));
    }

    private void faces140k(Path base) {
        for (String s : List.of("train", "valid", "test")) {
            Fixtures.images(base.resolve(s).resolve("real"), 2);
            Fixtures.images(base.resolve(s).resolve("fake"), 3);
        }
    }

    @Test void faces140kAtEveryLevel() {
        faces140k(tmp.resolve("real_vs_fake/real-vs-fake"));
        for (Path root : List.of(tmp, tmp.resolve("real_vs_fake"), tmp.resolve("real_vs_fake/real-vs-fake"))) {
            Dataset d = Layouts.detect(root, 0);
            assertEquals("140k", d.layout(), root.toString());
            assertEquals(15, d.size());
            assertEquals(5, d.split(Split.VAL).size());
            assertEquals(Set.of("ffhq"), d.samples().stream().filter(s -> s.label() == 0).map(Sample::generator).collect(Collectors.toSet()));
            assertEquals(Set.of("stylegan"), d.samples().stream().filter(s -> s.label() == 1).map(Sample::generator).collect(Collectors.toSet()));
        }
        Dataset one = Layouts.read(tmp.resolve("real_vs_fake/real-vs-fake/test"), "140k", 0);
        assertEquals(5, one.size());
        assertTrue(one.has(Split.TEST) && !one.has(Split.TRAIN));
    }

    @Test void deepfakeAndRealImages() {
        for (String s : List.of("Train", "Validation", "Test")) {
            Fixtures.images(tmp.resolve("Dataset").resolve(s).resolve("Real"), 2);
            Fixtures.images(tmp.resolve("Dataset").resolve(s).resolve("Fake"), 1);
        }
        for (Path root : List.of(tmp, tmp.resolve("Dataset"))) {
            Dataset d = Layouts.detect(root, 0);
            assertEquals("deepfake-real", d.layout());
            assertEquals(9, d.size());
            assertEquals(1, d.split(Split.VAL).count(1));
        }
    }

    @Test void forenSynthsKeepsGeneratorNames() {
        Fixtures.images(tmp.resolve("train/progan/car/0_real"), 2);
        Fixtures.images(tmp.resolve("train/progan/car/1_fake"), 2);
        Fixtures.images(tmp.resolve("train/progan/cat/0_real"), 1);
        Fixtures.images(tmp.resolve("train/progan/cat/1_fake"), 3);
        Fixtures.images(tmp.resolve("test/stylegan/0_real"), 2);
        Fixtures.images(tmp.resolve("test/stylegan/1_fake"), 1);
        Fixtures.images(tmp.resolve("test/deepfake/0_real"), 1);
        Fixtures.images(tmp.resolve("test/deepfake/1_fake"), 4);
        Dataset d = Layouts.detect(tmp, 0);
        assertEquals("forensynths", d.layout());
        assertEquals(Map.of("progan", 8L), countBy(d.split(Split.TRAIN), Sample::generator));
        assertEquals(Map.of("stylegan", 3L, "deepfake", 5L), countBy(d.split(Split.TEST), Sample::generator));
        for (Sample s : d.samples()) {
            String cls = s.path().getParent().getFileName().toString();
            assertEquals(cls.equals("0_real") ? 0 : 1, s.label(), s.path().toString());
            assertTrue(s.path().toString().contains("/" + s.generator() + "/"));
        }
        assertEquals(5, d.generator("progan").count(1));
        // a split folder alone (as CNNDetection's test set is shipped) also reads, with that split
        Dataset test = Layouts.read(tmp.resolve("test"), "forensynths", 0);
        assertEquals(8, test.size());
        assertTrue(test.samples().stream().allMatch(s -> s.split() == Split.TEST));
    }

    private void synthbuster(Path root) {
        Fixtures.images(root.resolve("RAISE"), 10);
        Fixtures.images(root.resolve("dalle3"), 5);
        Fixtures.images(root.resolve("midjourney-v5"), 7);
    }

    @Test void synthbusterSplitIsStratifiedDisjointAndSeeded() {
        synthbuster(tmp);
        Dataset a = Layouts.detect(tmp, 42), b = Layouts.detect(tmp, 42), c = Layouts.detect(tmp, 7);
        assertEquals("synthbuster", a.layout());
        assertEquals(a.samples(), b.samples(), "same seed, same split");
        assertNotEquals(trainPaths(a), trainPaths(c), "another seed gives another split");
        Set<Path> train = trainPaths(a), test = new HashSet<>();
        a.split(Split.TEST).samples().forEach(s -> test.add(s.path()));
        assertEquals(22, train.size() + test.size());
        train.retainAll(test);
        assertTrue(train.isEmpty(), "train and test overlap: " + train);
        assertEquals(6, a.split(Split.TRAIN).generator("raise").size()); // 60% of 10
        assertEquals(3, a.split(Split.TRAIN).generator("dalle3").size()); // round(0.6·5)
        assertEquals(4, a.split(Split.TRAIN).generator("midjourney-v5").size()); // round(0.6·7)
        assertEquals(10, a.count(0));
        assertTrue(a.generator("raise").samples().stream().allMatch(s -> s.label() == 0));
        assertTrue(a.generator("dalle3").samples().stream().allMatch(s -> s.label() == 1));
    }

    @Test void synthbusterUnderSubfolder() {
        Fixtures.images(tmp.resolve("RAISE_1k"), 4);
        Fixtures.images(tmp.resolve("synthbuster/glide"), 4);
        Dataset d = Layouts.detect(tmp, 1);
        assertEquals("synthbuster", d.layout());
        assertEquals(Set.of("raise", "glide"), d.samples().stream().map(Sample::generator).collect(Collectors.toSet()));
    }

    private static Set<Path> trainPaths(Dataset d) {
        Set<Path> s = new HashSet<>();
        d.split(Split.TRAIN).samples().forEach(x -> s.add(x.path()));
        return s;
    }

    @Test void dogsVsCats() {
        Fixtures.images(tmp.resolve("train/cats"), 3);
        Fixtures.images(tmp.resolve("train/dogs"), 2);
        Fixtures.images(tmp.resolve("test/Cats"), 1);
        Fixtures.images(tmp.resolve("test/Dogs"), 1);
        Dataset d = Layouts.detect(tmp, 0);
        assertEquals("dogs-vs-cats", d.layout());
        assertEquals(List.of("cat", "dog"), d.classNames());
        for (Sample s : d.samples()) {
            assertEquals(s.path().getParent().getFileName().toString().equalsIgnoreCase("cats") ? 0 : 1, s.label());
        }
        assertEquals(4, d.count(0));
    }

    @Test void unrecognizedLayoutListsEveryLayout() {
        Fixtures.images(tmp.resolve("photos"), 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layouts.detect(tmp, 0));
        for (String name : Layouts.names()) assertTrue(e.getMessage().contains(name), "message lacks " + name + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("{real,fake}"), e.getMessage());
    }

    @Test void emptyClassFolderIsNamed() {
        Fixtures.images(tmp.resolve("real"), 2);
        tmp.resolve("fake").toFile().mkdirs();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layouts.detect(tmp, 0));
        assertTrue(e.getMessage().contains("fake") && e.getMessage().contains("has no"), e.getMessage());
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class, () -> Layouts.read(tmp, "generic", 0));
        assertTrue(named.getMessage().contains("generic") && named.getMessage().contains("expects"), named.getMessage());
    }

    @Test void unknownLayoutNameAndMissingFolder() {
        assertThrows(IllegalArgumentException.class, () -> Layouts.byName("imagenet"));
        assertThrows(IllegalArgumentException.class, () -> Layouts.detect(tmp.resolve("nope"), 0));
    }
}
