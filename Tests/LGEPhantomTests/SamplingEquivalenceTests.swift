import Foundation
import LGEDICOM
@testable import LGEPhantom
import LGEPhysics
import LGESession
import Testing

/// `sample(on:)` is a heavily optimised loop; `referenceSample(on:)` states what it computes one
/// point at a time. They must agree bit for bit: same labels at the same sub-sample points, same
/// pure/mixed decisions, same weights.
@Suite("Phantom sampling matches its reference")
struct SamplingEquivalenceTests {
    /// Phantoms: the typical heart and seeded random ones (normal and dilated), with every kind of
    /// scar, several at once in some.
    static func phantoms() -> [HeartPhantom] {
        var random = SeededRandom(seed: 20_261_127)
        let normal = (0..<2).map { _ in HeartAnatomy.random(using: &random) }
        let dilated = HeartAnatomy.random(using: &random, variation: .dilated)
        return [
            HeartPhantom(anatomy: .typical, scars: [.ischemic(territory: .lad, transmurality: 0.7, mvo: true)]),
            HeartPhantom(anatomy: normal[0], scars: [
                .ischemic(territory: .lcx, transmurality: 1, mvo: true), .focal(segment: 9, diameter: 8, depth: .midwall),
            ]),
            HeartPhantom(anatomy: normal[1], scars: [
                .midWallSeptal(), .focal(segment: 4, diameter: 10, depth: .subendocardial), .rvInsertion(),
            ]),
            HeartPhantom(anatomy: dilated, scars: [.epicardialLateral(), .ischemic(territory: .rca, transmurality: 0.4)]),
            HeartPhantom(anatomy: normal[1], scars: []),
        ]
    }

    /// Planes: short-axis basal, mid and apical; 2CH and 4CH; an oblique plane with unequal pixel
    /// spacing and a non-square matrix; the same without a slice thickness; degenerate matrices.
    static func planes(_ phantom: HeartPhantom) -> [SliceGeometry] {
        let axes = HeartAxes(
            longAxis: phantom.anatomy.axes.longAxis, anterior: phantom.anatomy.axes.anterior,
            centre: phantom.lvCentroid())
        let planner = CardiacViewPlanner(axes: axes)
        let small = PixelSpacing(betweenRows: 2.6, betweenColumns: 2.6)
        var planes = planner.shortAxisStack(count: 5, thickness: 8, gap: 4, rows: 96, columns: 96, pixelSpacing: small)
        planes.append(planner.shortAxisStack(count: 1, thickness: 8, gap: 0)[0])  // the full 256×256
        planes.append(planner.longAxis(.twoChamber, rows: 96, columns: 80, pixelSpacing: small)!)
        planes.append(planner.longAxis(.fourChamber, rows: 80, columns: 96, pixelSpacing: small)!)
        let tilt = HeartAnatomy.rotate(axes.anterior, about: axes.longAxis.cross(axes.septal), by: 0.6)
        let oblique = SliceGeometry(
            position: axes.centre - tilt * 70 - axes.septal * 90, rowDirection: axes.septal,
            columnDirection: tilt.normalized, pixelSpacing: PixelSpacing(betweenRows: 1.9, betweenColumns: 2.3),
            rows: 70, columns: 83, sliceThickness: 6)
        planes.append(oblique)
        var thin = oblique
        thin.sliceThickness = nil
        planes.append(thin)
        for (rows, columns) in [(1, 1), (1, 9), (7, 1), (2, 2), (0, 5)] {
            var tiny = oblique
            tiny.position = axes.centre - tilt * 30
            tiny.rows = rows
            tiny.columns = columns
            tiny.pixelSpacing = PixelSpacing(betweenRows: 6, betweenColumns: 6)
            planes.append(tiny)
        }
        return planes
    }

    static func identical(_ a: TissueFractions, _ b: TissueFractions) -> Bool {
        a.rows == b.rows && a.columns == b.columns && a.maps.count == b.maps.count
            && zip(a.maps, b.maps).allSatisfy { $0.map(\.bitPattern) == $1.map(\.bitPattern) }
    }

    @Test("every map is bit-identical to the reference, default 2×2×3 supersampling")
    func defaultSupersampling() {
        for (index, phantom) in Self.phantoms().enumerated() {
            for (p, plane) in Self.planes(phantom).enumerated() {
                let fast = phantom.sample(on: plane)
                let same = Self.identical(fast, phantom.referenceSample(on: plane))
                #expect(same, "phantom \(index), plane \(p)")
                #expect(fast.maps.count == Tissue.allCases.count)
                #expect(fast.maps.allSatisfy { $0.count == plane.rows * plane.columns })
            }
        }
    }

    @Test("other supersampling factors match the reference too", arguments: [(1, 1), (3, 2), (4, 5)])
    func otherSupersampling(inPlane: Int, throughPlane: Int) {
        let phantom = Self.phantoms()[1]
        for (p, plane) in Self.planes(phantom).enumerated() where plane.rows * plane.columns < 20_000 {
            let fast = phantom.sample(on: plane, inPlaneSupersampling: inPlane, throughPlaneSamples: throughPlane)
            let same = Self.identical(
                fast, phantom.referenceSample(on: plane, inPlaneSupersampling: inPlane, throughPlaneSamples: throughPlane))
            #expect(same, "plane \(p)")
        }
    }

    @Test("the reference is not trivially agreeable: planes have mixed pixels of several tissues")
    func referenceSeesPartialVolume() {
        let phantom = Self.phantoms()[0]
        let plane = Self.planes(phantom)[2]
        let fractions = phantom.referenceSample(on: plane)
        let partial = (0..<(plane.rows * plane.columns)).filter { pixel in
            fractions.maps.contains { $0[pixel] > 0 && $0[pixel] < 1 }
        }
        #expect(partial.count > 100)
        #expect(fractions[.scar].contains { $0 > 0 })
        #expect(fractions[.mvo].contains { $0 > 0 })
    }
}

