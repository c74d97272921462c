package io.deepslim.benchmarks;

import io.deepslim.backend.Backend;
import io.deepslim.backend.Device;
import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Where a training step's time goes, per backend primitive: a zoo model's parameters live on a
 * device whose backend (the default CPU stack) is wrapped in a timing proxy; every primitive call
 * adds its wall time to "primitive[/op]" (unary and binary keyed by their op). Reports the median
 * step and, per primitive, the mean ms per step over the timed steps, plus what the primitives
 * do not account for (autograd bookkeeping, allocation).
 *
 * <pre>
 * java -cp target/classes:benchmarks/target/classes:benchmarks/target/benchmarks.jar \
 *     io.deepslim.benchmarks.TrainProfile --models vgg45m --size 64 --batch 32 --steps 6
 * java -XX:ActiveProcessorCount=1 -cp ... TrainProfile --clock cpu
 * </pre>
 * {@code --clock cpu} times the calling thread's CPU time (work on other threads, e.g. native
 * helper threads, is not counted), which the other load of a shared machine changes far less.
 */
public final class TrainProfile {
    private TrainProfile() {}

    /** Accumulated nanoseconds and calls per key; only while {@code on}. */
    private static final Map<String, long[]> TIMES = new TreeMap<>();
    private static volatile boolean on;
    /** {@code --clock cpu}: the calling thread's CPU time (run with -XX:ActiveProcessorCount=1 so the Java kernels stay on it). */
    private static boolean cpuClock;
    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    private static long now() { return cpuClock ? MX.getCurrentThreadCpuTime() : System.nanoTime(); }

    private static Backend timed(Backend b) {
        InvocationHandler h = (proxy, m, args) -> {
            if (!on || m.getDeclaringClass() != Backend.class || m.getName().equals("name")) {
                try {
                    return m.invoke(b, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
            String key = m.getName();
            if (args != null && args.length > 0 && args[0] instanceof Enum<?> op) key += "/" + op.name();
            long t0 = now();
            try {
                return m.invoke(b, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                long dt = now() - t0;
                synchronized (TIMES) {
                    long[] v = TIMES.computeIfAbsent(key, k -> new long[2]);
                    v[0] += dt;
                    v[1]++;
                }
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, h);
    }

    public static void main(String[] args) throws Exception {
        String[] models = DenseVersus.arg(args, "--models", "vgg45m").split(",");
        int size = Integer.parseInt(DenseVersus.arg(args, "--size", "64"));
        int batch = Integer.parseInt(DenseVersus.arg(args, "--batch", "32"));
        int steps = Integer.parseInt(DenseVersus.arg(args, "--steps", "6"));
        cpuClock = DenseVersus.arg(args, "--clock", "wall").equals("cpu");
        Device dev = new Device("cpu-timed", timed(new CpuBackend()));
        StringBuilder out = new StringBuilder();
        String cpu = Files.lines(Path.of("/proc/cpuinfo")).filter(l -> l.startsWith("model name")).findFirst().orElse("?");
        out.append(String.format("%s; %d cores visible; %s clock; load at start: %s", cpu, Runtime.getRuntime().availableProcessors(),
                cpuClock ? "calling-thread CPU" : "wall",
                Files.readString(Path.of("/proc/loadavg"))));
        for (String arch : models) {
            TIMES.clear();
            ZooNet net = Zoo.create(arch, size, 2, 1, dev);
            io.deepslim.optim.SGD opt = new io.deepslim.optim.SGD(net.parameters(), 0.01f, 0.9f, 0f, false);
            Tensor xb = Tensor.randn(new Random(2), 1f, batch, 3, size, size).to(dev);
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) labels[i] = i % 2;
            Runnable step = () -> {
                try (TensorScope s = TensorScope.open()) {
                    opt.zeroGrad();
                    io.deepslim.ops.Ops.crossEntropy(net.forward(xb), labels).backward();
                    opt.step();
                }
            };
            step.run();
            step.run();
            List<Double> t = new ArrayList<>();
            on = true;
            for (int i = 0; i < steps; i++) {
                long t0 = now();
                step.run();
                t.add((now() - t0) / 1e6);
            }
            on = false;
            double total = t.stream().mapToDouble(Double::doubleValue).sum() / steps;
            out.append(String.format("%n%s %dpx batch %d: step median %.1f ms, mean %.1f ms over %d steps%n| primitive | ms/step | calls/step | share |%n|---|---|---|---|%n",
                    arch, size, batch, DenseVersus.median(t), total, steps));
            double sum = 0;
            List<Map.Entry<String, long[]>> rows = new ArrayList<>(TIMES.entrySet());
            rows.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
            for (Map.Entry<String, long[]> e : rows) {
                double ms = e.getValue()[0] / 1e6 / steps;
                sum += ms;
                out.append(String.format("| %s | %.1f | %.0f | %.1f%% |%n", e.getKey(), ms, (double) e.getValue()[1] / steps, 100 * ms / total));
            }
            out.append(String.format("| (outside primitives) | %.1f | | %.1f%% |%n", total - sum, 100 * (total - sum) / total));
        }
        out.append(String.format("%nload at end: %s", Files.readString(Path.of("/proc/loadavg"))));
        System.out.print(out);
        String file = DenseVersus.arg(args, "--out", null);
        if (file != null) Files.writeString(Path.of(file), out.toString());
    }
}
