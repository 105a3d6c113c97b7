/// Reads MR slices from DICOM files through dcmtk.
///
/// Handles what scanners and PACS send: implicit and explicit little endian, explicit big
/// endian, deflated, RLE, JPEG baseline/extended/lossless and JPEG-LS, files without a meta
/// header, and enhanced MR multi-frame objects (one slice per frame, with per-frame
/// functional groups). Input files are only ever opened for reading.
public struct DICOMReader: Sendable {
    public struct Options: Sendable, Hashable {
        /// Decode pixels to Float32. When false, pixel data is still checked for
        /// completeness and decodability, so a header-only read fails on the same files.
        public var loadPixels: Bool
        /// Read patient name, ID, birth date and sex. Off by default: lgeqa's reports and logs
        /// never need them.
        public var includePatientIdentity: Bool

        public init(loadPixels: Bool = true, includePatientIdentity: Bool = false) {
            self.loadPixels = loadPixels
            self.includePatientIdentity = includePatientIdentity
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// All slices in a file: one for a classic MR image, one per frame for an enhanced object.
    public func read(path: String) throws(DICOMReadError) -> [MRSlice] {
        let dataset = try DICOMDataset(contentsOf: path)
        let root = dataset.root
        let modality = root.string(.modality)
        let sopClass = root.string(.sopClassUID)
        if sopClass == nil && modality == nil {
            // Neither says what the object is: an image without them is still not one we can use.
            _ = try dataset.pixelInfo()
            throw DICOMReadError(path: path, problem: .notAnImage("no SOP Class UID and no Modality: not an identifiable image object"))
        }
        let isMR = sopClass.map(DICOMUID.isMRImageStorage) ?? (modality == "MR")
        guard isMR, modality == nil || modality == "MR" else {
            throw DICOMReadError(path: path, problem: .notMR(modality: modality, sopClass: sopClass))
        }
        let info = try dataset.pixelInfo()
        let frames = Int(info.frames)
        let isEnhanced = root.sequenceCount(.perFrameFunctionalGroupsSequence) > 0
            || root.sequenceCount(.sharedFunctionalGroupsSequence) > 0

        var slices: [MRSlice] = []
        slices.reserveCapacity(frames)
        for frame in 0..<frames {
            let groups = isEnhanced ? FunctionalGroups(root: root, frame: frame) : nil
            let header = try header(of: root, dataset: dataset, info: info, groups: groups, frame: isEnhanced ? frame : nil)
            var pixels: PixelImage?
            if options.loadPixels {
                pixels = try decodePixels(dataset, info: info, frame: frame, header: header)
            }
            slices.append(MRSlice(header: header, pixels: pixels))
        }
        return slices
    }

    private func header(
        of root: DICOMItem, dataset: DICOMDataset, info: lgeqa_pixel_info, groups: FunctionalGroups?, frame: Int?
    ) throws(DICOMReadError) -> MRSliceHeader {
        func required(_ tag: DICOMTag, _ name: String) throws(DICOMReadError) -> String {
            guard let value = root.string(tag) else {
                throw DICOMReadError(path: dataset.path, problem: .missingAttribute(name: name, tag: tag.description))
            }
            return value
        }
        /// Per-frame group first, then shared group, then the top level (classic objects and
        /// vendors that also copy values to the top level).
        func value<T>(_ sequence: DICOMTag, _ read: (DICOMItem) -> T?) -> T? {
            if let groups, let found = groups.lookup(sequence, read) { return found }
            return read(root)
        }

        let imageType: [String] =
            value(.mrImageFrameTypeSequence) { $0.strings(.frameType) } ?? root.strings(.imageType) ?? []
        let orientation = value(.planeOrientationSequence) { $0.numbers(.imageOrientationPatient) }
        let position = value(.planePositionSequence) { $0.numbers(.imagePositionPatient) }
        let spacing = value(.pixelMeasuresSequence) { $0.numbers(.pixelSpacing) }
        let thickness = value(.pixelMeasuresSequence) { $0.number(.sliceThickness) }
        var geometry: SliceGeometry?
        if let orientation, orientation.count == 6, let position, position.count == 3 {
            let pixelSpacing = spacing.flatMap { $0.count == 2 ? PixelSpacing(betweenRows: $0[0], betweenColumns: $0[1]) : nil }
                ?? PixelSpacing(betweenRows: 1, betweenColumns: 1)
            geometry = SliceGeometry(
                position: PatientVector(position[0], position[1], position[2]),
                rowDirection: PatientVector(orientation[0], orientation[1], orientation[2]),
                columnDirection: PatientVector(orientation[3], orientation[4], orientation[5]),
                pixelSpacing: pixelSpacing, rows: Int(info.rows), columns: Int(info.columns),
                sliceThickness: thickness)
        }

        let frameDateTime = groups?.lookup(.frameContentSequence) { $0.string(.frameAcquisitionDateTime) }
            .flatMap(DICOMDateTime.init(dateTime:))
        let acquisition = frameDateTime
            ?? root.string(.acquisitionDateTime).flatMap(DICOMDateTime.init(dateTime:))
            ?? DICOMDateTime(date: root.string(.acquisitionDate) ?? root.string(.studyDate), time: root.string(.acquisitionTime))
        let content = DICOMDateTime(date: root.string(.contentDate) ?? root.string(.studyDate), time: root.string(.contentTime))

        let inversionTime = value(.mrModifierSequence) { $0.number(.inversionTimes) } ?? root.number(.inversionTime)
        let phaseEncode = value(.mrFOVGeometrySequence) { $0.string(.inPlanePhaseEncodingDirection) }
            .flatMap { PhaseEncodeDirection(rawValue: $0.uppercased()) }
        let slope = value(.pixelValueTransformationSequence) { $0.number(.rescaleSlope) } ?? 1
        let intercept = value(.pixelValueTransformationSequence) { $0.number(.rescaleIntercept) } ?? 0

        var patient: PatientIdentity?
        if options.includePatientIdentity {
            patient = PatientIdentity(
                name: root.string(.patientName) ?? "", id: root.string(.patientID) ?? "",
                birthDate: root.string(.patientBirthDate), sex: root.string(.patientSex))
        }

        return MRSliceHeader(
            source: SliceSource(path: dataset.path, frame: frame.map { $0 + 1 }),
            sopClassUID: root.string(.sopClassUID) ?? DICOMUID.mrImageStorage,
            studyInstanceUID: try required(.studyInstanceUID, "StudyInstanceUID"),
            seriesInstanceUID: try required(.seriesInstanceUID, "SeriesInstanceUID"),
            sopInstanceUID: try required(.sopInstanceUID, "SOPInstanceUID"),
            frameOfReferenceUID: root.string(.frameOfReferenceUID),
            studyDateTime: DICOMDateTime(date: root.string(.studyDate), time: root.string(.studyTime)),
            seriesNumber: root.integer(.seriesNumber),
            seriesDescription: root.string(.seriesDescription),
            instanceNumber: root.integer(.instanceNumber),
            imageType: imageType,
            complexImageComponent: value(.mrImageFrameTypeSequence) { $0.string(.complexImageComponent) },
            acquisitionDateTime: acquisition,
            contentDateTime: content,
            geometry: geometry,
            sliceLocation: root.number(.sliceLocation),
            inversionTime: inversionTime,
            phaseEncodeDirection: phaseEncode,
            magneticFieldStrength: root.number(.magneticFieldStrength),
            manufacturer: root.string(.manufacturer),
            repetitionTime: value(.mrTimingAndRelatedParametersSequence) { $0.number(.repetitionTime) },
            echoTime: root.number(.echoTime),
            flipAngle: value(.mrTimingAndRelatedParametersSequence) { $0.number(.flipAngle) },
            triggerTime: value(.cardiacSynchronizationSequence) { $0.number(.nominalCardiacTriggerDelayTime) }
                ?? root.number(.triggerTime),
            // Enhanced objects keep these in the Cardiac Synchronization functional group.
            lowRRInterval: value(.cardiacSynchronizationSequence) { $0.number(.lowRRValue) }.flatMap(Self.plausibleRR),
            highRRInterval: value(.cardiacSynchronizationSequence) { $0.number(.highRRValue) }.flatMap(Self.plausibleRR),
            intervalsAcquired: value(.cardiacSynchronizationSequence) { $0.integer(.intervalsAcquired) }.flatMap(Self.count),
            intervalsRejected: value(.cardiacSynchronizationSequence) { $0.integer(.intervalsRejected) }.flatMap(Self.count),
            beatRejection: root.string(.beatRejectionFlag).flatMap { flag in
                switch flag.uppercased() {
                case "Y": true
                case "N": false
                default: nil
                }
            },
            rescale: RescaleTransform(slope: slope, intercept: intercept),
            photometricInterpretation: root.string(.photometricInterpretation) ?? "MONOCHROME2",
            transferSyntaxUID: dataset.transferSyntaxUID,
            imageComments: root.string(.imageComments),
            patient: patient)
    }

    /// An R-R interval as recorded, ms; nil for values no heart produces (0, negative, a
    /// vendor's placeholder), which would otherwise read as an extreme arrhythmia.
    static func plausibleRR(_ value: Double) -> Double? {
        value.isFinite && value > 0 && value < 10_000 ? value : nil
    }

    static func count(_ value: Int) -> Int? { value >= 0 ? value : nil }

    private func decodePixels(
        _ dataset: DICOMDataset, info: lgeqa_pixel_info, frame: Int, header: MRSliceHeader
    ) throws(DICOMReadError) -> PixelImage {
        let count = Int(info.rows) * Int(info.columns)
        var values = try dataset.storedValues(frame: frame, count: count)
        let slope = Float(header.rescale.slope), intercept = Float(header.rescale.intercept)
        if slope != 1 || intercept != 0 {
            for i in values.indices { values[i] = values[i] * slope + intercept }
        }
        if header.photometricInterpretation == "MONOCHROME1" {
            // MONOCHROME1 displays low values bright. lgeqa's convention is "higher = more
            // signal", so mirror the values about the middle of the representable range.
            let bits = Int(info.bits_stored)
            let (low, high): (Double, Double) = info.pixel_representation == 1
                ? (-Double(1 << (bits - 1)), Double((1 << (bits - 1)) - 1))
                : (0, Double((1 << bits) - 1))
            let sum = Float(header.rescale.apply(low) + header.rescale.apply(high))
            for i in values.indices { values[i] = sum - values[i] }
        }
        return PixelImage(rows: Int(info.rows), columns: Int(info.columns), values: values)
    }
}

/// The functional groups that apply to one frame of an enhanced object: per-frame first,
/// shared second.
private struct FunctionalGroups {
    let perFrame: DICOMItem?
    let shared: DICOMItem?

    init(root: DICOMItem, frame: Int) {
        perFrame = root.item(.perFrameFunctionalGroupsSequence, frame)
        shared = root.item(.sharedFunctionalGroupsSequence, 0)
    }

    func lookup<T>(_ sequence: DICOMTag, _ read: (DICOMItem) -> T?) -> T? {
        for group in [perFrame, shared].compactMap({ $0 }) {
            if let item = group.item(sequence), let value = read(item) { return value }
        }
        return nil
    }
}

import CDCMTKShim
