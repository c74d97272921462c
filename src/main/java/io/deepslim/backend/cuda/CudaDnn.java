package io.deepslim.backend.cuda;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.util.HashMap;
import java.util.Map;

import static io.deepslim.backend.cuda.CudaBackend.addr;
import static io.deepslim.backend.cuda.CudaBackend.contiguous;
import static io.deepslim.backend.cuda.CudaContext.checkDnn;
import static io.deepslim.backend.cuda.CudaContext.ptr;
import static org.bytedeco.cuda.global.cudnn.*;

/**
 * cuDNN calls of the CUDA backend: convolution forward / backward-data / backward-filter with the
 * algorithm chosen once per geometry (cuDNN's v7 heuristics, or its timed Find with
 * {@code -Ddeepslim.cuda.benchmark=true}; first algorithm that succeeds within the workspace limit; workspace from the context, grown on demand), spatial batch norm (training,
 * inference, backward) and softmax / log-softmax over the last dimension. Math is fp32 (FMA) unless
 * the context was opened with TF32. Descriptors are built once per shape and kept (calls are
 * serialized on the context).
 */
final class CudaDnn {
    /** Largest workspace an algorithm may ask for (bytes). */
    static final long WORKSPACE_LIMIT = 1L << 30;
    private final CudaContext ctx;
    private final FloatPointer one = new FloatPointer(1).put(1f), zero = new FloatPointer(1).put(0f);

    CudaDnn(CudaContext ctx) { this.ctx = ctx; }

    /**
     * Descriptors of one convolution geometry (x, w, y, conv, and the bias as 1×C×1×1), with the
     * algorithm and workspace size of each direction once chosen. Kept for the context's lifetime:
     * a model has a handful of geometries, and building descriptors per call cost more than the
     * small convolutions themselves.
     */
    private final class Conv {
        final cudnnTensorStruct x = new cudnnTensorStruct(), y = new cudnnTensorStruct(), bias = new cudnnTensorStruct();
        final cudnnFilterStruct w = new cudnnFilterStruct();
        final cudnnConvolutionStruct c = new cudnnConvolutionStruct();
        int fwdAlgo = -1, bwdDataAlgo = -1, bwdFilterAlgo = -1;
        long fwdBytes, bwdDataBytes, bwdFilterBytes;

        Conv(int[] xs, int[] ws, int[] ys, ConvParams p) {
            checkDnn(cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor");
            checkDnn(cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor");
            checkDnn(cudnnCreateTensorDescriptor(bias), "cudnnCreateTensorDescriptor");
            checkDnn(cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor");
            checkDnn(cudnnCreateConvolutionDescriptor(c), "cudnnCreateConvolutionDescriptor");
            checkDnn(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, xs[0], xs[1], xs[2], xs[3]), "x descriptor");
            checkDnn(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, ys[0], ys[1], ys[2], ys[3]), "y descriptor");
            checkDnn(cudnnSetTensor4dDescriptor(bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, ys[1], 1, 1), "bias descriptor");
            checkDnn(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, ws[0], ws[1], ws[2], ws[3]), "w descriptor");
            checkDnn(cudnnSetConvolution2dDescriptor(c, p.padH(), p.padW(), p.strideH(), p.strideW(), p.dilationH(), p.dilationW(),
                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "conv descriptor");
            checkDnn(cudnnSetConvolutionGroupCount(c, p.groups()), "conv groups");
            checkDnn(cudnnSetConvolutionMathType(c, ctx.tf32() ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH), "conv math type");
        }
    }

    private final Map<String, Conv> convs = new HashMap<>();
    private final Map<String, cudnnTensorStruct> tensors = new HashMap<>();

    /**
     * Whether algorithms are chosen by timing them (cuDNN's Find, like PyTorch's {@code cudnn.benchmark})
     * instead of by its heuristics: {@code -Ddeepslim.cuda.benchmark=true}. Read when a geometry is first
     * seen; not yet measured on a GPU (the H200 run used the heuristics).
     */
    static boolean benchmark() { return Boolean.getBoolean("deepslim.cuda.benchmark"); }

    private Conv conv(int[] xs, int[] ws, int[] ys, ConvParams p) {
        String key = java.util.Arrays.toString(xs) + java.util.Arrays.toString(ws) + java.util.Arrays.toString(ys) + p
                + (benchmark() ? " find" : " heuristic");
        return convs.computeIfAbsent(key, k -> new Conv(xs, ws, ys, p));
    }

    /** First heuristic choice with status success and workspace within the limit. */
    private static int pick(int n, java.util.function.IntPredicate ok, String what) {
        for (int i = 0; i < n; i++) if (ok.test(i)) return i;
        throw new CudaContext.CudaException("cuDNN offers no " + what + " algorithm for this geometry");
    }

    void convForward(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) {
        contiguous("conv2dForward", x, w, bias, y);
        synchronized (ctx) {
            ctx.makeCurrent();
            Conv d = conv(x.shape(), w.shape(), y.shape(), p);
            if (d.fwdAlgo < 0) {
                cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(8);
                IntPointer n = new IntPointer(1);
                checkDnn(benchmark() ? cudnnFindConvolutionForwardAlgorithm(ctx.dnn(), d.x, d.w, d.c, d.y, 8, n, perf)
                        : cudnnGetConvolutionForwardAlgorithm_v7(ctx.dnn(), d.x, d.w, d.c, d.y, 8, n, perf), "forward algorithm");
                int i = pick(n.get(), j -> perf.position(j).status() == CUDNN_STATUS_SUCCESS && perf.position(j).memory() <= WORKSPACE_LIMIT, "forward");
                int algo = perf.position(i).algo();
                SizeTPointer sz = new SizeTPointer(1);
                checkDnn(cudnnGetConvolutionForwardWorkspaceSize(ctx.dnn(), d.x, d.w, d.c, d.y, algo, sz), "forward workspace");
                d.fwdBytes = sz.get();
                d.fwdAlgo = algo;
            }
            checkDnn(cudnnConvolutionForward(ctx.dnn(), one, d.x, ptr(addr(x)), d.w, ptr(addr(w)), d.c, d.fwdAlgo,
                    ptr(ctx.workspace(d.fwdBytes)), d.fwdBytes, zero, d.y, ptr(addr(y))), "cudnnConvolutionForward");
            if (bias != null) {
                checkDnn(cudnnAddTensor(ctx.dnn(), one, d.bias, ptr(addr(bias)), one, d.y, ptr(addr(y))), "cudnnAddTensor(bias)");
            }
        }
    }

    void convBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        contiguous("conv2dBackwardData", dy, w, dx);
        synchronized (ctx) {
            ctx.makeCurrent();
            Conv d = conv(dx.shape(), w.shape(), dy.shape(), p);
            if (d.bwdDataAlgo < 0) {
                cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(8);
                IntPointer n = new IntPointer(1);
                checkDnn(benchmark() ? cudnnFindConvolutionBackwardDataAlgorithm(ctx.dnn(), d.w, d.y, d.c, d.x, 8, n, perf)
                        : cudnnGetConvolutionBackwardDataAlgorithm_v7(ctx.dnn(), d.w, d.y, d.c, d.x, 8, n, perf), "backward-data algorithm");
                int i = pick(n.get(), j -> perf.position(j).status() == CUDNN_STATUS_SUCCESS && perf.position(j).memory() <= WORKSPACE_LIMIT, "backward-data");
                int algo = perf.position(i).algo();
                SizeTPointer sz = new SizeTPointer(1);
                checkDnn(cudnnGetConvolutionBackwardDataWorkspaceSize(ctx.dnn(), d.w, d.y, d.c, d.x, algo, sz), "backward-data workspace");
                d.bwdDataBytes = sz.get();
                d.bwdDataAlgo = algo;
            }
            checkDnn(cudnnConvolutionBackwardData(ctx.dnn(), one, d.w, ptr(addr(w)), d.y, ptr(addr(dy)), d.c, d.bwdDataAlgo,
                    ptr(ctx.workspace(d.bwdDataBytes)), d.bwdDataBytes, zero, d.x, ptr(addr(dx))), "cudnnConvolutionBackwardData");
        }
    }

    void convBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        contiguous("conv2dBackwardFilter", x, dy, dw);
        synchronized (ctx) {
            ctx.makeCurrent();
            Conv d = conv(x.shape(), dw.shape(), dy.shape(), p);
            if (d.bwdFilterAlgo < 0) {
                cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(8);
                IntPointer n = new IntPointer(1);
                checkDnn(benchmark() ? cudnnFindConvolutionBackwardFilterAlgorithm(ctx.dnn(), d.x, d.y, d.c, d.w, 8, n, perf)
                        : cudnnGetConvolutionBackwardFilterAlgorithm_v7(ctx.dnn(), d.x, d.y, d.c, d.w, 8, n, perf), "backward-filter algorithm");
                int i = pick(n.get(), j -> perf.position(j).status() == CUDNN_STATUS_SUCCESS && perf.position(j).memory() <= WORKSPACE_LIMIT, "backward-filter");
                int algo = perf.position(i).algo();
                SizeTPointer sz = new SizeTPointer(1);
                checkDnn(cudnnGetConvolutionBackwardFilterWorkspaceSize(ctx.dnn(), d.x, d.y, d.c, d.w, algo, sz), "backward-filter workspace");
                d.bwdFilterBytes = sz.get();
                d.bwdFilterAlgo = algo;
            }
            checkDnn(cudnnConvolutionBackwardFilter(ctx.dnn(), one, d.x, ptr(addr(x)), d.y, ptr(addr(dy)), d.c, d.bwdFilterAlgo,
                    ptr(ctx.workspace(d.bwdFilterBytes)), d.bwdFilterBytes, zero, d.w, ptr(addr(dw))), "cudnnConvolutionBackwardFilter");
        }
    }

    /** The 4-D NCHW descriptor for shape s (2-D (M, N) becomes (M, N, 1, 1)), built once per shape. */
    private cudnnTensorStruct desc(int[] s) {
        int[] d = {s[0], s.length > 1 ? s[1] : 1, s.length > 2 ? s[2] : 1, s.length > 3 ? s[3] : 1};
        return tensors.computeIfAbsent(java.util.Arrays.toString(d), k -> {
            cudnnTensorStruct t = new cudnnTensorStruct();
            checkDnn(cudnnCreateTensorDescriptor(t), "cudnnCreateTensorDescriptor");
            checkDnn(cudnnSetTensor4dDescriptor(t, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, d[0], d[1], d[2], d[3]), "tensor descriptor");
            return t;
        });
    }

    /** gamma/beta may be null (no affine): a temporary of ones / zeros stands in. */
    private Tensor orFill(Tensor t, int c, float v, Tensor like) {
        if (t != null) return t;
        Tensor f = Tensor.empty(like.device(), io.deepslim.tensor.DType.F32, c);
        like.device().backend().fill(f, v);
        return f;
    }

    void batchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor rm, Tensor rv, boolean training, float momentum, float eps,
                          Tensor y, Tensor saveMean, Tensor saveInvStd) {
        contiguous("batchNorm", x, y);
        int c = x.size(1);
        Tensor g = orFill(gamma, c, 1f, x), b = orFill(beta, c, 0f, x);
        synchronized (ctx) {
            ctx.makeCurrent();
            cudnnTensorStruct xd = desc(x.shape()), bn = desc(new int[]{1, c, 1, 1});
            if (training) {
                checkDnn(cudnnBatchNormalizationForwardTraining(ctx.dnn(), CUDNN_BATCHNORM_SPATIAL, one, zero, xd, ptr(addr(x)), xd, ptr(addr(y)),
                        bn, ptr(addr(g)), ptr(addr(b)), momentum, ptr(addr(rm)), ptr(addr(rv)), eps, ptr(addr(saveMean)), ptr(addr(saveInvStd))),
                        "cudnnBatchNormalizationForwardTraining");
            } else {
                checkDnn(cudnnBatchNormalizationForwardInference(ctx.dnn(), CUDNN_BATCHNORM_SPATIAL, one, zero, xd, ptr(addr(x)), xd, ptr(addr(y)),
                        bn, ptr(addr(g)), ptr(addr(b)), ptr(addr(rm)), ptr(addr(rv)), eps), "cudnnBatchNormalizationForwardInference");
            }
        }
    }

    void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        contiguous("batchNormBackward", x, dy, dx);
        int c = x.size(1);
        Tensor g = orFill(gamma, c, 1f, x), dg = orFill(dgamma, c, 0f, x), db = orFill(dbeta, c, 0f, x);
        synchronized (ctx) {
            ctx.makeCurrent();
            cudnnTensorStruct xd = desc(x.shape()), bn = desc(new int[]{1, c, 1, 1});
            // eps is unused when the saved mean / inverse std are passed; cuDNN still checks it is ≥ 1e-5
            checkDnn(cudnnBatchNormalizationBackward(ctx.dnn(), CUDNN_BATCHNORM_SPATIAL, one, zero, one, zero, xd, ptr(addr(x)), xd, ptr(addr(dy)),
                    xd, ptr(addr(dx)), bn, ptr(addr(g)), ptr(addr(dg)), ptr(addr(db)), 1e-5, ptr(addr(saveMean)), ptr(addr(saveInvStd))),
                    "cudnnBatchNormalizationBackward");
        }
    }

    private static int[] rows(Tensor t) {
        int n = t.size(t.dim() - 1);
        return new int[]{(int) (t.numel() / n), n};
    }

    void softmax(Tensor x, boolean log, Tensor y) {
        contiguous("softmax", x, y);
        synchronized (ctx) {
            ctx.makeCurrent();
            cudnnTensorStruct d = desc(rows(x));
            checkDnn(cudnnSoftmaxForward(ctx.dnn(), log ? CUDNN_SOFTMAX_LOG : CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_INSTANCE,
                    one, d, ptr(addr(x)), zero, d, ptr(addr(y))), "cudnnSoftmaxForward");
        }
    }

    void softmaxBackward(Tensor y, Tensor dy, boolean log, Tensor dx) {
        contiguous("softmaxBackward", y, dy, dx);
        synchronized (ctx) {
            ctx.makeCurrent();
            cudnnTensorStruct d = desc(rows(y));
            checkDnn(cudnnSoftmaxBackward(ctx.dnn(), log ? CUDNN_SOFTMAX_LOG : CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_INSTANCE,
                    one, d, ptr(addr(y)), d, ptr(addr(dy)), zero, d, ptr(addr(dx))), "cudnnSoftmaxBackward");
        }
    }

}
