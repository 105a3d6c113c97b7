import Foundation
import LGEDICOM
import LGEPhysics

/// The analytic heart with its scars: the ground truth a simulated LGE study is made from.
///
/// `tissue(at:)` is the single source of truth for what lies at a point; `sample(on:)` integrates
/// it over the pixels (and the slice thickness) of any image plane.
public struct HeartPhantom: Sendable, Codable {
    /// Anatomy and placement.
    public var anatomy: HeartAnatomy {
        didSet { model = PhantomModel(anatomy: anatomy, scars: scars) }
    }
    /// Enhancement patterns; overlapping patterns combine (MVO over scar over border zone).
    public var scars: [ScarPattern] {
        didSet { model = PhantomModel(anatomy: anatomy, scars: scars) }
    }
    /// The anatomy and scars compiled for fast point classification.
    private(set) var model: PhantomModel

    public init(anatomy: HeartAnatomy = .typical, scars: [ScarPattern] = []) {
        self.anatomy = anatomy
        self.scars = scars
        self.model = PhantomModel(anatomy: anatomy, scars: scars)
    }

    private enum CodingKeys: String, CodingKey { case anatomy, scars }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            anatomy: try container.decode(HeartAnatomy.self, forKey: .anatomy),
            scars: try container.decode([ScarPattern].self, forKey: .scars))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(anatomy, forKey: .anatomy)
        try container.encode(scars, forKey: .scars)
    }

    // MARK: Points

    /// The tissue at a patient point (LPS, mm).
    public func tissue(at point: PatientVector) -> Tissue {
        model.label(patient: point, heart: model.heartFrame(point)).tissue
    }

    /// The AHA segment (1–17) of a point in the LV myocardium (scarred or not); nil elsewhere.
    public func ahaSegment(at point: PatientVector) -> Int? {
        model.wallPoint(model.heartFrame(point)).flatMap(model.segment(of:))
    }

    /// Where a point lies across the LV wall: 0 at the endocardium, 1 at the epicardium; nil
    /// outside the LV myocardium.
    public func transmuralPosition(at point: PatientVector) -> Double? {
        model.wallPoint(model.heartFrame(point))?.transmural
    }

    /// Centroid of the LV cavity (the truncated endocardial ellipsoid), patient coordinates.
    public func lvCentroid() -> PatientVector {
        let t = min(max(anatomy.baseTruncation, 0), 0.9)
        let moment = 0.25 - (t * t / 2 - t * t * t * t / 4)
        let volume = 2.0 / 3 + t - t * t * t / 3
        return model.patient(SIMD3(0, 0, model.lvCentreZ + model.c * moment / volume))
    }

    /// Centroid of all scar (including MVO, excluding border zone) in the LV wall, patient
    /// coordinates, integrated on a 1 mm grid; nil without scar. Aim a crosscut through it.
    public func scarCentroid() -> PatientVector? {
        guard !model.scars.isEmpty else { return nil }
        let radius = (model.heartRadius2).squareRoot()
        let extent = Int(radius.rounded(.up))
        var sum = SIMD3<Double>.zero
        var count = 0
        var z = model.basePlaneZ + 0.5
        while z < model.apexZ {
            for iy in -extent...extent {
                for ix in -extent...extent {
                    let h = SIMD3(Double(ix), Double(iy), z)
                    guard let wall = model.wallPoint(h) else { continue }
                    var rank = 0
                    for scar in model.scars { rank = max(rank, scar.label(heart: h, wall: wall).scarRank) }
                    if rank >= Label.scar.scarRank {
                        sum += h
                        count += 1
                    }
                }
            }
            z += 1
        }
        return count > 0 ? model.patient(sum / Double(count)) : nil
    }

    // MARK: Planes

    /// Partial-volume tissue fractions on an image plane.
    ///
    /// Each pixel is split into `inPlaneSupersampling`² sub-pixels and, when the plane has a slice
    /// thickness, `throughPlaneSamples` positions evenly spread across it (centres of equal
    /// sub-slabs); the fraction of each tissue is the share of those points it occupies.
    public func sample(
        on plane: SliceGeometry, inPlaneSupersampling: Int = 2, throughPlaneSamples: Int = 3
    ) -> TissueFractions {
        let rows = max(plane.rows, 0)
        let columns = max(plane.columns, 0)
        let pixels = rows * columns
        guard pixels > 0 else {
            return TissueFractions(rows: rows, columns: columns, maps: Array(repeating: [], count: Tissue.allCases.count))
        }
        let model = self.model
        // Points are classified along straight lines parallel to the image rows: each line's
        // organ boundaries are solved once (``PhantomModel/line(start:step:)``), t counts
        // columns, and only the heart is classified point by point.
        let pattern = SubSamplePattern(plane: plane, inPlaneSupersampling: inPlaneSupersampling, throughPlaneSamples: throughPlaneSamples)
        let (alongRow, downColumn, across, weight) = (pattern.alongRow, pattern.downColumn, pattern.across, pattern.weight)
        func line(row: Int, down: Double, across: Double) -> PhantomLine {
            model.line(start: pattern.lineStart(row: row, down: down, across: across), step: pattern.columnStep)
        }

        // Most pixels lie inside one tissue. A coarse pass labels two points per pixel (the
        // centres of the two halves of the slab); a pixel whose two labels agree with each
        // other and with all eight neighbours' is taken as pure, and only the rest get the full
        // supersampling. Structures at least a pixel wide are always caught by the coarse pass.
        // (`referenceSample` states the same thing one point at a time; tests hold the two equal.)
        let coarseAcross = pattern.coarseAcross
        let mixed = UInt8.max
        // Each pixel's own coarse label, `mixed` where its coarse labels disagree. Rows are
        // labelled run by run (``PhantomLine/writeLabels(to:count:offset:model:)``).
        var own = [UInt8](repeating: mixed, count: pixels)
        var otherHalf = [UInt8](repeating: mixed, count: columns)
        own.withUnsafeMutableBufferPointer { own in
            otherHalf.withUnsafeMutableBufferPointer { otherHalf in
                let other = otherHalf.baseAddress!
                for row in 0..<rows {
                    let out = own.baseAddress! + row * columns
                    line(row: row, down: 0, across: coarseAcross[0]).writeLabels(to: out, count: columns, offset: 0, model: model)
                    for offset in coarseAcross.dropFirst() {
                        line(row: row, down: 0, across: offset).writeLabels(to: other, count: columns, offset: 0, model: model)
                        // Branch-free byte logic (x ^ y is 0 only when x == y), so it vectorises.
                        for column in 0..<columns { out[column] = (out[column] ^ other[column]) == 0 ? out[column] : mixed }
                    }
                }
            }
        }

        // A pixel is pure when its own label matches those of the pixels beside it (in the
        // row), then of the rows above and below: two passes over bytes. `pureLabels` keeps the
        // label of a pure pixel and `mixed` for the others.
        var pureLabels = [UInt8](repeating: mixed, count: pixels)
        var acrossRow = [UInt8](repeating: mixed, count: pixels)
        own.withUnsafeBufferPointer { own in
            acrossRow.withUnsafeMutableBufferPointer { acrossRow in
                for row in 0..<rows {
                    let here = own.baseAddress! + row * columns
                    let out = acrossRow.baseAddress! + row * columns
                    guard columns > 1 else {
                        out[0] = here[0]
                        continue
                    }
                    out[0] = (here[0] ^ here[1]) == 0 ? here[0] : mixed
                    for column in 1..<(columns - 1) {
                        let label = here[column]
                        out[column] = ((here[column - 1] ^ label) | (here[column + 1] ^ label)) == 0 ? label : mixed
                    }
                    out[columns - 1] = (here[columns - 1] ^ here[columns - 2]) == 0 ? here[columns - 1] : mixed
                }
            }
        }
        acrossRow.withUnsafeBufferPointer { acrossRow in
            pureLabels.withUnsafeMutableBufferPointer { pureLabels in
                for row in 0..<rows {
                    let above = acrossRow.baseAddress! + max(row - 1, 0) * columns
                    let here = acrossRow.baseAddress! + row * columns
                    let below = acrossRow.baseAddress! + min(row + 1, rows - 1) * columns
                    let out = pureLabels.baseAddress! + row * columns
                    for column in 0..<columns {
                        let label = here[column]
                        out[column] = ((above[column] ^ label) | (below[column] ^ label)) == 0 ? label : mixed
                    }
                }
            }
        }

        // Mixed pixels: every sub-sample on `lines` (one per through-plane and down-column
        // offset) at each along-row offset: a (line, offset) pair per sub-sample of a pixel.
        // Each pair's labels outside the heart are written run by run once per image row
        // (`outsideHeart`); only points in its heart columns are classified one by one, and
        // only for mixed pixels. Their label counts go to `mixedCounts`, `labelCount` per pixel
        // in `mixedPixels` order.
        let labelCount = Label.allCases.count
        let mixedTotal = pureLabels.withUnsafeBufferPointer { pureLabels in
            var total = 0
            for label in pureLabels where label == mixed { total += 1 }
            return total
        }
        var mixedPixels: [Int] = []
        mixedPixels.reserveCapacity(mixedTotal)
        var mixedCounts = [UInt16](repeating: 0, count: mixedTotal * labelCount)
        let lineCount = across.count * downColumn.count
        let pairs = lineCount * alongRow.count
        let lines = UnsafeMutableBufferPointer<PhantomLine>.allocate(capacity: lineCount)
        let outsideHeart = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: pairs * columns)
        let heartLow = UnsafeMutableBufferPointer<Int>.allocate(capacity: pairs)
        let heartHigh = UnsafeMutableBufferPointer<Int>.allocate(capacity: pairs)
        defer {
            lines.deallocate()
            outsideHeart.deallocate()
            heartLow.deallocate()
            heartHigh.deallocate()
        }
        var mixedIndex = 0
        var mixedLabelBits: UInt32 = 0
        pureLabels.withUnsafeBufferPointer { pureLabels in
            mixedCounts.withUnsafeMutableBufferPointer { mixedCounts in
                for row in 0..<rows {
                    let rowPure = pureLabels.baseAddress! + row * columns
                    guard (0..<columns).contains(where: { rowPure[$0] == mixed }) else { continue }
                    // Columns outside every pair's heart columns need no cardiac test at all.
                    var heartSpan = columns..<columns
                    var pair = 0
                    for offset in across {
                        for down in downColumn {
                            let path = line(row: row, down: down, across: offset)
                            lines[pair / alongRow.count] = path
                            for along in alongRow {
                                let heart = path.writeLabelsOutsideHeart(
                                    to: outsideHeart.baseAddress! + pair * columns, count: columns, offset: along)
                                (heartLow[pair], heartHigh[pair]) = (heart.lowerBound, heart.upperBound)
                                if !heart.isEmpty {
                                    heartSpan = min(heartSpan.lowerBound, heart.lowerBound)..<max(heartSpan.upperBound, heart.upperBound)
                                }
                                pair += 1
                            }
                        }
                    }
                    for column in 0..<columns where rowPure[column] == mixed {
                        let counts = mixedCounts.baseAddress! + mixedIndex * labelCount
                        if heartSpan.contains(column) {
                            for pair in 0..<pairs {
                                var label = Int(outsideHeart[pair * columns + column])
                                if heartLow[pair] <= column && column < heartHigh[pair],
                                    let cardiac = model.cardiacLabel(
                                        lines[pair / alongRow.count].heartPoint(at: Double(column) + alongRow[pair % alongRow.count]))
                                {
                                    label = cardiac.rawValue
                                }
                                counts[label] &+= 1
                                mixedLabelBits |= 1 &<< UInt32(label)
                            }
                        } else {
                            for pair in 0..<pairs {
                                let label = outsideHeart[pair * columns + column]
                                counts[Int(label)] &+= 1
                                mixedLabelBits |= 1 &<< UInt32(label)
                            }
                        }
                        mixedPixels.append(row * columns + column)
                        mixedIndex += 1
                    }
                }
            }
        }

        // Each tissue's map in one vectorised pass over the pure labels, then its mixed pixels.
        // Only the tissues the plane contains get a map of their own; the others share one
        // array of zeros (copy on write), which spares allocating and touching their memory.
        let present = pureLabels.withUnsafeBufferPointer { pureLabels in
            // One bit per label (`mixed` lands on bit 31, which is no label's).
            var bits = mixedLabelBits
            for label in pureLabels { bits |= UInt32(1) &<< UInt32(label & 31) }
            return bits
        }
        var maps = [[Float]](
            repeating: present & 0x3FF == 0x3FF ? [] : [Float](repeating: 0, count: pixels), count: Tissue.allCases.count)
        for label in Label.allCases where present & (1 << label.rawValue) != 0 {
            let code = UInt8(label.rawValue)
            maps[Tissue.allCases.firstIndex(of: label.tissue)!] = pureLabels.withUnsafeBufferPointer { pureLabels in
                [Float](unsafeUninitializedCapacity: pixels) { map, initialised in
                    let pure = pureLabels.baseAddress!, out = map.baseAddress!
                    for i in 0..<pixels { out[i] = pure[i] == code ? 1 : 0 }
                    for (index, pixel) in mixedPixels.enumerated() {
                        let count = mixedCounts[index * labelCount + label.rawValue]
                        if count != 0 { out[pixel] = Float(count) * weight }
                    }
                    initialised = pixels
                }
            }
        }
        return TissueFractions(rows: rows, columns: columns, maps: maps)
    }

    /// Which enhancement a plane shows: the AHA segments with scar in it, the scar area and its
    /// centroid. Scar means the infarct core or fibrosis plus MVO; the border zone is not counted.
    ///
    /// `fractions` must come from `sample(on: plane)`; pixels with scar are re-sampled 3×3×3 to
    /// find the segments they belong to.
    public func scarTruth(on plane: SliceGeometry, fractions: TissueFractions) -> ScarTruth {
        let scar = fractions[.scar]
        let mvo = fractions[.mvo]
        let pixelArea = plane.pixelSpacing.betweenRows * plane.pixelSpacing.betweenColumns
        let offsets = subSampleOffsets(plane, inPlane: 3, throughPlane: 3)
        var area = 0.0
        var weighted = PatientVector.zero
        var segments = Set<Int>()
        for row in 0..<fractions.rows {
            for column in 0..<fractions.columns {
                let index = row * fractions.columns + column
                let lge = Double(scar[index] + mvo[index])
                guard lge > 0 else { continue }
                let centre = plane.point(row: Double(row), column: Double(column))
                area += lge * pixelArea
                weighted += centre * lge
                for offset in offsets {
                    let h = model.heartFrame(centre + offset)
                    guard let wall = model.wallPoint(h) else { continue }
                    var rank = 0
                    for pattern in model.scars { rank = max(rank, pattern.label(heart: h, wall: wall).scarRank) }
                    if rank >= Label.scar.scarRank, let segment = model.segment(of: wall) { segments.insert(segment) }
                }
            }
        }
        return ScarTruth(
            segments: segments.sorted(), areaMM2: area, centroid: area > 0 ? weighted * (pixelArea / area) : nil)
    }

    /// Fraction of each pixel that lies in the left-ventricular wall, scarred or not (normal
    /// myocardium, border zone, scar and microvascular obstruction: what a segmentation's
    /// "myocardium" outlines), row-major on `plane`.
    ///
    /// `fractions` must come from `sample(on: plane)`. The RV and atrial walls are myocardium to
    /// the physics too, so the tissue fractions cannot tell; pixels holding any muscle are
    /// re-sampled 2×2×3 and each point asked whether it is in the LV wall.
    public func leftVentricularWallFractions(on plane: SliceGeometry, fractions: TissueFractions) -> [Float] {
        let muscle = [fractions[.myocardium], fractions[.borderZone], fractions[.scar], fractions[.mvo]]
        let offsets = subSampleOffsets(plane, inPlane: 2, throughPlane: 3)
        var wall = [Float](repeating: 0, count: fractions.rows * fractions.columns)
        for row in 0..<fractions.rows {
            for column in 0..<fractions.columns {
                let index = row * fractions.columns + column
                guard muscle.contains(where: { $0[index] > 0 }) else { continue }
                let centre = plane.point(row: Double(row), column: Double(column))
                let inside = offsets.reduce(0) { $0 + (model.wallPoint(model.heartFrame(centre + $1)) == nil ? 0 : 1) }
                wall[index] = Float(inside) / Float(offsets.count)
            }
        }
        return wall
    }

    /// Sub-sample displacements from a pixel centre, patient mm.
    private func subSampleOffsets(_ plane: SliceGeometry, inPlane: Int, throughPlane: Int) -> [PatientVector] {
        let n = max(inPlane, 1)
        let thickness = plane.sliceThickness ?? 0
        let m = thickness > 0 ? max(throughPlane, 1) : 1
        let normal = plane.normal
        var offsets: [PatientVector] = []
        offsets.reserveCapacity(n * n * m)
        for k in 0..<m {
            let across = thickness > 0 ? ((Double(k) + 0.5) / Double(m) - 0.5) * thickness : 0
            for i in 0..<n {
                let down = ((Double(i) + 0.5) / Double(n) - 0.5) * plane.pixelSpacing.betweenRows
                for j in 0..<n {
                    let along = ((Double(j) + 0.5) / Double(n) - 0.5) * plane.pixelSpacing.betweenColumns
                    offsets.append(plane.rowDirection * along + plane.columnDirection * down + normal * across)
                }
            }
        }
        return offsets
    }
}

extension Label {
    /// The physics tissue this label stands for.
    var tissue: Tissue {
        switch self {
        case .myocardium: .myocardium
        case .scar: .scar
        case .borderZone: .borderZone
        case .mvo: .mvo
        case .blood: .blood
        case .fat: .fat
        case .liver: .liver
        case .skeletalMuscle: .skeletalMuscle
        case .lung: .lung
        case .air: .air
        }
    }
}

/// Partial-volume fractions of every tissue on an image plane.
public struct TissueFractions: Sendable, Hashable {
    public let rows: Int
    public let columns: Int
    /// One row-major map per tissue, in `Tissue.allCases` order.
    public let maps: [[Float]]

    public init(rows: Int, columns: Int, maps: [[Float]]) {
        self.rows = rows
        self.columns = columns
        self.maps = maps
    }

    /// The row-major map of the fraction of each pixel that `tissue` occupies (0–1).
    public subscript(tissue: Tissue) -> [Float] {
        maps[Tissue.allCases.firstIndex(of: tissue)!]
    }

    /// The fraction of one pixel that `tissue` occupies.
    public func fraction(of tissue: Tissue, row: Int, column: Int) -> Float {
        self[tissue][row * columns + column]
    }

    /// The tissue occupying most of a pixel.
    public func dominantTissue(row: Int, column: Int) -> Tissue {
        let index = row * columns + column
        var best = 0
        for t in maps.indices where maps[t][index] > maps[best][index] { best = t }
        return Tissue.allCases[best]
    }

    /// Total area of a tissue on the plane, mm², given the pixel area.
    public func area(of tissue: Tissue, pixelArea: Double) -> Double {
        Double(self[tissue].reduce(0, +)) * pixelArea
    }
}

/// The enhancement a plane actually contains.
public struct ScarTruth: Sendable, Hashable, Codable {
    /// AHA segments (1–17) with scar on this plane, ascending.
    public var segments: [Int]
    /// Scar area on the plane (partial-volume weighted), mm².
    public var areaMM2: Double
    /// Area-weighted centroid of the scar on the plane, patient coordinates; nil without scar.
    public var centroid: PatientVector?

    public init(segments: [Int], areaMM2: Double, centroid: PatientVector?) {
        self.segments = segments
        self.areaMM2 = areaMM2
        self.centroid = centroid
    }

    /// Whether the plane shows any LGE.
    public var isPresent: Bool { areaMM2 > 0 }
}

/// Where the sub-samples of a pixel lie on a plane, shared by ``HeartPhantom/sample(on:inPlaneSupersampling:throughPlaneSamples:)``
/// and its reference definition so that both build every point with the same arithmetic.
struct SubSamplePattern {
    /// One column along a row, and one row down a column, in patient mm.
    let columnStep: PatientVector
    let rowStep: PatientVector
    /// Sub-sample offsets from a pixel centre: in columns along the row, in mm down the column
    /// and across the slab; the coarse pass uses two points across the slab.
    let alongRow: [Double]
    let downColumn: [Double]
    let across: [Double]
    let coarseAcross: [Double]
    /// Fraction of a pixel one sub-sample stands for.
    let weight: Float
    private let plane: SliceGeometry

    init(plane: SliceGeometry, inPlaneSupersampling: Int, throughPlaneSamples: Int) {
        self.plane = plane
        columnStep = plane.rowDirection * plane.pixelSpacing.betweenColumns
        rowStep = plane.columnDirection * plane.pixelSpacing.betweenRows
        let thickness = plane.sliceThickness ?? 0
        func centres(_ count: Int) -> [Double] { (0..<count).map { (Double($0) + 0.5) / Double(count) - 0.5 } }
        let n = max(inPlaneSupersampling, 1)
        alongRow = centres(n)
        downColumn = centres(n).map { $0 * plane.pixelSpacing.betweenRows }
        across = thickness > 0 ? centres(max(throughPlaneSamples, 1)).map { $0 * thickness } : [0]
        coarseAcross = thickness > 0 ? centres(2).map { $0 * thickness } : [0]
        weight = 1 / Float(n * n * across.count)
    }

    /// Start (t = 0) of the line of sub-samples `down` mm below row `row`'s centre and `across` mm
    /// off the plane; t counts columns.
    func lineStart(row: Int, down: Double, across: Double) -> PatientVector {
        plane.position + rowStep * Double(row) + plane.columnDirection * down + plane.normal * across
    }
}
