import Foundation

/// PyTorch's `OneCycleLR` with its defaults (cosine annealing, two phases, momentum cycled
/// between 0.85 and 0.95 — for Adam that is β₁). Steps count optimizer steps from 0.
public struct OneCycleSchedule: Sendable, Equatable {
    public var maxLearningRate: Double
    public var totalSteps: Int
    public var pctStart: Double = 0.3
    public var divFactor: Double = 25
    public var finalDivFactor: Double = 1e4
    public var baseMomentum: Double = 0.85
    public var maxMomentum: Double = 0.95
    public var cycleMomentum: Bool = true

    public init(maxLearningRate: Double, totalSteps: Int) {
        self.maxLearningRate = maxLearningRate
        self.totalSteps = max(1, totalSteps)
    }

    public var initialLearningRate: Double { maxLearningRate / divFactor }
    public var minLearningRate: Double { initialLearningRate / finalDivFactor }

    static func cosine(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
    }

    /// (learning rate, momentum) in force for optimizer step `step` (0-based).
    public func values(at step: Int) -> (learningRate: Double, momentum: Double) {
        let phase1End = pctStart * Double(totalSteps) - 1
        let phase2End = Double(totalSteps - 1)
        let s = Double(step)
        if s <= phase1End {
            let pct = s / phase1End
            return (Self.cosine(initialLearningRate, maxLearningRate, pct), Self.cosine(maxMomentum, baseMomentum, pct))
        }
        let pct = (s - phase1End) / (phase2End - phase1End)
        return (Self.cosine(maxLearningRate, minLearningRate, pct), Self.cosine(baseMomentum, maxMomentum, pct))
    }
}

/// PyTorch's `CosineAnnealingLR` in closed form: `η_min + (η₀ − η_min)(1 + cos(π·t/T_max))/2`.
public struct CosineSchedule: Sendable, Equatable {
    public var baseLearningRate: Double
    public var periodSteps: Int
    public var minLearningRate: Double

    public init(baseLearningRate: Double, periodSteps: Int, minLearningRate: Double = 0) {
        self.baseLearningRate = baseLearningRate
        self.periodSteps = max(1, periodSteps)
        self.minLearningRate = minLearningRate
    }

    public func learningRate(at step: Int) -> Double {
        minLearningRate + (baseLearningRate - minLearningRate) * (1 + cos(Double.pi * Double(step) / Double(periodSteps))) / 2
    }
}
