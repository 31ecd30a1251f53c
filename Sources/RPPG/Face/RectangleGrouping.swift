/// OpenCV's `groupRectangles`: clusters similar boxes (union-find over `SimilarRects(eps)`),
/// averages each cluster, drops clusters with `<= groupThreshold` members, then drops clusters
/// lying inside a stronger one.
enum RectangleGrouping {
    static func similar(_ a: FaceBox, _ b: FaceBox, eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.x + a.width - b.x - b.width)) <= delta
            && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }

    static func group(_ boxes: [FaceBox], threshold: Int, eps: Double) -> [FaceBox] {
        if threshold <= 0 || boxes.isEmpty { return boxes }
        let n = boxes.count
        var parent = Array(0..<n)
        func root(_ i: Int) -> Int {
            var r = i
            while parent[r] != r { r = parent[r] }
            var j = i
            while parent[j] != r { let next = parent[j]; parent[j] = r; j = next }
            return r
        }
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) where similar(boxes[i], boxes[j], eps: eps) {
                let a = root(i), b = root(j)
                if a != b { parent[b] = a }
            }
        }
        var label = [Int: Int]()
        var sums: [(x: Int, y: Int, w: Int, h: Int, n: Int)] = []
        for i in 0..<n {
            let r = root(i)
            let c: Int
            if let existing = label[r] { c = existing } else { c = sums.count; label[r] = c; sums.append((0, 0, 0, 0, 0)) }
            sums[c].x += boxes[i].x; sums[c].y += boxes[i].y; sums[c].w += boxes[i].width; sums[c].h += boxes[i].height
            sums[c].n += 1
        }
        // Cluster means, rounded like saturate_cast<int>(float).
        let means: [FaceBox] = sums.map { s in
            let k = 1 / Float(s.n)
            func r(_ v: Int) -> Int { Int((Float(v) * k).rounded(.toNearestOrEven)) }
            return FaceBox(x: r(s.x), y: r(s.y), width: r(s.w), height: r(s.h))
        }
        var out: [FaceBox] = []
        for i in 0..<means.count {
            let r1 = means[i], n1 = sums[i].n
            if n1 <= threshold { continue }
            var inside = false
            for j in 0..<means.count where j != i {
                let n2 = sums[j].n
                if n2 <= threshold { continue }
                let r2 = means[j]
                let dx = Int((Double(r2.width) * eps).rounded(.toNearestOrEven))
                let dy = Int((Double(r2.height) * eps).rounded(.toNearestOrEven))
                if r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx
                    && r1.y + r1.height <= r2.y + r2.height + dy && (n2 > max(3, n1) || n1 < 3)
                {
                    inside = true
                    break
                }
            }
            if !inside { out.append(r1) }
        }
        return out
    }
}
