import CDCMTKShim
import Foundation

/// What a study says about itself beyond the slices: who, where, and which scanner set-up.
public struct StudyContext: Sendable, Hashable {
    public var patient: PatientIdentity
    public var studyID: String
    public var accessionNumber: String
    public var studyDescription: String
    public var institutionName: String?
    public var stationName: String?
    public var manufacturerModelName: String
    public var softwareVersions: String
    /// Heart rate during the acquisition, beats per minute.
    public var heartRate: Double?

    public init(
        patient: PatientIdentity, studyID: String = "1", accessionNumber: String = "",
        studyDescription: String = "Cardiac LGE", institutionName: String? = nil, stationName: String? = nil,
        manufacturerModelName: String = "lgeqa", softwareVersions: String = LGEQAVersion.current,
        heartRate: Double? = nil
    ) {
        self.patient = patient
        self.studyID = studyID
        self.accessionNumber = accessionNumber
        self.studyDescription = studyDescription
        self.institutionName = institutionName
        self.stationName = stationName
        self.manufacturerModelName = manufacturerModelName
        self.softwareVersions = softwareVersions
        self.heartRate = heartRate
    }
}

/// The release lgeqa reports in `--version` and writes into SoftwareVersions.
public enum LGEQAVersion {
    public static let current = "0.1.0"
}

/// Writes MR Image Storage objects (explicit VR little endian) that pass `dciodvfy`.
public struct DICOMWriter: Sendable {
    public init() {}

    /// Writes one slice, atomically: a reader never sees a half-written file.
    ///
    /// Pixels are stored as 16-bit integers: unsigned when no value is negative (magnitude),
    /// signed otherwise (PSIR). Integer-valued images that fit are stored exactly; others are
    /// scaled with Rescale Slope/Intercept.
    /// - Returns: the header as a reader will see it (rescale and DS rounding applied).
    @discardableResult
    public func write(_ slice: MRSlice, context: StudyContext, to path: String) throws(DICOMWriteError) -> MRSliceHeader {
        guard let pixels = slice.pixels else { throw DICOMWriteError(path: path, reason: "the slice has no pixels to write") }
        guard let geometry = slice.header.geometry else {
            throw DICOMWriteError(path: path, reason: "the slice has no geometry (position, orientation, spacing)")
        }
        guard geometry.rows == pixels.rows, geometry.columns == pixels.columns else {
            throw DICOMWriteError(path: path, reason: "geometry is \(geometry.rows)x\(geometry.columns) but pixels are \(pixels.rows)x\(pixels.columns)")
        }
        guard pixels.values.allSatisfy(\.isFinite) else {
            throw DICOMWriteError(path: path, reason: "pixel values include NaN or infinity")
        }
        var header = slice.header
        let storage = PixelStorage(pixels.values)
        header.rescale = storage.rescale
        header.transferSyntaxUID = DICOMUID.explicitVRLittleEndian
        header.sopClassUID = DICOMUID.mrImageStorage
        header.source = SliceSource(path: path)

        let temporary = path + ".partial"
        let dataset = DICOMDataset(creatingFor: temporary)
        let root = dataset.root
        fill(root, header: header, context: context, geometry: geometry)
        if storage.rescale != .identity {
            root.set(.rescaleIntercept, DS.format(storage.rescale.intercept))
            root.set(.rescaleSlope, DS.format(storage.rescale.slope))
            root.set(.rescaleType, "US")
        }
        let window = DisplayWindow(pixels.values)
        root.set(.windowCenter, DS.format(window.centre))
        root.set(.windowWidth, DS.format(window.width))
        let status = storage.stored.withUnsafeBufferPointer {
            lgeqa_dataset_put_pixels16(dataset.handle, $0.baseAddress, UInt16(pixels.rows), UInt16(pixels.columns), 1, storage.isSigned ? 1 : 0)
        }
        guard status == LGEQA_OK else { throw DICOMWriteError(path: path, reason: "cannot store pixel data") }
        try dataset.save()
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DICOMWriteError(path: path, reason: "cannot move the written file into place: \(reason)")
        }
        return header.roundedAsWritten()
    }

    private func fill(_ root: DICOMItem, header: MRSliceHeader, context: StudyContext, geometry: SliceGeometry) {
        let study = header.studyDateTime
        let acquisition = header.acquisitionDateTime ?? study
        let content = header.contentDateTime ?? acquisition

        root.set(.specificCharacterSet, "ISO_IR 192")
        root.set(.imageType, header.imageType.joined(separator: "\\"))
        root.set(.sopClassUID, header.sopClassUID)
        root.set(.sopInstanceUID, header.sopInstanceUID)
        root.set(.studyDate, study?.daText ?? "")
        root.set(.studyTime, study?.tmText ?? "")
        root.set(.acquisitionDate, acquisition?.daText ?? "")
        root.set(.acquisitionTime, acquisition?.tmText ?? "")
        root.set(.contentDate, content?.daText ?? "")
        root.set(.contentTime, content?.tmText ?? "")
        root.set(.accessionNumber, context.accessionNumber)
        root.set(.modality, "MR")
        root.set(.manufacturer, header.manufacturer ?? "")
        root.set(.referringPhysicianName, "")
        if let station = context.stationName { root.set(.stationName, station) }
        root.set(.studyDescription, context.studyDescription)
        if let description = header.seriesDescription { root.set(.seriesDescription, description) }
        root.set(.manufacturerModelName, context.manufacturerModelName)

        root.set(.patientName, context.patient.name)
        root.set(.patientID, context.patient.id)
        root.set(.patientBirthDate, context.patient.birthDate ?? "")
        root.set(.patientSex, context.patient.sex ?? "")

        root.set(.bodyPartExamined, "HEART")
        // Segmented inversion-recovery gradient echo, the LGE workhorse.
        root.set(.scanningSequence, "GR\\IR")
        root.set(.sequenceVariant, "SK\\SP\\MP")
        root.set(.scanOptions, "CG")
        root.set(.mrAcquisitionType, "2D")
        root.set(.sequenceName, "lgeqa_ir_flash")
        root.set(.sliceThickness, geometry.sliceThickness.map(DS.format) ?? "")
        root.set(.repetitionTime, header.repetitionTime.map(DS.format) ?? "")
        root.set(.echoTime, header.echoTime.map(DS.format) ?? "")
        root.set(.inversionTime, header.inversionTime.map(DS.format) ?? "")
        root.set(.numberOfAverages, "1")
        root.set(.imagedNucleus, "1H")
        if let field = header.magneticFieldStrength {
            root.set(.magneticFieldStrength, DS.format(field))
            // Larmor frequency of 1H: 42.577 MHz per tesla.
            root.set(.imagingFrequency, DS.format((field * 42.577_478_5 * 1e4).rounded() / 1e4))
        }
        root.set(.echoTrainLength, "1")
        root.set(.softwareVersions, context.softwareVersions)
        root.set(.triggerTime, header.triggerTime.map(DS.format) ?? "")
        if let rate = context.heartRate { root.set(.heartRate, IS.format(rate)) }
        // The rhythm during the acquisition, as the ECG trigger recorded it (MR Image module).
        if let rejection = header.beatRejection { root.set(.beatRejectionFlag, rejection ? "Y" : "N") }
        if let low = header.lowRRInterval { root.set(.lowRRValue, IS.format(low)) }
        if let high = header.highRRInterval { root.set(.highRRValue, IS.format(high)) }
        if let count = header.intervalsAcquired { root.set(.intervalsAcquired, String(count)) }
        if let count = header.intervalsRejected { root.set(.intervalsRejected, String(count)) }
        if let direction = header.phaseEncodeDirection { root.set(.inPlanePhaseEncodingDirection, direction.rawValue) }
        root.set(.flipAngle, header.flipAngle.map(DS.format) ?? "")
        root.set(.patientPosition, "HFS")

        root.set(.studyInstanceUID, header.studyInstanceUID)
        root.set(.seriesInstanceUID, header.seriesInstanceUID)
        root.set(.studyID, context.studyID)
        root.set(.seriesNumber, header.seriesNumber.map(String.init) ?? "")
        root.set(.instanceNumber, header.instanceNumber.map(String.init) ?? "")
        root.set(.imagePositionPatient, [geometry.position.x, geometry.position.y, geometry.position.z].map(DS.format).joined(separator: "\\"))
        let orientation = [geometry.rowDirection, geometry.columnDirection].flatMap { [$0.x, $0.y, $0.z] }
        root.set(.imageOrientationPatient, orientation.map(DS.format).joined(separator: "\\"))
        root.set(.frameOfReferenceUID, header.frameOfReferenceUID ?? DICOMUID.derived(from: "frame-of-reference:" + header.studyInstanceUID))
        root.set(.positionReferenceIndicator, "")
        if let location = header.sliceLocation { root.set(.sliceLocation, DS.format(location)) }
        if let comments = header.imageComments { root.set(.imageComments, comments) }
        root.set(.pixelSpacing, "\(DS.format(geometry.pixelSpacing.betweenRows))\\\(DS.format(geometry.pixelSpacing.betweenColumns))")
        root.set(.burnedInAnnotation, "NO")
        root.set(.lossyImageCompression, "00")
    }
}

/// How float pixels become 16-bit stored values.
struct PixelStorage {
    var stored: [UInt16]
    var isSigned: Bool
    var rescale: RescaleTransform

    init(_ values: [Float]) {
        let low = Double(values.min() ?? 0), high = Double(values.max() ?? 0)
        isSigned = low < 0
        let range: ClosedRange<Double> = isSigned ? -32768...32767 : 0...65535
        let integral = values.allSatisfy { $0 == $0.rounded() }
        if integral && range.contains(low) && range.contains(high) {
            rescale = .identity
        } else {
            // Scale into the stored range; the slope is rounded to what DS can carry first,
            // so reading it back reproduces exactly the values we quantised against.
            let extent = max(abs(low), abs(high), .leastNonzeroMagnitude)
            let slope = Double(DS.format(extent / (isSigned ? 32767 : 65535) * 1.0001))!
            rescale = RescaleTransform(slope: slope, intercept: 0)
        }
        let slope = rescale.slope, isSigned = self.isSigned
        stored = values.map { value in
            let q = (Double(value) / slope).rounded().clamped(to: range)
            return isSigned ? UInt16(bitPattern: Int16(q)) : UInt16(q)
        }
    }
}

/// A display window covering the 1st–99th percentile, for viewers that honour it.
struct DisplayWindow {
    var centre: Double
    var width: Double

    init(_ values: [Float]) {
        let sorted = values.sorted()
        let low = Double(sorted[Int(Double(sorted.count - 1) * 0.01)])
        let high = Double(sorted[Int(Double(sorted.count - 1) * 0.99)])
        centre = ((low + high) / 2).rounded()
        width = max(1, (high - low).rounded())
    }
}

/// Decimal String values: at most 16 characters.
enum DS {
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        for precision in stride(from: 12, through: 1, by: -1) {
            let text = String(format: "%.\(precision)g", value)
            if text.count <= 16 { return text }
        }
        return String(format: "%.6e", value)
    }
}

/// Integer String values.
enum IS {
    static func format(_ value: Double) -> String { String(Int(value.rounded())) }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}

extension MRSliceHeader {
    /// This header as it reads back from a file: decimals rounded as DS stores them.
    func roundedAsWritten() -> MRSliceHeader {
        func r(_ v: Double) -> Double { Double(DS.format(v))! }
        func r(_ v: PatientVector) -> PatientVector { PatientVector(r(v.x), r(v.y), r(v.z)) }
        var copy = self
        if var g = copy.geometry {
            g.position = r(g.position)
            g.rowDirection = r(g.rowDirection)
            g.columnDirection = r(g.columnDirection)
            g.pixelSpacing = PixelSpacing(betweenRows: r(g.pixelSpacing.betweenRows), betweenColumns: r(g.pixelSpacing.betweenColumns))
            g.sliceThickness = g.sliceThickness.map(r)
            copy.geometry = g
        }
        copy.sliceLocation = copy.sliceLocation.map(r)
        copy.inversionTime = copy.inversionTime.map(r)
        copy.magneticFieldStrength = copy.magneticFieldStrength.map(r)
        copy.repetitionTime = copy.repetitionTime.map(r)
        copy.echoTime = copy.echoTime.map(r)
        copy.flipAngle = copy.flipAngle.map(r)
        copy.triggerTime = copy.triggerTime.map(r)
        copy.lowRRInterval = copy.lowRRInterval.map { $0.rounded() }
        copy.highRRInterval = copy.highRRInterval.map { $0.rounded() }
        if copy.acquisitionDateTime == nil { copy.acquisitionDateTime = copy.studyDateTime }
        if copy.contentDateTime == nil { copy.contentDateTime = copy.acquisitionDateTime }
        copy.acquisitionDateTime = copy.acquisitionDateTime.map(\.roundedToMicroseconds)
        copy.contentDateTime = copy.contentDateTime.map(\.roundedToMicroseconds)
        copy.studyDateTime = copy.studyDateTime.map(\.roundedToMicroseconds)
        return copy
    }
}

extension DICOMDateTime {
    var roundedToMicroseconds: DICOMDateTime {
        DICOMDateTime(day: day, secondsOfDay: DICOMDateTime.secondsOfDay(fromTM: tmText) ?? secondsOfDay)
    }
}
