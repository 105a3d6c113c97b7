/// The in-plane axis along which k-space lines are phase encoded
/// (InPlanePhaseEncodingDirection, 0018,1312). Ghosts from motion and arrhythmia spread along it.
public enum PhaseEncodeDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Phase encoded along a row (left–right in the image).
    case row = "ROW"
    /// Phase encoded along a column (up–down in the image).
    case column = "COL"

    /// The other direction: what a technologist's "swap phase encode" produces.
    public var swapped: PhaseEncodeDirection { self == .row ? .column : .row }
}

/// A DICOM date and time with no time zone, as scanners write them (DA + TM, or DT).
public struct DICOMDateTime: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01 (proleptic Gregorian), or nil when only a time is known.
    public var day: Int?
    /// Seconds since midnight.
    public var secondsOfDay: Double

    public init(day: Int?, secondsOfDay: Double) {
        self.day = day
        self.secondsOfDay = secondsOfDay
    }

    /// Seconds on one time line; slices without a date sort by time of day alone.
    public var seconds: Double { Double(day ?? 0) * 86_400 + secondsOfDay }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.seconds < rhs.seconds }

    public var description: String {
        let t = Int(secondsOfDay.rounded(.down))
        let time = String(format: "%02d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
        guard let day else { return time }
        let (y, m, d) = DICOMDateTime.civil(fromDays: day)
        return String(format: "%04d-%02d-%02d ", y, m, d) + time
    }

    /// Parses DA ("YYYYMMDD") and TM ("HHMMSS.FFFFFF", with optional parts).
    public init?(date: String?, time: String?) {
        guard let time, let seconds = DICOMDateTime.secondsOfDay(fromTM: time) else { return nil }
        self.secondsOfDay = seconds
        self.day = date.flatMap(DICOMDateTime.days(fromDA:))
    }

    /// Parses DT ("YYYYMMDDHHMMSS.FFFFFF&ZZXX").
    public init?(dateTime: String) {
        var text = Substring(dateTime)
        if let zone = text.firstIndex(where: { $0 == "+" || $0 == "-" }) { text = text[..<zone] }
        guard text.count >= 8, let day = DICOMDateTime.days(fromDA: String(text.prefix(8))) else { return nil }
        self.day = day
        self.secondsOfDay = DICOMDateTime.secondsOfDay(fromTM: String(text.dropFirst(8))) ?? 0
    }

    static func days(fromDA text: String) -> Int? {
        let digits = text.filter(\.isNumber)
        guard digits.count == 8, let value = Int(digits) else { return nil }
        let (y, m, d) = (value / 10_000, value / 100 % 100, value % 100)
        guard (1...12).contains(m), (1...31).contains(d) else { return nil }
        return daysFromCivil(year: y, month: m, day: d)
    }

    static func secondsOfDay(fromTM text: String) -> Double? {
        let cleaned = text.replacingOccurrences(of: ":", with: "")
        if cleaned.isEmpty { return nil }
        let parts = cleaned.split(separator: ".", maxSplits: 1)
        let whole = parts[0]
        guard whole.allSatisfy(\.isNumber), [2, 4, 6].contains(whole.count) else { return nil }
        let padded = whole + String(repeating: "0", count: 6 - whole.count)
        let value = Int(padded)!
        let (h, m, s) = (value / 10_000, value / 100 % 100, value % 100)
        guard h < 24, m < 60, s < 61 else { return nil }
        var seconds = Double(h * 3600 + m * 60 + s)
        if parts.count == 2, let fraction = Double("0." + parts[1]) { seconds += fraction }
        return seconds
    }

    /// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// DA text for this date ("" when unknown).
    public var daText: String {
        guard let day else { return "" }
        let (y, m, d) = DICOMDateTime.civil(fromDays: day)
        return String(format: "%04d%02d%02d", y, m, d)
    }

    /// TM text with microseconds.
    public var tmText: String {
        let whole = Int(secondsOfDay.rounded(.down))
        let micro = Int(((secondsOfDay - Double(whole)) * 1_000_000).rounded())
        return String(format: "%02d%02d%02d.%06d", whole / 3600, whole / 60 % 60, whole % 60, min(micro, 999_999))
    }
}

/// Where a slice came from: a file, and the frame within it for multi-frame objects.
public struct SliceSource: Sendable, Hashable, Codable, CustomStringConvertible {
    public var path: String
    /// 1-based frame number in an enhanced (multi-frame) object; nil for single-frame images.
    public var frame: Int?

    public init(path: String, frame: Int? = nil) {
        self.path = path
        self.frame = frame
    }

    public var description: String { frame.map { "\(path)[frame \($0)]" } ?? path }
}

/// Who the images belong to. Read only when a caller asks for it, and never logged.
public struct PatientIdentity: Sendable, Hashable, Codable {
    public var name: String
    public var id: String
    public var birthDate: String?
    public var sex: String?

    public init(name: String, id: String, birthDate: String? = nil, sex: String? = nil) {
        self.name = name
        self.id = id
        self.birthDate = birthDate
        self.sex = sex
    }
}

/// Linear map from stored pixel values to meaningful units (Rescale Slope/Intercept).
public struct RescaleTransform: Sendable, Hashable, Codable {
    public var slope: Double
    public var intercept: Double
    public init(slope: Double = 1, intercept: Double = 0) {
        self.slope = slope
        self.intercept = intercept
    }
    public static let identity = RescaleTransform()
    public func apply(_ stored: Double) -> Double { stored * slope + intercept }
}

/// Everything lgeqa needs to know about one MR slice, except its pixels.
///
/// Field names follow what they mean at the scanner; the DICOM attribute each comes from
/// is named in its comment.
public struct MRSliceHeader: Sendable, Hashable, Codable {
    public var source: SliceSource
    /// SOPClassUID (0008,0016).
    public var sopClassUID: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    /// FrameOfReferenceUID (0020,0052): slices that share it share a patient coordinate system.
    public var frameOfReferenceUID: String?
    public var studyDateTime: DICOMDateTime?
    public var seriesNumber: Int?
    public var seriesDescription: String?
    public var instanceNumber: Int?
    /// ImageType (0008,0008), or FrameType for enhanced objects, split into its values.
    public var imageType: [String]
    /// ComplexImageComponent (0008,9208) of enhanced objects: MAGNITUDE, REAL, PHASE, ...
    public var complexImageComponent: String?
    public var acquisitionDateTime: DICOMDateTime?
    public var contentDateTime: DICOMDateTime?
    public var geometry: SliceGeometry?
    /// SliceLocation (0020,1041), mm.
    public var sliceLocation: Double?
    /// InversionTime (0018,0082), ms.
    public var inversionTime: Double?
    public var phaseEncodeDirection: PhaseEncodeDirection?
    /// MagneticFieldStrength (0018,0087), tesla.
    public var magneticFieldStrength: Double?
    public var manufacturer: String?
    /// RepetitionTime (0018,0080), ms: for segmented LGE, the FLASH readout TR (or the R-R based TR some vendors write).
    public var repetitionTime: Double?
    /// EchoTime (0018,0081), ms.
    public var echoTime: Double?
    /// FlipAngle (0018,1314), degrees.
    public var flipAngle: Double?
    /// TriggerTime (0018,1060), ms after the R wave.
    public var triggerTime: Double?
    /// LowRRValue (0018,1081), ms: the shortest R-R interval the ECG trigger saw during the
    /// acquisition. With ``highRRInterval`` it is the scanner's record of the rhythm: a missed
    /// or premature beat during the breath-hold widens the range and ghosts the image.
    public var lowRRInterval: Double?
    /// HighRRValue (0018,1082), ms: the longest R-R interval during the acquisition.
    public var highRRInterval: Double?
    /// IntervalsAcquired (0018,1083): heartbeats the acquisition used.
    public var intervalsAcquired: Int?
    /// IntervalsRejected (0018,1084): heartbeats the scanner threw away for arrhythmia.
    public var intervalsRejected: Int?
    /// BeatRejectionFlag (0018,1080): whether arrhythmia rejection was on. Without it an
    /// irregular beat goes into k-space as it is.
    public var beatRejection: Bool?
    public var rescale: RescaleTransform
    /// PhotometricInterpretation (0028,0004).
    public var photometricInterpretation: String
    /// The transfer syntax the file was stored in.
    public var transferSyntaxUID: String
    /// ImageComments (0020,4000): lgeqa's simulator marks its output "SYNTHETIC" here.
    public var imageComments: String?
    /// Present only when the reader was asked for patient identifiers.
    public var patient: PatientIdentity?

    public init(
        source: SliceSource, sopClassUID: String = DICOMUID.mrImageStorage, studyInstanceUID: String,
        seriesInstanceUID: String, sopInstanceUID: String, frameOfReferenceUID: String? = nil,
        studyDateTime: DICOMDateTime? = nil, seriesNumber: Int? = nil, seriesDescription: String? = nil,
        instanceNumber: Int? = nil, imageType: [String] = ["ORIGINAL", "PRIMARY", "M"],
        complexImageComponent: String? = nil, acquisitionDateTime: DICOMDateTime? = nil,
        contentDateTime: DICOMDateTime? = nil, geometry: SliceGeometry? = nil, sliceLocation: Double? = nil,
        inversionTime: Double? = nil, phaseEncodeDirection: PhaseEncodeDirection? = nil,
        magneticFieldStrength: Double? = nil, manufacturer: String? = nil, repetitionTime: Double? = nil,
        echoTime: Double? = nil, flipAngle: Double? = nil, triggerTime: Double? = nil,
        lowRRInterval: Double? = nil, highRRInterval: Double? = nil, intervalsAcquired: Int? = nil,
        intervalsRejected: Int? = nil, beatRejection: Bool? = nil,
        rescale: RescaleTransform = .identity, photometricInterpretation: String = "MONOCHROME2",
        transferSyntaxUID: String = DICOMUID.explicitVRLittleEndian, imageComments: String? = nil,
        patient: PatientIdentity? = nil
    ) {
        self.source = source
        self.sopClassUID = sopClassUID
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopInstanceUID = sopInstanceUID
        self.frameOfReferenceUID = frameOfReferenceUID
        self.studyDateTime = studyDateTime
        self.seriesNumber = seriesNumber
        self.seriesDescription = seriesDescription
        self.instanceNumber = instanceNumber
        self.imageType = imageType
        self.complexImageComponent = complexImageComponent
        self.acquisitionDateTime = acquisitionDateTime
        self.contentDateTime = contentDateTime
        self.geometry = geometry
        self.sliceLocation = sliceLocation
        self.inversionTime = inversionTime
        self.phaseEncodeDirection = phaseEncodeDirection
        self.magneticFieldStrength = magneticFieldStrength
        self.manufacturer = manufacturer
        self.repetitionTime = repetitionTime
        self.echoTime = echoTime
        self.flipAngle = flipAngle
        self.triggerTime = triggerTime
        self.lowRRInterval = lowRRInterval
        self.highRRInterval = highRRInterval
        self.intervalsAcquired = intervalsAcquired
        self.intervalsRejected = intervalsRejected
        self.beatRejection = beatRejection
        self.rescale = rescale
        self.photometricInterpretation = photometricInterpretation
        self.transferSyntaxUID = transferSyntaxUID
        self.imageComments = imageComments
        self.patient = patient
    }

    /// Longest minus shortest R-R interval of the acquisition, ms; nil unless both are recorded.
    public var rrRange: Double? {
        guard let low = lowRRInterval, let high = highRRInterval else { return nil }
        return high - low
    }

    /// Whether the object is a multi-frame enhanced MR image.
    public var isEnhanced: Bool { source.frame != nil }

    /// Whether the simulator (or another tool) marked this slice as synthetic.
    public var isSynthetic: Bool { imageComments?.uppercased().contains("SYNTHETIC") ?? false }
}

/// A 2D image of Float32 values in physical units (after Rescale Slope/Intercept), row-major.
public struct PixelImage: Sendable, Hashable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "pixel count \(values.count) != \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }
}

/// One MR slice: its header and, when loaded, its pixels.
public struct MRSlice: Sendable {
    public var header: MRSliceHeader
    public var pixels: PixelImage?

    public init(header: MRSliceHeader, pixels: PixelImage? = nil) {
        self.header = header
        self.pixels = pixels
    }
}
