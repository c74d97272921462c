package io.deepslim.tensor;

import io.deepslim.autograd.Autograd;
import io.deepslim.autograd.Node;
import io.deepslim.backend.Device;
import io.deepslim.engine.Devices;
import io.deepslim.ops.Ops;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * An n-dimensional array on a device, with optional gradient tracking. A tensor is a view
 * (shape, strides, offset) over an owned {@link Storage}; reshape/transpose/narrow make views
 * without copying. Differentiable operations live in {@link Ops}; the instance methods here
 * that compute something delegate to it.
 *
 * <p>Thread safety: a tensor may be read from many threads at once; writing one while another
 * thread reads it is a data race, as with plain arrays.
 */
public final class Tensor implements AutoCloseable {
    private Storage storage;       // replaced only by moveTo (Module.to)
    private final int[] shape;
    private final int[] strides;
    private int offset;
    private Device device;

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    public Tensor(Storage storage, int[] shape, int[] strides, int offset, Device device) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.device = device;
    }

    // ---------------------------------------------------------------- factories
    // Every factory has a Device form; the forms without one use Devices.cpu(), the documented default.

    /** A contiguous zero tensor on {@code device}. */
    public static Tensor zeros(Device device, DType dtype, int... shape) {
        int[] s = Shape.check(shape);
        return new Tensor(device.allocate(dtype, Shape.numel(s), true), s, Shape.contiguousStrides(s), 0, device);
    }

    /** A contiguous F32 zero tensor on the default CPU device ({@link Devices#cpu()}). */
    public static Tensor zeros(int... shape) { return zeros(Devices.cpu(), DType.F32, shape); }

    /** A contiguous tensor whose content is unspecified (filled by the caller). */
    public static Tensor empty(Device device, DType dtype, int... shape) {
        int[] s = Shape.check(shape);
        return new Tensor(device.allocate(dtype, Shape.numel(s), false), s, Shape.contiguousStrides(s), 0, device);
    }

    /** An uninitialized contiguous F32 tensor on {@link Devices#cpu()}. */
    public static Tensor empty(int... shape) { return empty(Devices.cpu(), DType.F32, shape); }

    /** Copies {@code data} (row-major) into a new F32 tensor of {@code shape} on {@code device}. */
    public static Tensor of(Device device, float[] data, int... shape) {
        int[] s = Shape.check(shape);
        if (Shape.numel(s) != data.length) {
            throw new IllegalArgumentException("Tensor.of: " + data.length + " values do not fill shape " + Shape.str(s));
        }
        Tensor t = empty(device, DType.F32, s);
        device.backend().writeFloats(data, t);
        return t;
    }

    /** Copies {@code data} into a new F32 tensor on {@link Devices#cpu()}. */
    public static Tensor of(float[] data, int... shape) { return of(Devices.cpu(), data, shape); }

    /** Copies {@code codes} into a new I8 tensor of {@code shape} on {@code device}. */
    public static Tensor ofBytes(Device device, byte[] codes, int... shape) {
        int[] s = Shape.check(shape);
        if (Shape.numel(s) != codes.length) throw new IllegalArgumentException("Tensor.ofBytes: " + codes.length + " values do not fill shape " + Shape.str(s));
        Tensor t = empty(device, DType.I8, s);
        device.backend().writeBytes(codes, t);
        return t;
    }

    /** Copies {@code values} into a new I32 tensor of {@code shape} on {@code device}. */
    public static Tensor ofInts(Device device, int[] values, int... shape) {
        int[] s = Shape.check(shape);
        if (Shape.numel(s) != values.length) throw new IllegalArgumentException("Tensor.ofInts: " + values.length + " values do not fill shape " + Shape.str(s));
        Tensor t = empty(device, DType.I32, s);
        device.backend().writeInts(values, t);
        return t;
    }

    /** A rank-0 tensor holding {@code v} on {@link Devices#cpu()}. */
    public static Tensor scalar(float v) { return of(new float[]{v}); }

    /** A rank-0 tensor holding {@code v} on {@code device}. */
    public static Tensor scalar(Device device, float v) { return of(device, new float[]{v}); }

    /** A tensor filled with {@code v} on {@code device}. */
    public static Tensor full(Device device, float v, int... shape) {
        Tensor t = empty(device, DType.F32, shape);
        device.backend().fill(t, v);
        return t;
    }

    /** A tensor filled with {@code v} on {@link Devices#cpu()}. */
    public static Tensor full(float v, int... shape) { return full(Devices.cpu(), v, shape); }

    /** Standard normal samples, scaled by {@code std}, on {@code device} (drawn on the host). */
    public static Tensor randn(Device device, Random rng, float std, int... shape) {
        float[] v = new float[(int) Shape.numel(Shape.check(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * std);
        return of(device, v, shape);
    }

    /** Standard normal samples on {@link Devices#cpu()}. */
    public static Tensor randn(Random rng, float std, int... shape) { return randn(Devices.cpu(), rng, std, shape); }

    /** Uniform samples in [lo, hi) on {@code device} (drawn on the host). */
    public static Tensor uniform(Device device, Random rng, float lo, float hi, int... shape) {
        float[] v = new float[(int) Shape.numel(Shape.check(shape))];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * rng.nextFloat();
        return of(device, v, shape);
    }

    /** Uniform samples in [lo, hi) on {@link Devices#cpu()}. */
    public static Tensor uniform(Random rng, float lo, float hi, int... shape) { return uniform(Devices.cpu(), rng, lo, hi, shape); }

    // ---------------------------------------------------------------- metadata

    public int[] shape() { return shape.clone(); }

    /** Size of dimension {@code d} (negative counts from the end). */
    public int size(int d) { return shape[Shape.dim("size", d, shape.length)]; }

    public int dim() { return shape.length; }

    public long numel() { return Shape.numel(shape); }

    public int[] strides() { return strides.clone(); }

    public int offset() { return offset; }

    public Storage storage() { return storage; }

    public Device device() { return device; }

    public DType dtype() { return storage.dtype(); }

    /** True when elements are laid out row-major without gaps starting at {@link #offset()}. */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** Write counter of the storage (see {@link Storage#version()}): packed-weight caches key on it. */
    public long version() { return storage.version(); }

    /**
     * This tensor's packed form of {@code kind} (see {@link Storage#packed}): built once by
     * {@code pack}, reused until the content changes. The key adds the view's offset and shape.
     */
    public <T> T packed(String kind, java.util.function.Function<Tensor, T> pack) {
        return storage.packed(kind + "@" + offset + Shape.str(shape), () -> pack.apply(this));
    }

    /**
     * Direct float buffer of the host storage (index with {@link #offset()} and strides). For
     * backends and file I/O only (HostAccessTest); other code uses {@link #toFloatArray()} / {@link #copyFrom}.
     */
    public FloatBuffer buffer() { return storage.floats(); }

    /** Direct byte buffer of the host storage (I8/I32 tensors); backends and file I/O only. */
    public ByteBuffer byteBuffer() { return storage.bytes(); }

    // ---------------------------------------------------------------- explicit copies

    /** Reads one element through a copy (slow; for tests and small tensors). */
    public float get(int... idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("get: " + idx.length + " indices for shape " + Shape.str(shape));
        }
        int p = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("get: index " + Arrays.toString(idx) + " outside " + Shape.str(shape));
            }
            p += idx[i] * strides[i];
        }
        return new Tensor(storage, new int[0], new int[0], p, device).toFloatArray()[0];
    }

    /** The value of a one-element tensor (a copy to the host). */
    public float item() {
        if (numel() != 1) throw new IllegalArgumentException("item: tensor of shape " + Shape.str(shape) + " has " + numel() + " elements");
        return get(new int[shape.length]);
    }

    /** Copies the elements into a new row-major float array (a copy to the host; I8/I32 converted). */
    public float[] toFloatArray() {
        Tensor c = contiguousRaw();
        int n = (int) numel();
        float[] out = new float[n];
        switch (c.dtype()) {
            case F32 -> device.backend().readFloats(c, out);
            case I8 -> {
                byte[] b = c.toByteArray();
                for (int i = 0; i < n; i++) out[i] = b[i];
            }
            default -> {
                int[] v = c.toIntArray();
                for (int i = 0; i < n; i++) out[i] = v[i];
            }
        }
        return out;
    }

    /** Copies the codes of a contiguous I8 tensor to a new host array. */
    public byte[] toByteArray() {
        byte[] out = new byte[(int) numel()];
        device.backend().readBytes(this, out);
        return out;
    }

    /** Copies the values of a contiguous I32 tensor to a new host array. */
    public int[] toIntArray() {
        int[] out = new int[(int) numel()];
        device.backend().readInts(this, out);
        return out;
    }

    /** A contiguous copy of this tensor on the default host device ({@link Devices#cpu()}), no gradient tracking. */
    public Tensor toHost() { return copyTo(Devices.cpu()); }

    /** This tensor if it already lives on {@code target}, else a contiguous copy there (no gradient tracking). */
    public Tensor to(Device target) { return target == device ? this : copyTo(target); }

    private Tensor copyTo(Device target) {
        Tensor out = empty(target, dtype(), shape);
        out.copyFrom(this);
        return out;
    }

    /**
     * Overwrites this contiguous tensor with {@code src}'s values (same element count, any
     * device, any strides) and bumps {@link #version()}.
     */
    public Tensor copyFrom(Tensor src) {
        if (src.numel() != numel()) {
            throw new IllegalArgumentException("copyFrom: " + src.numel() + " elements into a tensor of shape " + Shape.str(shape));
        }
        if (src.dtype() != dtype()) throw new IllegalArgumentException("copyFrom: " + src.dtype() + " into " + dtype());
        if (!isContiguous()) throw new IllegalArgumentException("copyFrom: destination must be contiguous");
        if (src.device == device && dtype() == DType.F32) {
            device.backend().copy(src.viewRaw(shape, shapeStrides(src), src.offset), this);
        } else {
            switch (dtype()) {
                case F32 -> device.backend().writeFloats(src.toFloatArray(), this);
                case I8 -> device.backend().writeBytes(src.contiguousRaw().toByteArray(), this);
                default -> device.backend().writeInts(src.contiguousRaw().toIntArray(), this);
            }
        }
        storage.bumpVersion();
        return this;
    }

    /** src's strides when it has this tensor's shape, else (a reshape of contiguous src) contiguous strides. */
    private int[] shapeStrides(Tensor src) {
        if (Arrays.equals(src.shape, shape)) return src.strides;
        if (!src.isContiguous()) throw new IllegalArgumentException("copyFrom: a strided source must have the destination's shape");
        return Shape.contiguousStrides(shape);
    }

    /** Overwrites this contiguous F32 tensor with {@code values} (row-major) and bumps {@link #version()}. */
    public Tensor copyFrom(float[] values) {
        device.backend().writeFloats(values, this);
        storage.bumpVersion();
        return this;
    }

    /**
     * Moves this tensor's data to {@code target} in place (a contiguous copy there; the gradient
     * is dropped). For {@code Module.to}: layers keep their parameter objects. Views made earlier
     * keep the old memory.
     */
    public void moveTo(Device target) {
        if (target == device) return;
        if (!isContiguous()) throw new IllegalStateException("moveTo: only contiguous tensors (parameters, buffers) move in place");
        Tensor c = TensorScope.unscoped(() -> copyTo(target));
        this.storage = c.storage;
        this.offset = 0;
        this.device = target;
        this.grad = null;
    }

    // ---------------------------------------------------------------- raw views (no autograd)

    /** A view with new shape/strides over the same storage; no gradient tracking. */
    public Tensor viewRaw(int[] newShape, int[] newStrides, int newOffset) {
        return new Tensor(storage, newShape, newStrides, newOffset, device);
    }

    /** This tensor if contiguous, else a contiguous copy; no gradient tracking. */
    public Tensor contiguousRaw() {
        if (isContiguous()) return this;
        if (dtype() != DType.F32) throw new IllegalArgumentException("contiguousRaw: strided " + dtype() + " views are not supported");
        Tensor out = empty(device, dtype(), shape);
        device.backend().copy(this, out);
        return out;
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf tensor as a parameter whose gradient is accumulated in {@link #grad()}. */
    public Tensor requiresGrad(boolean r) {
        if (gradFn != null && !r) throw new IllegalStateException("requiresGrad(false) on a non-leaf tensor; use detach()");
        this.requiresGrad = r;
        return this;
    }

    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) { this.grad = g; }

    public Node gradFn() { return gradFn; }

    public void setGradFn(Node n) {
        this.gradFn = n;
        this.requiresGrad = n != null;
    }

    /** True for tensors not produced by a tracked operation. */
    public boolean isLeaf() { return gradFn == null; }

    /** A tensor sharing storage but cut from the graph. */
    public Tensor detach() { return new Tensor(storage, shape, strides, offset, device); }

    /** Back-propagates from this scalar, accumulating into the leaves' {@link #grad()}. */
    public void backward() { Autograd.backward(this); }

    // ---------------------------------------------------------------- convenience ops

    public Tensor add(Tensor o) { return Ops.add(this, o); }

    public Tensor sub(Tensor o) { return Ops.sub(this, o); }

    public Tensor mul(Tensor o) { return Ops.mul(this, o); }

    public Tensor div(Tensor o) { return Ops.div(this, o); }

    public Tensor mul(float s) { return Ops.scale(this, s); }

    public Tensor matmul(Tensor o) { return Ops.matmul(this, o); }

    public Tensor reshape(int... s) { return Ops.reshape(this, s); }

    public Tensor transpose(int a, int b) { return Ops.transpose(this, a, b); }

    public Tensor sum() { return Ops.sum(this); }

    public Tensor mean() { return Ops.mean(this); }

    // ---------------------------------------------------------------- lifetime

    /** Frees the storage now (this tensor and all views of it become unusable). */
    @Override
    public void close() { storage.close(); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Shape.str(shape)).append(' ').append(dtype());
        if (storage.isReleased()) return sb.append(" (released)").toString();
        if (numel() <= 16) sb.append(' ').append(Arrays.toString(toFloatArray()));
        if (gradFn != null) sb.append(" grad_fn=").append(gradFn.name());
        return sb.toString();
    }
}
