import CDCMTKShim
import Foundation
import LGETestSupport
import Testing

@testable import LGEDICOM

/// Enhanced MR multi-frame objects: one slice per frame, values from per-frame functional
/// groups first and shared groups second.
@Suite struct EnhancedMRTests {
    /// Writes a 3-frame Enhanced MR object with the attributes where scanners put them.
    func writeEnhanced(to path: String) throws {
        let dataset = DICOMDataset(creatingFor: path)
        let root = dataset.root
        root.set(.sopClassUID, DICOMUID.enhancedMRImageStorage)
        root.set(.sopInstanceUID, DICOMUID.derived(from: "enhanced"))
        root.set(.studyInstanceUID, DICOMUID.derived(from: "enhanced-study"))
        root.set(.seriesInstanceUID, DICOMUID.derived(from: "enhanced-series"))
        root.set(.modality, "MR")
        root.set(.seriesNumber, "12")
        root.set(.instanceNumber, "1")
        root.set(.seriesDescription, "PSIR SAX")
        root.set(.imageType, "ORIGINAL\\PRIMARY\\M\\NONE")
        root.set(.magneticFieldStrength, "3")
        root.set(.manufacturer, "Philips")

        let shared = try #require(root.appendItem(to: .sharedFunctionalGroupsSequence))
        let measures = try #require(shared.appendItem(to: .pixelMeasuresSequence))
        measures.set(.pixelSpacing, "1.5\\1.25")
        measures.set(.sliceThickness, "8")
        let orientation = try #require(shared.appendItem(to: .planeOrientationSequence))
        orientation.set(.imageOrientationPatient, "1\\0\\0\\0\\1\\0")
        let fov = try #require(shared.appendItem(to: .mrFOVGeometrySequence))
        fov.set(.inPlanePhaseEncodingDirection, "COL")
        let transform = try #require(shared.appendItem(to: .pixelValueTransformationSequence))
        transform.set(.rescaleSlope, "2")
        transform.set(.rescaleIntercept, "-100")
        let timing = try #require(shared.appendItem(to: .mrTimingAndRelatedParametersSequence))
        timing.set(.repetitionTime, "8.5")
        timing.set(.flipAngle, "25")

        for frame in 0..<3 {
            let group = try #require(root.appendItem(to: .perFrameFunctionalGroupsSequence))
            group.appendItem(to: .planePositionSequence)?.set(.imagePositionPatient, "-50\\-60\\\(Double(frame) * 10)")
            group.appendItem(to: .mrModifierSequence)?.set(.inversionTimes, "\(280 + frame * 10)")
            group.appendItem(to: .frameContentSequence)?.set(.frameAcquisitionDateTime, "2024031510\(30 + frame)05.5")
            let type = group.appendItem(to: .mrImageFrameTypeSequence)
            type?.set(.frameType, "ORIGINAL\\PRIMARY\\R\\NONE")
            type?.set(.complexImageComponent, "REAL")
        }
        var values = [UInt16](repeating: 0, count: 3 * 4 * 5)
        for i in values.indices { values[i] = UInt16(i) }
        let status = values.withUnsafeBufferPointer {
            lgeqa_dataset_put_pixels16(dataset.handle, $0.baseAddress, 4, 5, 3, 0)
        }
        #expect(status == LGEQA_OK)
        try dataset.save()
    }

    @Test func framesBecomeSlicesWithPerFrameValues() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("enhanced.dcm").path
        try writeEnhanced(to: path)

        let slices = try DICOMReader().read(path: path)
        #expect(slices.count == 3)
        for (frame, slice) in slices.enumerated() {
            let header = slice.header
            #expect(header.source.frame == frame + 1)
            #expect(header.isEnhanced)
            #expect(header.inversionTime == Double(280 + frame * 10))
            #expect(header.geometry?.position == PatientVector(-50, -60, Double(frame) * 10))
            #expect(header.geometry?.pixelSpacing == PixelSpacing(betweenRows: 1.5, betweenColumns: 1.25))
            #expect(header.geometry?.sliceThickness == 8)
            #expect(header.phaseEncodeDirection == .column)
            #expect(header.repetitionTime == 8.5)
            #expect(header.flipAngle == 25)
            #expect(header.imageType == ["ORIGINAL", "PRIMARY", "R", "NONE"])
            #expect(header.complexImageComponent == "REAL")
            #expect(header.acquisitionDateTime?.secondsOfDay == Double(10 * 3600 + (30 + frame) * 60 + 5) + 0.5)
            // Stored values 20·frame + i, rescaled by slope 2 and intercept −100.
            let expected = (0..<20).map { Float(($0 + 20 * frame) * 2 - 100) }
            #expect(slice.pixels?.values == expected)
        }
    }
}
