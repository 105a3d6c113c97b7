import Foundation
import LGEDICOM

/// What the analytic phantom labels a point as. Mirrors `Tissue`, kept internal so the hot loop
/// does not depend on how that enum is laid out.
enum Label: Int, CaseIterable, Sendable {
    case myocardium, scar, borderZone, mvo, blood, fat, liver, skeletalMuscle, lung, air

    /// Precedence when scar patterns overlap: MVO over scar over border zone over myocardium.
    var scarRank: Int {
        switch self {
        case .mvo: 3
        case .scar: 2
        case .borderZone: 1
        default: 0
        }
    }
}

/// Local LV-wall coordinates of a point in the myocardium.
struct WallPoint {
    /// AHA angle, radians, in (−π, π].
    var angle: Double
    /// Distance from the base plane along the long axis, mm.
    var fromBase: Double
    /// Fraction of the wall from the endocardium (0) to the epicardium (1).
    var transmural: Double
    /// Local wall thickness along the ray from the ellipsoid centre, mm.
    var thickness: Double
    /// Distance from the long axis, mm.
    var radius: Double
}

/// An axis-aligned ellipsoid in the heart frame, stored as its centre and inverse squared semi-axes.
struct Ellipsoid: Sendable {
    var centre: SIMD3<Double>
    var inverseSquared: SIMD3<Double>

    init(centre: SIMD3<Double>, semiAxes: SIMD3<Double>) {
        self.centre = centre
        self.inverseSquared = 1 / (semiAxes * semiAxes)
    }

    @inline(__always) func contains(_ p: SIMD3<Double>) -> Bool {
        let d = p - centre
        return (d * d * inverseSquared).sum() < 1
    }
}

/// The phantom compiled into the numbers the point classifier needs: everything in the heart frame
/// (x along anterior, y along septal, z along the long axis, origin at `axes.centre`), except the
/// torso, lungs and liver, which stay in patient coordinates.
struct PhantomModel: Sendable {
    // Heart frame.
    let origin: PatientVector
    let anterior: PatientVector
    let septal: PatientVector
    let longAxis: PatientVector

    // LV: endocardial ellipsoid semi-axes a (radial), c (long); epicardial radial semi-axis is
    // a + T(θ); long semi-axis ce. Both centred at z = lvCentreZ on the axis.
    let a: Double
    let c: Double
    let ce: Double
    let lvCentreZ: Double
    let basePlaneZ: Double
    let epiFree: Double
    let epiSeptalExtra: Double
    let inverseA2: Double
    let inverseC2: Double
    let inverseCe2: Double
    let groove: Double
    let apexZ: Double

    // RV shells.
    let rvEpi: Ellipsoid
    let rvEndo: Ellipsoid
    let rvFat: Ellipsoid
    /// Unit (cos, sin) of the anterior and inferior RV insertion angles.
    let insertionDirections: (SIMD2<Double>, SIMD2<Double>)
    let grooveCosine: Double

    // Atria (blood pools with a thin wall), only above the base plane.
    let leftAtrium: Ellipsoid
    let leftAtriumWall: Ellipsoid
    let rightAtrium: Ellipsoid
    let rightAtriumWall: Ellipsoid

    // Bounding cylinder of everything cardiac.
    let heartZRange: ClosedRange<Double>
    let heartRadius2: Double

    // Patient-frame organs.
    let torsoCentre: SIMD2<Double>
    let torsoInverse2: SIMD2<Double>
    let liver: Ellipsoid
    let leftLung: Ellipsoid
    let rightLung: Ellipsoid

    let segments: AHASegmentModel
    var scars: [CompiledScar]

    init(anatomy: HeartAnatomy, scars patterns: [ScarPattern]) {
        let axes = anatomy.axes
        origin = axes.centre
        anterior = axes.anterior
        septal = axes.septal
        longAxis = axes.longAxis

        let t = min(max(anatomy.baseTruncation, 0), 0.9)
        let cavity = anatomy.lvCavityLength
        a = anatomy.lvEndDiastolicDiameter / 2
        c = cavity / (1 + t)
        lvCentreZ = cavity / 2 - c
        basePlaneZ = -cavity / 2
        ce = c + anatomy.apicalWallThickness
        apexZ = lvCentreZ + ce
        epiFree = a + anatomy.freeWallThickness
        epiSeptalExtra = anatomy.septalWallThickness - anatomy.freeWallThickness
        inverseA2 = 1 / (a * a)
        inverseC2 = 1 / (c * c)
        inverseCe2 = 1 / (ce * ce)
        groove = anatomy.grooveFatThickness

        // RV: an ellipsoid centred toward the septum whose mid-ventricular section (z = 0) meets the
        // LV epicardium at the insertion angles and reaches `rvCavityDepth` beyond the septum.
        let midScale = (1 - lvCentreZ * lvCentreZ / (ce * ce)).squareRoot()
        let endoSemiAxis = a
        func epicardialRadiusMid(_ degrees: Double) -> Double {
            (endoSemiAxis + anatomy.wallThickness(atAngle: degrees)) * midScale
        }
        let alpha = anatomy.rvInsertionAngle * .pi / 180
        let rInsert = epicardialRadiusMid(anatomy.rvInsertionAngle)
        let insertion = SIMD2(rInsert * cos(alpha), rInsert * sin(alpha))
        let septalRadius = epicardialRadiusMid(90)
        let rvCentreY = 0.35 * septalRadius
        let outer = septalRadius + anatomy.rvFreeWallThickness + anatomy.rvCavityDepth
        let bSeptal = outer - rvCentreY
        let ratio = (insertion.y - rvCentreY) / bSeptal
        let bAnterior = insertion.x / max(1 - ratio * ratio, 0.05).squareRoot()
        let rvLength = anatomy.rvLengthFraction * anatomy.lvLength
        let cRV = rvLength / 1.3
        let rvCentreZ = basePlaneZ + 0.3 * cRV
        let sectionScale = max(1 - rvCentreZ * rvCentreZ / (cRV * cRV), 0.2).squareRoot()
        let rvCentre = SIMD3(0, rvCentreY, rvCentreZ)
        let rvSemi = SIMD3(bAnterior / sectionScale, bSeptal / sectionScale, cRV)
        let wall = anatomy.rvFreeWallThickness
        rvEpi = Ellipsoid(centre: rvCentre, semiAxes: rvSemi)
        rvEndo = Ellipsoid(centre: rvCentre, semiAxes: rvSemi - wall)
        rvFat = Ellipsoid(centre: rvCentre, semiAxes: rvSemi + anatomy.epicardialFatThickness)
        insertionDirections = (SIMD2(cos(alpha), sin(alpha)), SIMD2(-cos(alpha), sin(alpha)))
        grooveCosine = cos(15 * Double.pi / 180)

        // Atria: spheres (radius 0.8 a) above the base plane, the LA behind the LV base, the RA
        // behind the RV.
        let atrialRadius = 0.8 * a
        let atrialWall = 2.0
        let laCentre = SIMD3(-0.25 * a, -0.3 * a, basePlaneZ - 0.85 * atrialRadius)
        let raCentre = SIMD3(-0.1 * a, rvCentreY + 0.55 * bSeptal, basePlaneZ - 0.85 * atrialRadius)
        leftAtrium = Ellipsoid(centre: laCentre, semiAxes: SIMD3(repeating: atrialRadius))
        leftAtriumWall = Ellipsoid(centre: laCentre, semiAxes: SIMD3(repeating: atrialRadius + atrialWall))
        rightAtrium = Ellipsoid(centre: raCentre, semiAxes: SIMD3(repeating: atrialRadius))
        rightAtriumWall = Ellipsoid(centre: raCentre, semiAxes: SIMD3(repeating: atrialRadius + atrialWall))

        let lvOuter = a + max(anatomy.freeWallThickness, anatomy.septalWallThickness) + groove
        let rvOuter = max(
            abs(rvCentreY) + rvSemi.y + anatomy.epicardialFatThickness, rvSemi.x + anatomy.epicardialFatThickness)
        let laOuter = SIMD2(laCentre.x, laCentre.y).length2.squareRoot() + atrialRadius + atrialWall
        let raOuter = SIMD2(raCentre.x, raCentre.y).length2.squareRoot() + atrialRadius + atrialWall
        let radius = max(lvOuter, rvOuter, laOuter, raOuter) + 1
        heartRadius2 = radius * radius
        let top = min(basePlaneZ - groove, laCentre.z - atrialRadius - atrialWall, raCentre.z - atrialRadius - atrialWall)
        heartZRange = (top - 1)...(apexZ + groove + 1)

        // Torso and organs, relative to the torso centre (patient LPS, mm).
        let tc = anatomy.torsoCentre
        torsoCentre = SIMD2(tc.x, tc.y)
        torsoInverse2 = 1 / (anatomy.torsoSemiAxes * anatomy.torsoSemiAxes)
        let width = anatomy.torsoSemiAxes.x / 165
        let depth = anatomy.torsoSemiAxes.y / 115
        liver = Ellipsoid(
            centre: tc + SIMD3(-50 * width, 10 * depth, -125), semiAxes: SIMD3(110 * width, 85 * depth, 70))
        leftLung = Ellipsoid(
            centre: tc + SIMD3(95 * width, 0, 40), semiAxes: SIMD3(70 * width, 95 * depth, 140))
        rightLung = Ellipsoid(
            centre: tc + SIMD3(-95 * width, 5 * depth, 40), semiAxes: SIMD3(70 * width, 95 * depth, 140))

        segments = AHASegmentModel(rvInsertionAngle: anatomy.rvInsertionAngle, cavityLength: cavity)
        var compiled: [CompiledScar] = []
        compiled.reserveCapacity(patterns.count)
        scars = []
        for pattern in patterns {
            if let scar = CompiledScar(pattern: pattern, model: self) { compiled.append(scar) }
        }
        scars = compiled
    }

    // MARK: Frames

    /// Heart-frame coordinates of a patient point.
    @inline(__always) func heartFrame(_ p: PatientVector) -> SIMD3<Double> {
        let d = p - origin
        return SIMD3(d.dot(anterior), d.dot(septal), d.dot(longAxis))
    }

    /// Patient coordinates of a heart-frame point.
    @inline(__always) func patient(_ h: SIMD3<Double>) -> PatientVector {
        origin + anterior * h.x + septal * h.y + longAxis * h.z
    }

    // MARK: LV geometry

    /// Epicardial radial semi-axis for a point at (x, y) with r² = x² + y².
    @inline(__always) func epicardialSemiAxis(x: Double, y: Double, r2: Double) -> Double {
        let septalWeight = (y > 0 && r2 > 0) ? y * y / r2 : 0
        return epiFree + epiSeptalExtra * septalWeight
    }

    /// Endocardial radius at height z (heart frame), 0 beyond the cavity.
    func endocardialRadius(z: Double) -> Double {
        let q = (z - lvCentreZ) / c
        return q * q >= 1 ? 0 : a * (1 - q * q).squareRoot()
    }

    /// Epicardial radius at height z and AHA angle (radians).
    func epicardialRadius(z: Double, angle: Double) -> Double {
        let s = sin(angle)
        let semi = epiFree + epiSeptalExtra * (s > 0 ? s * s : 0)
        let q = (z - lvCentreZ) / ce
        return q * q >= 1 ? 0 : semi * (1 - q * q).squareRoot()
    }

    /// Whether a heart-frame point lies in the LV wall, and its wall coordinates if so.
    func wallPoint(_ h: SIMD3<Double>) -> WallPoint? {
        guard h.z >= basePlaneZ else { return nil }
        let r2 = h.x * h.x + h.y * h.y
        let z = h.z - lvCentreZ
        let qEndo = r2 * inverseA2 + z * z * inverseC2
        guard qEndo >= 1 else { return nil }
        let e = epicardialSemiAxis(x: h.x, y: h.y, r2: r2)
        let qEpi = r2 / (e * e) + z * z * inverseCe2
        guard qEpi < 1 else { return nil }
        return wallPoint(h, r2: r2, qEndo: qEndo, qEpi: qEpi)
    }

    @inline(__always) func wallPoint(_ h: SIMD3<Double>, r2: Double, qEndo: Double, qEpi: Double) -> WallPoint {
        let z = h.z - lvCentreZ
        let rho = (r2 + z * z).squareRoot()
        let inverseEndo = 1 / qEndo.squareRoot()
        let inverseEpi = 1 / qEpi.squareRoot()
        let span = inverseEpi - inverseEndo
        let f = span > 0 ? (1 - inverseEndo) / span : 0
        return WallPoint(
            angle: atan2(h.y, h.x), fromBase: h.z - basePlaneZ, transmural: min(max(f, 0), 1),
            thickness: rho * span, radius: r2.squareRoot())
    }

    /// AHA segment of a heart-frame point in the LV wall.
    func segment(of wall: WallPoint) -> Int? {
        segments.segment(angle: wall.angle * 180 / .pi, fromBase: wall.fromBase)
    }

    // MARK: Classification

    /// The label at a patient point `p` whose heart-frame coordinates are `h`.
    @inline(__always) func label(patient p: PatientVector, heart h: SIMD3<Double>) -> Label {
        let tx = p.x - torsoCentre.x
        let ty = p.y - torsoCentre.y
        if tx * tx * torsoInverse2.x + ty * ty * torsoInverse2.y >= 1 { return .air }
        if let cardiac = cardiacLabel(h) { return cardiac }
        if liver.contains(p) { return .liver }
        if leftLung.contains(p) || rightLung.contains(p) { return .lung }
        return .skeletalMuscle
    }

    /// The label of a heart-frame point if it belongs to the heart or its epicardial fat.
    @inline(__always) func cardiacLabel(_ h: SIMD3<Double>) -> Label? {
        guard heartZRange.contains(h.z) else { return nil }
        let r2 = h.x * h.x + h.y * h.y
        guard r2 < heartRadius2 else { return nil }
        let z = h.z - lvCentreZ
        let z2 = z * z
        let e = epicardialSemiAxis(x: h.x, y: h.y, r2: r2)
        if h.z >= basePlaneZ {
            let qEndo = r2 * inverseA2 + z2 * inverseC2
            if qEndo < 1 { return .blood }
            let qEpi = r2 / (e * e) + z2 * inverseCe2
            if qEpi < 1 { return scars.isEmpty ? .myocardium : wallLabel(h, r2: r2, qEndo: qEndo, qEpi: qEpi) }
            // The RV lies on the septal side only (its ellipsoid would otherwise wrap the lateral wall).
            if h.y > 0 {
                if rvEpi.contains(h) { return rvEndo.contains(h) ? .blood : .myocardium }
                if rvFat.contains(h) { return .fat }
            }
            let grown = e + groove
            let qGrown = r2 / (grown * grown) + z2 / ((ce + groove) * (ce + groove))
            if qGrown < 1 {
                // Atrioventricular groove at the base, interventricular grooves at the insertions.
                if h.z < basePlaneZ + 2 * groove { return .fat }
                let r = r2.squareRoot()
                let (d1, d2) = insertionDirections
                let threshold = grooveCosine * r
                if h.x * d1.x + h.y * d1.y > threshold || h.x * d2.x + h.y * d2.y > threshold { return .fat }
            }
            return nil
        }
        if leftAtriumWall.contains(h) { return leftAtrium.contains(h) ? .blood : .myocardium }
        if rightAtriumWall.contains(h) { return rightAtrium.contains(h) ? .blood : .myocardium }
        if h.z > basePlaneZ - groove {
            let grown = e + groove
            let qGrown = r2 / (grown * grown) + z2 / ((ce + groove) * (ce + groove))
            if qGrown < 1 || (h.y > 0 && rvFat.contains(h)) { return .fat }
        }
        return nil
    }

    /// What ``label(patient:heart:)`` needs to classify many points along one straight line
    /// `start + t·step`: where the line is inside the torso, the liver, each lung and the heart's
    /// bounding cylinder, solved once as intervals of t. Only points in the heart interval are
    /// classified point by point.
    func line(start: PatientVector, step: PatientVector) -> PhantomLine {
        let heartStart = heartFrame(start)
        let heartStep = SIMD3(step.dot(anterior), step.dot(septal), step.dot(longAxis))
        let torsoStart = SIMD3(start.x - torsoCentre.x, start.y - torsoCentre.y, 0)
        let torsoStep = SIMD3(step.x, step.y, 0)
        let torso = PhantomLine.inside(
            start: torsoStart, step: torsoStep, inverseSquared: SIMD3(torsoInverse2.x, torsoInverse2.y, 0))
        var heart = PhantomLine.inside(
            start: SIMD3(heartStart.x, heartStart.y, 0), step: SIMD3(heartStep.x, heartStep.y, 0),
            inverseSquared: SIMD3(1 / heartRadius2, 1 / heartRadius2, 0))
        // Between the cylinder's end planes.
        if heartStep.z != 0 {
            let a = (heartZRange.lowerBound - heartStart.z) / heartStep.z
            let b = (heartZRange.upperBound - heartStart.z) / heartStep.z
            heart = heart.intersection(min(a, b), max(a, b))
        } else if !heartZRange.contains(heartStart.z) {
            heart = .empty
        }
        // The cardiac classifier checks the cylinder itself, so a margin costs nothing but
        // guarantees rounding never drops a point that belongs to it.
        heart = heart.widened(by: 1e-6)
        func inside(_ e: Ellipsoid) -> PhantomLine.Interval {
            PhantomLine.inside(start: start - e.centre, step: step, inverseSquared: e.inverseSquared)
        }
        return PhantomLine(
            heartStart: heartStart, heartStep: heartStep, torso: torso, heart: heart, liver: inside(liver),
            leftLung: inside(leftLung), rightLung: inside(rightLung))
    }

    /// Myocardium, or the strongest scar label of any pattern, for a point in the LV wall.
    func wallLabel(_ h: SIMD3<Double>, r2: Double, qEndo: Double, qEpi: Double) -> Label {
        let wall = wallPoint(h, r2: r2, qEndo: qEndo, qEpi: qEpi)
        var best = Label.myocardium
        for scar in scars {
            let label = scar.label(heart: h, wall: wall)
            if label.scarRank > best.scarRank { best = label }
        }
        return best
    }
}

extension SIMD2 where Scalar == Double {
    var length2: Double { (self * self).sum() }
}

/// A straight line through the phantom with its organ intervals (see ``PhantomModel/line(start:step:)``).
struct PhantomLine {
    /// An open interval of the line parameter t.
    struct Interval {
        var lower: Double
        var upper: Double

        @inline(__always) func contains(_ t: Double) -> Bool { lower < t && t < upper }
        func intersection(_ a: Double, _ b: Double) -> Interval { Interval(lower: max(lower, a), upper: min(upper, b)) }
        func widened(by margin: Double) -> Interval {
            lower < upper ? Interval(lower: lower - margin, upper: upper + margin) : self
        }
    }

    let heartStart: SIMD3<Double>
    let heartStep: SIMD3<Double>
    let torso: Interval
    let heart: Interval
    let liver: Interval
    let leftLung: Interval
    let rightLung: Interval

    /// Where Σ (start + t·step)ᵢ² · inverseSquaredᵢ < 1: a quadratic in t.
    static func inside(start: SIMD3<Double>, step: SIMD3<Double>, inverseSquared: SIMD3<Double>) -> Interval {
        let a = (step * step * inverseSquared).sum()
        let b = 2 * (start * step * inverseSquared).sum()
        let c = (start * start * inverseSquared).sum() - 1
        if a == 0 { return c < 0 ? .everywhere : .empty }
        let discriminant = b * b - 4 * a * c
        if discriminant <= 0 { return .empty }
        let root = discriminant.squareRoot()
        return Interval(lower: (-b - root) / (2 * a), upper: (-b + root) / (2 * a))
    }

    /// The label at parameter t: the same decisions, in the same order, as
    /// ``PhantomModel/label(patient:heart:)``.
    @inline(__always) func label(at t: Double, model: PhantomModel) -> Label {
        if !torso.contains(t) { return .air }
        if heart.contains(t), let cardiac = model.cardiacLabel(heartPoint(at: t)) { return cardiac }
        if liver.contains(t) { return .liver }
        if leftLung.contains(t) || rightLung.contains(t) { return .lung }
        return .skeletalMuscle
    }

    /// The heart-frame point at parameter t (the one arithmetic every classifier of the line uses).
    @inline(__always) func heartPoint(at t: Double) -> SIMD3<Double> { heartStart + heartStep * t }

    // MARK: Whole rows of points

    // Outside the heart a line's label only changes where it crosses an organ boundary, so a row
    // of points t = c + offset (c = 0, 1, …) is labelled run by run from the intervals, and only
    // the points in the heart interval are classified one by one. The runs are found with the
    // very comparisons `label(at:)` makes on the very same t values, so every point gets the
    // label `label(at: Double(c) + offset)` gives it, bit for bit.

    /// The columns c in 0..<count at which `interval` contains t = Double(c) + offset.
    ///
    /// t grows monotonically with c (rounding is monotonic), so they form one range, and each
    /// end is the first column past a bound.
    func columns(inside interval: Interval, offset: Double, count: Int) -> Range<Int> {
        let low = Self.firstColumn(count: count, near: interval.lower - offset) { interval.lower < Double($0) + offset }
        let high = Self.firstColumn(count: count, near: interval.upper - offset) { !(Double($0) + offset < interval.upper) }
        return low..<max(low, high)
    }

    /// The first c in 0...count at which `isPast` holds (count if none), for a predicate that
    /// is false and then true along 0..<count. The column just past `estimate` is tried first;
    /// only if `isPast` itself does not confirm it (a bound on a whole column, or outside the
    /// row) is the answer searched for.
    @inline(__always) static func firstColumn(count: Int, near estimate: Double, _ isPast: (Int) -> Bool) -> Int {
        let guess = estimate.isNaN ? 0 : min(Int(min(max(estimate, -1), Double(count))) + 1, count)
        if (guess == 0 || !isPast(guess - 1)) && (guess == count || isPast(guess)) { return guess }
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if isPast(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Writes the raw labels of the points t = Double(c) + offset, c in 0..<count, to `out`, as
    /// `label(at:)` would if no point were cardiac, and returns the columns where the heart must
    /// still be asked (``PhantomModel/cardiacLabel(_:)``, which wins where it answers).
    func writeLabelsOutsideHeart(to out: UnsafeMutablePointer<UInt8>, count: Int, offset: Double) -> Range<Int> {
        func fill(_ range: Range<Int>, _ label: Label) {
            (out + range.lowerBound).update(repeating: UInt8(label.rawValue), count: range.count)
        }
        // Later fills win: `label(at:)` asks air, (heart,) liver, lung, muscle in that order.
        fill(0..<count, .skeletalMuscle)
        fill(columns(inside: leftLung, offset: offset, count: count), .lung)
        fill(columns(inside: rightLung, offset: offset, count: count), .lung)
        fill(columns(inside: liver, offset: offset, count: count), .liver)
        let body = columns(inside: torso, offset: offset, count: count)
        fill(0..<body.lowerBound, .air)
        fill(body.upperBound..<count, .air)
        return columns(inside: heart, offset: offset, count: count).clamped(to: body)
    }

    /// Writes the raw labels of the points t = Double(c) + offset, c in 0..<count, to `out`:
    /// `label(at:)` for each.
    func writeLabels(to out: UnsafeMutablePointer<UInt8>, count: Int, offset: Double, model: PhantomModel) {
        for c in writeLabelsOutsideHeart(to: out, count: count, offset: offset) {
            if let cardiac = model.cardiacLabel(heartPoint(at: Double(c) + offset)) { out[c] = UInt8(cardiac.rawValue) }
        }
    }
}

extension PhantomLine.Interval {
    static let empty = PhantomLine.Interval(lower: .infinity, upper: -.infinity)
    static let everywhere = PhantomLine.Interval(lower: -.infinity, upper: .infinity)
}
