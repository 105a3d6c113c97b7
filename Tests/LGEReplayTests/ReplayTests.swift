import Foundation
import LGEClassifier
import LGEDICOM
import LGENeural
import LGEPreprocessing
import LGEProtocol
import LGESession
import LGESimulator
import LGETestSupport
import Testing

@testable import LGEReplay

/// The replay engine on small simulated exams, a small untrained model (its probabilities are
/// meaningless: these tests are about the replay's plumbing, not the model's quality) and
/// protocols written here.
@Suite struct ReplayTests {
    static let classifier: SliceClassifier = {
        var configuration = NetworkConfiguration.tiny
        configuration.outputs = ClassifierHead.allCases.count
        let card = ModelCard(
            modelVersion: "test", created: "2026-11-26", network: configuration,
            preprocessing: SlicePreprocessor(targetPixelSpacing: 4, outputSize: 32),
            trainingData: [DatasetProvenance(name: "none", licence: "none", slices: 0, patients: 0, synthetic: true)], recipe: "untrained")
        return SliceClassifier(card: card, network: try! Network(configuration: configuration, seed: 1))
    }()

    /// Prompts a phase-encode swap on the first acquisition of every short-axis position.
    static let alwaysSwap = try! ProtocolLoader.parse(
        """
        schema: 1
        name: always-swap
        version: "1"
        limits: {prompts_per_slice: 1}
        rules:
          - name: swap-first
            when: {orientation: SA, repeats_of_position: {lt: 1}}
            then: {action: swap_phase_encode, priority: 10}
        """, file: "always-swap.yaml")

    /// Four short-axis slices and one long-axis view at 128², fast to simulate.
    static func smallExam(seed: UInt64 = 5) -> ExamCase {
        var plan = AcquisitionPlan(shortAxisSlices: 4, matrix: 128, pixelSize: 2.6, longAxisViews: [.fourChamber])
        plan.sliceGap = 6
        return ExamCase(
            name: "small", title: "small test exam", seed: seed, scars: [.ischemic(territory: .lad, transmurality: 0.6)], plan: plan,
            events: [ArtifactEvent(affects: .shortAxis([1]), kind: .respiratoryGhosting(amplitude: 10, period: 4), recurrence: 0)])
    }

    func replay<Source: ReplaySource>(_ source: inout Source, protocol qaProtocol: QAProtocol = alwaysSwap) throws -> [ReplayEvent] {
        var events: [ReplayEvent] = []
        let engine = ReplayEngine(protocol: qaProtocol, classifier: Self.classifier)
        try engine.run(&source) { events.append($0) }
        return events
    }

    /// Checks the documented event order; returns a description of the first violation.
    static func orderViolation(_ lines: [[String: Any]]) -> String? {
        guard lines.first?["event"] as? String == "session_started" else { return "first event is not session_started" }
        guard lines.last?["event"] as? String == "session_summary" else { return "last event is not session_summary" }
        // Per slice: slice_arrived, then each image's assessment, then (the acquisition decided
        // whole) each image's rule_fired events and at most one recommendation; a
        // no_recommendation closes the slice.
        var arrived = 0
        var closed: Set<Int> = []
        var decided: Set<Int> = []
        var recommended: Set<Int> = []
        for (n, line) in lines.enumerated() {
            guard line["schema"] as? String == "lgeqa.replay.v1" else { return "line \(n + 1) has no schema" }
            let event = line["event"] as? String ?? ""
            let slice = line["slice"] as? Int
            switch event {
            case "session_started": if n != 0 { return "session_started again on line \(n + 1)" }
            case "session_summary": if n != lines.count - 1 { return "session_summary before the end" }
            case "slice_arrived":
                guard slice == arrived + 1 else { return "slice \(slice ?? -1) arrived after \(arrived)" }
                arrived += 1
            case "assessment", "rule_fired", "recommendation", "no_recommendation":
                guard slice == arrived, !closed.contains(arrived) else { return "\(event) on line \(n + 1) out of place" }
                if event == "assessment", decided.contains(arrived) { return "assessment on line \(n + 1) after the slice's rules" }
                if event != "assessment" { decided.insert(arrived) }
                if event == "recommendation", !recommended.insert(arrived).inserted { return "a second recommendation for slice \(arrived)" }
                if event == "no_recommendation", recommended.contains(arrived) { return "no_recommendation after a recommendation" }
                if event == "no_recommendation" { closed.insert(arrived) }
            case "action_taken", "ambiguity_resolved":
                guard let slice, slice <= arrived else { return "\(event) on line \(n + 1) names a slice not yet arrived" }
            case "recorded_action_match":
                if let slice, slice > arrived { return "recorded_action_match names slice \(slice) not yet arrived" }
            case "expert_action":
                guard slice == arrived else { return "expert_action on line \(n + 1) is not about the slice just decided" }
            default: return "unknown event '\(event)' on line \(n + 1)"
            }
        }
        return nil
    }

    static func parse(_ events: [ReplayEvent]) throws -> [[String: Any]] {
        try events.map { try #require(try JSONSerialization.jsonObject(with: Data($0.jsonLine().utf8)) as? [String: Any]) }
    }

    @Test func followCarriesOutEachRecommendationAndTheLogIsValidAndDeterministic() throws {
        var source = try ScenarioSource(exam: Self.smallExam(), follow: true)
        let events = try replay(&source)
        let lines = try Self.parse(events)
        #expect(Self.orderViolation(lines) == nil, "\(Self.orderViolation(lines) ?? "")")
        let recommendations = events.compactMap { if case .recommendation(let r) = $0 { r } else { nil } }
        let taken = events.compactMap { if case .actionTaken(let a) = $0 { a } else { nil } }
        // Every short-axis position prompts once; each prompt is carried out and comes back as a new slice.
        #expect(recommendations.count == 4)
        #expect(taken.map(\.slice) == recommendations.map(\.slice))
        #expect(taken.allSatisfy { $0.by == "follow" && $0.action == "swap_phase_encode" })
        let arrivals = events.compactMap { if case .sliceArrived(let a) = $0 { a } else { nil } }
        #expect(arrivals.count == 5 + 4)
        for action in taken {
            let followUp = try #require(arrivals.first { $0.slice == action.newSlice })
            let original = try #require(arrivals.first { $0.slice == action.slice })
            #expect(followUp.followsUp == action.slice && followUp.position == original.position)
            #expect(followUp.phaseEncode != original.phaseEncode && followUp.repeatsOfPosition == 1)
        }
        // Both images of each acquisition fire the rule; the PSIR image's carries the recommendation.
        let firstSwaps = events.compactMap { if case .ruleFired(let r) = $0, r.slice == recommendations[0].slice { r } else { nil } }
        #expect(firstSwaps.map(\.outcome) == ["won", "outranked"])
        #expect(firstSwaps.last?.detail == "by swap-first on another image of this acquisition")
        #expect(recommendations.allSatisfy { $0.reconstruction == "psir" })
        guard case .sessionSummary(let summary) = events.last else { Issue.record("no summary"); return }
        #expect(summary.prompts == 4 && summary.actionsTaken == 4 && summary.slices == 9 && summary.positions == 5)
        #expect(summary.readersUnsurePositionsLeft != nil)

        var again = try ScenarioSource(exam: Self.smallExam(), follow: true)
        #expect(try replay(&again).map { $0.jsonLine() } == events.map { $0.jsonLine() })
    }

    @Test func withoutFollowOnlyThePlannedExamIsReplayed() throws {
        var source = try ScenarioSource(exam: Self.smallExam(), follow: false)
        let events = try replay(&source)
        #expect(events.filter { if case .sliceArrived = $0 { true } else { false } }.count == 5)
        #expect(!events.contains { if case .actionTaken = $0 { true } else { false } })
        #expect(events.filter { if case .recommendation = $0 { true } else { false } }.count == 4)
    }

    /// A source that is neither simulator nor DICOM: the engine only needs ``ReplaySource``.
    struct ListSource: ReplaySource {
        var slices: [ArrivingSlice]
        var info = SourceInfo(kind: .scenario, name: "list", synthetic: true, follow: false)
        mutating func next() throws(ReplayError) -> ArrivingSlice? { slices.isEmpty ? nil : slices.removeFirst() }
        mutating func carryOut(_ recommendation: Recommendation, after slice: ArrivingSlice) throws(ReplayError) -> CarriedOutAction? { nil }
    }

    @Test func anUnassessableSliceGetsNoRecommendationWithTheReasonAndTheReplayGoesOn() throws {
        var simulator = try ExamSimulator(exam: Self.smallExam())
        let good = try simulator.acquirePlanned(.shortAxis(0)).images.first { $0.reconstruction == .psir }!
        func slice(_ pixels: PixelImage?, _ reference: Int) -> ArrivingSlice {
            ArrivingSlice(
                target: "SA \(reference + 1)", orientation: .shortAxis, ring: .basal, index: reference + 1,
                images: [ArrivingImage(reconstruction: .psir, pixels: pixels, pixelSpacing: good.slice.header.geometry?.pixelSpacing)],
                inversionTime: 300, phaseEncodeDirection: .row, minutesSinceInjection: 12, sourceReference: reference)
        }
        let zero = PixelImage(rows: 128, columns: 128, values: [Float](repeating: 0, count: 128 * 128))
        var source = ListSource(slices: [slice(zero, 0), slice(nil, 1), slice(good.slice.pixels, 2)])
        let events = try replay(&source)
        let silent = events.compactMap { if case .noRecommendation(let n) = $0 { n } else { nil } }
        #expect(silent.map(\.slice) == [1, 2])
        #expect(silent.allSatisfy { $0.kind == "unassessable" })
        #expect(silent[0].reason.contains("zero"), "\(silent[0].reason)")
        #expect(silent[1].reason.contains("no pixel data"))
        // The third slice was assessed and prompted: the replay went on.
        #expect(events.contains { if case .assessment(let a) = $0 { a.slice == 3 } else { false } })
        #expect(events.contains { if case .recommendation(let r) = $0 { r.slice == 3 } else { false } })
        guard case .sessionSummary(let summary) = events.last else { Issue.record("no summary"); return }
        #expect(summary.unassessedImages == 2)
    }

    /// With the virtual readers assessing, no model is needed: each image gets the readers' chance
    /// of doubt from its true evidence, the true LGE and the causes the simulator put in; a
    /// recording has no virtual readers, so its images go unassessed, with the reason.
    @Test func theVirtualReadersAssessFromTheTruthAndOnlyInTheSimulator() throws {
        var engine = ReplayEngine(protocol: Self.alwaysSwap, classifier: nil)
        engine.assessor = .virtualReaders
        var events: [ReplayEvent] = []
        var source = try ScenarioSource(exam: Self.smallExam(), follow: false)
        try engine.run(&source) { events.append($0) }
        guard case .sessionStarted(let started) = events.first else { Issue.record("no session_started"); return }
        #expect(started.assessor == "virtual_readers" && started.model == nil)
        let arrivals = events.compactMap { if case .sliceArrived(let a) = $0 { a } else { nil } }
        let assessments = events.compactMap { if case .assessment(let a) = $0 { a } else { nil } }
        #expect(assessments.count == arrivals.reduce(0) { $0 + $1.reconstructions.count })
        for a in assessments {
            let truth = try #require(arrivals.first { $0.slice == a.slice }?.truth)
            #expect(a.pLGE == (truth.lge ? 1 : 0))
            // Ghosts were put into SA 2 only.
            #expect(a.causes["ghosting"] == (truth.causes.contains("ghosting") ? 1 : 0))
            #expect((0...1).contains(a.pLowCertainty))
            if a.causes.values.allSatisfy({ $0 == 0 }) { #expect(a.topCause == nil) }
        }
        #expect(arrivals.first { $0.target == "SA 2" }?.truth?.causes.contains("ghosting") == true)
        // Where the drawn readers were unsure, their odds were mostly high, and the other way round.
        let unsure = arrivals.filter { $0.truth?.readersUnsure == true }.map(\.slice)
        let mean = { (slices: [Int]) in
            let p = assessments.filter { slices.contains($0.slice) }.map(\.pLowCertainty)
            return p.isEmpty ? 0 : p.reduce(0, +) / Double(p.count)
        }
        let sure = arrivals.map(\.slice).filter { !unsure.contains($0) }
        if !unsure.isEmpty && !sure.isEmpty { #expect(mean(unsure) > mean(sure)) }

        // The same exam written to disk and replayed as a recording: its truth.json gives each
        // image the same odds; without it, every image goes unassessed, with the reason.
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-replay")
        defer { try? FileManager.default.removeItem(at: directory) }
        var simulator = try ExamSimulator(exam: Self.smallExam())
        try simulator.acquirePlannedExam()
        try ExamWriter().write(simulator, to: directory)
        let dicom = directory.appendingPathComponent("dicom").path
        let odds = try #require(try VirtualReaderOdds.find(near: dicom))
        #expect(odds.file.hasSuffix("truth.json"))
        var withTruth = try RecordedSessionSource(directory: dicom, virtualReaders: odds)
        var fromDisk: [ReplayEvent] = []
        try engine.run(&withTruth) { fromDisk.append($0) }
        let recordedLow = fromDisk.compactMap { if case .assessment(let a) = $0 { a.pLowCertainty } else { nil } }
        #expect(recordedLow.count == assessments.count)
        #expect(Set(recordedLow) == Set(assessments.map(\.pLowCertainty)))

        var recording = try RecordedSessionSource(directory: dicom)
        var recorded: [ReplayEvent] = []
        try engine.run(&recording) { recorded.append($0) }
        let silent = recorded.compactMap { if case .noRecommendation(let n) = $0 { n } else { nil } }
        #expect(!silent.isEmpty && silent.allSatisfy { $0.reason.contains("no virtual readers") })
    }

    /// A cohort's truth.csv gives the same odds as the evidence it lists; a broken one is a clear error.
    @Test func virtualReaderOddsReadACohortTruthTable() throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-odds")
        defer { try? FileManager.default.removeItem(at: directory) }
        let table = directory.appendingPathComponent("truth.csv")
        try "sop_instance_uid,lge,causes,conspicuity,mimicry,scar_area_mm2\n1.2.3,1,,40,0,300\n1.2.4,0,ghosting;motion,0,1.2,0\n"
            .write(to: table, atomically: true, encoding: .utf8)
        let exam = directory.appendingPathComponent("internal-00000")
        try FileManager.default.createDirectory(at: exam, withIntermediateDirectories: true)
        let odds = try #require(try VirtualReaderOdds.find(near: exam.path))
        let scar = try #require(odds.assessments["1.2.3"]), ghost = try #require(odds.assessments["1.2.4"])
        #expect(scar.pLGE == 1 && ghost.pLGE == 0)
        #expect(scar.pLowCertainty == ReaderPanel.standard.lowCertaintyProbability(conspicuity: 40, scarArea: 300, mimicry: 0))
        #expect(ghost.causes[.ghosting] == 1 && ghost.causes[.motion] == 1 && ghost.causes[.tiNulling] == 0)
        #expect(ghost.pLowCertainty > scar.pLowCertainty, "a convincing mimic without scar is the doubtful one")

        try "sop_instance_uid,lge,causes,conspicuity\n1.2.3,1,,40\n".write(to: table, atomically: true, encoding: .utf8)
        #expect(throws: ReplayError.badTruth(
            path: table.path, reason: "no column 'mimicry' (a truth.csv of `lgeqa simulate cohort` has sop_instance_uid, lge, causes, conspicuity, mimicry, scar_area_mm2)")) {
            try VirtualReaderOdds.find(near: exam.path)
        }
        try "sop_instance_uid,lge,causes,conspicuity,mimicry,scar_area_mm2\n1.2.3,1,,forty,0,300\n".write(to: table, atomically: true, encoding: .utf8)
        #expect(throws: ReplayError.badTruth(path: table.path, reason: "line 2: conspicuity must be a number of 0 or more (found 'forty')")) {
            try VirtualReaderOdds.find(near: exam.path)
        }
    }

    @Test func aRecordedSessionIsMatchedAgainstWhatTheTechnologistDid() throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-replay")
        defer { try? FileManager.default.removeItem(at: directory) }
        var simulator = try ExamSimulator(exam: Self.smallExam())
        try simulator.acquirePlannedExam()
        _ = try simulator.perform(.swapPhaseEncode, after: 1)  // SA 2 again, phase encode swapped
        _ = try simulator.perform(.repeatAcquisition, after: 4)  // the 4CH view again, unprompted
        try ExamWriter().write(simulator, to: directory)

        var source = try RecordedSessionSource(directory: directory.appendingPathComponent("dicom").path)
        #expect(source.info.synthetic && source.info.kind == .recording)
        let events = try replay(&source)
        let lines = try Self.parse(events)
        #expect(Self.orderViolation(lines) == nil, "\(Self.orderViolation(lines) ?? "")")
        let arrivals = events.compactMap { if case .sliceArrived(let a) = $0 { a } else { nil } }
        #expect(arrivals.map(\.position) == ["SA 1", "SA 2", "SA 3", "SA 4", "4CH", "SA 2", "4CH"])
        #expect(arrivals.allSatisfy { $0.reconstructions == ["psir", "magnitude"] })
        let matches = events.compactMap { if case .recordedActionMatch(let m) = $0 { m } else { nil } }
        let matched = matches.filter { $0.status == "matched" }
        #expect(matched.count == 1)
        #expect(matched.first?.slice == 2 && matched.first?.recordedSlice == 6 && matched.first?.action == "swap_phase_encode")
        #expect(matches.filter { $0.status == "not_done" }.compactMap(\.slice).sorted() == [1, 3, 4])
        #expect(matches.filter { $0.status == "done_without_prompt" }.map(\.recordedSlice) == [7])
        #expect(events.contains { if case .actionTaken(let a) = $0 { a.by == "recorded" && a.slice == 2 && a.newSlice == 6 } else { false } })
        guard case .sessionSummary(let summary) = events.last else { Issue.record("no summary"); return }
        #expect(summary.matches == SessionSummary.Matches(matched: 1, notDone: 3, doneWithoutPrompt: 1))
        #expect(summary.readersUnsurePositionsLeft == nil)
    }

    @Test func aFolderWithoutLGEImagesIsAClearError() throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-replay")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ReplayError.noReadableDICOM(path: directory.path, filesTried: 0)) {
            _ = try RecordedSessionSource(directory: directory.path)
        }
        // An MR image without an inversion time: not an LGE image.
        var notLGE = TestSlices.slice(rows: 32, columns: 32)
        notLGE.header.inversionTime = nil
        try DICOMWriter().write(notLGE, context: TestSlices.context, to: directory.appendingPathComponent("a.dcm").path)
        #expect(throws: ReplayError.noLGESeries(path: directory.path, slicesRead: 1)) {
            _ = try RecordedSessionSource(directory: directory.path)
        }
    }

    /// A teaching exam's expert actions come back after the acquisition they follow, beside what
    /// the protocol said there, once per planned acquisition (a follow-up gets none).
    @Test func theExpertsActionsAreComparedWithTheProtocols() throws {
        var exam = Self.smallExam()
        exam.expertActions = [
            ExpectedAction(after: .shortAxis(1), action: .swapPhaseEncode, why: "Ghosts cross the septum."),
            ExpectedAction(after: .shortAxis(2), action: .repeatWithInversionTime(.delta(20)), why: "The myocardium is grey."),
            ExpectedAction(after: .longAxis(.fourChamber), action: .longAxisCrosscut(.throughFlaggedRegion), why: "A spot."),
        ]
        exam.teaching = TeachingNotes(summary: "Ghosts and a grey wall.\n", lookFor: ["the septum", "the inferior wall"])
        var source = try ScenarioSource(exam: exam, follow: true)
        let events = try replay(&source)
        let lines = try Self.parse(events)
        #expect(Self.orderViolation(lines) == nil, "\(Self.orderViolation(lines) ?? "")")
        #expect(lines[0]["teaching_summary"] as? String == "Ghosts and a grey wall.")
        #expect(lines[0]["look_for"] as? [String] == ["the septum", "the inferior wall"])
        let arrivals = events.compactMap { if case .sliceArrived(let a) = $0 { a } else { nil } }
        let expert = events.compactMap { if case .expertAction(let e) = $0 { e } else { nil } }
        let planned = { (target: String) in arrivals.first { $0.target == target && $0.followsUp == nil }?.slice }
        #expect(expert.map(\.slice) == [planned("SA 2"), planned("SA 3"), planned("4CH")].compactMap { $0 })
        #expect(expert.map(\.action) == ["swap_phase_encode", "repeat_ti", "long_axis_crosscut"])
        #expect(expert.map(\.protocolAgrees) == [true, false, false])
        #expect(expert.map(\.protocolActions) == [["swap_phase_encode"], ["swap_phase_encode"], []])
        #expect(expert[1].description == "repeat with TI +20 ms" && expert[1].why == "The myocardium is grey.")
        guard case .sessionSummary(let summary) = events.last else { Issue.record("no summary"); return }
        #expect(summary.expertActions == SessionSummary.ExpertAgreement(actions: 3, protocolAgreed: 1))

        var renderer = ReplayTextRenderer(colour: false)
        let text = events.flatMap { renderer.lines(for: $0) }
        #expect(text.contains { $0.contains("expert: swap phase encode") && $0.contains("✓ the protocol recommends it too") })
        #expect(text.contains { $0.contains("expert: repeat with TI +20 ms") && $0.contains("✗ the protocol recommended swap_phase_encode") })
        #expect(text.contains { $0.contains("✗ the protocol recommended nothing") })
        #expect(text.contains { $0.contains("The myocardium is grey.") })
        #expect(text.contains("  the expert acted after 3 acquisitions; the protocol recommended the same on 1"))
        // The teaching notes come last: they give the answers away.
        let notes = try #require(text.firstIndex(of: "  teaching notes"))
        #expect(notes > text.firstIndex { $0.contains("the expert acted after") }!)
        #expect(Array(text[(notes + 1)...]) == ["    Ghosts and a grey wall.", "    look for:", "      - the septum", "      - the inferior wall"])

        // An exam without expert actions has neither the events nor the tally.
        var plain = try ScenarioSource(exam: Self.smallExam(), follow: false)
        let untaught = try replay(&plain)
        #expect(!untaught.contains { if case .expertAction = $0 { true } else { false } })
        guard case .sessionSummary(let none) = untaught.last else { Issue.record("no summary"); return }
        #expect(none.expertActions == nil)
        var untaughtText = ReplayTextRenderer(colour: false)
        #expect(!untaught.flatMap { untaughtText.lines(for: $0) }.contains("  teaching notes"))
        #expect(try Self.parse(untaught)[0]["look_for"] == nil)
    }

    /// A TI step matches only a step the same way; other actions match by kind.
    @Test func anExpertTIStepIsMatchedOnlyByAStepTheSameWay() {
        let shorter = ExpertAdvice(action: "repeat_ti", description: "repeat with TI -50 ms", inversionTimeDelta: -50, why: "")
        #expect(shorter.isMatched(by: .repeatTI(.delta(-30))))
        #expect(!shorter.isMatched(by: .repeatTI(.delta(20))))
        #expect(!shorter.isMatched(by: .swapPhaseEncode))
        let swap = ExpertAdvice(action: "swap_phase_encode", description: "swap phase encode", why: "")
        #expect(swap.isMatched(by: .swapPhaseEncode) && !swap.isMatched(by: .notify))
    }

    /// A slice whose rule a limit kept quiet says so; one where nothing fired shows a dash.
    @Test func textSaysWhichLimitKeptARuleQuiet() {
        var renderer = ReplayTextRenderer(colour: false)
        func line(_ kind: String, _ reason: String) -> String? {
            _ = renderer.lines(for: .sliceArrived(SliceArrived(
                slice: 1, target: "SA 11", position: "SA 11", orientation: "SA", index: 11, reconstructions: ["magnitude"],
                repeatsOfPosition: 0)))
            return renderer.lines(for: .noRecommendation(NoRecommendation(slice: 1, kind: kind, reason: reason, images: []))).first
        }
        let quiet = line("suppressed", "rule 'ti-follow-drift' suppressed by prompts_per_exam (4) reached")
        #expect(quiet?.hasSuffix("- (rule 'ti-follow-drift' suppressed by prompts_per_exam (4) reached)") == true)
        #expect(line("nothing_fired", "no rule fired")?.hasSuffix("-") == true)
    }

    @Test func textIsOneLinePerSliceColouredOnlyWhenAsked() throws {
        var source = try ScenarioSource(exam: Self.smallExam(), follow: false)
        let events = try replay(&source)
        var plain = ReplayTextRenderer(colour: false), colour = ReplayTextRenderer(colour: true)
        let plainLines = events.flatMap { plain.lines(for: $0) }
        let colourLines = events.flatMap { colour.lines(for: $0) }
        #expect(!plainLines.joined().contains("\u{1B}["))
        #expect(colourLines.joined().contains("\u{1B}["))
        let sliceLines = plainLines.filter { $0.contains(" min  ") }
        #expect(sliceLines.count == 5)
        #expect(sliceLines[0].contains("SA 1") && sliceLines[0].contains("phase-encode direction swapped"))
        #expect(sliceLines[4].contains("4CH"))
    }
}
