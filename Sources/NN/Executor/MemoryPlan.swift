/// Assigns every intermediate value a slot of a shared arena, reusing a slot once the last node
/// reading its value has run (greedy, best fit). Sizes are in floats.
struct MemoryPlan {
    /// Slot index of each planned value.
    var slotOf: [String: Int] = [:]
    /// Capacity of each slot in floats.
    var slotSizes: [Int] = []

    /// `sizes` gives the element count of every value to plan; `pinned` values (graph outputs)
    /// are never released.
    init(nodes: [Node], sizes: [String: Int], pinned: Set<String>) {
        var lastUse: [String: Int] = [:]
        for (i, node) in nodes.enumerated() { for v in node.inputs where !v.isEmpty { lastUse[v] = i } }
        var free: [Int] = []
        for (i, node) in nodes.enumerated() {
            // Outputs first, so that an output never shares a slot with this node's inputs.
            for v in node.outputs where !v.isEmpty && sizes[v] != nil && slotOf[v] == nil {
                let need = sizes[v]!
                let fit = free.enumerated().filter { slotSizes[$0.element] >= need }
                    .min { slotSizes[$0.element] < slotSizes[$1.element] }
                let slot: Int
                if let fit {
                    slot = fit.element
                    free.remove(at: fit.offset)
                } else if let largest = free.enumerated().max(by: { slotSizes[$0.element] < slotSizes[$1.element] }) {
                    slot = largest.element
                    free.remove(at: largest.offset)
                    slotSizes[slot] = need
                } else {
                    slot = slotSizes.count
                    slotSizes.append(need)
                }
                slotOf[v] = slot
            }
            for v in Set(node.inputs) where lastUse[v] == i && !pinned.contains(v) {
                if let s = slotOf[v] { free.append(s) }
            }
            // An output nobody reads is dead at once.
            for v in node.outputs where lastUse[v] == nil && !pinned.contains(v) {
                if let s = slotOf[v] { free.append(s) }
            }
        }
    }

    var totalFloats: Int { slotSizes.reduce(0, +) }
}
