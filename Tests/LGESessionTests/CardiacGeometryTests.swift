import Foundation
import LGEDICOM
import Testing

@testable import LGESession

@Suite struct CardiacGeometryTests {
    static let nonTypical = HeartAxes(longAxis: PatientVector(-0.2, 0.7, -0.5), centre: PatientVector(-30, 15, 80))

    /// Every SA plane and every long-axis view, as planned for `axes`, classified against `axes`.
    func expectPlannedViewsClassified(_ axes: HeartAxes) {
        let planner = CardiacViewPlanner(axes: axes)
        for geometry in planner.shortAxisStack(count: 10, thickness: 8, gap: 2) {
            #expect(CardiacViewClassifier.classify(geometry, axes: axes).view == .shortAxis)
        }
        for view in ViewOrientation.longAxisViews {
            let evidence = CardiacViewClassifier.classify(planner.longAxis(view), axes: axes)
            #expect(evidence.view == view, "\(evidence)")
            let angle = try! #require(evidence.inPlaneAngleDegrees)
            #expect(CardiacViewClassifier.lineDistance(angle, view.nominalInPlaneAngle!) < 1e-6)
            #expect(abs(evidence.normalToLongAxisDegrees! - 90) < 1e-6)
        }
    }

    @Test func typicalAxesPointWhereAnatomySays() {
        let axes = HeartAxes.typical
        #expect(abs(axes.longAxis.length - 1) < 1e-12)
        #expect(abs(axes.anterior.dot(axes.longAxis)) < 1e-12)
        // Anterior is toward −y (patient anterior); the septum toward the patient's right (−x).
        #expect(axes.anterior.y < -0.8)
        #expect(axes.septal.x < -0.5)
        // (anterior, septal, long axis) is right handed.
        #expect((axes.anterior.cross(axes.septal) - axes.longAxis).length < 1e-12)
    }

    @Test func plannedPlanesAreOrthonormalAndLookClinical() {
        let axes = HeartAxes.typical
        let planner = CardiacViewPlanner(axes: axes)
        let stack = planner.shortAxisStack(count: 10, thickness: 8, gap: 2)
        #expect(stack.count == 10)
        for geometry in stack {
            #expect(geometry.isOrthonormal(tolerance: 1e-9))
            #expect(geometry.columnDirection.dot(axes.anterior) < -0.999) // anterior at the top
            #expect(geometry.rowDirection.dot(axes.septal) < -0.999) // septum on the image left
            #expect(geometry.sliceThickness == 8)
        }
        // Base to apex, 10 mm apart, centred on the LV centre.
        let positions = stack.map { $0.centre.dot(axes.longAxis) }
        for (a, b) in zip(positions, positions.dropFirst()) { #expect(abs(b - a - 10) < 1e-9) }
        let middle = stack.reduce(PatientVector.zero) { $0 + $1.centre } / 10
        #expect((middle - axes.centre).length < 1e-9)

        for view in ViewOrientation.longAxisViews {
            let geometry = try! #require(planner.longAxis(view))
            #expect(geometry.isOrthonormal(tolerance: 1e-9))
            #expect(abs(geometry.normal.dot(axes.longAxis)) < 1e-9) // contains the long axis
            #expect((geometry.centre - axes.centre).length < 1e-9)
        }
        #expect(planner.longAxis(.shortAxis) == nil)
    }

    @Test func threeChamberCutsAnteroseptalAndInferolateralWalls() {
        let axes = HeartAxes.typical
        let plane = try! #require(CardiacViewPlanner(axes: axes).longAxis(.threeChamber))
        // Directions in the plane are perpendicular to its normal: anteroseptal (60°) and
        // inferolateral (240°) lie in it, anterior (0°) and septal (90°) do not.
        #expect(abs(axes.direction(atAngle: 60).dot(plane.normal)) < 1e-9)
        #expect(abs(axes.direction(atAngle: 240).dot(plane.normal)) < 1e-9)
        #expect(abs(axes.direction(atAngle: 0).dot(plane.normal)) > 0.5)
        let fourChamber = try! #require(CardiacViewPlanner(axes: axes).longAxis(.fourChamber))
        #expect(abs(axes.direction(atAngle: 105).dot(fourChamber.normal)) < 1e-9)
    }

    @Test func classifiesPlannedViewsForTypicalAxes() { expectPlannedViewsClassified(.typical) }

    @Test(arguments: [-15.0, 15.0])
    func classifiesPlannedViewsForRotatedAxes(degrees: Double) {
        let rotated = HeartAxes.typical.rotatedAboutLongAxis(by: degrees)
        #expect(abs(rotated.anterior.dot(HeartAxes.typical.anterior) - cos(degrees * .pi / 180)) < 1e-9)
        expectPlannedViewsClassified(rotated)
    }

    @Test func classifiesPlannedViewsForNonTypicalLongAxis() {
        expectPlannedViewsClassified(Self.nonTypical)
        expectPlannedViewsClassified(Self.nonTypical.rotatedAboutLongAxis(by: 15))
    }

    @Test func classificationDependsOnTheAxesGiven() {
        // The non-typical planes judged against typical axes are not what they were planned as:
        // the classifier uses the axes it is given rather than fixed scanner directions.
        let planner = CardiacViewPlanner(axes: Self.nonTypical)
        let views = [planner.shortAxisStack(count: 1, thickness: 8, gap: 0)[0]]
            + ViewOrientation.longAxisViews.map { planner.longAxis($0)! }
        let judged = views.map { CardiacViewClassifier.classify($0, axes: .typical).view }
        #expect(judged != [.shortAxis, .twoChamber, .threeChamber, .fourChamber])

        // A 40° turn moves 3CH (60°) to 100°, inside the 4CH window.
        let turned = CardiacViewPlanner(axes: HeartAxes.typical.rotatedAboutLongAxis(by: 40)).longAxis(.threeChamber)
        #expect(CardiacViewClassifier.classify(turned, axes: .typical).view == .fourChamber)
    }

    @Test func planesBetweenViewsAreOther() {
        let axes = HeartAxes.typical
        let planner = CardiacViewPlanner(axes: axes)
        // 30° lies outside 0±22 and 60±22; 150° is between 4CH (105+22) and 2CH (180−22).
        for angle in [30.0, 150.0] {
            let evidence = CardiacViewClassifier.classify(planner.longAxis(atAngle: angle), axes: axes)
            #expect(evidence.view == .other, "\(evidence)")
        }
        // Tolerances hold at their edges, and the 180° line symmetry is used.
        #expect(CardiacViewClassifier.classify(planner.longAxis(atAngle: 21), axes: axes).view == .twoChamber)
        #expect(CardiacViewClassifier.classify(planner.longAxis(atAngle: 170), axes: axes).view == .twoChamber)
        #expect(CardiacViewClassifier.classify(planner.longAxis(atAngle: 240), axes: axes).view == .threeChamber)
        #expect(CardiacViewClassifier.classify(nil, axes: axes).view == .unknown)
    }

    @Test func tiltDecidesBetweenShortAxisLongAxisAndOther() {
        let axes = HeartAxes.typical
        // Tilt an SA plane about the septal direction by increasing angles.
        func tilted(_ degrees: Double) -> SliceGeometry {
            let r = degrees * .pi / 180
            let normal = axes.longAxis * cos(r) + axes.anterior * sin(r)
            let row = axes.septal
            let column = normal.cross(row)
            return SliceGeometry(
                position: .zero, rowDirection: row, columnDirection: column,
                pixelSpacing: PixelSpacing(betweenRows: 1, betweenColumns: 1), rows: 10, columns: 10)
        }
        #expect(CardiacViewClassifier.classify(tilted(25), axes: axes).view == .shortAxis)
        #expect(CardiacViewClassifier.classify(tilted(35), axes: axes).view == .other)
        #expect(CardiacViewClassifier.classify(tilted(60), axes: axes).view == .other)
        // At 70° the plane is in the long-axis family; its normal leans anterior, so its line
        // runs septal–lateral (90°), 15° from the 4CH's 105°.
        let near = CardiacViewClassifier.classify(tilted(70), axes: axes)
        #expect(near.view == .fourChamber)
        #expect(abs(near.normalToLongAxisDegrees! - 70) < 1e-6)
        #expect(abs(near.inPlaneAngleDegrees! - 90) < 1e-6)
    }
}
