package io.deepslim.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ImageCacheTest {
    @TempDir Path tmp;

    private List<Sample> samples() {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            s.add(new Sample(Fixtures.image(tmp.resolve("img/" + i + (i % 2 == 0 ? ".png" : ".jpg")), 30 + 3 * i, 25, i), i % 2, "g" + i % 3, Split.TRAIN));
        }
        s.add(new Sample(Fixtures.bytes(tmp.resolve("img/broken.png"), new byte[]{1, 2, 3}), 1, "g", Split.TRAIN));
        return s;
    }

    @Test void roundTripMatchesDirectDecodeWithinQuantization() throws Exception {
        List<Sample> s = samples();
        Path file = tmp.resolve("cache/train-16.u8");
        SkipLog log = new SkipLog(m -> { });
        ImageDecoder dec = new ImageDecoder();
        TransformConfig t = TransformConfig.eval(16);
        Preprocessor pre = new Preprocessor(t, dec);
        try (ImageCache c = ImageCache.openOrBuild(file, s, 16, dec, 2, log, false)) {
            assertEquals(10, c.size());
            assertEquals(1, log.count());
            assertTrue(Files.exists(ImageCache.sidecar(file)));
            float[] direct = new float[3 * 256], cached = new float[3 * 256];
            for (int i = 0; i < 10; i++) {
                pre.load(s.get(i).path(), new SplittableRandom(0), direct, 0);
                pre.write(pre.transform(c.image(i), new SplittableRandom(0)), cached, 0);
                for (int k = 0; k < direct.length; k++) {
                    assertEquals(direct[k], cached[k], 0.5 / 255 / 0.224 + 1e-5, "image " + i + " value " + k);
                }
                assertEquals(s.get(i).label(), c.label(i));
                assertEquals(s.get(i).generator(), c.generator(i));
            }
        }
        // a cache feeds the loader like files do
        try (ImageCache c = ImageCache.open(file, s, 16).orElseThrow();
             DataLoader l = new DataLoader(c, pre, LoaderConfig.evaluation(4).withWorkers(2), log)) {
            int n = 0;
            for (Batch b : l.epoch(0)) n += b.count();
            assertEquals(10, n);
        }
    }

    @Test void reusedWhenUnchangedRebuiltWhenSourcesChange() throws Exception {
        List<Sample> s = samples();
        Path file = tmp.resolve("c.u8");
        ImageCache.openOrBuild(file, s, 8, new ImageDecoder(), 1, new SkipLog(m -> { }), false).close();
        FileTime t0 = Files.getLastModifiedTime(file);
        assertTrue(ImageCache.open(file, s, 8).isPresent());
        assertTrue(ImageCache.open(file, s, 12).isEmpty(), "another size is another cache");
        assertTrue(ImageCache.open(file, s.subList(0, 5), 8).isEmpty(), "another list is another cache");
        Files.setLastModifiedTime(s.get(3).path(), FileTime.fromMillis(t0.toMillis() - 100_000));
        assertTrue(ImageCache.open(file, s, 8).isEmpty(), "a touched source invalidates the cache");
        try (ImageCache c = ImageCache.openOrBuild(file, s, 8, new ImageDecoder(), 1, new SkipLog(m -> { }), false)) {
            assertEquals(10, c.size());
        }
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporaries left");
        }
    }

    @Test void strictBuildFails() {
        assertThrows(IllegalStateException.class,
                () -> ImageCache.build(tmp.resolve("s.u8"), samples(), 8, new ImageDecoder(), 1, new SkipLog(m -> { }), true));
        assertFalse(Files.exists(ImageCache.sidecar(tmp.resolve("s.u8"))));
    }

    /** One way of damaging the JSON index: edits the parsed tree, or returns replacement text. */
    private interface Tamper { String apply(ObjectNode index); }

    @Test void tamperedIndexIsRebuiltWithOneWarning() throws Exception {
        List<Sample> s = samples();
        Map<String, Tamper> cases = new LinkedHashMap<>();
        cases.put("labels[0] a string", n -> { ((ArrayNode) n.get("labels")).set(0, TextNode.valueOf("x")); return null; });
        cases.put("labels[0] not 0/1", n -> { ((ArrayNode) n.get("labels")).set(0, IntNode.valueOf(7)); return null; });
        cases.put("labels[0] fractional", n -> { ((ArrayNode) n.get("labels")).set(0, DoubleNode.valueOf(0.5)); return null; });
        cases.put("generators removed", n -> { n.remove("generators"); return null; });
        cases.put("generators[2] null", n -> { ((ArrayNode) n.get("generators")).set(2, NullNode.getInstance()); return null; });
        cases.put("paths a number", n -> { n.put("paths", 3); return null; });
        cases.put("paths one short", n -> { ((ArrayNode) n.get("paths")).remove(0); return null; });
        cases.put("labels an object", n -> { n.putObject("labels"); return null; });
        cases.put("size a string", n -> { n.put("size", "8"); return null; });
        cases.put("size removed", n -> { n.remove("size"); return null; });
        cases.put("count wrong", n -> { n.put("count", 3); return null; });
        cases.put("index is null", n -> "null");
        cases.put("index is an array", n -> "[1, 2]");
        cases.put("index is not JSON", n -> "{\"format\": ");
        ObjectMapper json = new ObjectMapper();
        for (Map.Entry<String, Tamper> c : cases.entrySet()) {
            Path file = tmp.resolve("t/" + c.getKey().replace(' ', '_') + ".u8");
            ImageCache.build(file, s, 8, new ImageDecoder(), 1, new SkipLog(m -> { }), false);
            Path index = ImageCache.sidecar(file);
            ObjectNode n = (ObjectNode) json.readTree(index.toFile());
            String replaced = c.getValue().apply(n);
            Files.writeString(index, replaced != null ? replaced : json.writeValueAsString(n));

            assertTrue(ImageCache.open(file, s, 8).isEmpty(), c.getKey() + ": a damaged index is no cache");
            List<String> warnings = new ArrayList<>();
            try (ImageCache cache = ImageCache.openOrBuild(file, s, 8, new ImageDecoder(), 1, new SkipLog(warnings::add), false)) {
                assertEquals(10, cache.size(), c.getKey());
                assertEquals(0, cache.label(0), c.getKey());
            }
            List<String> notes = warnings.stream().filter(w -> w.contains("invalid")).toList();
            assertEquals(1, notes.size(), c.getKey() + ": " + warnings);
            assertTrue(notes.get(0).contains(index.getFileName().toString()) && notes.get(0).contains("rebuilding"), notes.get(0));
            assertFalse(notes.get(0).contains("Exception"), notes.get(0));
            assertTrue(ImageCache.open(file, s, 8).isPresent(), c.getKey() + ": rebuilt");
        }
    }

    @Test void staleCacheIsRebuiltWithoutCallingItInvalid() throws Exception {
        List<Sample> s = samples();
        Path file = tmp.resolve("stale.u8");
        ImageCache.build(file, s.subList(0, 4), 8, new ImageDecoder(), 1, new SkipLog(m -> { }), false);
        List<String> warnings = new ArrayList<>();
        ImageCache.openOrBuild(file, s, 8, new ImageDecoder(), 1, new SkipLog(warnings::add), false).close();
        assertTrue(warnings.stream().noneMatch(w -> w.contains("invalid")), warnings.toString());
    }
}
