import Foundation
import LGEDICOM
import Logging

/// Turns a pile of slice headers, in any order, into studies, series, views and repeats.
///
/// The result depends only on the set of headers, never on the order they were read in.
public enum SessionBuilder {
    /// Slice positions closer than this along the normal count as one position when the slices
    /// carry no thickness (otherwise half the thickness is used).
    public static let defaultPositionTolerance = 2.0
    /// Parallel-plane tolerance when looking for the short-axis stack, degrees.
    public static let stackParallelToleranceDegrees = 10.0
    /// How far from the typical long axis a stack normal may be and still be taken as short axis.
    public static let stackToTypicalToleranceDegrees = 45.0
    /// Repeats: planes coincide when normals are within this many degrees...
    public static let repeatNormalToleranceDegrees = 5.0
    /// ...and centres are within this distance in-plane (mm).
    public static let repeatInPlaneTolerance = 10.0
    /// Images less than this far apart in time (s) can belong to one acquisition.
    public static let sameAcquisitionSeconds = 1.0
    /// A gap this much larger or smaller than the median gap (fraction) makes a stack irregular.
    public static let irregularGapFraction = 0.2

    /// Builds the session. Pass a logger to hear, at debug level, how each study was read.
    public static func build(from headers: [MRSliceHeader], logger: Logger? = nil) -> Session {
        let byStudy = Dictionary(grouping: headers, by: \.studyInstanceUID)
        let studies = byStudy.map { uid, headers in buildStudy(uid: uid, headers: headers, logger: logger) }
        return Session(studies: studies.sorted(by: studyOrder))
    }

    // MARK: - Ordering

    /// Acquisition order: time (acquisition, else content), instance number, then where the
    /// slice came from, so that ties break the same way on every run.
    static func acquisitionOrder(_ a: MRSliceHeader, _ b: MRSliceHeader) -> Bool {
        if let order = compare(time(a)?.seconds, time(b)?.seconds) { return order }
        if let order = compare(a.instanceNumber, b.instanceNumber) { return order }
        if a.source.path != b.source.path { return a.source.path < b.source.path }
        if let order = compare(a.source.frame, b.source.frame) { return order }
        return a.sopInstanceUID < b.sopInstanceUID
    }

    static func time(_ header: MRSliceHeader) -> DICOMDateTime? { header.acquisitionDateTime ?? header.contentDateTime }

    /// Orders optionals with nil last; nil when the two are equal.
    static func compare<T: Comparable>(_ a: T?, _ b: T?) -> Bool? {
        switch (a, b) {
        case let (x?, y?): x == y ? nil : x < y
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): nil
        }
    }

    static func studyOrder(_ a: Study, _ b: Study) -> Bool {
        if let order = compare(a.studyDateTime?.seconds, b.studyDateTime?.seconds) { return order }
        let firstA = a.series.first?.slices.first?.time?.seconds
        let firstB = b.series.first?.slices.first?.time?.seconds
        if let order = compare(firstA, firstB) { return order }
        return a.studyInstanceUID < b.studyInstanceUID
    }

    // MARK: - Studies

    static func buildStudy(uid: String, headers: [MRSliceHeader], logger: Logger?) -> Study {
        // Series in acquisition order, each with its slices in acquisition order.
        let grouped = Dictionary(grouping: headers, by: \.seriesInstanceUID).map { _, slices in
            slices.sorted(by: acquisitionOrder)
        }
        let seriesHeaders = grouped.sorted { a, b in
            if let order = compare(time(a[0])?.seconds, time(b[0])?.seconds) { return order }
            if let order = compare(a[0].seriesNumber, b[0].seriesNumber) { return order }
            return a[0].seriesInstanceUID < b[0].seriesInstanceUID
        }
        let studyDateTime = seriesHeaders.lazy.flatMap { $0 }.compactMap(\.studyDateTime).first

        let found = findShortAxisStack(seriesHeaders)
        let axes = found?.axes ?? HeartAxes.typical
        let axesBasis = found?.basis
            ?? "no short-axis stack (3 or more parallel slices at distinct positions within 45° of the typical long axis); typical heart axes assumed"
        let anyGeometry = headers.contains { $0.geometry != nil }

        var seriesSlices = seriesHeaders.map { slices in
            slices.map { header in
                SessionSlice(
                    header: header, orientationEvidence: CardiacViewClassifier.classify(header.geometry, axes: axes),
                    reconstruction: ReconstructionClassifier.classify(header))
            }
        }
        assignStackPositions(&seriesSlices, axes: axes)

        var series = seriesSlices.map { makeSeries($0, axes: axes) }
        var studyProblems: [SessionProblem] = []
        for duplicate in duplicateSOPInstances(series) {
            if case let .duplicateSOPInstanceUID(_, _, involved) = duplicate, involved.count == 1,
                let index = series.firstIndex(where: { $0.label == involved[0] })
            {
                series[index].problems.append(duplicate)
            } else {
                studyProblems.append(duplicate)
            }
        }
        let frames = Set(headers.compactMap(\.frameOfReferenceUID))
        if frames.count > 1 { studyProblems.append(.mixedFramesOfReference(count: frames.count)) }

        let repeats = findRepeats(seriesSlices)
        logger?.debug(
            "study read",
            metadata: [
                "series": "\(series.count)", "slices": "\(headers.count)", "repeats": "\(repeats.count)",
                "axes": "\(axesBasis)",
            ])
        return Study(
            studyInstanceUID: uid, studyDateTime: studyDateTime, series: series,
            heartAxes: anyGeometry ? axes : nil, axesBasis: axesBasis, repeats: repeats, problems: studyProblems)
    }

    // MARK: - Heart axes

    /// The short-axis stack: the series with the most parallel slices (normals within 10°) at
    /// three or more distinct positions, whose normal is within 45° of the typical long axis.
    static func findShortAxisStack(_ seriesHeaders: [[MRSliceHeader]]) -> (axes: HeartAxes, basis: String)? {
        let typical = HeartAxes.typical.longAxis
        let parallel = cos(stackParallelToleranceDegrees * .pi / 180)
        var best: (count: Int, positions: Int, axes: HeartAxes, label: String, tilt: Double)?
        for headers in seriesHeaders {
            let geometries = headers.compactMap(\.geometry).filter { $0.normal.length > 0.5 }
            guard geometries.count >= 3 else { continue }
            // The largest group of mutually near-parallel planes; ties go to the earliest slice.
            var group: [SliceGeometry] = []
            var reference = PatientVector.zero
            for candidate in geometries {
                let members = geometries.filter { abs($0.normal.dot(candidate.normal)) >= parallel }
                if members.count > group.count {
                    group = members
                    reference = candidate.normal
                }
            }
            var normal = group.reduce(PatientVector.zero) { sum, g in
                sum + (g.normal.dot(reference) < 0 ? -g.normal : g.normal)
            }.normalized
            if normal.dot(typical) < 0 { normal = -normal }
            let tilt = CardiacViewClassifier.degrees(acos(min(1, normal.dot(typical))))
            guard tilt <= stackToTypicalToleranceDegrees else { continue }
            let tolerance = positionTolerance(group.map(\.sliceThickness))
            let positions = PositionClusters(group.map { $0.centre.dot(normal) }, tolerance: tolerance).count
            guard positions >= 3 else { continue }
            guard group.count > best?.count ?? 0 else { continue }
            let centre = group.reduce(PatientVector.zero) { $0 + $1.centre } / Double(group.count)
            let label = Series.label(number: headers[0].seriesNumber, uid: headers[0].seriesInstanceUID)
            best = (group.count, positions, HeartAxes(longAxis: normal, centre: centre), label, tilt)
        }
        guard let best else { return nil }
        let basis = "short-axis stack in \(best.label) (\(best.count) parallel slices at \(best.positions) positions), "
            + "long axis \(String(format: "%.0f", best.tilt))° from typical; anterior assumed from the patient's anterior"
        return (best.axes, basis)
    }

    /// Half the median slice thickness, or the default when none is known.
    static func positionTolerance(_ thicknesses: [Double?]) -> Double {
        let known = thicknesses.compactMap { $0 }.filter { $0 > 0 }.sorted()
        guard !known.isEmpty else { return defaultPositionTolerance }
        return known[known.count / 2] / 2
    }

    // MARK: - Short-axis positions

    /// Numbers the study's distinct short-axis positions from base (smallest projection on the
    /// long axis) to apex, and assigns each SA slice its position and AHA ring.
    static func assignStackPositions(_ series: inout [[SessionSlice]], axes: HeartAxes) {
        var located: [(series: Int, slice: Int, position: Double)] = []
        var thicknesses: [Double?] = []
        for (s, slices) in series.enumerated() {
            for (i, slice) in slices.enumerated() where slice.orientation == .shortAxis {
                guard let geometry = slice.header.geometry else { continue }
                located.append((s, i, geometry.centre.dot(axes.longAxis)))
                thicknesses.append(geometry.sliceThickness)
            }
        }
        guard !located.isEmpty else { return }
        let clusters = PositionClusters(located.map(\.position), tolerance: positionTolerance(thicknesses))
        for (index, entry) in located.enumerated() {
            let position = clusters.labels[index]
            series[entry.series][entry.slice].stackPosition = position
            // Thirds by position index: with 10 positions, 4 basal, 3 mid, 3 apical.
            series[entry.series][entry.slice].ring = AHARing.allCases[position * 3 / clusters.count]
        }
    }

    // MARK: - Series

    static func makeSeries(_ slices: [SessionSlice], axes: HeartAxes) -> Series {
        let first = slices[0].header
        let label = Series.label(number: first.seriesNumber, uid: first.seriesInstanceUID)
        let description = slices.lazy.compactMap(\.header.seriesDescription).first

        // Orientation: the most common known view; ties go to the earlier case in ViewOrientation.
        let viewCounts = ViewOrientation.allCases.compactMap { view -> ViewCount? in
            let n = slices.filter { $0.orientation == view }.count
            return n > 0 && view != .unknown ? ViewCount(orientation: view, count: n) : nil
        }
        let orientation = viewCounts.max { a, b in
            a.count != b.count ? a.count < b.count
                : ViewOrientation.allCases.firstIndex(of: a.orientation)! > ViewOrientation.allCases.firstIndex(of: b.orientation)!
        }?.orientation ?? .unknown

        let reconstruction = seriesReconstruction(slices)
        let reconstructions = Array(Set(slices.map(\.reconstruction.kind))).sorted()
        let times = slices.compactMap(\.header.inversionTime)
        let tiRange = times.min().map { $0...times.max()! }
        let directions = Array(Set(slices.compactMap(\.header.phaseEncodeDirection))).sorted { $0.rawValue < $1.rawValue }

        var problems: [SessionProblem] = []
        let noGeometry = slices.filter { $0.header.geometry == nil }
        if !noGeometry.isEmpty { problems.append(.missingGeometry(series: label, slices: noGeometry.map(\.label))) }
        let skewed = slices.filter { $0.header.geometry.map { !$0.isOrthonormal() } ?? false }
        if !skewed.isEmpty { problems.append(.nonOrthonormalOrientation(series: label, slices: skewed.map(\.label))) }
        if viewCounts.count > 1 { problems.append(.mixedOrientations(series: label, counts: viewCounts)) }
        if orientation == .shortAxis, let irregular = irregularSpacing(slices, axes: axes) {
            problems.append(.irregularSliceSpacing(series: label, gaps: irregular.gaps, medianGap: irregular.median))
        }
        let noTI = slices.filter { $0.header.inversionTime == nil }.count
        if noTI > 0 { problems.append(.missingInversionTime(series: label, missing: noTI, of: slices.count)) }
        if let description, orientation != .unknown {
            let named = DescriptionTokens(description).namedViews
            if !named.isEmpty, !named.contains(orientation) {
                let described = ViewOrientation.allCases.filter(named.contains)
                problems.append(.descriptionDisagreesWithGeometry(series: label, described: described, geometry: orientation))
            }
        }

        return Series(
            seriesInstanceUID: first.seriesInstanceUID, seriesNumber: first.seriesNumber,
            seriesDescription: description, slices: slices, orientation: orientation,
            reconstruction: reconstruction, reconstructions: reconstructions, inversionTimeRange: tiRange,
            phaseEncodeDirections: directions, problems: problems)
    }

    /// The majority reconstruction of a series (PSIR on a tie), with the reason.
    static func seriesReconstruction(_ slices: [SessionSlice]) -> ReconstructionEvidence {
        let psir = slices.filter { $0.reconstruction.kind == .psir }
        let magnitude = slices.filter { $0.reconstruction.kind == .magnitude }
        guard !psir.isEmpty || !magnitude.isEmpty else { return slices[0].reconstruction }
        let kind: Reconstruction = psir.count >= magnitude.count ? .psir : .magnitude
        guard !psir.isEmpty, !magnitude.isEmpty else { return (psir.first ?? magnitude[0]).reconstruction }
        return ReconstructionEvidence(
            kind: kind,
            basis: "mixed series: \(psir.count) PSIR (\(psir[0].reconstruction.basis)) and "
                + "\(magnitude.count) magnitude (\(magnitude[0].reconstruction.basis))")
    }

    /// The gaps between a short-axis series' consecutive distinct positions, when one of them
    /// differs from the median gap by more than 20%.
    static func irregularSpacing(_ slices: [SessionSlice], axes: HeartAxes) -> (gaps: [Double], median: Double)? {
        let geometries = slices.filter { $0.orientation == .shortAxis }.compactMap(\.header.geometry)
        let clusters = PositionClusters(
            geometries.map { $0.centre.dot(axes.longAxis) }, tolerance: positionTolerance(geometries.map(\.sliceThickness)))
        guard clusters.count >= 3 else { return nil }
        let gaps = zip(clusters.means.dropFirst(), clusters.means).map { $0 - $1 }
            .map { ($0 * 100).rounded() / 100 }
        let sorted = gaps.sorted()
        let median = sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        guard median > 0, gaps.contains(where: { abs($0 - median) > irregularGapFraction * median }) else { return nil }
        return (gaps, median)
    }

    /// SOP Instance UIDs that occur on more than one slice, as problems, in UID order.
    static func duplicateSOPInstances(_ series: [Series]) -> [SessionProblem] {
        var occurrences: [String: [String]] = [:]
        for s in series {
            for slice in s.slices { occurrences[slice.header.sopInstanceUID, default: []].append(s.label) }
        }
        return occurrences.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { uid, labels in
            var involved: [String] = []
            for label in labels where !involved.contains(label) { involved.append(label) }
            return .duplicateSOPInstanceUID(uid: uid, count: labels.count, series: involved)
        }
    }

    // MARK: - Repeats

    /// Positions imaged in more than one acquisition.
    static func findRepeats(_ series: [[SessionSlice]]) -> [RepeatedAcquisition] {
        // Study-wide acquisition order, series order breaking ties.
        var slices: [(slice: SessionSlice, series: Int, geometry: SliceGeometry)] = []
        for (s, members) in series.enumerated() {
            for slice in members where slice.orientation != .unknown {
                if let geometry = slice.header.geometry { slices.append((slice, s, geometry)) }
            }
        }
        slices.sort { a, b in
            if let order = compare(a.slice.time?.seconds, b.slice.time?.seconds) { return order }
            if a.series != b.series { return a.series < b.series }
            return acquisitionOrder(a.slice.header, b.slice.header)
        }

        // Planes that coincide, joined transitively.
        var parent = Array(slices.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        let parallel = cos(repeatNormalToleranceDegrees * .pi / 180)
        for i in slices.indices {
            for j in slices.indices where j > i {
                let (a, b) = (slices[i], slices[j])
                guard a.slice.orientation == b.slice.orientation else { continue }
                let normal = a.geometry.normal
                guard abs(normal.dot(b.geometry.normal)) >= parallel else { continue }
                let offset = b.geometry.centre - a.geometry.centre
                let along = abs(offset.dot(normal))
                let thickness = [a.geometry.sliceThickness, b.geometry.sliceThickness].compactMap { $0 }.min()
                let alongTolerance = thickness.map { $0 / 2 } ?? defaultPositionTolerance
                let inPlane = max(0, offset.dot(offset) - along * along).squareRoot()
                if along <= alongTolerance, inPlane <= repeatInPlaneTolerance { parent[root(j)] = root(i) }
            }
        }

        var clusters: [Int: [Int]] = [:]
        for i in slices.indices { clusters[root(i), default: []].append(i) }
        var repeats: [(first: Int, value: RepeatedAcquisition)] = []
        for members in clusters.values where members.count > 1 {
            // Members are in time order already (indices into the sorted list).
            var tries: [[Int]] = []
            for member in members {
                if let t = tries.firstIndex(where: { sameAcquisition(slices[$0[0]], slices[member]) }) {
                    tries[t].append(member)
                } else {
                    tries.append([member])
                }
            }
            guard tries.count > 1 else { continue }
            let built = tries.map { indices in makeTry(indices.map { (slices[$0].slice, slices[$0].series) }, series) }
            let changes = zip(built, built.dropFirst()).map { changesBetween($0, $1) }
            let first = slices[members[0]].slice
            repeats.append(
                (members[0], RepeatedAcquisition(
                    orientation: first.orientation, stackPosition: first.stackPosition, tries: built, changes: changes)))
        }
        return repeats.sorted { $0.first < $1.first }.map(\.value)
    }

    /// Whether two images at one position came from one acquisition: within a second of each
    /// other, and either in one series or reconstructed differently (a PSIR/magnitude pair that
    /// the scanner stored as two series).
    static func sameAcquisition(
        _ a: (slice: SessionSlice, series: Int, geometry: SliceGeometry),
        _ b: (slice: SessionSlice, series: Int, geometry: SliceGeometry)
    ) -> Bool {
        if let ta = a.slice.time, let tb = b.slice.time {
            guard abs(ta.seconds - tb.seconds) <= sameAcquisitionSeconds else { return false }
        } else if a.series != b.series {
            // Without times only the series tells acquisitions apart.
            return false
        }
        return a.series == b.series || a.slice.reconstruction.kind != b.slice.reconstruction.kind
    }

    static func makeTry(_ members: [(slice: SessionSlice, series: Int)], _ series: [[SessionSlice]]) -> AcquisitionTry {
        let headers = members.map(\.slice.header)
        return AcquisitionTry(
            time: members[0].slice.time,
            slices: members.map {
                RepeatedSlice(
                    sopInstanceUID: $0.slice.header.sopInstanceUID, seriesInstanceUID: $0.slice.header.seriesInstanceUID,
                    seriesNumber: $0.slice.header.seriesNumber, reconstruction: $0.slice.reconstruction.kind)
            },
            inversionTime: headers.lazy.compactMap(\.inversionTime).first,
            phaseEncodeDirection: headers.lazy.compactMap(\.phaseEncodeDirection).first,
            reconstructions: Array(Set(members.map(\.slice.reconstruction.kind))).sorted())
    }

    static func changesBetween(_ a: AcquisitionTry, _ b: AcquisitionTry) -> [RepeatChange] {
        var changes: [RepeatChange] = []
        // Scanners round TI differently between series; half a millisecond is no change.
        let tiChanged = switch (a.inversionTime, b.inversionTime) {
        case let (x?, y?): abs(x - y) > 0.5
        case (nil, nil): false
        default: true
        }
        if tiChanged { changes.append(.inversionTime(from: a.inversionTime, to: b.inversionTime)) }
        if a.phaseEncodeDirection != b.phaseEncodeDirection {
            changes.append(.phaseEncode(from: a.phaseEncodeDirection, to: b.phaseEncodeDirection))
        }
        if a.reconstructions != b.reconstructions {
            changes.append(.reconstruction(from: a.reconstructions, to: b.reconstructions))
        }
        return changes.isEmpty ? [.sameParameters] : changes
    }
}

/// Positions along one axis grouped into distinct positions: sorted values start a new group
/// when they lie more than `tolerance` beyond the first value of the current group.
struct PositionClusters {
    /// For each input value, the index of its group (0 = smallest position).
    let labels: [Int]
    /// Mean position of each group, ascending.
    let means: [Double]

    var count: Int { means.count }

    init(_ values: [Double], tolerance: Double) {
        let order = values.indices.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }
        var labels = Array(repeating: 0, count: values.count)
        var groups: [[Double]] = []
        var start = -Double.infinity
        for index in order {
            let value = values[index]
            if groups.isEmpty || value - start > tolerance {
                groups.append([])
                start = value
            }
            groups[groups.count - 1].append(value)
            labels[index] = groups.count - 1
        }
        self.labels = labels
        self.means = groups.map { $0.reduce(0, +) / Double($0.count) }
    }
}
