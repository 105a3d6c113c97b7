import LGEProtocol

/// Where replayed slices come from: a simulated scenario, a recorded DICOM session, later a
/// live DICOM node. A source yields acquisitions in acquisition order.
public protocol ReplaySource {
    var info: SourceInfo { get }
    /// The next acquisition, or nil when the session is over.
    mutating func next() throws(ReplayError) -> ArrivingSlice?
    /// Carries out a recommendation made on `slice` (closed loop): the new acquisition then
    /// comes out of ``next()``. nil when this source does not act (a recording, a replay
    /// without `--follow`, a message-only recommendation).
    mutating func carryOut(_ recommendation: Recommendation, after slice: ArrivingSlice) throws(ReplayError) -> CarriedOutAction?
}

/// What kind of session a source replays, for the event log.
public struct SourceInfo: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case scenario
        case recording
    }

    public var kind: Kind
    /// Scenario name, or the recording's folder name (never a patient identifier).
    public var name: String
    public var title: String?
    /// True when the images are synthetic.
    public var synthetic: Bool
    /// Whether recommendations are carried out (closed loop).
    public var follow: Bool
    public var seed: UInt64?
    /// A teaching scenario's notes: what it is about, and what to look for.
    public var teachingSummary: String?
    public var lookFor: [String]

    public init(
        kind: Kind, name: String, title: String? = nil, synthetic: Bool, follow: Bool, seed: UInt64? = nil,
        teachingSummary: String? = nil, lookFor: [String] = []
    ) {
        self.kind = kind
        self.name = name
        self.title = title
        self.synthetic = synthetic
        self.follow = follow
        self.seed = seed
        self.teachingSummary = teachingSummary
        self.lookFor = lookFor
    }
}

/// A recommendation a source carried out.
public struct CarriedOutAction: Sendable, Hashable {
    /// The action as the scanner did it (`repeat_ti`, `swap_phase_encode`, ...).
    public var action: String
    /// Anything that differs from what was asked (a clamped TI, a repeat without single-shot).
    public var note: String?

    public init(action: String, note: String? = nil) {
        self.action = action
        self.note = note
    }
}

/// Why a replay cannot start or go on.
public enum ReplayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The simulator could not render the scenario.
    case simulation(String)
    /// No file under the folder is a readable DICOM MR image.
    case noReadableDICOM(path: String, filesTried: Int)
    /// MR images were read, but none is an LGE (inversion-recovery) image.
    case noLGESeries(path: String, slicesRead: Int)
    /// A simulated recording's truth file (for the virtual readers) could not be used.
    case badTruth(path: String, reason: String)
    /// No simulator truth beside the recording at `path`, so the virtual readers cannot assess it.
    /// Described without the path: the replay and the audit already name the session.
    case noVirtualReaders(path: String)

    public var description: String {
        switch self {
        case .simulation(let why): "the simulator stopped: \(why)"
        case .noReadableDICOM(let path, let tried):
            "\(path): no readable DICOM MR image among \(tried) file(s); give a folder of LGE DICOM files (e.g. one written by `lgeqa simulate SCENARIO --out DIR`)"
        case .noLGESeries(let path, let slices):
            "\(path): no LGE series: none of the \(slices) MR image(s) has an inversion time (0018,0082); LGE images are inversion-recovery images"
        case .badTruth(let path, let reason): "\(path): \(reason)"
        case .noVirtualReaders:
            "no simulator truth beside it (\(VirtualReaderOdds.fileNames.joined(separator: " or ")) in its folder or the two above it): "
                + "--assessor virtual-readers needs a scenario, or a simulated recording with its truth; a real recording has no virtual readers "
                + "(leave the option out to use the model)"
        }
    }
}

/// Acquisitions already in memory, yielded in order: for benchmarks, tests, and a live node's
/// buffered slices. It does not act on recommendations.
public struct PreparedSource: ReplaySource {
    public let info: SourceInfo
    private let slices: [ArrivingSlice]
    private var nextIndex = 0

    public init(info: SourceInfo, slices: [ArrivingSlice]) {
        self.info = info
        self.slices = slices
    }

    public mutating func next() throws(ReplayError) -> ArrivingSlice? {
        guard nextIndex < slices.count else { return nil }
        defer { nextIndex += 1 }
        return slices[nextIndex]
    }

    public mutating func carryOut(_ recommendation: Recommendation, after slice: ArrivingSlice) throws(ReplayError) -> CarriedOutAction? {
        nil
    }
}
