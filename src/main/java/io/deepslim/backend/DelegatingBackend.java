package io.deepslim.backend;

import io.deepslim.tensor.Tensor;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A backend that implements some primitives and hands every other one to the backend below it
 * ({@link #next()}). Subclasses override exactly the primitives they speed up; everything else
 * runs on {@code next} unchanged. {@link #implementationOf} reports, per primitive, the backend
 * in the stack that actually runs it (found once, by which class overrides the method).
 * The forwarding below is one line per primitive of {@link Backend}.
 */
public abstract class DelegatingBackend implements Backend {
    private final Backend next;
    private final Map<String, Boolean> overrides = new TreeMap<>();

    protected DelegatingBackend(Backend next) {
        if (next == null) throw new IllegalArgumentException("a delegating backend needs a backend below it");
        this.next = next;
        for (Method m : Backend.class.getMethods()) {
            if (m.getName().equals("name") || m.getName().equals("implementationOf")) continue;
            try {
                Class<?> owner = getClass().getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass();
                overrides.put(m.getName(), owner != DelegatingBackend.class);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The backend below this one. */
    public Backend next() { return next; }

    /** Primitives this backend runs itself (the others go down the stack). */
    public Set<String> ownPrimitives() {
        Set<String> own = new TreeSet<>();
        overrides.forEach((k, v) -> {
            if (v) own.add(k);
        });
        return own;
    }

    @Override
    public String implementationOf(String primitive) {
        Boolean own = overrides.get(primitive);
        if (own == null) throw new IllegalArgumentException("no backend primitive named '" + primitive + "'; known: " + overrides.keySet());
        return own ? name() : next.implementationOf(primitive);
    }

    @Override
    public void readFloats(Tensor src, float[] dst) { next.readFloats(src, dst); }

    @Override
    public void writeFloats(float[] src, Tensor dst) { next.writeFloats(src, dst); }

    @Override
    public void readBytes(Tensor src, byte[] dst) { next.readBytes(src, dst); }

    @Override
    public void writeBytes(byte[] src, Tensor dst) { next.writeBytes(src, dst); }

    @Override
    public void readInts(Tensor src, int[] dst) { next.readInts(src, dst); }

    @Override
    public void writeInts(int[] src, Tensor dst) { next.writeInts(src, dst); }

    @Override
    public void copy(Tensor src, Tensor dst) { next.copy(src, dst); }

    @Override
    public void fill(Tensor dst, float v) { next.fill(dst, v); }

    @Override
    public void unary(UnaryOp op, Tensor a, float alpha, Tensor out) { next.unary(op, a, alpha, out); }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { next.binary(op, a, b, out); }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) { next.axpy(alpha, x, y); }

    @Override
    public void reduce(ReduceOp op, Tensor a, int dim, Tensor out) { next.reduce(op, a, dim, out); }

    @Override
    public void argmaxLastDim(Tensor a, Tensor out) { next.argmaxLastDim(a, out); }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) { next.gemm(transA, transB, alpha, a, b, beta, c); }

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) { next.conv2dForward(x, w, bias, p, y); }

    @Override
    public void conv2dForwardRelu(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) { next.conv2dForwardRelu(x, w, bias, p, y); }

    @Override
    public void conv2dForwardMaxPool2(Tensor x, Tensor w, Tensor bias, ConvParams p, boolean relu, Tensor y) { next.conv2dForwardMaxPool2(x, w, bias, p, relu, y); }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) { next.conv2dBackwardData(dy, w, p, dx); }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) { next.conv2dBackwardFilter(x, dy, p, dw); }

    @Override
    public void maxPool2dForward(Tensor x, PoolParams p, Tensor y, Tensor argmax) { next.maxPool2dForward(x, p, y, argmax); }

    @Override
    public void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx) { next.maxPool2dBackward(dy, argmax, dx); }

    @Override
    public void avgPool2dForward(Tensor x, PoolParams p, Tensor y) { next.avgPool2dForward(x, p, y); }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolParams p, Tensor dx) { next.avgPool2dBackward(dy, p, dx); }

    @Override
    public void adaptiveAvgPool2dForward(Tensor x, Tensor y) { next.adaptiveAvgPool2dForward(x, y); }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx) { next.adaptiveAvgPool2dBackward(dy, dx); }

    @Override
    public void batchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, boolean training, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) { next.batchNormForward(x, gamma, beta, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvStd); }

    @Override
    public void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) { next.batchNormBackward(x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta); }

    @Override
    public void batchNormReluForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) { next.batchNormReluForward(x, gamma, beta, runningMean, runningVar, momentum, eps, y, saveMean, saveInvStd); }

    @Override
    public void batchNormReluBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) { next.batchNormReluBackward(x, y, dy, gamma, beta, saveMean, saveInvStd, dx, dgamma, dbeta); }

    @Override
    public void batchNormReluMaxPool2Forward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float momentum, float eps, Tensor y, Tensor argmax, Tensor saveMean, Tensor saveInvStd) { next.batchNormReluMaxPool2Forward(x, gamma, beta, runningMean, runningVar, momentum, eps, y, argmax, saveMean, saveInvStd); }

    @Override
    public void batchNormReluMaxPool2Backward(Tensor x, Tensor y, Tensor argmax, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) { next.batchNormReluMaxPool2Backward(x, y, argmax, dy, gamma, beta, saveMean, saveInvStd, dx, dgamma, dbeta); }

    @Override
    public void softmax(Tensor x, boolean log, Tensor y) { next.softmax(x, log, y); }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, boolean log, Tensor dx) { next.softmaxBackward(y, dy, log, dx); }

    @Override
    public void dropoutMask(Tensor out, float p, long seed) { next.dropoutMask(out, p, seed); }

    @Override
    public float[] minMax(Tensor x) { return next.minMax(x); }

    @Override
    public void quantize(Tensor x, float scale, int zeroPoint, Tensor q) { next.quantize(x, scale, zeroPoint, q); }

    @Override
    public void int8Gemm(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, Tensor y) { next.int8Gemm(xq, xScale, xZero, wq, wScale, bias, y); }

    @Override
    public void int8Conv2d(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, ConvParams p, Tensor y) { next.int8Conv2d(xq, xScale, xZero, wq, wScale, bias, p, y); }

    @Override
    public void sgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, boolean nesterov, boolean first) { next.sgdStep(w, g, velocity, lr, momentum, weightDecay, nesterov, first); }

    @Override
    public void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long step) { next.adamStep(w, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step); }
}
