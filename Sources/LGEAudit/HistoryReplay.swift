import Foundation
import LGEDICOM
import LGEProtocol
import LGEReplay

/// One historical session replayed under a protocol: the audit record, and the facts the
/// protocol engine was given for each image (what ``ProtocolOutcome`` re-runs other protocols on).
public struct ReplayedSession: Sendable {
    public var record: SessionReplayResult
    /// Per image, in replay order; empty unless the replay was asked to keep them.
    public var facts: [SliceFacts]
    /// Images the classifier could not assess.
    public var unassessedImages: Int
    /// Every image of the session is marked synthetic (the lgeqa simulator's).
    public var synthetic: Bool
}

/// A session that could not be replayed (no readable DICOM, no LGE series): reported and
/// excluded from the estimate, never silently dropped.
public struct SessionReplayFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var session: String
    public var reason: String

    public var description: String { "session '\(session)': \(reason); excluded" }
}

/// Replays historical sessions (``HistoricalArchive``) through ``ReplayEngine`` as recordings
/// (nothing is carried out: what happened is what the archive holds) on several threads.
///
/// Sessions are independent, so workers take the next session as they finish one; results come
/// back in archive order whatever the thread count. Each session's pixels are released before
/// the worker takes the next, so memory stays flat in the number of sessions.
public struct HistoryReplayer: Sendable {
    public var engine: ReplayEngine
    public var clusterBy: ClusterGrouping
    /// Worker threads (sessions replayed at once).
    public var threads: Int
    /// Keep each image's facts (for `lgeqa tune`); off for an audit, which needs only the record.
    public var keepFacts: Bool
    /// Give each session the virtual readers' odds from the simulator's truth beside it, for an
    /// engine whose assessor is ``ReplayAssessor/virtualReaders``; a session without one is
    /// reported and excluded.
    public var readsVirtualReaders = false

    /// Quality metrics are measured only when the protocol names a `qa.` fact (its rules could
    /// not see them otherwise, and a sweep only changes numbers, never which facts rules name).
    public init(engine: ReplayEngine, clusterBy: ClusterGrouping = .scanner, threads: Int = ProcessInfo.processInfo.activeProcessorCount, keepFacts: Bool = false) {
        var engine = engine
        engine.measuresQuality = engine.qaProtocol.rules.contains { rule in
            rule.condition.tests.contains { if case .quality = $0.fact { true } else { false } }
        }
        self.engine = engine
        self.clusterBy = clusterBy
        self.threads = max(1, threads)
        self.keepFacts = keepFacts
    }

    /// Replays `sessions`; `progress` is called (from any thread) after each one.
    public func replay(_ sessions: [HistoricalSession], progress: @Sendable () -> Void = {}) -> [Result<ReplayedSession, SessionReplayFailure>] {
        let slots = Slots<Result<ReplayedSession, SessionReplayFailure>>(count: sessions.count)
        DispatchQueue.concurrentPerform(iterations: min(threads, max(sessions.count, 1))) { _ in
            while let index = slots.claim() {
                slots.set(index, replay(sessions[index]))
                progress()
            }
        }
        return slots.values()
    }

    /// Replays one session.
    public func replay(_ session: HistoricalSession) -> Result<ReplayedSession, SessionReplayFailure> {
        let id = session.outcome.session
        var source: RecordedSessionSource
        do {
            let odds = readsVirtualReaders ? try VirtualReaderOdds.required(near: session.directory.path) : nil
            // One reader thread: sessions are the unit of parallelism here.
            source = try RecordedSessionSource(directory: session.directory.path, reader: DICOMBatchReader(threads: 1), virtualReaders: odds)
        } catch {
            return .failure(SessionReplayFailure(session: id, reason: error.description))
        }
        var actions: [ActionCost] = []
        var facts: [SliceFacts] = []
        let collect = keepFacts
        let summary: SessionSummary
        do {
            summary = try engine.run(&source, emit: { event in
                if case .recommendation(let recommendation) = event {
                    actions.append(ActionCost(action: recommendation.action, minutes: recommendation.costSeconds / 60))
                }
            }, facts: collect ? { facts.append($0) } : nil)
        } catch {
            return .failure(SessionReplayFailure(session: id, reason: error.description))
        }
        let record = SessionReplayResult(history: session.outcome, clusterBy: clusterBy, actions: actions)
        return .success(ReplayedSession(record: record, facts: facts, unassessedImages: summary.unassessedImages, synthetic: source.info.synthetic))
    }
}

/// What a protocol would have done on a session's recorded facts: the cheap part of a replay,
/// re-run for every point of a `lgeqa tune` sweep without classifying again. On a recording
/// nothing is carried out, so the facts (classifier output, quality, position, TI, timing) do
/// not depend on the protocol; only the decisions do.
public struct ProtocolOutcome: Sendable, Hashable {
    public var actions: [ActionCost] = []
    /// Slices (one acquisition of one position) the model calls ambiguous: p_low_certainty ≥
    /// ``ambiguityThreshold`` on any of its images. Fixed, so sweep points compare.
    public var ambiguousSlices = 0
    /// Of those, the ones the protocol prompted on.
    public var ambiguousPrompted = 0

    /// The paper's split between its two certainty classes.
    public static let ambiguityThreshold = 0.5

    public init() {}

    /// Runs `qaProtocol` over `facts` (one session's images, in replay order), deciding on each
    /// acquisition's images together as the replay does.
    public static func evaluate(_ facts: [SliceFacts], protocol qaProtocol: QAProtocol) -> ProtocolOutcome {
        var engine = ProtocolEngine(protocol: qaProtocol)
        var outcome = ProtocolOutcome()
        var ambiguous = Set<String>(), prompted = Set<String>()
        for slice in facts {
            if let p = slice.assessment?.pLowCertainty, p >= ambiguityThreshold { ambiguous.insert(slice.context.sliceKey) }
        }
        for acquisition in SliceFacts.acquisitions(facts) {
            for recommendation in engine.evaluate(acquisition: acquisition).compactMap(\.recommendation) {
                outcome.actions.append(ActionCost(action: recommendation.action.kind, minutes: recommendation.costSeconds / 60))
                prompted.insert(acquisition[0].context.sliceKey)
            }
        }
        outcome.ambiguousSlices = ambiguous.count
        outcome.ambiguousPrompted = ambiguous.intersection(prompted).count
        return outcome
    }
}

/// Result slots filled by index from many threads, and a shared cursor handing out indices.
final class Slots<Value>: @unchecked Sendable {
    private var storage: [Value?]
    private var cursor = 0
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    /// The next index no worker has taken, or nil when all are taken.
    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard cursor < storage.count else { return nil }
        cursor += 1
        return cursor - 1
    }

    func set(_ index: Int, _ value: Value) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return storage.map { $0! }
    }
}
