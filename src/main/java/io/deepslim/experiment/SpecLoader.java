package io.deepslim.experiment;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a spec (YAML, or JSON for {@code .json}) strictly: unknown or duplicate keys, wrong types and
 * every semantic check of {@link SpecValidator} fail with one line naming the file, line and key
 * ({@code demo.yaml:12: grid[0].levels: …}) before anything runs.
 */
public final class SpecLoader {
    private SpecLoader() {}

    /** A spec with where it came from and the line of every key (for later error messages). */
    public record Loaded(Spec spec, String source, Map<String, Integer> lines) {
        /** "source:line: key: message" for the JSON pointer {@code pointer} (the nearest enclosing key with a known line). */
        public SpecException error(String pointer, String message) {
            return new SpecException(source + ":" + lineOf(pointer) + ": " + key(pointer) + ": " + message);
        }

        /** The line of {@code pointer} or of its nearest parent. */
        public int lineOf(String pointer) {
            String p = pointer;
            while (true) {
                Integer l = lines.get(p);
                if (l != null) return l;
                if (p.isEmpty()) return 1;
                p = p.substring(0, p.lastIndexOf('/'));
            }
        }
    }

    /** A spec error: one line, file:line: key: what is wrong. */
    public static final class SpecException extends IllegalArgumentException {
        public SpecException(String message) { super(message); }
    }

    /** Reads and validates {@code file}. */
    public static Loaded load(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new SpecException(file + " is a folder; expected a spec file (.yaml or .json)");
        if (!Files.isRegularFile(file)) throw new SpecException("spec file " + file + " does not exist");
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Reads a spec shipped in the jar ({@code experiments/NAME.yaml}), or null when there is none. */
    public static Loaded loadBundled(String name) throws IOException {
        try (InputStream in = SpecLoader.class.getResourceAsStream("/experiments/" + name + ".yaml")) {
            if (in == null) return null;
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "experiments/" + name + ".yaml");
        }
    }

    /** Parses and validates {@code text}; {@code source} names it in errors (a .json name selects JSON). */
    public static Loaded parse(String text, String source) throws IOException {
        JsonFactory f = source.endsWith(".json") ? new JsonFactory() : new YAMLFactory();
        f.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        ObjectMapper m = new ObjectMapper(f).setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        Map<String, Integer> lines = new HashMap<>();
        Spec spec;
        try {
            lines = lines(f, text);
            spec = m.readValue(text, Spec.class);
        } catch (UnrecognizedPropertyException e) {
            String where = e.getPath().size() > 1 ? " in " + key(pointer(e)).replaceAll("\\.?[^.\\[]+$", "") : "";
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new SpecException(source + ":" + line(lines, pointer(e), e.getLocation()) + ": unknown key '" + e.getPropertyName() + "'"
                    + (where.equals(" in ") ? "" : where) + "; known keys here: " + known);
        } catch (JsonMappingException e) {
            throw new SpecException(source + ":" + line(lines, pointer(e), e.getLocation()) + ": " + (e.getPath().isEmpty() ? "" : key(pointer(e)) + ": ")
                    + e.getOriginalMessage().replaceAll(" \\(class [^)]*\\)", "").replaceAll("`[a-z.]+\\.Spec\\$?", "`"));
        } catch (JsonProcessingException e) {
            throw new SpecException(source + ":" + line(e.getLocation()) + ": " + e.getOriginalMessage());
        }
        if (spec == null) throw new SpecException(source + ": the spec is empty");
        Loaded l = new Loaded(spec, source, lines);
        SpecValidator.validate(l);
        return l;
    }

    /** The line of every key, by JSON pointer ("/grid/0/levels"). */
    private static Map<String, Integer> lines(JsonFactory f, String text) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        try (JsonParser p = f.createParser(text)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                out.putIfAbsent(p.getParsingContext().pathAsPointer().toString(), p.currentTokenLocation().getLineNr());
            }
        }
        return out;
    }

    private static String pointer(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) sb.append('/').append(r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()));
        return sb.toString();
    }

    /** The line of the key at {@code pointer} when the index has it (Jackson's own location may point past the value). */
    private static String line(Map<String, Integer> lines, String pointer, JsonLocation loc) {
        Integer l = pointer.isEmpty() ? null : lines.get(pointer);
        return l != null ? String.valueOf(l) : line(loc);
    }

    private static String line(JsonLocation loc) { return loc == null ? "?" : String.valueOf(loc.getLineNr()); }

    /** "/grid/0/levels" → "grid[0].levels". */
    public static String key(String pointer) {
        StringBuilder sb = new StringBuilder();
        for (String part : pointer.split("/")) {
            if (part.isEmpty()) continue;
            if (part.chars().allMatch(Character::isDigit)) sb.append('[').append(part).append(']');
            else sb.append(sb.length() == 0 ? "" : ".").append(part);
        }
        return sb.length() == 0 ? "(spec)" : sb.toString();
    }
}
