import Foundation
import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession
import Testing

@Suite("Analytic heart anatomy")
struct AnatomyTests {
    /// Myocardial thickness along a ray from the LV centre in a sampled plane: the partial-volume
    /// weighted length of the first run of myocardium met.
    static func measuredThickness(
        _ fractions: TissueFractions, plane: SliceGeometry, axes: HeartAxes, angle: Double
    ) -> Double {
        let direction = axes.direction(atAngle: angle)
        let step = 0.1
        var total = 0.0
        var entered = false
        var r = 0.0
        while r < 70 {
            let f = Double(fractions.fraction(of: .myocardium, at: axes.centre + direction * r, on: plane))
            if f > 0.01 { entered = true } else if entered && total > 2 { break }
            total += f * step
            r += step
        }
        return total
    }

    @Test("mid short axis: a myocardial ring of the nominal thickness around blood", arguments: [
        HeartAnatomy.typical,
        HeartAnatomy(freeWallThickness: 8, septalWallThickness: 13),
    ])
    func ringThickness(anatomy: HeartAnatomy) {
        let phantom = HeartPhantom(anatomy: anatomy)
        let plane = phantom.midShortAxis
        let fractions = phantom.sample(on: plane)
        #expect(fractions.fraction(of: .blood, at: anatomy.axes.centre, on: plane) == 1)
        // Away from the RV insertions (30°, 150°), where the RV horn abuts the LV wall.
        for angle in [0.0, 90, 180, 210, 240, 270, 300, 330] {
            let measured = Self.measuredThickness(fractions, plane: plane, axes: anatomy.axes, angle: angle)
            let expected = anatomy.wallThickness(atAngle: angle)
            #expect(abs(measured - expected) <= 1.5, "angle \(angle)°: \(measured) mm, expected \(expected) mm")
        }
    }

    @Test("fractions sum to one in every pixel, in short- and long-axis planes")
    func fractionsSumToOne() {
        let phantom = HeartPhantom(scars: [.ischemic(territory: .lad, transmurality: 0.8, mvo: true), .midWallSeptal()])
        let planner = CardiacViewPlanner(axes: phantom.anatomy.axes)
        for plane in [phantom.midShortAxis, planner.longAxis(.fourChamber)!] {
            let fractions = phantom.sample(on: plane)
            var worst: Float = 0
            for index in 0..<(plane.rows * plane.columns) {
                let sum = Tissue.allCases.reduce(Float(0)) { $0 + fractions[$1][index] }
                worst = max(worst, abs(sum - 1))
            }
            #expect(worst < 1e-5)
            #expect(fractions[.scar].contains { $0 > 0 })
            // Partial volume really happens: some pixels are mixtures.
            #expect(fractions[.myocardium].contains { $0 > 0.1 && $0 < 0.9 })
        }
    }

    @Test("the RV lies on the septal side of the LV")
    func rvOnSeptalSide() {
        let phantom = HeartPhantom()
        let axes = phantom.anatomy.axes
        let plane = phantom.midShortAxis
        let fractions = phantom.sample(on: plane)
        // Blood outside the LV epicardium (radius < 40 mm here) belongs to the RV.
        var septalBlood = 0.0, lateralBlood = 0.0
        for row in 0..<plane.rows {
            for column in 0..<plane.columns {
                let blood = Double(fractions.fraction(of: .blood, row: row, column: column))
                guard blood > 0 else { continue }
                let d = plane.point(row: Double(row), column: Double(column)) - axes.centre
                guard d.length > 40 else { continue }
                if d.dot(axes.septal) > 0 { septalBlood += blood } else { lateralBlood += blood }
            }
        }
        #expect(septalBlood > 100)
        #expect(lateralBlood == 0)
        #expect(phantom.tissue(at: axes.centre + axes.septal * 50) == .blood)
        #expect(phantom.tissue(at: axes.centre - axes.septal * 50) != .blood)
    }

    @Test("the LV wall map covers the LV myocardium, scar included, and leaves the RV wall out")
    func leftVentricularWallMap() {
        let phantom = HeartPhantom(scars: [.ischemic(territory: .lad, transmurality: 0.5)])
        let plane = phantom.midShortAxis
        let fractions = phantom.sample(on: plane)
        let wall = phantom.leftVentricularWallFractions(on: plane, fractions: fractions)
        #expect(wall.count == plane.rows * plane.columns)
        #expect(wall.allSatisfy { (0...1).contains($0) })
        // Judge each pixel by its centre: in the LV wall (it has an AHA segment), in other muscle
        // (the RV free wall), or outside any muscle.
        var lv: [Float] = [], rv: [Float] = [], scarred: [Float] = [], elsewhere: [Float] = []
        for row in 0..<plane.rows {
            for column in 0..<plane.columns {
                let centre = plane.point(row: Double(row), column: Double(column))
                let value = wall[row * plane.columns + column]
                let tissue = phantom.tissue(at: centre)
                if phantom.ahaSegment(at: centre) != nil {
                    lv.append(value)
                    if tissue == .scar { scarred.append(value) }
                } else if tissue == .myocardium {
                    rv.append(value)
                } else if [Tissue.blood, .fat, .lung, .air].contains(tissue) {
                    elsewhere.append(value)
                }
            }
        }
        #expect(lv.count > 200 && rv.count > 20 && scarred.count > 20, "\(lv.count) \(rv.count) \(scarred.count)")
        func share(_ values: [Float], _ test: (Float) -> Bool) -> Double { Double(values.filter(test).count) / Double(values.count) }
        #expect(share(lv) { $0 > 0.5 } > 0.9)
        #expect(share(scarred) { $0 > 0.5 } > 0.9)
        #expect(share(rv) { $0 < 0.5 } > 0.9)
        #expect(share(elsewhere) { $0 < 0.5 } > 0.99)
        // Its area is the LV wall's: normal, scarred and border-zone myocardium together, less the RV's.
        var muscle: Float = 0
        for tissue in [Tissue.myocardium, .scar, .borderZone, .mvo] { muscle += fractions[tissue].reduce(0, +) }
        let wallArea = wall.reduce(0, +)
        #expect(wallArea < muscle && wallArea > 0.5 * muscle, "\(wallArea) of \(muscle)")
    }

    @Test("a four-chamber plane shows both ventricles, separated by the septum")
    func fourChamberShowsBothVentricles() {
        let phantom = HeartPhantom()
        let planner = CardiacViewPlanner(axes: phantom.anatomy.axes)
        let plane = planner.longAxis(.fourChamber)!
        let fractions = phantom.sample(on: plane)
        // Walk the image row through the LV centre and collect runs of blood.
        let (row, _) = plane.pixel(nearest: phantom.anatomy.axes.centre)
        var runs: [Range<Int>] = []
        var start: Int?
        for column in 0...plane.columns {
            let isBlood = column < plane.columns && fractions.fraction(of: .blood, row: row, column: column) > 0.5
            if isBlood, start == nil { start = column }
            if !isBlood, let s = start {
                if column - s >= 5 { runs.append(s..<column) }
                start = nil
            }
        }
        #expect(runs.count == 2, "blood runs \(runs)")
        if runs.count == 2 {
            let between = runs[0].upperBound..<runs[1].lowerBound
            #expect(between.contains { fractions.fraction(of: .myocardium, row: row, column: $0) > 0.9 })
            // Septum on the image left (planner convention): the RV is the left run, and the LV the wider.
            #expect(runs[1].count > runs[0].count)
        }
        // The atria appear on the far side of the base plane.
        let atrial = phantom.anatomy.axes.centre + phantom.anatomy.axes.longAxis * (phantom.anatomy.basePlaneOffset - 15)
        #expect(phantom.tissue(at: atrial - phantom.anatomy.axes.septal * 8) == .blood)
    }

    @Test("lungs lie lateral to the heart; liver, chest wall and air where expected")
    func surroundings() {
        let phantom = HeartPhantom()
        let axes = phantom.anatomy.axes
        let plane = phantom.midShortAxis
        let fractions = phantom.sample(on: plane)
        var lateralLung = 0.0, insideHeart = 0.0
        for row in 0..<plane.rows {
            for column in 0..<plane.columns {
                let lung = Double(fractions.fraction(of: .lung, row: row, column: column))
                let d = plane.point(row: Double(row), column: Double(column)) - axes.centre
                let lateral = -d.dot(axes.septal)
                if lateral > 35 && abs(d.dot(axes.anterior)) < 40 { lateralLung += lung }
                if d.length < 30 { insideHeart += lung }
            }
        }
        #expect(lateralLung > 50)
        #expect(insideHeart == 0)
        let torso = phantom.anatomy.torsoCentre
        #expect(phantom.tissue(at: torso + PatientVector(-50, 10, -125)) == .liver)
        #expect(phantom.tissue(at: torso + PatientVector(0, -phantom.anatomy.torsoSemiAxes.y - 5, 0)) == .air)
        #expect(phantom.tissue(at: torso + PatientVector(0, -phantom.anatomy.torsoSemiAxes.y + 5, 0)) == .skeletalMuscle)
        #expect(fractions[.fat].contains { $0 > 0.5 })
    }

    @Test("AHA segments at known angles and levels")
    func ahaNumbering() throws {
        let phantom = HeartPhantom()
        let length = phantom.anatomy.lvCavityLength
        let rings: [(fromBase: Double, first: Int)] = [(length / 6, 1), (length / 2, 7)]
        for ring in rings {
            for (k, angle) in [0.0, 60, 120, 180, 240, 300].enumerated() {
                let point = try #require(phantom.wallPoint(angle: angle, fromBase: ring.fromBase, transmural: 0.5))
                #expect(phantom.ahaSegment(at: point) == ring.first + k, "angle \(angle)° at \(ring.fromBase) mm")
            }
        }
        for (k, angle) in [0.0, 90, 180, 270].enumerated() {
            let point = try #require(phantom.wallPoint(angle: angle, fromBase: 5 * length / 6, transmural: 0.5))
            #expect(phantom.ahaSegment(at: point) == 13 + k)
        }
        // Boundaries hang on the anterior RV insertion (30°): 1 | 2 and 7 | 8.
        let before = try #require(phantom.wallPoint(angle: 27, fromBase: length / 6, transmural: 0.5))
        let after = try #require(phantom.wallPoint(angle: 33, fromBase: length / 6, transmural: 0.5))
        #expect(phantom.ahaSegment(at: before) == 1)
        #expect(phantom.ahaSegment(at: after) == 2)
        let axes = phantom.anatomy.axes
        let apex = axes.centre + axes.longAxis * (length / 2 + phantom.anatomy.apicalWallThickness / 2)
        #expect(phantom.ahaSegment(at: apex) == 17)
        #expect(phantom.ahaSegment(at: axes.centre) == nil)  // blood pool
        #expect(phantom.ahaSegment(at: axes.centre + axes.septal * 50) == nil)  // RV
    }

    @Test("random anatomies vary within their ranges and a seeded generator reproduces them")
    func randomAnatomies() {
        var first = SeededRandom(seed: 42)
        var again = SeededRandom(seed: 42)
        let a = HeartAnatomy.random(using: &first, variation: .normal)
        let b = HeartAnatomy.random(using: &first, variation: .normal)
        let aAgain = HeartAnatomy.random(using: &again, variation: .normal)
        #expect(a == aAgain)
        #expect(a != b)
        var generator = SeededRandom(seed: 7)
        for _ in 0..<20 {
            let anatomy = HeartAnatomy.random(using: &generator, variation: .normal)
            #expect((40...60).contains(anatomy.lvEndDiastolicDiameter))
            #expect((7...13).contains(anatomy.freeWallThickness))
            let tilt = acos(min(1, anatomy.axes.longAxis.dot(HeartAxes.typical.longAxis))) * 180 / .pi
            #expect(tilt <= 15.001)
            let shift = anatomy.axes.centre - HeartAxes.typical.centre
            #expect(max(abs(shift.x), abs(shift.y), abs(shift.z)) <= 10)
            // The heart still samples as a ring around blood.
            let phantom = HeartPhantom(anatomy: anatomy)
            #expect(phantom.tissue(at: anatomy.axes.centre) == .blood)
        }
        let dilated = HeartAnatomy.random(using: &generator, variation: .dilated)
        #expect(dilated.lvEndDiastolicDiameter >= 62)
        #expect(dilated.lvCavityLength / dilated.lvEndDiastolicDiameter < 1.45)
    }

    @Test("a phantom survives a JSON round trip")
    func codable() throws {
        let phantom = HeartPhantom(scars: [
            .ischemic(territory: .rca, transmurality: 0.5, segments: [4, 10], borderZone: 1, mvo: true),
            .focal(segment: 8, diameter: 6, depth: .midwall), .rvInsertion(site: .inferior),
        ])
        let data = try JSONEncoder().encode(phantom)
        let decoded = try JSONDecoder().decode(HeartPhantom.self, from: data)
        #expect(decoded.anatomy == phantom.anatomy)
        #expect(decoded.scars == phantom.scars)
        let probe = try #require(phantom.wallPoint(angle: 180, fromBase: 39, transmural: 0.2))
        #expect(decoded.tissue(at: probe) == phantom.tissue(at: probe))
    }
}
