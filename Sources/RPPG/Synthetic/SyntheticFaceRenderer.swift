import Foundation

/// Draws frames of a synthetic face: a shaded skin ellipse with eyes, brows, nose and mouth
/// (enough structure for the Haar frontal-face cascade to find it) over a static background.
/// Per frame the face moves rigidly (sub-pixel, bilinear), the light drifts and flickers
/// (white, so it scales all channels alike), the skin's colour follows the pulse along the
/// blood-volume direction, and sensor noise is added before 8-bit quantisation.
public struct SyntheticFaceRenderer {
    public let width: Int
    public let height: Int
    let subject: SyntheticSubject
    /// Margin around the frame so that moved templates stay defined (wider with motion bursts).
    let margin: Int
    /// Ballistic head movements added to the smooth motion (`--difficulty motion`).
    let bursts: SyntheticMotionBursts?
    let templateWidth: Int
    let templateHeight: Int
    /// Template planes: reflectance per channel and skin weight (where the pulse shows).
    var planes: [Float]

    public init(subject: SyntheticSubject, width: Int, height: Int, bursts: SyntheticMotionBursts? = nil) {
        self.subject = subject
        self.bursts = bursts
        // The smooth motion stays under 3 px; bursts reach 14 px and may overlap.
        margin = bursts == nil ? 8 : 40
        self.width = width
        self.height = height
        templateWidth = width + 2 * margin
        templateHeight = height + 2 * margin
        planes = [Float](repeating: 0, count: templateWidth * templateHeight * 4)
        drawTemplate()
    }

    private mutating func drawTemplate() {
        let tw = templateWidth, th = templateHeight
        let cx = Double(tw) / 2 + subject.faceOffset.0 * Double(width)
        let cy = Double(th) / 2 + 2 + subject.faceOffset.1 * Double(height)
        let a = 0.19 * Double(width) * subject.faceScale, b = a * 4 / 3
        let bg = subject.background, skin = subject.skin
        // Dark features: (x, y, rx, ry, strength) relative to the face.
        let ex = 0.38 * a, ey = cy - 0.18 * b
        let features: [(Double, Double, Double, Double, Double)] = [
            (cx - ex, ey, 0.2 * a, 0.09 * b, 0.75), (cx + ex, ey, 0.2 * a, 0.09 * b, 0.75),
            (cx - ex, ey - 0.16 * b, 0.26 * a, 0.045 * b, 0.5), (cx + ex, ey - 0.16 * b, 0.26 * a, 0.045 * b, 0.5),
            (cx, cy + 0.12 * b, 0.08 * a, 0.12 * b, 0.25), (cx, cy + 0.42 * b, 0.3 * a, 0.06 * b, 0.6),
        ]
        var g = SeededGenerator(seed: subject.seed ^ 0x7E47)
        for y in 0..<th {
            for x in 0..<tw {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let d = ((px - cx) / a) * ((px - cx) / a) + ((py - cy) / b) * ((py - cy) / b)
                // Soft one-pixel edge.
                let inside = max(0, min(1, (1 - d) * a / 2 + 0.5))
                let shade = max(0, 1 - 0.35 * d)
                let texture = 1 + 0.02 * g.normal()
                var r = (1 - inside) * bg.0 * (1 + 0.15 * py / Double(th)) + inside * skin.0 * shade * texture
                var gg = (1 - inside) * bg.1 * (1 + 0.15 * px / Double(tw)) + inside * skin.1 * shade * texture
                var bl = (1 - inside) * bg.2 + inside * skin.2 * shade * texture
                var dark = 0.0
                for f in features {
                    let dd = ((px - f.0) / f.2) * ((px - f.0) / f.2) + ((py - f.1) / f.3) * ((py - f.1) / f.3)
                    let m = f.4 * exp(-1.5 * dd)
                    r *= 1 - m; gg *= 1 - m; bl *= 1 - m
                    dark = max(dark, m)
                }
                let o = (y * tw + x) * 4
                planes[o] = Float(r); planes[o + 1] = Float(gg); planes[o + 2] = Float(bl)
                planes[o + 3] = Float(inside * (1 - dark))
            }
        }
    }

    /// Renders frame `i` (time `i / fps`) into `frame`; `pulse` is the subject's waveform value
    /// at that frame and `noise` the generator for sensor noise.
    public func render(frame: inout VideoFrame, index i: Int, fps: Double, pulse: Double, noise: inout SeededGenerator) {
        let t = Double(i) / fps
        let s = subject
        let light = 1 + s.driftAmplitude * sin(2 * .pi * s.driftFrequency * t) + s.flickerAmplitude * sin(2 * .pi * s.flickerFrequency * t)
        var dx = s.motionAmplitude * sin(2 * .pi * s.motionFrequency * t) + s.jitterAmplitude * sin(2 * .pi * s.jitterFrequency * t)
        var dy = 0.6 * s.motionAmplitude * sin(2 * .pi * s.motionFrequency * 1.37 * t + 1.1)
        if let bursts {
            let b = bursts.displacement(at: t)
            // Overlapping bursts add up; keep the shifted template inside its margin.
            let limit = Double(margin - 4)
            dx = max(-limit, min(limit, dx + b.dx))
            dy = max(-limit, min(limit, dy + b.dy))
        }
        let bvd = SyntheticSubject.bloodVolumeDirection
        let pc = (Float(s.pulseAmplitude * pulse * bvd.0 / bvd.1), Float(s.pulseAmplitude * pulse), Float(s.pulseAmplitude * pulse * bvd.2 / bvd.1))
        let fl = Float(light), sigma = Float(s.noise)
        // Sub-pixel shift: sample the template at (x + margin - dx, y + margin - dy).
        let sx = Double(margin) - dx, sy = Double(margin) - dy
        let ix = Int(sx.rounded(.down)), iy = Int(sy.rounded(.down))
        let fx = Float(sx - Double(ix)), fy = Float(sy - Double(iy))
        let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
        let tw = templateWidth, w = width, h = height
        if frame.width != w || frame.height != h { frame = VideoFrame(width: w, height: h) }
        planes.withUnsafeBufferPointer { p in
            frame.rgb.withUnsafeMutableBufferPointer { out in
                for y in 0..<h {
                    var o = ((y + iy) * tw + ix) * 4
                    var d = y * w * 3
                    for _ in 0..<w {
                        let o2 = o + tw * 4
                        let skin = w00 * p[o + 3] + w01 * p[o + 7] + w10 * p[o2 + 3] + w11 * p[o2 + 7]
                        let r = w00 * p[o] + w01 * p[o + 4] + w10 * p[o2] + w11 * p[o2 + 4]
                        let g = w00 * p[o + 1] + w01 * p[o + 5] + w10 * p[o2 + 1] + w11 * p[o2 + 5]
                        let b = w00 * p[o + 2] + w01 * p[o + 6] + w10 * p[o2 + 2] + w11 * p[o2 + 6]
                        let vr = r * fl * (1 + skin * pc.0) + sigma * noise.fastNormal()
                        let vg = g * fl * (1 + skin * pc.1) + sigma * noise.fastNormal()
                        let vb = b * fl * (1 + skin * pc.2) + sigma * noise.fastNormal()
                        out[d] = UInt8(max(0, min(255, vr.rounded())))
                        out[d + 1] = UInt8(max(0, min(255, vg.rounded())))
                        out[d + 2] = UInt8(max(0, min(255, vb.rounded())))
                        o += 4
                        d += 3
                    }
                }
            }
        }
    }
}
