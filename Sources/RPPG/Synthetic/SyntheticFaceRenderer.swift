import Foundation

/// Draws frames of a synthetic face: a shaded skin ellipse with eyes, brows, nose and mouth
/// (enough structure for the Haar frontal-face cascade to find it) over a static background.
/// Per frame the face moves rigidly (sub-pixel, bilinear), the light drifts and flickers
/// (white, so it scales all channels alike), the skin's colour follows the pulse along the
/// blood-volume direction, and sensor noise is added before 8-bit quantisation. The harder
/// difficulties add ballistic bursts, a non-rigid warp (talking, brows) and a second face.
public struct SyntheticFaceRenderer {
    public let width: Int
    public let height: Int
    let subject: SyntheticSubject
    /// Margin around the frame so that moved templates stay defined (wider with motion bursts).
    let margin: Int
    /// Ballistic head movements added to the smooth motion (`--difficulty motion`).
    let bursts: SyntheticMotionBursts?
    /// Jaw and brow movement (`--difficulty nonrigid`).
    let talking: SyntheticTalking?
    /// The second face's subject (`--difficulty second-face`): its skin and pulse amplitude.
    let second: SyntheticSubject?
    let templateWidth: Int
    let templateHeight: Int
    /// Template planes: reflectance per channel and skin weight (where the pulse shows).
    var planes: [Float]
    /// Skin weight of the second face, per template pixel (empty without one).
    var secondSkin: [Float] = []
    /// Per template pixel: how much of the jaw drop and of the brow raise moves it (empty
    /// without `talking`).
    var warpWeights: [Float] = []

    /// Where a face sits in the template, and its half-axes.
    struct FaceGeometry {
        var cx: Double, cy: Double, a: Double, b: Double
        /// Dark features: (x, y, rx, ry, strength).
        var features: [(Double, Double, Double, Double, Double)] {
            let ex = 0.38 * a, ey = cy - 0.18 * b
            return [
                (cx - ex, ey, 0.2 * a, 0.09 * b, 0.75), (cx + ex, ey, 0.2 * a, 0.09 * b, 0.75),
                (cx - ex, ey - 0.16 * b, 0.26 * a, 0.045 * b, 0.5), (cx + ex, ey - 0.16 * b, 0.26 * a, 0.045 * b, 0.5),
                (cx, cy + 0.12 * b, 0.08 * a, 0.12 * b, 0.25), (cx, cy + 0.42 * b, 0.3 * a, 0.06 * b, 0.6),
            ]
        }
    }

    public init(subject: SyntheticSubject, width: Int, height: Int, bursts: SyntheticMotionBursts? = nil,
                talking: SyntheticTalking? = nil, secondFace: SyntheticSubject? = nil) {
        self.subject = subject
        self.bursts = bursts
        self.talking = talking
        self.second = secondFace
        // The smooth motion stays under 3 px; bursts reach 14 px and may overlap; the jaw adds 2.5.
        margin = bursts != nil ? 40 : talking != nil ? 12 : 8
        self.width = width
        self.height = height
        templateWidth = width + 2 * margin
        templateHeight = height + 2 * margin
        planes = [Float](repeating: 0, count: templateWidth * templateHeight * 4)
        let face = mainGeometry
        drawTemplate(face)
        if let secondFace { drawSecondFace(secondFace, beside: face) }
        if talking != nil { drawWarpWeights(face) }
    }

    var mainGeometry: FaceGeometry {
        let a = 0.19 * Double(width) * subject.faceScale
        return FaceGeometry(cx: Double(templateWidth) / 2 + subject.faceOffset.0 * Double(width),
                            cy: Double(templateHeight) / 2 + 2 + subject.faceOffset.1 * Double(height), a: a, b: a * 4 / 3)
    }

    /// Colour of a face pixel over `under`: a soft-edged shaded ellipse darkened by the features.
    /// Returns the colour, how much of the pixel is face (`inside`) and the darkest feature there.
    static func face(_ f: FaceGeometry, _ px: Double, _ py: Double, skin: (Double, Double, Double), texture: Double,
                     under: (Double, Double, Double), lit: (Double, Double, Double) = (1, 1, 1))
        -> (r: Double, g: Double, b: Double, inside: Double, dark: Double) {
        let d = ((px - f.cx) / f.a) * ((px - f.cx) / f.a) + ((py - f.cy) / f.b) * ((py - f.cy) / f.b)
        // Soft one-pixel edge.
        let inside = max(0, min(1, (1 - d) * f.a / 2 + 0.5))
        let shade = max(0, 1 - 0.35 * d)
        // `under · lit` in this order keeps the standard difficulty's bytes as they always were.
        var r = (1 - inside) * under.0 * lit.0 + inside * skin.0 * shade * texture
        var gg = (1 - inside) * under.1 * lit.1 + inside * skin.1 * shade * texture
        var bl = (1 - inside) * under.2 * lit.2 + inside * skin.2 * shade * texture
        var dark = 0.0
        for feature in f.features {
            let dd = ((px - feature.0) / feature.2) * ((px - feature.0) / feature.2) + ((py - feature.1) / feature.3) * ((py - feature.1) / feature.3)
            let m = feature.4 * exp(-1.5 * dd)
            r *= 1 - m; gg *= 1 - m; bl *= 1 - m
            dark = max(dark, m)
        }
        return (r, gg, bl, inside, dark)
    }

    private mutating func drawTemplate(_ f: FaceGeometry) {
        let tw = templateWidth, th = templateHeight
        let bg = subject.background
        var g = SeededGenerator(seed: subject.seed ^ 0x7E47)
        for y in 0..<th {
            for x in 0..<tw {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let texture = 1 + 0.02 * g.normal()
                // The background is lit with gentle gradients.
                let v = Self.face(f, px, py, skin: subject.skin, texture: texture, under: bg,
                                  lit: (1 + 0.15 * py / Double(th), 1 + 0.15 * px / Double(tw), 1))
                let o = (y * tw + x) * 4
                planes[o] = Float(v.r); planes[o + 1] = Float(v.g); planes[o + 2] = Float(v.b)
                planes[o + 3] = Float(v.inside * (1 - v.dark))
            }
        }
    }

    /// A face 0.55× the subject's, level with it and to its left (or right when the left has no
    /// room), composited over the template; it occludes the background only.
    private mutating func drawSecondFace(_ s: SyntheticSubject, beside main: FaceGeometry) {
        let a = 0.55 * main.a
        let gap = 0.04 * Double(width) + main.a + a
        let leftX = main.cx - gap
        let cx = leftX - a >= Double(margin) ? leftX : main.cx + gap
        let f = FaceGeometry(cx: cx, cy: main.cy, a: a, b: a * 4 / 3)
        let tw = templateWidth
        secondSkin = [Float](repeating: 0, count: tw * templateHeight)
        var g = SeededGenerator(seed: s.seed ^ 0x7E47)
        let x0 = max(0, Int(f.cx - f.a - 2)), x1 = min(tw - 1, Int(f.cx + f.a + 2))
        let y0 = max(0, Int(f.cy - f.b - 2)), y1 = min(templateHeight - 1, Int(f.cy + f.b + 2))
        for y in y0...y1 {
            for x in x0...x1 {
                let o = (y * tw + x) * 4
                let under = (Double(planes[o]), Double(planes[o + 1]), Double(planes[o + 2]))
                let v = Self.face(f, Double(x) + 0.5, Double(y) + 0.5, skin: s.skin, texture: 1 + 0.02 * g.normal(), under: under)
                planes[o] = Float(v.r); planes[o + 1] = Float(v.g); planes[o + 2] = Float(v.b)
                planes[o + 3] *= Float(1 - v.inside)
                secondSkin[y * tw + x] = Float(v.inside * (1 - v.dark))
            }
        }
    }

    /// Jaw weight: 0 above the mouth, rising to 1 over the chin, kept a little outside the face
    /// ellipse so the chin's edge moves too. Brow weight: a band around the brows.
    private mutating func drawWarpWeights(_ f: FaceGeometry) {
        let tw = templateWidth, th = templateHeight
        warpWeights = [Float](repeating: 0, count: tw * th * 2)
        let mouth = f.cy + 0.42 * f.b, brow = f.cy - 0.34 * f.b
        for y in 0..<th {
            for x in 0..<tw {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let d = ((px - f.cx) / f.a) * ((px - f.cx) / f.a) + ((py - f.cy) / f.b) * ((py - f.cy) / f.b)
                let near = max(0, min(1, (1.35 - d) / 0.35))
                let below = max(0, min(1, (py - mouth + 0.03 * f.b) / (0.1 * f.b)))
                let band = exp(-((py - brow) / (0.12 * f.b)) * ((py - brow) / (0.12 * f.b)))
                let across = max(0, min(1, (0.8 * f.a - abs(px - f.cx)) / (0.2 * f.a)))
                warpWeights[(y * tw + x) * 2] = Float(near * below * below * (3 - 2 * below))
                warpWeights[(y * tw + x) * 2 + 1] = Float(band * across)
            }
        }
    }

    /// The face's rigid displacement at time `t` (smooth motion, jitter and bursts).
    func rigidDisplacement(at t: Double) -> (dx: Double, dy: Double) {
        let s = subject
        var dx = s.motionAmplitude * sin(2 * .pi * s.motionFrequency * t) + s.jitterAmplitude * sin(2 * .pi * s.jitterFrequency * t)
        var dy = 0.6 * s.motionAmplitude * sin(2 * .pi * s.motionFrequency * 1.37 * t + 1.1)
        if let bursts {
            let b = bursts.displacement(at: t)
            // Overlapping bursts add up; keep the shifted template inside its margin.
            let limit = Double(margin - 4)
            dx = max(-limit, min(limit, dx + b.dx))
            dy = max(-limit, min(limit, dy + b.dy))
        }
        return (dx, dy)
    }

    /// Renders frame `i` (time `i / fps`) into `frame`; `pulse` is the subject's waveform value
    /// at that frame (`secondPulse` the second face's) and `noise` the generator for sensor noise.
    public func render(frame: inout VideoFrame, index i: Int, fps: Double, pulse: Double, secondPulse: Double = 0,
                       noise: inout SeededGenerator) {
        let t = Double(i) / fps
        let s = subject
        let light = 1 + s.driftAmplitude * sin(2 * .pi * s.driftFrequency * t) + s.flickerAmplitude * sin(2 * .pi * s.flickerFrequency * t)
        let (dx, dy) = rigidDisplacement(at: t)
        let bvd = SyntheticSubject.bloodVolumeDirection
        func colour(_ amplitude: Double, _ p: Double) -> (Float, Float, Float) {
            (Float(amplitude * p * bvd.0 / bvd.1), Float(amplitude * p), Float(amplitude * p * bvd.2 / bvd.1))
        }
        let pc = colour(s.pulseAmplitude, pulse)
        let pc2 = second.map { colour($0.pulseAmplitude, secondPulse) } ?? (0, 0, 0)
        let fl = Float(light), sigma = Float(s.noise)
        let warp = talking?.displacement(at: t) ?? (jaw: 0, brow: 0)
        // Sub-pixel shift: sample the template at (x + margin - dx, y + margin - dy).
        let sx = Double(margin) - dx, sy = Double(margin) - dy
        let ix0 = Int(sx.rounded(.down)), iy0 = Int(sy.rounded(.down))
        let fx0 = Float(sx - Double(ix0)), fy0 = Float(sy - Double(iy0))
        let tw = templateWidth, w = width, h = height
        if frame.width != w || frame.height != h { frame = VideoFrame(width: w, height: h) }
        planes.withUnsafeBufferPointer { p in
            secondSkin.withUnsafeBufferPointer { p2 in
                warpWeights.withUnsafeBufferPointer { ww in
                    frame.rgb.withUnsafeMutableBufferPointer { out in
                        for y in 0..<h {
                            var d = y * w * 3
                            for x in 0..<w {
                                var ix = ix0 + x, iy = iy0 + y, fx = fx0, fy = fy0
                                if !ww.isEmpty {
                                    // The jaw drop moves the lower face down, the brow raise the
                                    // brows up: a backward warp, weights read where the rigid
                                    // shift lands.
                                    let px = sx + Double(x)
                                    let py = sy + Double(y) - warp.jaw * Double(ww[(iy * tw + ix) * 2])
                                        + warp.brow * Double(ww[(iy * tw + ix) * 2 + 1])
                                    ix = Int(px.rounded(.down)); iy = Int(py.rounded(.down))
                                    fx = Float(px - Double(ix)); fy = Float(py - Double(iy))
                                }
                                let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
                                let q = iy * tw + ix
                                let o = q * 4, o2 = o + tw * 4
                                let skin = w00 * p[o + 3] + w01 * p[o + 7] + w10 * p[o2 + 3] + w11 * p[o2 + 7]
                                let r = w00 * p[o] + w01 * p[o + 4] + w10 * p[o2] + w11 * p[o2 + 4]
                                let g = w00 * p[o + 1] + w01 * p[o + 5] + w10 * p[o2 + 1] + w11 * p[o2 + 5]
                                let b = w00 * p[o + 2] + w01 * p[o + 6] + w10 * p[o2 + 2] + w11 * p[o2 + 6]
                                var pr = skin * pc.0, pg = skin * pc.1, pb = skin * pc.2
                                if !p2.isEmpty {
                                    let skin2 = w00 * p2[q] + w01 * p2[q + 1] + w10 * p2[q + tw] + w11 * p2[q + tw + 1]
                                    pr += skin2 * pc2.0; pg += skin2 * pc2.1; pb += skin2 * pc2.2
                                }
                                let vr = r * fl * (1 + pr) + sigma * noise.fastNormal()
                                let vg = g * fl * (1 + pg) + sigma * noise.fastNormal()
                                let vb = b * fl * (1 + pb) + sigma * noise.fastNormal()
                                out[d] = UInt8(max(0, min(255, vr.rounded())))
                                out[d + 1] = UInt8(max(0, min(255, vg.rounded())))
                                out[d + 2] = UInt8(max(0, min(255, vb.rounded())))
                                d += 3
                            }
                        }
                    }
                }
            }
        }
    }
}
