import Foundation
import LGEDICOM
import LGEProtocol
import LGESimulator
import LGETestSupport
import Testing

@testable import LGEReplay

/// The R-R range the scanner recorded reaches the protocol the same way from a simulated
/// session and from its DICOM files.
@Suite struct RhythmReplayTests {
    /// The small exam with a missed beat during the SA 2 breath-hold.
    static func irregularExam() -> ExamCase {
        var exam = ReplayTests.smallExam()
        exam.events = [ArtifactEvent(affects: .shortAxis([1]), kind: .arrhythmia(missedBeats: [1], prematureBeats: []), recurrence: 0)]
        return exam
    }

    func replay<Source: ReplaySource>(_ source: inout Source) throws -> (arrivals: [SliceArrived], facts: [SliceFacts], lines: [[String: Any]]) {
        var events: [ReplayEvent] = []
        var facts: [SliceFacts] = []
        let engine = ReplayEngine(protocol: ReplayTests.alwaysSwap, classifier: ReplayTests.classifier)
        try engine.run(&source, emit: { events.append($0) }, facts: { facts.append($0) })
        let arrivals = events.compactMap { if case .sliceArrived(let a) = $0 { a } else { nil } }
        return (arrivals, facts, try ReplayTests.parse(events))
    }

    @Test func scenarioAndRecordingAgreeOnTheRecordedRhythm() throws {
        let exam = Self.irregularExam()
        let nominal = (60_000 / exam.patient.heartRate).rounded()
        let missed = (2 * 60_000 / exam.patient.heartRate).rounded()

        var scenario = try ScenarioSource(exam: exam, follow: false)
        let simulated = try replay(&scenario)
        #expect(simulated.arrivals.map(\.position) == ["SA 1", "SA 2", "SA 3", "SA 4", "4CH"])
        #expect(simulated.arrivals[1].rrRange == [nominal, missed])
        for (number, arrival) in simulated.arrivals.enumerated() where number != 1 { #expect(arrival.rrRange == [nominal, nominal]) }
        // The JSON field, and the facts the protocol saw: both images of SA 2 irregular.
        let arrived = simulated.lines.filter { $0["event"] as? String == "slice_arrived" }
        #expect(arrived[1]["rr_range_ms"] as? [Double] == [nominal, missed])
        let sa2 = simulated.facts.filter { $0.context.position == "SA 2" }
        #expect(sa2.count == 2 && sa2.allSatisfy { $0.context.rrRange == missed - nominal && $0.context.isArrhythmic == true })
        #expect(simulated.facts.filter { $0.context.position != "SA 2" }.allSatisfy { $0.context.isArrhythmic == false })

        // The same exam written to DICOM and replayed as a recording: the header carries it.
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-rhythm")
        defer { try? FileManager.default.removeItem(at: directory) }
        var simulator = try ExamSimulator(exam: exam)
        try simulator.acquirePlannedExam()
        try ExamWriter().write(simulator, to: directory)
        var recording = try RecordedSessionSource(directory: directory.appendingPathComponent("dicom").path)
        let recorded = try replay(&recording)
        #expect(recorded.arrivals.map(\.position) == simulated.arrivals.map(\.position))
        #expect(recorded.arrivals.map(\.rrRange) == simulated.arrivals.map(\.rrRange))
        #expect(recorded.facts.map(\.context.rrRange) == simulated.facts.map(\.context.rrRange))
    }

    /// A recording whose headers say nothing about the rhythm: the field is left out, the fact unknown.
    @Test func noRecordNoRange() throws {
        let image = ArrivingImage(
            reconstruction: .magnitude, pixels: PixelImage(rows: 8, columns: 8, values: (0..<64).map(Float.init)), pixelSpacing: nil)
        var source = PreparedSource(
            info: SourceInfo(kind: .recording, name: "fixed", synthetic: true, follow: false),
            slices: [ArrivingSlice(target: "SA 1", orientation: .shortAxis, index: 1, images: [image], sourceReference: 0)])
        let replayed = try replay(&source)
        #expect(replayed.arrivals.first?.rrRange == nil)
        #expect(replayed.lines.first { $0["event"] as? String == "slice_arrived" }?["rr_range_ms"] == nil)
        #expect(replayed.facts.allSatisfy { $0.context.rrRange == nil && $0.context.isArrhythmic == nil })
    }
}
