package io.deepslim.autograd;

/** Per-thread switch for gradient recording; {@code try (var g = GradMode.off()) {...}} disables it. */
public final class GradMode implements AutoCloseable {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{true});

    private final boolean previous;

    private GradMode(boolean enable) {
        boolean[] cell = ENABLED.get();
        previous = cell[0];
        cell[0] = enable;
    }

    /** Disables recording until the returned handle is closed. */
    public static GradMode off() { return new GradMode(false); }

    /** Enables recording until the returned handle is closed. */
    public static GradMode on() { return new GradMode(true); }

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    @Override
    public void close() { ENABLED.get()[0] = previous; }
}
