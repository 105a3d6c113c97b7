import Foundation
import LGEDICOM
import LGEProtocol
import LGESession
import LGESimulator

/// Replays a simulated exam: the scenario's planned acquisitions one by one and, with
/// `follow`, each recommendation carried out by the simulator (closed loop), its new images
/// coming back through the same path.
public struct ScenarioSource: ReplaySource {
    public private(set) var simulator: ExamSimulator
    public let info: SourceInfo
    private let planned: [AcquisitionTarget]
    private var nextPlanned = 0
    /// Follow-up acquisitions waiting to be yielded (they come before the next planned one).
    private var pending: [SimulatedAcquisition] = []
    private let panel: ReaderPanel
    private let band: LGESimulator.CertaintyBand

    public init(
        exam: ExamCase, follow: Bool, panel: ReaderPanel = .standard, band: LGESimulator.CertaintyBand = .standard
    ) throws(ReplayError) {
        do { simulator = try ExamSimulator(exam: exam) } catch { throw .simulation(error.description) }
        info = SourceInfo(
            kind: .scenario, name: exam.name, title: exam.title, synthetic: true, follow: follow, seed: exam.seed,
            teachingSummary: exam.teaching.map { $0.summary.trimmingCharacters(in: .whitespacesAndNewlines) },
            lookFor: exam.teaching?.lookFor ?? [])
        planned = (0..<exam.plan.shortAxisSlices).map(AcquisitionTarget.shortAxis)
            + exam.plan.longAxisViews.filter { ViewOrientation.longAxisViews.contains($0) }.map(AcquisitionTarget.longAxis)
        self.panel = panel
        self.band = band
    }

    public mutating func next() throws(ReplayError) -> ArrivingSlice? {
        if !pending.isEmpty { return arriving(pending.removeFirst()) }
        guard nextPlanned < planned.count else { return nil }
        defer { nextPlanned += 1 }
        do { return arriving(try simulator.acquirePlanned(planned[nextPlanned])) } catch { throw .simulation(error.description) }
    }

    public mutating func carryOut(_ recommendation: Recommendation, after slice: ArrivingSlice) throws(ReplayError) -> CarriedOutAction? {
        guard info.follow, let (action, note) = Self.scanAction(for: recommendation.action) else { return nil }
        let acquisition: SimulatedAcquisition
        do { acquisition = try simulator.perform(action, after: slice.sourceReference) } catch { throw .simulation(error.description) }
        pending.append(acquisition)
        var notes = note.map { [$0] } ?? []
        if acquisition.requestedInversionTime != acquisition.inversionTime {
            notes.append(
                "TI \(Self.ms(acquisition.requestedInversionTime)) ms is outside what the readout can play; "
                    + "the scanner used \(Self.ms(acquisition.inversionTime)) ms")
        }
        return CarriedOutAction(action: action.name, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// The simulator's version of a protocol action, and what it cannot reproduce; nil for a
    /// message-only recommendation.
    static func scanAction(for action: Action) -> (ScanAction, String?)? {
        switch action {
        case .repeatTI(.delta(let delta)): return (.repeatWithInversionTime(.delta(delta)), nil)
        case .repeatTI(.followNullDrift): return (.repeatWithInversionTime(.nulling), nil)
        case .swapPhaseEncode: return (.swapPhaseEncode, nil)
        case .longAxisCrosscut(.view(let view)): return (.longAxisCrosscut(.view(view)), nil)
        case .longAxisCrosscut(.throughFlaggedRegion): return (.longAxisCrosscut(.throughFlaggedRegion), nil)
        case .repeatAcquisition(let options):
            var unsupported: [String] = []
            if options.psir { unsupported.append("PSIR") }
            if options.singleShot { unsupported.append("single-shot") }
            return (.repeatAcquisition, unsupported.isEmpty ? nil : "the simulator repeats it as planned (no \(unsupported.joined(separator: ", ")))")
        case .notify: return nil
        }
    }

    /// The scenario's expert action after a planned acquisition, if any.
    static func advice(after target: AcquisitionTarget, in exam: ExamCase) -> ExpertAdvice? {
        guard let expected = exam.expertActions.first(where: { $0.after == target }) else { return nil }
        var step: Double?
        if case .repeatWithInversionTime(.delta(let delta)) = expected.action { step = delta }
        return ExpertAdvice(
            action: expected.action.name, description: expected.action.description, inversionTimeDelta: step,
            why: expected.why.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func ms(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    /// The image as the virtual readers' odds assess it (``VirtualReaderOdds/assessment(conspicuity:scarArea:mimicry:lge:causes:panel:band:)``).
    func virtualReaderAssessment(_ evidence: ImageEvidence, lge: Bool) -> Assessment {
        VirtualReaderOdds.assessment(
            conspicuity: evidence.conspicuity, scarArea: evidence.scarArea, mimicry: evidence.mimicry, lge: lge,
            causes: Set(evidence.causes.map(\.rawValue)), panel: panel, band: band)
    }

    private func arriving(_ acquisition: SimulatedAcquisition) -> ArrivingSlice {
        let exam = simulator.exam
        var orientation = ViewOrientation.shortAxis
        var ring: AHARing?
        var index = acquisition.index + 1
        switch acquisition.target {
        case .shortAxis(let i):
            index = i + 1
            let count = max(exam.plan.shortAxisSlices, 1)
            ring = i * 3 < count ? .basal : (i * 3 < 2 * count ? .mid : .apical)
        case .longAxis(let view), .crosscut(_, let view):
            orientation = view
        }
        var unsure = false
        let images = acquisition.images.map { image in
            let scores = panel.scores(for: image.evidence, seed: exam.seed, key: image.slice.header.sopInstanceUID)
            let readersUnsure = band.isLowCertainty(scores.map(\.vas))
            unsure = unsure || readersUnsure
            return ArrivingImage(
                reconstruction: image.reconstruction == .psir ? .psir : .magnitude, pixels: image.slice.pixels,
                pixelSpacing: image.slice.header.geometry?.pixelSpacing, readersUnsure: readersUnsure,
                virtualReaders: virtualReaderAssessment(image.evidence, lge: acquisition.truth.lgePresent))
        }
        let truth = SimulatorTruth(
            lge: acquisition.truth.lgePresent, segments: acquisition.truth.segments,
            causes: acquisition.truth.causes.map(\.rawValue), readersUnsure: unsure)
        return ArrivingSlice(
            target: acquisition.target.description, orientation: orientation, ring: ring, index: index, images: images,
            inversionTime: acquisition.inversionTime, phaseEncodeDirection: acquisition.phaseEncodeDirection,
            minutesSinceInjection: acquisition.startMinute,
            secondsFromStart: (acquisition.startMinute - exam.plan.startMinute) * 60, sourceReference: acquisition.index,
            followsUpReference: acquisition.followsUp, action: acquisition.action?.name,
            // Whole milliseconds, as the DICOM header stores them: a replay of the written files sees the same facts.
            rrRange: acquisition.shortestRR.flatMap { low in acquisition.longestRR.map { low.rounded()...$0.rounded() } },
            truth: truth, expertAdvice: acquisition.followsUp == nil ? Self.advice(after: acquisition.target, in: exam) : nil)
    }
}
