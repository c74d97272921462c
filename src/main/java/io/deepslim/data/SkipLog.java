package io.deepslim.data;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Records unusable files (each counted once however many epochs meet it) and warns once per file. */
public final class SkipLog {
    private final Consumer<String> warn;
    private final Map<String, String> skipped = new TreeMap<>();

    /** A log that sends one warning line per newly skipped file to {@code warn}. */
    public SkipLog(Consumer<String> warn) { this.warn = warn; }

    /** A log that warns through {@link System.Logger} "io.deepslim.data". */
    public static SkipLog logging() {
        System.Logger log = System.getLogger("io.deepslim.data");
        return new SkipLog(m -> log.log(System.Logger.Level.WARNING, m));
    }

    /** Notes that {@code where} was skipped for {@code reason}. */
    public void skip(String where, String reason) {
        boolean first;
        synchronized (skipped) { first = skipped.putIfAbsent(where, reason) == null; }
        if (first) warn.accept("skipped " + where + ": " + reason);
    }

    /** Sends one warning line that is not about a skipped file (e.g. a cache being rebuilt). */
    public void note(String message) { warn.accept(message); }

    /** Number of distinct files skipped so far. */
    public int count() {
        synchronized (skipped) { return skipped.size(); }
    }

    /** Skipped file → reason, sorted by file. */
    public Map<String, String> entries() {
        synchronized (skipped) { return Collections.unmodifiableMap(new TreeMap<>(skipped)); }
    }
}
