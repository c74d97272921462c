package io.deepslim.backend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts which implementation ran each primitive: wrap a backend with {@link #wrap}, run, then
 * read {@link #counts()} ("gemm → cpu/openblas: 12"). For diagnostics ({@code bench}, tests);
 * the wrapper costs a reflective call per primitive, so production stacks are not wrapped.
 */
public final class BackendTrace {
    private final Map<String, Long> counts = new TreeMap<>();

    /** A backend that forwards every call to {@code b} and records it here. */
    public Backend wrap(Backend b) {
        InvocationHandler h = (proxy, m, args) -> {
            String prim = m.getName();
            if (!prim.equals("name") && !prim.equals("implementationOf") && m.getDeclaringClass() == Backend.class) {
                record(prim + " → " + b.implementationOf(prim));
            }
            try {
                return m.invoke(b, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, h);
    }

    private synchronized void record(String key) { counts.merge(key, 1L, Long::sum); }

    /** "primitive → implementation" to number of calls, sorted. */
    public synchronized Map<String, Long> counts() { return new TreeMap<>(counts); }

    /** Calls of {@code primitive} that ran on the implementation named {@code impl}. */
    public synchronized long calls(String primitive, String impl) { return counts.getOrDefault(primitive + " → " + impl, 0L); }

    /** One line per entry. */
    @Override
    public synchronized String toString() {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> sb.append(String.format("%-48s %d%n", k, v)));
        return sb.toString();
    }
}
