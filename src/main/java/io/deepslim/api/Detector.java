package io.deepslim.api;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.Device;
import io.deepslim.data.BadImageException;
import io.deepslim.data.ImageDecoder;
import io.deepslim.data.Preprocessor;
import io.deepslim.data.RgbImage;
import io.deepslim.data.TransformConfig;
import io.deepslim.engine.Devices;
import io.deepslim.infer.InferenceFusion;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Storage;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A real/fake image classifier loaded from a deepslim model file (dense or compressed).
 *
 * <p><b>Contract.</b> A detector is immutable once loaded: the model is in evaluation mode, its
 * parameters are frozen, batch norm is folded into the convolutions before it (pruned and int8 ones too:
 * a pruned conv runs its BN, ReLU and 2x2 pool inside its sparse kernel call, consecutive int8 convs pass
 * int8 codes), and no autograd graph is ever recorded. Compressed layers keep their stored weights and run
 * the kernel they pick for inference (sparse or dense for pruned layers, int8, low-rank). Any number of threads may call {@code predict} on one detector at
 * once and get exactly the results one thread would. Preprocessing (input size, normalization) comes
 * from the model file's metadata: the image is resized to S×S (aspect ratio not kept), scaled to [0,1]
 * and normalized per channel, as in training's evaluation transform.
 *
 * <p>Input that is not a usable image throws {@link InvalidImageException}; the detector keeps working.
 * {@link #close()} frees the model's off-heap memory once every detector sharing it (see
 * {@link #withThreshold(double)}) is closed; it waits for predictions in flight, and later calls throw
 * {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Detector d = Detector.load(Path.of("model.safetensors"))) {
 *     Prediction p = d.predict(Path.of("photo.jpg"));
 *     System.out.println(p.label() + " " + p.pFake());
 * }
 * }</pre>
 */
public final class Detector implements AutoCloseable {
    /** Images per forward pass in batch calls. */
    static final int CHUNK = 16;

    private final Shared shared;
    private final double threshold;
    private volatile boolean closed;

    /** What every detector over one loaded model shares: weights, preprocessing, a batch pool, a reference count. */
    private static final class Shared {
        final Path file;
        final Module net;
        final ModelInfo info;
        /** Parameters of the model as stored (counted before fusion, whose layers keep their tensors as buffers). */
        final long parameters;
        final DetectorOptions options;
        /** Where the network's tensors live and inputs are copied to. */
        final Device device;
        final Preprocessor pre;
        final ImageDecoder decoder;
        final ExecutorService pool;
        final AtomicInteger refs = new AtomicInteger(1);
        /** Read-held by every prediction, write-held while the weights are freed. */
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        boolean released;

        Shared(Path file, Module net, ModelInfo info, long parameters, DetectorOptions o, Device device) {
            this.device = device;
            this.file = file;
            this.net = net;
            this.info = info;
            this.parameters = parameters;
            this.options = o;
            this.decoder = new ImageDecoder(o.maxImageSide(), o.maxImagePixels(), o.maxImageBytes(), true);
            this.pre = new Preprocessor(TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std()), decoder);
            this.pool = o.threads() > 1 ? Executors.newFixedThreadPool(o.threads(), r -> {
                Thread t = new Thread(r, "deepslim-detector-batch");
                t.setDaemon(true);
                return t;
            }) : null;
        }
    }

    private Detector(Shared shared, double threshold) {
        this.shared = shared;
        this.threshold = threshold;
    }

    /** Loads {@code model} with {@link DetectorOptions#defaults()}. */
    public static Detector load(Path model) throws IOException {
        return load(model, DetectorOptions.defaults());
    }

    /**
     * Loads {@code model} (any deepslim model file: dense, pruned, int8, low-rank) for inference.
     *
     * @throws IOException                   the file is unreadable or not a valid model file (one-line reason)
     * @throws IllegalArgumentException      the model is not a two-class detector, or the device is unknown
     * @throws UnsupportedOperationException a GPU device was asked for and cannot be used here (the message
     *                                       names what is missing: driver, CUDA/cuDNN libraries, presets, device)
     */
    public static Detector load(Path model, DetectorOptions options) throws IOException {
        Device device = device(options.device());
        Built b;
        try {
            b = TensorScope.unscoped(() -> build(model, options, device));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        Module net = b.net();
        ModelInfo info = b.info();
        net.eval();
        net.setTrainable(".*", false);
        return new Detector(new Shared(model, net, info, b.parameters(), options, device), options.threshold());
    }

    private record Built(Module net, ModelInfo info, long parameters) {}

    /**
     * Loads the model in a private scope and prepares it for inference: batch norm folded when the model
     * is dense and shaped like its architecture. Keeps the tensors the final network holds; frees the rest
     * (the scope's temporaries, layers the loader or the fusion replaced).
     */
    private static Built build(Path model, DetectorOptions options, Device device) {
        try (TensorScope scope = TensorScope.open()) {
            ModelFile.Loaded m = ModelFile.load(model);
            Module net = m.network();
            ModelInfo info = m.info();
            if (info.numClasses() != 2) {
                throw new IllegalArgumentException(model + ": a detector needs a two-class model (real, fake); this one has "
                        + info.numClasses() + " classes " + info.classNames());
            }
            Set<Storage> loaded = storages(net);
            long parameters = net.parameterCount();
            // fusion copies through the module tree, so adapter, CAE and filter-pruned networks fuse too (unknown blocks are kept)
            // the fused graph is the CPU's (native kernels over host memory): a GPU runs the plain module. Compressed
            // models fuse too: a pruned conv takes its BN, ReLU and pool into its sparse call, int8 convs chain as codes
            net = options.fuse() ? InferenceFusion.forInference(net, device) : net.to(device);
            Set<Storage> kept = storages(net);
            for (Storage s : loaded) if (!kept.contains(s)) s.close();
            // called with no enclosing scope: kept storages leave scope management and live until close()
            for (Tensor t : net.stateDict().values()) scope.keep(t);
            for (Tensor t : net.parameters()) scope.keep(t);
            return new Built(net, info, parameters);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Set<Storage> storages(Module net) {
        Set<Storage> out = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : net.stateDict().values()) out.add(t.storage());
        for (Tensor t : net.parameters()) out.add(t.storage());
        return out;
    }

    /** The device named in the options: the CPU, the first NVIDIA GPU when it is usable here, or another registered device. */
    private static Device device(String device) {
        String d = device.toLowerCase(Locale.ROOT);
        if (d.equals("cpu")) return Devices.cpu();
        if (d.equals("cuda") || d.startsWith("cuda:") || d.equals("gpu")) {
            try {
                return Devices.forUser(d);
            } catch (IllegalArgumentException e) {
                throw new UnsupportedOperationException(e.getMessage() + "; use \"cpu\"", e);
            }
        }
        return Devices.forUser(device); // a registered device (e.g. "ref"), or "unknown device …"
    }

    /** A detector over the same loaded model (no copy) with another threshold; close it too. */
    public Detector withThreshold(double t) {
        if (!(t >= 0 && t <= 1)) throw new IllegalArgumentException("threshold must be in [0,1]: " + t);
        synchronized (this) {
            if (closed) throw new IllegalStateException("detector is closed");
            shared.refs.incrementAndGet();
        }
        return new Detector(shared, t);
    }

    /** The decision threshold on p_fake. */
    public double threshold() { return threshold; }

    /** What the model file says about the model (architecture, input size, normalization, classes, compression). */
    public ModelInfo modelInfo() { return shared.info; }

    /** The file this detector was loaded from. */
    public Path modelFile() { return shared.file; }

    /** The options it was loaded with (its threshold may differ after {@link #withThreshold(double)}). */
    public DetectorOptions options() { return shared.options; }

    /** True when the model file was compressed (pruned, int8, low-rank), per its metadata. */
    public boolean compressed() { return !shared.info.compression().isEmpty(); }

    /** Number of parameters as stored. */
    public long parameterCount() { return shared.parameters; }

    /** The network predictions run (fused unless the options say not), for tests. */
    Module network() { return shared.net; }

    /** Classifies an image file (JPEG, PNG or BMP; EXIF orientation applied). */
    public Prediction predict(Path image) throws InvalidImageException {
        return classify(decode(image));
    }

    /** Classifies an encoded image (the bytes of a JPEG, PNG or BMP file). */
    public Prediction predict(byte[] encoded) throws InvalidImageException {
        return classify(decode(encoded));
    }

    /**
     * Classifies the encoded image read from {@code in} (not closed), refusing streams longer than
     * {@link DetectorOptions#maxImageBytes()}.
     *
     * @throws IOException reading the stream failed (the image itself was not judged)
     */
    public Prediction predict(InputStream in) throws InvalidImageException, IOException {
        return predict(readBounded(in, shared.options.maxImageBytes()));
    }

    /** Classifies a decoded image (any type ImageIO produces; alpha dropped, gray replicated). */
    public Prediction predict(BufferedImage image) throws InvalidImageException {
        return classify(convert(image));
    }

    /** Classifies image files in batches (decoded in parallel); fails on the first unusable file, naming it. */
    public List<Prediction> predictFiles(List<Path> images) throws InvalidImageException {
        return predictAll(images.size(), i -> decode(images.get(i)));
    }

    /** Classifies decoded images in batches. */
    public List<Prediction> predictImages(List<BufferedImage> images) throws InvalidImageException {
        return predictAll(images.size(), i -> convert(images.get(i)));
    }

    /** Encoded bytes of at most {@code max} bytes from {@code in}. */
    static byte[] readBounded(InputStream in, long max) throws IOException, InvalidImageException {
        byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (b.length > max) throw new InvalidImageException("image stream is longer than the limit of " + max + " bytes", null);
        return b;
    }

    private RgbImage decode(Path file) throws InvalidImageException {
        try {
            return shared.decoder.decode(file);
        } catch (BadImageException e) {
            throw new InvalidImageException(e.getMessage(), e);
        }
    }

    private RgbImage decode(byte[] bytes) throws InvalidImageException {
        try {
            return shared.decoder.decode(bytes, Path.of("image"));
        } catch (BadImageException e) {
            throw new InvalidImageException(e.getMessage(), e);
        }
    }

    private RgbImage convert(BufferedImage bi) throws InvalidImageException {
        if (bi == null) throw new InvalidImageException("image is null", null);
        DetectorOptions o = shared.options;
        int w = bi.getWidth(), h = bi.getHeight();
        if (w > o.maxImageSide() || h > o.maxImageSide() || (long) w * h > o.maxImagePixels()) {
            throw new InvalidImageException("image of " + w + "x" + h + " is above the limit " + o.maxImageSide() + "x"
                    + o.maxImageSide() + " and " + o.maxImagePixels() + " pixels", null);
        }
        try {
            return RgbImage.from(bi);
        } catch (RuntimeException e) {
            throw new InvalidImageException("cannot read the image's pixels (" + e + ")", e);
        }
    }

    /** Resized, normalized CHW floats of one image into dst[off..]. */
    private void prepare(RgbImage img, float[] dst, int off) {
        // the evaluation transform draws its (unused) augmentation numbers from this stream
        shared.pre.write(shared.pre.transform(img, new SplittableRandom(0)), dst, off);
    }

    private Prediction classify(RgbImage img) {
        int s = shared.info.inputSize();
        float[] x = new float[3 * s * s];
        prepare(img, x, 0);
        return toPrediction(forward(x, 1)[1]);
    }

    private Prediction toPrediction(float pFake) {
        double p = Math.min(1.0, Math.max(0.0, pFake));
        boolean fake = p >= threshold;
        return new Prediction(p, shared.info.classNames().get(fake ? 1 : 0), fake, threshold);
    }

    /** Softmax of the logits of n preprocessed images, row-major (n × 2). */
    private float[] forward(float[] x, int n) {
        int s = shared.info.inputSize();
        ReentrantReadWriteLock.ReadLock read = shared.lock.readLock();
        read.lock();
        try {
            if (closed || shared.released) throw new IllegalStateException("detector is closed");
            try (GradMode g = GradMode.off(); TensorScope sc = TensorScope.open()) {
                return Ops.softmax(shared.net.forward(Tensor.of(shared.device, x, n, 3, s, s)), 1).toFloatArray();
            }
        } finally {
            read.unlock();
        }
    }

    private interface Source {
        RgbImage get(int i) throws InvalidImageException;
    }

    private List<Prediction> predictAll(int n, Source src) throws InvalidImageException {
        int s = shared.info.inputSize(), per = 3 * s * s;
        List<Prediction> out = new ArrayList<>(n);
        for (int start = 0; start < n; start += CHUNK) {
            int m = Math.min(CHUNK, n - start), base = start;
            float[] x = new float[m * per];
            if (shared.pool == null || m == 1) {
                for (int j = 0; j < m; j++) prepare(src.get(base + j), x, j * per);
            } else {
                List<Future<Void>> jobs = new ArrayList<>(m);
                for (int j = 0; j < m; j++) {
                    int jj = j;
                    jobs.add(shared.pool.submit(() -> {
                        prepare(src.get(base + jj), x, jj * per);
                        return null;
                    }));
                }
                for (Future<Void> f : jobs) join(f);
            }
            float[] p = forward(x, m);
            for (int j = 0; j < m; j++) out.add(toPrediction(p[2 * j + 1]));
        }
        return out;
    }

    private static void join(Future<Void> f) throws InvalidImageException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing a batch", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof InvalidImageException) throw (InvalidImageException) c;
            if (c instanceof RuntimeException) throw (RuntimeException) c;
            throw new IllegalStateException(c);
        }
    }

    /**
     * Releases this detector; the model's off-heap memory is freed when the last detector sharing it
     * is closed, after predictions in flight finish. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        if (shared.refs.decrementAndGet() > 0) return;
        ReentrantReadWriteLock.WriteLock write = shared.lock.writeLock();
        write.lock();
        try {
            shared.released = true;
            release(shared.net);
        } finally {
            write.unlock();
        }
        if (shared.pool != null) shared.pool.shutdownNow();
    }

    /** Frees every tensor the model registers (parameters and buffers, compressed layers' included). */
    private static void release(Module net) {
        for (Tensor t : net.stateDict().values()) t.close();
        for (Tensor t : net.parameters()) t.close();
    }
}
