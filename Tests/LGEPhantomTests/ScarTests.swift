import Foundation
import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession
import Testing

@Suite("Scar patterns")
struct ScarTests {
    let length = HeartAnatomy.typical.lvCavityLength

    @Test("an LAD infarct lies in the anterior and anteroseptal segments, not inferolateral")
    func ladTerritory() {
        let phantom = HeartPhantom(scars: [.ischemic(territory: .lad, transmurality: 0.5)])
        let mid = phantom.shortAxis(fromBase: length / 2)
        let midTruth = phantom.scarTruth(on: mid, fractions: phantom.sample(on: mid))
        #expect(midTruth.segments == [7, 8])
        #expect(midTruth.areaMM2 > 100)
        let axes = phantom.anatomy.axes
        let centroid = midTruth.centroid ?? axes.centre
        #expect((centroid - axes.centre).dot(axes.direction(atAngle: 30)) > 15)
        let basal = phantom.shortAxis(fromBase: length / 6)
        let basalTruth = phantom.scarTruth(on: basal, fractions: phantom.sample(on: basal))
        #expect(basalTruth.segments == [1, 2])
        #expect(!basalTruth.segments.contains(5))
        let inferolateral = phantom.wallPoint(angle: 240, fromBase: length / 2, transmural: 0.2)!
        #expect(phantom.tissue(at: inferolateral) == .myocardium)
    }

    @Test("a 30% transmural infarct leaves the epicardial part of the wall normal")
    func partialTransmurality() throws {
        let phantom = HeartPhantom(scars: [.ischemic(territory: .lad, transmurality: 0.3)])
        let tissues = try [0.1, 0.45, 0.75, 0.95].map { f in
            phantom.tissue(at: try #require(phantom.wallPoint(angle: 0, fromBase: length / 2, transmural: f)))
        }
        #expect(tissues == [.scar, .borderZone, .myocardium, .myocardium])
        let plane = phantom.midShortAxis
        let fractions = phantom.sample(on: plane)
        let inner = try #require(phantom.wallPoint(angle: 0, fromBase: length / 2, transmural: 0.1))
        let outer = try #require(phantom.wallPoint(angle: 0, fromBase: length / 2, transmural: 0.9))
        #expect(fractions.fraction(of: .scar, at: inner, on: plane) > 0.5)
        #expect(fractions.fraction(of: .scar, at: outer, on: plane) == 0)
        #expect(fractions.fraction(of: .myocardium, at: outer, on: plane) > 0.5)
    }

    @Test("the mid-wall septal stripe spares the endo- and epicardial layers")
    func septalStripe() throws {
        let phantom = HeartPhantom(scars: [.midWallSeptal()])
        let plane = phantom.midShortAxis
        let fractions = phantom.sample(on: plane)
        var scar: [Float] = []
        for f in [0.05, 0.5, 0.95] {
            let point = try #require(phantom.wallPoint(angle: 90, fromBase: length / 2, transmural: f))
            scar.append(fractions.fraction(of: .scar, at: point, on: plane))
        }
        #expect(scar[0] == 0)
        #expect(scar[1] > 0.9)
        #expect(scar[2] == 0)
        // Not in the lateral wall.
        let lateral = try #require(phantom.wallPoint(angle: 270, fromBase: length / 2, transmural: 0.5))
        #expect(phantom.tissue(at: lateral) == .myocardium)
        let truth = phantom.scarTruth(on: plane, fractions: fractions)
        #expect(truth.segments == [8, 9])
    }

    @Test("epicardial lateral enhancement stays in the outer wall of the lateral segments")
    func epicardialLateral() throws {
        let solid = HeartPhantom(scars: [.epicardialLateral(patchy: false)])
        func tissue(_ phantom: HeartPhantom, _ angle: Double, _ f: Double, fromBase: Double? = nil) throws -> Tissue {
            phantom.tissue(at: try #require(phantom.wallPoint(angle: angle, fromBase: fromBase ?? length / 2, transmural: f)))
        }
        #expect(try tissue(solid, 240, 0.9) == .scar)
        #expect(try tissue(solid, 240, 0.2) == .myocardium)
        #expect(try tissue(solid, 60, 0.9) == .myocardium)
        // Patchy: along the outer lateral wall some places enhance and others do not.
        let patchy = HeartPhantom(scars: [.epicardialLateral()])
        var seen = Set<Tissue>()
        for angle in stride(from: 215.0, through: 325, by: 5) {
            for fromBase in stride(from: 5.0, through: 50, by: 5) {
                seen.insert(try tissue(patchy, angle, 0.95, fromBase: fromBase))
            }
        }
        #expect(seen == [.scar, .myocardium])
    }

    @Test("RV insertion enhancement sits at the chosen insertion point")
    func rvInsertion() throws {
        let phantom = HeartPhantom(scars: [.rvInsertion(site: .inferior)])
        let rv = phantom.anatomy.rvInsertionAngle
        func tissue(_ angle: Double, _ f: Double) throws -> Tissue {
            phantom.tissue(at: try #require(phantom.wallPoint(angle: angle, fromBase: 20, transmural: f)))
        }
        #expect(try tissue(180 - rv, 0.6) == .scar)
        #expect(try tissue(180 - rv, 0.1) == .myocardium)
        #expect(try tissue(rv, 0.6) == .myocardium)
        #expect(try tissue(270, 0.6) == .myocardium)
    }

    @Test("MVO forms a dark core only inside a transmural-ish infarct that asks for it")
    func microvascularObstruction() {
        func tissues(_ phantom: HeartPhantom, transmural: Double) -> Set<Tissue> {
            var found = Set<Tissue>()
            for angle in stride(from: -20.0, through: 100, by: 5) {
                for fromBase in stride(from: 10.0, through: 70, by: 5) {
                    if let p = phantom.wallPoint(angle: angle, fromBase: fromBase, transmural: transmural) {
                        found.insert(phantom.tissue(at: p))
                    }
                }
            }
            return found
        }
        let acute = HeartPhantom(scars: [.ischemic(territory: .lad, transmurality: 1, mvo: true)])
        #expect(tissues(acute, transmural: 0.15).contains(.mvo))
        #expect(!tissues(acute, transmural: 0.8).contains(.mvo))
        let noMVO = HeartPhantom(scars: [.ischemic(territory: .lad, transmurality: 1)])
        #expect(!tissues(noMVO, transmural: 0.15).contains(.mvo))
        let thin = HeartPhantom(scars: [.ischemic(territory: .lad, transmurality: 0.4, mvo: true)])
        #expect(!tissues(thin, transmural: 0.1).contains(.mvo))
    }

    @Test("a focal scar shows in only one or two slices of a 10-slice stack", arguments: [FocalDepth.subendocardial, .midwall])
    func focalScar(depth: FocalDepth) throws {
        let phantom = HeartPhantom(scars: [.focal(segment: 8, diameter: 8, depth: depth)])
        let stack = CardiacViewPlanner(axes: phantom.anatomy.axes).shortAxisStack(count: 10, thickness: 8, gap: 2)
        let truths = stack.map { phantom.scarTruth(on: $0, fractions: phantom.sample(on: $0)) }
        let showing = truths.filter(\.isPresent)
        #expect((1...2).contains(showing.count))
        for truth in showing { #expect(truth.segments == [8]) }
        // The 3D centroid is where a crosscut should aim: in segment 8, at the requested depth.
        let centroid = try #require(phantom.scarCentroid())
        #expect(phantom.ahaSegment(at: centroid) == 8)
        let f = try #require(phantom.transmuralPosition(at: centroid))
        if depth == .subendocardial { #expect(f < 0.4) } else { #expect(abs(f - 0.5) < 0.1) }
    }

    @Test("without scar nothing enhances")
    func noScar() {
        let phantom = HeartPhantom(scars: [.noScar])
        let plane = phantom.midShortAxis
        let fractions = phantom.sample(on: plane)
        #expect(phantom.scarTruth(on: plane, fractions: fractions) == ScarTruth(segments: [], areaMM2: 0, centroid: nil))
        #expect(phantom.scarCentroid() == nil)
        #expect(fractions[.borderZone].allSatisfy { $0 == 0 })
        let centroid = phantom.lvCentroid()
        let offAxis = (centroid - phantom.anatomy.axes.centre)
        #expect((offAxis - phantom.anatomy.axes.longAxis * offAxis.dot(phantom.anatomy.axes.longAxis)).length < 1e-9)
    }
}
