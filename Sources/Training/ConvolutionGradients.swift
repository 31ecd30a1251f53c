import Kernels
import NN
import TensorCore

/// Convolution and transposed convolution, forward and backward, on the FP32 kernels inference
/// uses (`Kernels`): the forward through ``FP32ConvKernel`` (the FP32 executor's choice: direct
/// kernel or im2col + sgemm) and `FP32Conv.convTranspose`; the backward through
/// `FP32ConvGradient` (input gradient as a transposed convolution, weight gradient as a
/// correlation). A transposed convolution is the adjoint of the convolution `geometry`
/// describes, so its three passes are that convolution's backward-input, forward and
/// weight-gradient kernels. The kernels split work over `threads` themselves; BLAS runs
/// single-threaded inside them, as everywhere in the project.
enum ConvolutionGradients {
    struct Plan {
        /// The forward convolution (for a transposed convolution: the one it transposes).
        var geometry: ConvGeometry
        var outputShape: [Int]
    }

    static func convPlan(x: [Int], w: [Int], _ a: ConvAttributes) throws -> Plan {
        let r = a.spatialRank
        guard x.count == r + 2, w.count == r + 2, a.groups >= 1, x[1] % a.groups == 0, w[0] % a.groups == 0,
              w[1] * a.groups == x[1], Array(w[2...]) == a.kernel
        else { throw TrainingError.shapeMismatch("conv: input \(x) does not fit weight \(w) with groups \(a.groups)") }
        let g = ConvGeometry(batch: x[0], inChannels: x[1], outChannels: w[0], groups: a.groups,
                             inputSpatial: Array(x[2...]), kernel: a.kernel, stride: a.stride,
                             padsBegin: a.padsBegin, padsEnd: a.padsEnd, dilation: a.dilation)
        let out = Array(g.output.suffix(r))
        guard out.allSatisfy({ $0 > 0 }) else { throw TrainingError.shapeMismatch("conv: empty output for input \(x)") }
        return Plan(geometry: g, outputShape: [x[0], w[0]] + out)
    }

    static func transposePlan(x: [Int], w: [Int], _ t: ConvTransposeAttributes) throws -> Plan {
        let a = t.conv
        let r = a.spatialRank
        guard x.count == r + 2, w.count == r + 2, w[0] == x[1], x[1] % a.groups == 0, Array(w[2...]) == a.kernel
        else { throw TrainingError.shapeMismatch("convTranspose: input \(x) does not fit weight \(w)") }
        let out = (0..<r).map { i -> Int in
            let span: Int = (x[2 + i] - 1) * a.stride[i] + a.dilation[i] * (a.kernel[i] - 1)
            return span - a.padsBegin[i] - a.padsEnd[i] + t.outputPadding[i] + 1
        }
        let y = [x[0], w[1] * a.groups] + out
        return Plan(geometry: ConvGeometry(transposeFrom: x, to: y, groups: a.groups, kernel: a.kernel,
                                                 stride: a.stride, padsBegin: a.padsBegin, padsEnd: a.padsEnd,
                                                 dilation: a.dilation), outputShape: y)
    }

    /// BLAS single-threaded, as in FP32Executor. Not saved and restored: the count is
    /// process-wide, and a restore racing with another thread's executor made results depend on
    /// timing (training runs with identical seeds differed; TrainerTests saw it).
    static func singleThreadedBLAS() {
        if BLAS.threadCount != 1 { BLAS.threadCount = 1 }
    }

    // MARK: Conv

    static func convForward(_ x: Activation, _ w: Activation, _ b: Activation?, _ p: Plan, threads: Int,
                            scratch: ScratchBuffers) -> Activation {
        singleThreadedBLAS()
        var y = Activation(overwriting: p.outputShape)   // the kernel writes every element
        let kernel = FP32ConvKernel(p.geometry, weight: w.data)
        let s = scratch.prepare(count: FP32ConvKernel.scratchFloats(p.geometry, threads: threads))
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                withOptionalPointer(b) { bp in
                    kernel.run(x: xp.baseAddress!, bias: bp, y: yp.baseAddress!, scratch: s, threads: threads)
                }
            }
        }
        return y
    }

    /// Gradients of a convolution: (dx, dw, db). `dx` is skipped when `needInput` is false.
    static func convBackward(_ x: Activation, _ w: Activation, hasBias: Bool, _ dy: Activation, _ p: Plan,
                             needInput: Bool, threads: Int, scratch: ScratchBuffers) -> (Activation?, Activation, Activation?) {
        singleThreadedBLAS()
        let g = p.geometry
        let dw = weightGradient(g, input: x, outputGradient: dy, shape: w.shape, threads: threads, scratch: scratch)
        var dx = needInput ? Activation(overwriting: x.shape) : nil  // the kernel writes every element
        dy.data.withUnsafeBufferPointer { dyp in
            guard needInput else { return }
            w.data.withUnsafeBufferPointer { wp in
                dx!.data.withUnsafeMutableBufferPointer { dxp in
                    let s = scratch.prepare(count: FP32ConvGradient.inputGradientScratchFloats(g, threads: threads))
                    FP32ConvGradient.inputGradient(g, dy: dyp.baseAddress!, weight: wp.baseAddress!, dx: dxp.baseAddress!,
                                                   scratch: s, threads: threads)
                }
            }
        }
        let db = hasBias ? channelSums(dy, channels: g.outChannels, volume: g.outputVolume) : nil
        return (dx, dw, db)
    }

    // MARK: ConvTranspose

    static func transposeForward(_ x: Activation, _ w: Activation, _ b: Activation?, _ p: Plan, threads: Int,
                                 scratch: ScratchBuffers) -> Activation {
        singleThreadedBLAS()
        let g = p.geometry
        var y = Activation(overwriting: p.outputShape)   // bias-filled, then accumulated, by the kernel
        let s = scratch.prepare(count: max(1, min(threads, g.batch * g.groups)) * FP32Conv.transposeScratchFloats(g))
        x.data.withUnsafeBufferPointer { xp in
            w.data.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    withOptionalPointer(b) { bp in
                        FP32Conv.convTranspose(g, x: xp.baseAddress!, weight: wp.baseAddress!, bias: bp, y: yp.baseAddress!,
                                               scratch: s, threads: threads)
                    }
                }
            }
        }
        return y
    }

    /// Gradients of a transposed convolution `y = Gᵀx`: dx = G·dy (the forward convolution) and
    /// dw = the weight gradient of G with `dy` as its input and `x` as its output gradient.
    static func transposeBackward(_ x: Activation, _ w: Activation, hasBias: Bool, _ dy: Activation, _ p: Plan,
                                  needInput: Bool, threads: Int, scratch: ScratchBuffers) -> (Activation?, Activation, Activation?) {
        singleThreadedBLAS()
        let g = p.geometry
        let dw = weightGradient(g, input: dy, outputGradient: x, shape: w.shape, threads: threads, scratch: scratch)
        var dx = needInput ? Activation(overwriting: x.shape) : nil  // the kernel writes every element
        dy.data.withUnsafeBufferPointer { dyp in
            guard needInput else { return }
            let kernel = FP32ConvKernel(g, weight: w.data)
            dx!.data.withUnsafeMutableBufferPointer { dxp in
                let s = scratch.prepare(count: FP32ConvKernel.scratchFloats(g, threads: threads))
                kernel.run(x: dyp.baseAddress!, bias: nil, y: dxp.baseAddress!, scratch: s, threads: threads)
            }
        }
        let db = hasBias ? channelSums(dy, channels: g.inChannels, volume: g.inputVolume) : nil
        return (dx, dw, db)
    }

    // MARK: Shared

    /// The weight gradient of convolution `g` (shaped `shape`) from its input and output gradient.
    static func weightGradient(_ g: ConvGeometry, input: Activation, outputGradient: Activation, shape: [Int],
                               threads: Int, scratch: ScratchBuffers) -> Activation {
        var dw = Activation(overwriting: shape)  // the kernel writes every element
        input.data.withUnsafeBufferPointer { xp in
            outputGradient.data.withUnsafeBufferPointer { dyp in
                dw.data.withUnsafeMutableBufferPointer { dwp in
                    let s = scratch.prepare(count: FP32ConvGradient.weightGradientScratchFloats(g, threads: threads))
                    FP32ConvGradient.weightGradient(g, x: xp.baseAddress!, dy: dyp.baseAddress!, dw: dwp.baseAddress!,
                                                    scratch: s, threads: threads)
                }
            }
        }
        return dw
    }

    /// Sum of `[N, C, volume]` over N and volume, per channel (a bias gradient).
    static func channelSums(_ dy: Activation, channels: Int, volume: Int) -> Activation {
        let n = dy.count / (channels * volume)
        var out = [Float](repeating: 0, count: channels)
        dy.data.withUnsafeBufferPointer { p in
            for s in 0..<n {
                for c in 0..<channels {
                    var acc: Float = 0
                    let row = p.baseAddress! + (s * channels + c) * volume
                    for i in 0..<volume { acc += row[i] }
                    out[c] += acc
                }
            }
        }
        return Activation(shape: [channels], data: out)
    }
}

/// Gives `body` a pointer to an optional activation's elements (nil when absent).
func withOptionalPointer<R>(_ a: Activation?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let a else { return body(nil) }
    return a.data.withUnsafeBufferPointer { body($0.baseAddress!) }
}
