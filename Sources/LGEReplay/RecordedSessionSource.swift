import Foundation
import LGEDICOM
import LGEProtocol
import LGESession

/// Replays a recorded session: a folder of DICOM files, read and grouped the way
/// `lgeqa inspect` does it (``SessionBuilder``), acquisitions ordered by acquisition time,
/// the PSIR and magnitude images of one breath-hold together.
///
/// A recording cannot act on a recommendation; instead the replay compares each one with what
/// the technologist did later in the recording (``RecordingMatcher``).
public struct RecordedSessionSource: ReplaySource {
    public let info: SourceInfo
    /// The session as `lgeqa inspect` sees it.
    public let session: Session
    private let acquisitions: [ArrivingSlice]
    private var nextIndex = 0

    /// Reads every file under `directory`; fails when nothing there is an LGE image. `virtualReaders`
    /// (a simulated recording's truth, ``VirtualReaderOdds``) gives each image its
    /// ``ArrivingImage/virtualReaders`` by SOP Instance UID.
    public init(
        directory: String, reader: DICOMBatchReader = DICOMBatchReader(), virtualReaders: VirtualReaderOdds? = nil
    ) throws(ReplayError) {
        let batch = reader.read(paths: [directory])
        guard !batch.slices.isEmpty else { throw .noReadableDICOM(path: directory, filesTried: batch.filesTried) }
        let lge = batch.slices.filter { $0.header.inversionTime != nil }
        guard !lge.isEmpty else { throw .noLGESeries(path: directory, slicesRead: batch.slices.count) }
        session = SessionBuilder.build(from: lge.map(\.header))
        acquisitions = Self.acquisitions(
            of: session, pixels: Dictionary(lge.map { ($0.header.sopInstanceUID, $0.pixels) }) { a, _ in a },
            virtualReaders: virtualReaders?.assessments ?? [:])
        let name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        info = SourceInfo(
            kind: .recording, name: name, synthetic: lge.allSatisfy(\.header.isSynthetic), follow: false)
    }

    public mutating func next() throws(ReplayError) -> ArrivingSlice? {
        guard nextIndex < acquisitions.count else { return nil }
        defer { nextIndex += 1 }
        return acquisitions[nextIndex]
    }

    public mutating func carryOut(_ recommendation: Recommendation, after slice: ArrivingSlice) throws(ReplayError) -> CarriedOutAction? {
        nil
    }

    /// Images grouped into acquisitions (same position within ``SessionBuilder/sameAcquisitionSeconds``),
    /// in acquisition order, each named by its position.
    static func acquisitions(of session: Session, pixels: [String: PixelImage?], virtualReaders: [String: Assessment] = [:]) -> [ArrivingSlice] {
        var result: [ArrivingSlice] = []
        for study in session.studies {
            // Which repeated position (by SessionBuilder) each image belongs to.
            var repeatOf: [String: Int] = [:]
            for (number, repeated) in study.repeats.enumerated() {
                for slice in repeated.slices { repeatOf[slice.sopInstanceUID] = number }
            }
            let slices = study.series.flatMap(\.slices).sorted { a, b in
                let (ta, tb) = (a.time?.seconds ?? .infinity, b.time?.seconds ?? .infinity)
                if ta != tb { return ta < tb }
                if a.header.seriesNumber != b.header.seriesNumber { return (a.header.seriesNumber ?? .max) < (b.header.seriesNumber ?? .max) }
                return a.header.sopInstanceUID < b.header.sopInstanceUID
            }
            var groups: [[SessionSlice]] = []
            for slice in slices {
                if let last = groups.last?.last, samePlace(last, slice),
                    abs((slice.time?.seconds ?? 0) - (last.time?.seconds ?? 0)) <= SessionBuilder.sameAcquisitionSeconds
                {
                    groups[groups.count - 1].append(slice)
                } else {
                    groups.append([slice])
                }
            }
            let start = groups.first?.first?.time?.seconds
            var labelOfRepeat: [Int: String] = [:]
            var usedLabels: Set<String> = []
            for group in groups {
                let first = group[0]
                let header = first.header
                var label: String
                if first.orientation == .shortAxis, let stack = first.stackPosition {
                    label = "SA \(stack + 1)"
                } else if let number = group.lazy.compactMap({ repeatOf[$0.header.sopInstanceUID] }).first, let known = labelOfRepeat[number] {
                    label = known
                } else {
                    label = first.orientation.rawValue
                    var copy = 2
                    while usedLabels.contains(label) && first.orientation != .shortAxis {
                        label = "\(first.orientation.rawValue) #\(copy)"
                        copy += 1
                    }
                }
                if let number = group.lazy.compactMap({ repeatOf[$0.header.sopInstanceUID] }).first, labelOfRepeat[number] == nil {
                    labelOfRepeat[number] = label
                }
                usedLabels.insert(label)
                let time = first.time?.seconds
                var minutes: Double?
                // The recording has no injection time; the study time (when the simulator or the
                // scanner started the study) stands in for it when it plausibly precedes the images.
                if let time, let study = header.studyDateTime?.seconds, (0...(3 * 3600)).contains(time - study) {
                    minutes = (time - study) / 60
                }
                result.append(ArrivingSlice(
                    target: label, position: label, orientation: first.orientation, ring: first.ring,
                    index: first.stackPosition.map { $0 + 1 } ?? (result.count + 1),
                    images: group.map { slice in
                        ArrivingImage(
                            reconstruction: slice.reconstruction.kind,
                            pixels: pixels[slice.header.sopInstanceUID] ?? nil,
                            pixelSpacing: slice.header.geometry?.pixelSpacing,
                            virtualReaders: virtualReaders[slice.header.sopInstanceUID])
                    },
                    inversionTime: header.inversionTime, phaseEncodeDirection: header.phaseEncodeDirection,
                    minutesSinceInjection: minutes, secondsFromStart: time.flatMap { t in start.map { t - $0 } },
                    sourceReference: result.count, rrRange: rrRange(of: group)))
            }
        }
        return result
    }

    /// The R-R range the headers of one acquisition record: the first image that has both
    /// values (PSIR and magnitude come from the same beats); nil when none does.
    static func rrRange(of group: [SessionSlice]) -> ClosedRange<Double>? {
        for slice in group {
            if let low = slice.header.lowRRInterval, let high = slice.header.highRRInterval, low <= high { return low...high }
        }
        return nil
    }

    /// Two images of one position: the same stack position, or the same view and plane.
    static func samePlace(_ a: SessionSlice, _ b: SessionSlice) -> Bool {
        if a.orientation != b.orientation { return false }
        if let sa = a.stackPosition, let sb = b.stackPosition { return sa == sb }
        guard let ga = a.header.geometry, let gb = b.header.geometry else { return a.header.sliceLocation == b.header.sliceLocation }
        let (na, nb) = (ga.normal, gb.normal)
        let parallel = abs(na.dot(nb)) >= cos(SessionBuilder.repeatNormalToleranceDegrees * .pi / 180)
        return parallel && abs((gb.centre - ga.centre).dot(na)) <= SessionBuilder.defaultPositionTolerance
    }
}
