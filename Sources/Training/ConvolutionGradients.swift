import NN
import TensorCore

/// Convolution and transposed convolution, forward and backward, through vol2col and BLAS
/// sgemm. Samples of the batch are spread over `threads` workers, each with its own column
/// buffer and weight-gradient accumulator; BLAS runs single-threaded inside that region so the
/// two never oversubscribe the cores.
enum ConvolutionGradients {
    struct Plan {
        var geometry: ConvGeometry
        var batch: Int
        var groups: Int
        var imageChannels: Int      // all groups: Cin for conv, Cout for transposed conv
        var columnChannels: Int     // all groups: Cout for conv, Cin for transposed conv
        var outputShape: [Int]
    }

    static func convPlan(x: [Int], w: [Int], _ a: ConvAttributes) throws -> Plan {
        let r = a.spatialRank
        guard x.count == r + 2, w.count == r + 2, a.groups >= 1, x[1] % a.groups == 0, w[0] % a.groups == 0,
              w[1] * a.groups == x[1], Array(w[2...]) == a.kernel
        else { throw TrainingError.shapeMismatch("conv: input \(x) does not fit weight \(w) with groups \(a.groups)") }
        var out: [Int] = []
        for i in 0..<r {
            out.append(ConvGeometry.convOutput(x[2 + i], kernel: a.kernel[i], stride: a.stride[i],
                                               padBegin: a.padsBegin[i], padEnd: a.padsEnd[i], dilation: a.dilation[i]))
        }
        guard out.allSatisfy({ $0 > 0 }) else { throw TrainingError.shapeMismatch("conv: empty output for input \(x)") }
        let g = ConvGeometry(channels: x[1] / a.groups, input: ConvGeometry.lift(Array(x[2...]), fill: 1),
                             output: ConvGeometry.lift(out, fill: 1), kernel: ConvGeometry.lift(a.kernel, fill: 1),
                             stride: ConvGeometry.lift(a.stride, fill: 1), pad: ConvGeometry.lift(a.padsBegin, fill: 0),
                             dilation: ConvGeometry.lift(a.dilation, fill: 1))
        return Plan(geometry: g, batch: x[0], groups: a.groups, imageChannels: x[1], columnChannels: w[0],
                    outputShape: [x[0], w[0]] + out)
    }

    static func transposePlan(x: [Int], w: [Int], _ t: ConvTransposeAttributes) throws -> Plan {
        let a = t.conv
        let r = a.spatialRank
        guard x.count == r + 2, w.count == r + 2, w[0] == x[1], x[1] % a.groups == 0, Array(w[2...]) == a.kernel
        else { throw TrainingError.shapeMismatch("convTranspose: input \(x) does not fit weight \(w)") }
        var out: [Int] = []
        for i in 0..<r {
            out.append((x[2 + i] - 1) * a.stride[i] - a.padsBegin[i] - a.padsEnd[i]
                       + a.dilation[i] * (a.kernel[i] - 1) + t.outputPadding[i] + 1)
        }
        let cout = w[1] * a.groups
        let g = ConvGeometry(channels: w[1], input: ConvGeometry.lift(out, fill: 1),
                             output: ConvGeometry.lift(Array(x[2...]), fill: 1), kernel: ConvGeometry.lift(a.kernel, fill: 1),
                             stride: ConvGeometry.lift(a.stride, fill: 1), pad: ConvGeometry.lift(a.padsBegin, fill: 0),
                             dilation: ConvGeometry.lift(a.dilation, fill: 1))
        return Plan(geometry: g, batch: x[0], groups: a.groups, imageChannels: cout, columnChannels: x[1],
                    outputShape: [x[0], cout] + out)
    }

    /// Runs `body(worker, sampleRange)` over the batch, with BLAS single-threaded as everywhere
    /// in the project (FP32Executor does the same). Not saved and restored: the count is
    /// process-wide, and a restore racing with another thread's executor made results depend on
    /// timing (training runs with identical seeds differed; TrainerTests saw it).
    static func overBatch(_ batch: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        if BLAS.threadCount != 1 { BLAS.threadCount = 1 }
        let workers = max(1, min(threads, batch))
        if workers == 1 { body(0, 0..<batch); return }
        Parallel.forEach(workers, threads: workers) { w in
            body(w, (batch * w / workers)..<(batch * (w + 1) / workers))
        }
    }

    // MARK: Conv

    static func convForward(_ x: Activation, _ w: Activation, _ b: Activation?, _ p: Plan, threads: Int, scratch: ScratchBuffers) -> Activation {
        var y = Activation(zeros: p.outputShape)
        let g = p.geometry
        let coutG = p.columnChannels / p.groups
        let k = g.columnRows
        let inPerSample = p.imageChannels * g.inputVolume
        let outPerSample = p.columnChannels * g.outputVolume
        let cols = scratch.prepare(workers: max(1, min(threads, p.batch)), count: p.geometry.columnRows * p.geometry.outputVolume)
        x.data.withUnsafeBufferPointer { xp in
            w.data.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    let yBase = yp.baseAddress!
                    overBatch(p.batch, threads: threads) { worker, range in
                        let colBase = cols[worker]
                        do {
                            for n in range {
                                for grp in 0..<p.groups {
                                    let image = xp.baseAddress! + n * inPerSample + grp * g.channels * g.inputVolume
                                    let colPtr: UnsafePointer<Float>
                                    if g.isPointwise { colPtr = image } else {
                                        g.vol2col(image, colBase)
                                        colPtr = UnsafePointer(colBase)
                                    }
                                    BLAS.sgemm(m: coutG, n: g.outputVolume, k: k, a: wp.baseAddress! + grp * coutG * k, lda: k,
                                               b: colPtr, ldb: g.outputVolume,
                                               c: yBase + n * outPerSample + grp * coutG * g.outputVolume, ldc: g.outputVolume)
                                }
                                if let b {
                                    for c in 0..<p.columnChannels {
                                        let v = b.data[c]
                                        let row = yBase + n * outPerSample + c * g.outputVolume
                                        for i in 0..<g.outputVolume { row[i] += v }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Gradients of a convolution: (dx, dw, db). `dx` is skipped when `needInput` is false.
    static func convBackward(_ x: Activation, _ w: Activation, hasBias: Bool, _ dy: Activation, _ p: Plan,
                             needInput: Bool, threads: Int, scratch: ScratchBuffers) -> (Activation?, Activation, Activation?) {
        let g = p.geometry
        let coutG = p.columnChannels / p.groups
        let k = g.columnRows
        let inPerSample = p.imageChannels * g.inputVolume
        let outPerSample = p.columnChannels * g.outputVolume
        let workers = max(1, min(threads, p.batch))
        var dx = needInput ? Activation(zeros: x.shape) : nil
        // Distinct arrays per worker: `repeating:` would share one buffer and copy-on-write it from
        // several threads at once.
        var partialW = (0..<workers).map { _ in [Float](repeating: 0, count: w.count) }
        let cols = scratch.prepare(workers: max(1, min(threads, p.batch)), count: p.geometry.columnRows * p.geometry.outputVolume)
        x.data.withUnsafeBufferPointer { xp in
            w.data.withUnsafeBufferPointer { wp in
                dy.data.withUnsafeBufferPointer { dyp in
                    withOptionalMutablePointer(&dx) { dxp in
                        partialW.withUnsafeMutableBufferPointer { parts in
                            let partsBase = parts.baseAddress!
                            overBatch(p.batch, threads: threads) { worker, range in
                                let colBase = cols[worker]
                                partsBase[worker].withUnsafeMutableBufferPointer { dwp in
                                    do {
                                        for n in range {
                                            for grp in 0..<p.groups {
                                                let off = n * inPerSample + grp * g.channels * g.inputVolume
                                                let dyG = dyp.baseAddress! + n * outPerSample + grp * coutG * g.outputVolume
                                                let colPtr: UnsafePointer<Float>
                                                if g.isPointwise { colPtr = xp.baseAddress! + off } else {
                                                    g.vol2col(xp.baseAddress! + off, colBase)
                                                    colPtr = UnsafePointer(colBase)
                                                }
                                                BLAS.sgemm(transposeB: true, m: coutG, n: k, k: g.outputVolume, a: dyG,
                                                           lda: g.outputVolume, b: colPtr, ldb: g.outputVolume, beta: 1,
                                                           c: dwp.baseAddress! + grp * coutG * k, ldc: k)
                                                guard let dxp else { continue }
                                                if g.isPointwise {
                                                    BLAS.sgemm(transposeA: true, m: k, n: g.outputVolume, k: coutG,
                                                               a: wp.baseAddress! + grp * coutG * k, lda: k, b: dyG,
                                                               ldb: g.outputVolume, beta: 1, c: dxp + off, ldc: g.outputVolume)
                                                } else {
                                                    BLAS.sgemm(transposeA: true, m: k, n: g.outputVolume, k: coutG,
                                                               a: wp.baseAddress! + grp * coutG * k, lda: k, b: dyG,
                                                               ldb: g.outputVolume, c: colBase, ldc: g.outputVolume)
                                                    g.col2vol(colBase, dxp + off)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let dw = Activation(shape: w.shape, data: sumParts(partialW))
        let db = hasBias ? channelSums(dy, channels: p.columnChannels, volume: g.outputVolume) : nil
        return (dx, dw, db)
    }

    // MARK: ConvTranspose

    static func transposeForward(_ x: Activation, _ w: Activation, _ b: Activation?, _ p: Plan, threads: Int, scratch: ScratchBuffers) -> Activation {
        var y = Activation(zeros: p.outputShape)
        let g = p.geometry
        let cinG = p.columnChannels / p.groups
        let k = g.columnRows
        let xPerSample = p.columnChannels * g.outputVolume
        let yPerSample = p.imageChannels * g.inputVolume
        let cols = scratch.prepare(workers: max(1, min(threads, p.batch)), count: p.geometry.columnRows * p.geometry.outputVolume)
        x.data.withUnsafeBufferPointer { xp in
            w.data.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    let yBase = yp.baseAddress!
                    overBatch(p.batch, threads: threads) { worker, range in
                        let colBase = cols[worker]
                        do {
                            for n in range {
                                for grp in 0..<p.groups {
                                    BLAS.sgemm(transposeA: true, m: k, n: g.outputVolume, k: cinG,
                                               a: wp.baseAddress! + grp * cinG * k, lda: k,
                                               b: xp.baseAddress! + n * xPerSample + grp * cinG * g.outputVolume,
                                               ldb: g.outputVolume, c: colBase, ldc: g.outputVolume)
                                    g.col2vol(colBase, yBase + n * yPerSample + grp * g.channels * g.inputVolume)
                                }
                                if let b {
                                    for c in 0..<p.imageChannels {
                                        let v = b.data[c]
                                        let row = yBase + n * yPerSample + c * g.inputVolume
                                        for i in 0..<g.inputVolume { row[i] += v }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    static func transposeBackward(_ x: Activation, _ w: Activation, hasBias: Bool, _ dy: Activation, _ p: Plan,
                                  needInput: Bool, threads: Int, scratch: ScratchBuffers) -> (Activation?, Activation, Activation?) {
        let g = p.geometry
        let cinG = p.columnChannels / p.groups
        let k = g.columnRows
        let xPerSample = p.columnChannels * g.outputVolume
        let yPerSample = p.imageChannels * g.inputVolume
        let workers = max(1, min(threads, p.batch))
        var dx = needInput ? Activation(zeros: x.shape) : nil
        // Distinct arrays per worker: `repeating:` would share one buffer and copy-on-write it from
        // several threads at once.
        var partialW = (0..<workers).map { _ in [Float](repeating: 0, count: w.count) }
        let cols = scratch.prepare(workers: max(1, min(threads, p.batch)), count: p.geometry.columnRows * p.geometry.outputVolume)
        x.data.withUnsafeBufferPointer { xp in
            w.data.withUnsafeBufferPointer { wp in
                dy.data.withUnsafeBufferPointer { dyp in
                    withOptionalMutablePointer(&dx) { dxp in
                        partialW.withUnsafeMutableBufferPointer { parts in
                            let partsBase = parts.baseAddress!
                            overBatch(p.batch, threads: threads) { worker, range in
                                let colBase = cols[worker]
                                partsBase[worker].withUnsafeMutableBufferPointer { dwp in
                                    do {
                                        for n in range {
                                            for grp in 0..<p.groups {
                                                g.vol2col(dyp.baseAddress! + n * yPerSample + grp * g.channels * g.inputVolume,
                                                          colBase)
                                                let xG = xp.baseAddress! + n * xPerSample + grp * cinG * g.outputVolume
                                                BLAS.sgemm(transposeB: true, m: cinG, n: k, k: g.outputVolume, a: xG,
                                                           lda: g.outputVolume, b: colBase, ldb: g.outputVolume,
                                                           beta: 1, c: dwp.baseAddress! + grp * cinG * k, ldc: k)
                                                if let dxp {
                                                    BLAS.sgemm(m: cinG, n: g.outputVolume, k: k,
                                                               a: wp.baseAddress! + grp * cinG * k, lda: k,
                                                               b: colBase, ldb: g.outputVolume,
                                                               c: dxp + n * xPerSample + grp * cinG * g.outputVolume,
                                                               ldc: g.outputVolume)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let dw = Activation(shape: w.shape, data: sumParts(partialW))
        let db = hasBias ? channelSums(dy, channels: p.imageChannels, volume: g.inputVolume) : nil
        return (dx, dw, db)
    }

    // MARK: Shared

    static func sumParts(_ parts: [[Float]]) -> [Float] {
        var total = parts[0]
        for p in parts.dropFirst() { for i in total.indices { total[i] += p[i] } }
        return total
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

/// Gives `body` a mutable pointer into an optional activation's elements (nil when absent).
func withOptionalMutablePointer<R>(_ a: inout Activation?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard a != nil else { return body(nil) }
    return a!.data.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
