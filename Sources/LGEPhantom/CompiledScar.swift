import Foundation

/// A scar pattern reduced to a region in LV-wall coordinates (or a sphere in the heart frame).
struct CompiledScar: Sendable {
    /// A rectangle in (AHA angle, distance from base) covering one AHA segment.
    struct SegmentBox: Sendable {
        var centre: Double  // radians
        var halfWidth: Double  // radians; ≥ π covers the whole circle
        var fromBase: ClosedRange<Double>
    }

    /// The dark microvascular-obstruction core: an ellipse in (circumferential, longitudinal) mm
    /// around the infarct centre, limited to the inner part of the wall.
    struct Core: Sendable {
        var centreAngle: Double
        var centreFromBase: Double
        var halfCircumferential: Double
        var halfLongitudinal: Double
        var maxTransmural: Double
    }

    enum Shape: Sendable {
        /// Union of segment boxes, restricted to a transmural band; `patchy` modulates the band
        /// depth measured from the epicardium.
        case segmental(boxes: [SegmentBox], band: ClosedRange<Double>, patchy: Bool)
        case sphere(centre: SIMD3<Double>, radius: Double)
    }

    var shape: Shape
    var borderZone: Double
    var core: Core?

    init?(pattern: ScarPattern, model: PhantomModel) {
        let aha = model.segments
        func boxes(_ segments: Set<Int>) -> [SegmentBox] {
            segments.sorted().compactMap { segment in
                guard let along = aha.longitudinalExtent(segment: segment, capDepth: 1000) else { return nil }
                if let extent = aha.angularExtent(segment: segment) {
                    return SegmentBox(
                        centre: extent.centre * .pi / 180, halfWidth: extent.halfWidth * .pi / 180, fromBase: along)
                }
                return SegmentBox(centre: 0, halfWidth: 2 * .pi, fromBase: along)
            }
        }
        switch pattern {
        case .noScar:
            return nil
        case let .ischemic(territory, transmurality, segments, borderZone, mvo):
            let depth = min(max(transmurality, 0), 1)
            let list = boxes(segments ?? territory.segments)
            guard depth > 0, !list.isEmpty else { return nil }
            shape = .segmental(boxes: list, band: 0...depth, patchy: false)
            self.borderZone = max(borderZone, 0)
            core = mvo && depth >= 0.5 ? Self.core(of: list, depth: depth, radius: model.a) : nil
        case let .midWallSeptal(segments, band):
            let list = boxes(segments)
            guard !list.isEmpty else { return nil }
            shape = .segmental(boxes: list, band: max(band.lowerBound, 0)...min(band.upperBound, 1), patchy: false)
            borderZone = 0
            core = nil
        case let .epicardialLateral(segments, depth, patchy):
            let list = boxes(segments)
            let d = min(max(depth, 0), 1)
            guard !list.isEmpty, d > 0 else { return nil }
            shape = .segmental(boxes: list, band: (1 - d)...1, patchy: patchy)
            borderZone = 0
            core = nil
        case let .rvInsertion(site, width):
            let midRadius = model.epicardialRadius(z: 0, angle: .pi / 2)
            let half = max(width, 0) / 2 / max(midRadius, 1)
            let alpha = aha.rvInsertionAngle * .pi / 180
            let along = 0...(2 * aha.cavityLength / 3)
            var list: [SegmentBox] = []
            if site != .inferior { list.append(SegmentBox(centre: alpha, halfWidth: half, fromBase: along)) }
            if site != .superior { list.append(SegmentBox(centre: .pi - alpha, halfWidth: half, fromBase: along)) }
            guard half > 0 else { return nil }
            shape = .segmental(boxes: list, band: 0.3...1, patchy: false)
            borderZone = 0
            core = nil
        case let .focal(segment, diameter, depth):
            guard (1...17).contains(segment), diameter > 0 else { return nil }
            let radius = diameter / 2
            let centre: SIMD3<Double>
            if segment == 17 {
                let endoApex = model.lvCentreZ + model.c
                let z = depth == .subendocardial ? endoApex + 0.8 * radius : (endoApex + model.apexZ) / 2
                centre = SIMD3(0, 0, z)
            } else {
                let angle = aha.angularExtent(segment: segment)!.centre * .pi / 180
                let along = aha.longitudinalExtent(segment: segment, capDepth: 0)!
                let z = model.basePlaneZ + (along.lowerBound + along.upperBound) / 2
                let endo = model.endocardialRadius(z: z)
                let epi = model.epicardialRadius(z: z, angle: angle)
                let r = depth == .subendocardial ? endo + 0.8 * radius : (endo + epi) / 2
                centre = SIMD3(r * cos(angle), r * sin(angle), z)
            }
            shape = .sphere(centre: centre, radius: radius)
            borderZone = 0
            core = nil
        }
    }

    /// The MVO core of an infarct over `boxes`: centred on the infarct's area-weighted centre,
    /// 35% of its half-extent in each direction, in the endocardial half of the infarct.
    static func core(of boxes: [SegmentBox], depth: Double, radius: Double) -> Core? {
        var sx = 0.0, sy = 0.0, along = 0.0, weightSum = 0.0
        var alongMin = Double.infinity, alongMax = -Double.infinity
        for box in boxes where box.halfWidth < .pi {
            let lower = box.fromBase.lowerBound, upper = box.fromBase.upperBound
            let weight = box.halfWidth * (upper - lower)
            sx += weight * cos(box.centre)
            sy += weight * sin(box.centre)
            along += weight * (lower + upper) / 2
            weightSum += weight
            alongMin = min(alongMin, lower)
            alongMax = max(alongMax, upper)
        }
        guard weightSum > 0 else { return nil }
        let centreAngle = atan2(sy, sx)
        var angularSpan = 0.0
        for box in boxes where box.halfWidth < .pi {
            angularSpan = max(angularSpan, abs(wrapPi(box.centre - centreAngle)) + box.halfWidth)
        }
        return Core(
            centreAngle: centreAngle, centreFromBase: along / weightSum,
            halfCircumferential: 0.35 * angularSpan * radius, halfLongitudinal: 0.35 * (alongMax - alongMin) / 2,
            maxTransmural: depth / 2)
    }

    /// The label this pattern gives a point of the LV wall (`.myocardium` when it does not reach it).
    @inline(__always) func label(heart h: SIMD3<Double>, wall: WallPoint) -> Label {
        switch shape {
        case let .sphere(centre, radius):
            let d = h - centre
            let d2 = (d * d).sum()
            if d2 <= radius * radius { return .scar }
            let outer = radius + borderZone
            return borderZone > 0 && d2 <= outer * outer ? .borderZone : .myocardium
        case let .segmental(boxes, band, patchy):
            var nearest = Double.infinity
            for box in boxes {
                let angular = max(0, abs(Self.wrapPi(wall.angle - box.centre)) - box.halfWidth)
                let circumferential = angular * wall.radius
                let longitudinal = max(0, box.fromBase.lowerBound - wall.fromBase, wall.fromBase - box.fromBase.upperBound)
                nearest = min(nearest, circumferential * circumferential + longitudinal * longitudinal)
                if nearest == 0 { break }
            }
            if nearest > borderZone * borderZone { return .myocardium }
            var lower = band.lowerBound
            if patchy {
                let m = 0.5 + 0.5 * cos(4 * wall.angle) * cos(2 * .pi * wall.fromBase / 30)
                let weight = min(max((m - 0.25) / 0.5, 0), 1)
                lower = 1 - (1 - lower) * weight
            }
            let transmural = max(0, lower - wall.transmural, wall.transmural - band.upperBound) * wall.thickness
            let distance2 = nearest + transmural * transmural
            if distance2 == 0 && lower < band.upperBound {
                if let core, wall.transmural <= core.maxTransmural {
                    let dc = abs(Self.wrapPi(wall.angle - core.centreAngle)) * wall.radius / core.halfCircumferential
                    let dl = (wall.fromBase - core.centreFromBase) / core.halfLongitudinal
                    if dc * dc + dl * dl <= 1 { return .mvo }
                }
                return .scar
            }
            return borderZone > 0 && distance2 <= borderZone * borderZone ? .borderZone : .myocardium
        }
    }

    /// An angle wrapped into (−π, π].
    @inline(__always) static func wrapPi(_ angle: Double) -> Double {
        // fmod leaves |angle| < 2π as it is; differences of two wrapped angles always are.
        var a = abs(angle) < 2 * .pi ? angle : angle.truncatingRemainder(dividingBy: 2 * .pi)
        if a > .pi { a -= 2 * .pi } else if a <= -.pi { a += 2 * .pi }
        return a
    }
}
