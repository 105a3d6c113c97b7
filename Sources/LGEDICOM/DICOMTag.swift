/// A DICOM attribute tag (group, element).
public struct DICOMTag: Sendable, Hashable, CustomStringConvertible {
    public var group: UInt16
    public var element: UInt16

    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    var packed: UInt32 { UInt32(group) << 16 | UInt32(element) }

    public var description: String {
        let hex = { (v: UInt16) in String(v, radix: 16, uppercase: true).leftPadded(to: 4) }
        return "(\(hex(group)),\(hex(element)))"
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

/// The attributes lgeqa reads and writes, named as in PS3.6.
extension DICOMTag {
    static let specificCharacterSet = DICOMTag(0x0008, 0x0005)
    static let imageType = DICOMTag(0x0008, 0x0008)
    static let instanceCreationDate = DICOMTag(0x0008, 0x0012)
    static let instanceCreationTime = DICOMTag(0x0008, 0x0013)
    static let sopClassUID = DICOMTag(0x0008, 0x0016)
    static let sopInstanceUID = DICOMTag(0x0008, 0x0018)
    static let studyDate = DICOMTag(0x0008, 0x0020)
    static let seriesDate = DICOMTag(0x0008, 0x0021)
    static let acquisitionDate = DICOMTag(0x0008, 0x0022)
    static let contentDate = DICOMTag(0x0008, 0x0023)
    static let acquisitionDateTime = DICOMTag(0x0008, 0x002A)
    static let studyTime = DICOMTag(0x0008, 0x0030)
    static let seriesTime = DICOMTag(0x0008, 0x0031)
    static let acquisitionTime = DICOMTag(0x0008, 0x0032)
    static let contentTime = DICOMTag(0x0008, 0x0033)
    static let accessionNumber = DICOMTag(0x0008, 0x0050)
    static let modality = DICOMTag(0x0008, 0x0060)
    static let manufacturer = DICOMTag(0x0008, 0x0070)
    static let referringPhysicianName = DICOMTag(0x0008, 0x0090)
    static let stationName = DICOMTag(0x0008, 0x1010)
    static let studyDescription = DICOMTag(0x0008, 0x1030)
    static let seriesDescription = DICOMTag(0x0008, 0x103E)
    static let manufacturerModelName = DICOMTag(0x0008, 0x1090)
    static let frameType = DICOMTag(0x0008, 0x9007)
    static let complexImageComponent = DICOMTag(0x0008, 0x9208)

    static let patientName = DICOMTag(0x0010, 0x0010)
    static let patientID = DICOMTag(0x0010, 0x0020)
    static let patientBirthDate = DICOMTag(0x0010, 0x0030)
    static let patientSex = DICOMTag(0x0010, 0x0040)

    static let bodyPartExamined = DICOMTag(0x0018, 0x0015)
    static let scanningSequence = DICOMTag(0x0018, 0x0020)
    static let sequenceVariant = DICOMTag(0x0018, 0x0021)
    static let scanOptions = DICOMTag(0x0018, 0x0022)
    static let mrAcquisitionType = DICOMTag(0x0018, 0x0023)
    static let sequenceName = DICOMTag(0x0018, 0x0024)
    static let sliceThickness = DICOMTag(0x0018, 0x0050)
    static let repetitionTime = DICOMTag(0x0018, 0x0080)
    static let echoTime = DICOMTag(0x0018, 0x0081)
    static let inversionTime = DICOMTag(0x0018, 0x0082)
    static let numberOfAverages = DICOMTag(0x0018, 0x0083)
    static let imagingFrequency = DICOMTag(0x0018, 0x0084)
    static let imagedNucleus = DICOMTag(0x0018, 0x0085)
    static let magneticFieldStrength = DICOMTag(0x0018, 0x0087)
    static let spacingBetweenSlices = DICOMTag(0x0018, 0x0088)
    static let echoTrainLength = DICOMTag(0x0018, 0x0091)
    static let percentPhaseFieldOfView = DICOMTag(0x0018, 0x0094)
    static let softwareVersions = DICOMTag(0x0018, 0x1020)
    static let triggerTime = DICOMTag(0x0018, 0x1060)
    static let beatRejectionFlag = DICOMTag(0x0018, 0x1080)
    static let lowRRValue = DICOMTag(0x0018, 0x1081)
    static let highRRValue = DICOMTag(0x0018, 0x1082)
    static let intervalsAcquired = DICOMTag(0x0018, 0x1083)
    static let intervalsRejected = DICOMTag(0x0018, 0x1084)
    static let heartRate = DICOMTag(0x0018, 0x1088)
    static let acquisitionMatrix = DICOMTag(0x0018, 0x1310)
    static let inPlanePhaseEncodingDirection = DICOMTag(0x0018, 0x1312)
    static let flipAngle = DICOMTag(0x0018, 0x1314)
    static let patientPosition = DICOMTag(0x0018, 0x5100)
    static let frameAcquisitionDateTime = DICOMTag(0x0018, 0x9074)
    static let inversionTimes = DICOMTag(0x0018, 0x9079)
    static let mrTimingAndRelatedParametersSequence = DICOMTag(0x0018, 0x9112)
    static let mrModifierSequence = DICOMTag(0x0018, 0x9115)
    static let cardiacSynchronizationSequence = DICOMTag(0x0018, 0x9118)
    static let mrFOVGeometrySequence = DICOMTag(0x0018, 0x9125)
    static let mrImageFrameTypeSequence = DICOMTag(0x0018, 0x9226)

    static let studyInstanceUID = DICOMTag(0x0020, 0x000D)
    static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)
    static let studyID = DICOMTag(0x0020, 0x0010)
    static let seriesNumber = DICOMTag(0x0020, 0x0011)
    static let instanceNumber = DICOMTag(0x0020, 0x0013)
    static let patientOrientation = DICOMTag(0x0020, 0x0020)
    static let imagePositionPatient = DICOMTag(0x0020, 0x0032)
    static let imageOrientationPatient = DICOMTag(0x0020, 0x0037)
    static let frameOfReferenceUID = DICOMTag(0x0020, 0x0052)
    static let positionReferenceIndicator = DICOMTag(0x0020, 0x1040)
    static let sliceLocation = DICOMTag(0x0020, 0x1041)
    static let imageComments = DICOMTag(0x0020, 0x4000)
    static let frameContentSequence = DICOMTag(0x0020, 0x9111)
    static let planePositionSequence = DICOMTag(0x0020, 0x9113)
    static let planeOrientationSequence = DICOMTag(0x0020, 0x9116)
    static let nominalCardiacTriggerDelayTime = DICOMTag(0x0020, 0x9153)

    static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    static let pixelSpacing = DICOMTag(0x0028, 0x0030)
    static let windowCenter = DICOMTag(0x0028, 0x1050)
    static let windowWidth = DICOMTag(0x0028, 0x1051)
    static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    static let rescaleType = DICOMTag(0x0028, 0x1054)
    static let lossyImageCompression = DICOMTag(0x0028, 0x2110)
    static let pixelMeasuresSequence = DICOMTag(0x0028, 0x9110)
    static let pixelValueTransformationSequence = DICOMTag(0x0028, 0x9145)

    static let burnedInAnnotation = DICOMTag(0x0028, 0x0301)
    static let sharedFunctionalGroupsSequence = DICOMTag(0x5200, 0x9229)
    static let perFrameFunctionalGroupsSequence = DICOMTag(0x5200, 0x9230)
}
