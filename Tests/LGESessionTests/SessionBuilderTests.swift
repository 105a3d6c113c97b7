import Foundation
import LGEDICOM
import Testing

@testable import LGESession

/// A seeded generator, so shuffles are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct SessionBuilderTests {
    @Test func standardExamIsGroupedOrderedAndClassified() throws {
        let exam = SyntheticExam()
        let session = SessionBuilder.build(from: exam.standardHeaders())
        let study = try #require(session.studies.first)
        #expect(session.studies.count == 1)
        #expect(study.series.map(\.seriesNumber) == [5, 6, 7, 8])
        #expect(study.series.map(\.orientation) == [.shortAxis, .twoChamber, .threeChamber, .fourChamber])

        let stack = study.series[0]
        #expect(stack.slices.count == 10)
        #expect(stack.slices.allSatisfy { $0.orientation == .shortAxis })
        #expect(stack.slices.map(\.header.instanceNumber) == Array(1...10).map { $0 })
        #expect(stack.slices.map(\.stackPosition) == Array(0..<10).map { $0 })
        #expect(stack.slices.map(\.ring) == [.basal, .basal, .basal, .basal, .mid, .mid, .mid, .apical, .apical, .apical])
        #expect(study.series.dropFirst().allSatisfy { $0.slices.allSatisfy { $0.stackPosition == nil && $0.ring == nil } })

        let axes = try #require(study.heartAxes)
        #expect(axes.longAxis.dot(exam.axes.longAxis) > 0.999_999)
        #expect((axes.centre - exam.axes.centre).length < 1e-6)
        #expect(study.axesBasis.contains("series 5"))
        #expect(study.repeats.isEmpty)
        #expect(study.allProblems.isEmpty, "\(study.allProblems)")
        #expect(stack.inversionTimeRange == 300...300)
        #expect(stack.phaseEncodeDirections == [.row])
        #expect(stack.reconstruction.kind == .psir)
    }

    @Test func stackPositionsFollowAnatomyNotAcquisitionOrder() throws {
        // Acquired apex first: the first acquired slice is the most apical.
        var exam = SyntheticExam()
        exam.axes = HeartAxes.typical
        let stack = exam.planner.shortAxisStack(count: 6, thickness: 8, gap: 0)
        let headers = stack.reversed().enumerated().map { index, geometry in
            exam.header(series: 3, instance: index + 1, geometry: geometry, second: Double(index) * 10, description: "SAX")
        }
        let series = try #require(SessionBuilder.build(from: headers).studies.first?.series.first)
        #expect(series.slices.map(\.stackPosition) == [5, 4, 3, 2, 1, 0])
        #expect(series.slices.first?.ring == .apical)
        #expect(series.slices.last?.ring == .basal)
    }

    @Test(arguments: [-15.0, 15.0, 0.0])
    func builderClassifiesRotatedAndNonTypicalHearts(degrees: Double) throws {
        // A long axis 30° from typical, turned about itself: the builder finds the long axis
        // from the stack and assumes the default anterior, within the in-plane tolerance.
        var exam = SyntheticExam()
        exam.axes = HeartAxes(longAxis: PatientVector(0.2, -0.3, -0.9), centre: PatientVector(5, 5, 5))
            .rotatedAboutLongAxis(by: degrees)
        let study = try #require(SessionBuilder.build(from: exam.standardHeaders()).studies.first)
        #expect(study.series.map(\.orientation) == [.shortAxis, .twoChamber, .threeChamber, .fourChamber])
        let axes = try #require(study.heartAxes)
        #expect(axes.longAxis.dot(exam.axes.longAxis) > 0.999_999)
        #expect(axes.longAxis.dot(HeartAxes.typical.longAxis) < 0.9) // really not the typical axis
        for series in study.series.dropFirst() {
            let angle = try #require(series.slices[0].orientationEvidence.inPlaneAngleDegrees)
            let nominal = series.orientation.nominalInPlaneAngle!
            #expect(abs(CardiacViewClassifier.lineDistance(angle, nominal) - abs(degrees)) < 1e-6)
        }
    }

    @Test func withoutAStackTypicalAxesAreAssumed() throws {
        var exam = SyntheticExam()
        exam.axes = HeartAxes.typical
        let headers = exam.standardHeaders().filter { $0.seriesNumber != 5 }
        let study = try #require(SessionBuilder.build(from: headers).studies.first)
        #expect(study.axesBasis.contains("typical"))
        #expect(study.heartAxes == HeartAxes.typical)
        #expect(study.series.map(\.orientation) == [.twoChamber, .threeChamber, .fourChamber])
    }

    /// Two studies, a repeat, a PSIR/magnitude pair and a series acquired before a lower-numbered one.
    func busyHeaders() -> [MRSliceHeader] {
        let first = SyntheticExam()
        var headers = first.standardHeaders()
        let stack = first.planner.shortAxisStack(count: 10, thickness: 8, gap: 2)
        headers.append(first.header(series: 9, instance: 1, geometry: stack[4], second: 400, description: "LGE_PSIR_SAX", ti: 350, phaseEncode: .column))
        headers.append(first.header(series: 4, instance: 1, geometry: first.planner.longAxis(.fourChamber), second: 500, description: "LGE 4CH MAG"))
        headers.append(first.header(series: 104, instance: 1, geometry: first.planner.longAxis(.fourChamber), second: 500, description: "LGE 4CH PSIR"))

        var second = SyntheticExam()
        second.studyUID = "1.2.826.0.1.3680043.9.7777.2"
        second.day = first.day.map { $0 + 30 }
        headers += second.standardHeaders(saCount: 8)
        return headers
    }

    @Test func shuffledInputGivesTheSameSession() throws {
        let headers = busyHeaders()
        let reference = SessionBuilder.build(from: headers)
        #expect(reference.studies.count == 2)
        #expect(reference.studies.map(\.studyInstanceUID) == ["1.2.826.0.1.3680043.9.7777.1", "1.2.826.0.1.3680043.9.7777.2"])
        // Series in acquisition order: series 4 (at 500 s) comes after series 9 (at 400 s).
        #expect(reference.studies[0].series.map(\.seriesNumber) == [5, 6, 7, 8, 9, 4, 104])
        #expect(reference.studies[1].series.map(\.seriesNumber) == [5, 6, 7, 8])
        var generator = SplitMix64(state: 42)
        for _ in 0..<5 {
            let shuffled = headers.shuffled(using: &generator)
            #expect(shuffled != headers)
            #expect(SessionBuilder.build(from: shuffled) == reference)
        }
    }

    @Test func repeatWithNewTIAndSwappedPhaseEncodeIsFound() throws {
        let study = try #require(SessionBuilder.build(from: busyHeaders()).studies.first)
        // The 4CH MAG/PSIR pair (series 4 and 104, same time) is one acquisition, and the
        // standard 4CH (series 8) has the same position: that is one repeat with two tries.
        #expect(study.repeats.count == 2)
        let sa = try #require(study.repeats.first { $0.orientation == .shortAxis })
        #expect(sa.stackPosition == 4)
        #expect(sa.slices.map(\.seriesNumber) == [5, 9])
        #expect(sa.slices.map(\.sopInstanceUID) == ["\(SyntheticExam().studyUID).5.5", "\(SyntheticExam().studyUID).9.1"])
        #expect(sa.changes == [[.inversionTime(from: 300, to: 350), .phaseEncode(from: .row, to: .column)]])

        let fourChamber = try #require(study.repeats.first { $0.orientation == .fourChamber })
        #expect(fourChamber.tries.count == 2)
        #expect(fourChamber.tries[1].slices.map(\.seriesNumber) == [4, 104])
        #expect(fourChamber.tries[1].reconstructions == [.psir, .magnitude])
        #expect(fourChamber.changes == [[.reconstruction(from: [.psir], to: [.psir, .magnitude])]])
    }

    @Test func plainRetakeHasSameParameters() throws {
        let exam = SyntheticExam()
        var headers = exam.standardHeaders()
        headers.append(exam.header(series: 6, instance: 2, geometry: exam.planner.longAxis(.twoChamber), second: 315, description: "LGE_PSIR_2CH"))
        let study = try #require(SessionBuilder.build(from: headers).studies.first)
        #expect(study.repeats.count == 1)
        #expect(study.repeats.first?.orientation == .twoChamber)
        #expect(study.repeats.first?.changes == [[.sameParameters]])
    }

    @Test func psirAndMagnitudeOfOneAcquisitionAreNotARepeat() throws {
        // Siemens: two series with the same times; Philips: both images in one series.
        let exam = SyntheticExam()
        let stack = exam.planner.shortAxisStack(count: 8, thickness: 8, gap: 2)
        var headers: [MRSliceHeader] = []
        for (index, geometry) in stack.enumerated() {
            let second = Double(index) * 12
            headers.append(exam.header(series: 10, instance: index + 1, geometry: geometry, second: second, description: "de_tfl_psir_SAX_MAG"))
            headers.append(exam.header(series: 11, instance: index + 1, geometry: geometry, second: second, description: "de_tfl_psir_SAX_PSIR"))
        }
        let twoChamber = exam.planner.longAxis(.twoChamber)
        headers.append(exam.header(series: 12, instance: 1, geometry: twoChamber, second: 200, description: "LGE 2CH", imageType: ["ORIGINAL", "PRIMARY", "M_IR", "M", "IR"]))
        headers.append(exam.header(series: 12, instance: 2, geometry: twoChamber, second: 200, description: "LGE 2CH", imageType: ["ORIGINAL", "PRIMARY", "R_IR", "R", "IR"]))

        let study = try #require(SessionBuilder.build(from: headers).studies.first)
        #expect(study.repeats.isEmpty)
        #expect(study.series.map(\.reconstruction.kind) == [.magnitude, .psir, .psir])
        #expect(study.series[2].reconstructions == [.psir, .magnitude])
        #expect(study.series[2].reconstruction.basis.contains("mixed"))
        #expect(study.series[0].slices.map(\.stackPosition) == study.series[1].slices.map(\.stackPosition))

        // The same pair a minute apart is a repeat.
        headers.append(exam.header(series: 13, instance: 1, geometry: stack[2], second: 260, description: "de_tfl_psir_SAX_MAG"))
        let again = try #require(SessionBuilder.build(from: headers).studies.first)
        #expect(again.repeats.count == 1)
        #expect(again.repeats.first?.tries.map(\.slices.count) == [2, 1])
    }

    @Test func problemsAreFound() throws {
        let exam = SyntheticExam()
        var headers = exam.standardHeaders().filter { !($0.seriesNumber == 5 && $0.instanceNumber == 7) }
        // Series 5: slice 7 missing (irregular gap), slice 3 without geometry, slice 2 without TI,
        // slice 9 skewed.
        for index in headers.indices where headers[index].seriesNumber == 5 {
            switch headers[index].instanceNumber {
            case 3: headers[index].geometry = nil
            case 2: headers[index].inversionTime = nil
            case 9: headers[index].geometry!.rowDirection *= 1.05
            default: break
            }
        }
        // Series 6 is a 2CH called 4CH; series 7 has another frame of reference and a duplicate.
        for index in headers.indices where headers[index].seriesNumber == 6 {
            headers[index].seriesDescription = "LGE_PSIR_4CH"
        }
        for index in headers.indices where headers[index].seriesNumber == 7 {
            headers[index].frameOfReferenceUID = "1.2.3.4"
            var copy = headers[index]
            copy.source.path = "/elsewhere/copy.dcm"
            headers.append(copy)
        }
        // Series 8 gets an SA slice: mixed orientations.
        headers.append(exam.header(series: 8, instance: 2, geometry: exam.planner.shortAxisStack(count: 1, thickness: 8, gap: 0)[0], second: 345, description: "LGE_PSIR_4CH"))

        let study = try #require(SessionBuilder.build(from: headers).studies.first)
        let stack = study.series[0]
        #expect(stack.slices.first { $0.header.instanceNumber == 3 }?.orientation == .unknown)
        #expect(stack.problems.contains(.missingGeometry(series: "series 5", slices: ["instance 3"])))
        #expect(stack.problems.contains(.missingInversionTime(series: "series 5", missing: 1, of: 9)))
        #expect(stack.problems.contains(.nonOrthonormalOrientation(series: "series 5", slices: ["instance 9"])))
        let irregular = try #require(stack.problems.first { $0.kind == "irregular_slice_spacing" })
        guard case let .irregularSliceSpacing(_, gaps, median) = irregular else { Issue.record("wrong case"); return }
        #expect(median == 10)
        #expect(gaps.contains(20))
        // Slice 3 has no geometry, so 8 positions remain: the gap at 3 is 20 mm too.
        #expect(gaps.filter { $0 == 20 }.count == 2)

        #expect(study.series[1].problems == [.descriptionDisagreesWithGeometry(series: "series 6", described: [.fourChamber], geometry: .twoChamber)])
        #expect(study.series[2].problems == [.duplicateSOPInstanceUID(uid: "\(exam.studyUID).7.1", count: 2, series: ["series 7"])])
        #expect(study.series[3].problems.contains(.mixedOrientations(series: "series 8", counts: [ViewCount(orientation: .shortAxis, count: 1), ViewCount(orientation: .fourChamber, count: 1)])))
        #expect(study.problems == [.mixedFramesOfReference(count: 2)])
        #expect(study.allProblems.allSatisfy { !$0.description.contains("/data") && !$0.description.contains("/elsewhere") })
    }

    @Test func regularStackHasNoSpacingProblemButOneMissingSliceDoes() throws {
        let exam = SyntheticExam()
        let stack = exam.planner.shortAxisStack(count: 6, thickness: 6, gap: 4)
        let headers = stack.enumerated().map { exam.header(series: 1, instance: $0 + 1, geometry: $1, second: Double($0), description: "SAX") }
        let regular = try #require(SessionBuilder.build(from: headers).studies.first?.series.first)
        #expect(regular.problems.isEmpty)
        let gapped = try #require(SessionBuilder.build(from: headers.filter { $0.instanceNumber != 4 }).studies.first?.series.first)
        #expect(gapped.problems.map(\.kind) == ["irregular_slice_spacing"])
        #expect(gapped.problems.first?.description.contains("series 1") == true)
    }
}
