import Foundation
import LGETestSupport
import Testing

@testable import LGEDICOM

/// The real-world files in shared/data/dicom-samples: each reads correctly or fails with one
/// line naming the file and the reason.
@Suite struct SampleFileTests {
    let samples = TestEnvironment.dicomSamples
    let reader = DICOMReader()

    func path(_ name: String) -> String { samples.appendingPathComponent(name).path }

    func reference() throws -> MRSlice {
        let slices = try reader.read(path: path("MR_small.dcm"))
        #expect(slices.count == 1)
        return try #require(slices.first)
    }

    @Test func referenceImageReadsWithItsGeometry() throws {
        let slice = try reference()
        let pixels = try #require(slice.pixels)
        #expect(pixels.rows == 64 && pixels.columns == 64)
        #expect(pixels.values.contains { $0 != 0 })
        let geometry = try #require(slice.header.geometry)
        #expect(geometry.isOrthonormal())
        #expect(abs(geometry.pixelSpacing.betweenRows - 0.3125) < 1e-9)
        #expect(slice.header.transferSyntaxUID == "1.2.840.10008.1.2.1")
        #expect(slice.header.patient == nil, "patient identity must not be read unless asked for")
    }

    @Test(arguments: [
        "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm",
        "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm",
    ])
    func variantsDecodeToTheReferencePixels(name: String) throws {
        let expected = try #require(try reference().pixels)
        let slices = try reader.read(path: path(name))
        let pixels = try #require(slices.first?.pixels)
        #expect(pixels == expected, "\(name) decodes to different pixels than MR_small.dcm")
    }

    @Test func jpeg2000IsReportedAsUnsupportedWithAHint() {
        let error = #expect(throws: DICOMReadError.self) { try reader.read(path: path("MR_small_jp2klossless.dcm")) }
        guard case .unsupportedTransferSyntax = error?.problem else {
            Issue.record("expected unsupportedTransferSyntax, got \(String(describing: error))")
            return
        }
        #expect(error!.description.hasPrefix(path("MR_small_jp2klossless.dcm") + ": "))
        #expect(error!.description.contains("JPEG 2000"))
        #expect(error!.description.contains("gdcmconv"))
    }

    @Test func truncatedPixelDataFailsCleanly() {
        let error = #expect(throws: DICOMReadError.self) { try reader.read(path: path("MR_truncated.dcm")) }
        #expect(error?.problem.kind == "truncated", "got \(String(describing: error))")
        #expect(error?.description.contains("MR_truncated.dcm") == true)
    }

    @Test(arguments: ["CT_small.dcm", "JPGExtended.dcm"])
    func otherModalitiesAreNotMR(name: String) {
        let error = #expect(throws: DICOMReadError.self) { try reader.read(path: path(name)) }
        #expect(error?.problem.kind == "not_mr", "\(name): \(String(describing: error))")
        #expect(error?.description.contains("not an MR image") == true)
    }

    /// no_meta.dcm in this corpus starts with a stray byte before its first element: neither
    /// dcmtk nor pydicom (which finds one element) can make a data set of it.
    @Test(arguments: ["badVR.dcm", "meta_missing_tsyntax.dcm", "no_meta.dcm"])
    func brokenFilesFailWithOneLine(name: String) {
        let error = #expect(throws: DICOMReadError.self) { try reader.read(path: path(name)) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix(path(name) + ": "))
        #expect(!text.contains("\n"))
    }

    @Test func aTextFileIsNotDICOM() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("notes.txt")
        try String(repeating: "not a DICOM file\n", count: 20).write(to: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: DICOMReadError.self) { try reader.read(path: file.path) }
        #expect(error?.problem.kind == "not_dicom")
        let missing = #expect(throws: DICOMReadError.self) { try reader.read(path: directory.appendingPathComponent("absent.dcm").path) }
        #expect(missing?.problem.kind == "cannot_open")
    }

    @Test func readingNeverModifiesInputs() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: samples.path).sorted()
        let before = try names.map { try Data(contentsOf: samples.appendingPathComponent($0)) }
        let batch = DICOMBatchReader(threads: 2).read(paths: [samples.path])
        #expect(batch.filesTried == names.count)
        let after = try names.map { try Data(contentsOf: samples.appendingPathComponent($0)) }
        #expect(before == after)
    }

    @Test func batchKeepsGoodFilesAndListsBadOnes() {
        let batch = DICOMBatchReader(threads: 2).read(paths: [samples.path, "/nonexistent/lgeqa"])
        let good = Set(batch.slices.map { URL(fileURLWithPath: $0.header.source.path).lastPathComponent })
        #expect(good == ["MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm",
                         "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm"])
        let bad = Set(batch.failures.map { URL(fileURLWithPath: $0.path).lastPathComponent })
        #expect(bad.isSuperset(of: ["MR_truncated.dcm", "MR_small_jp2klossless.dcm", "CT_small.dcm", "lgeqa"]))
        #expect(batch.slices.count + batch.failures.count == batch.filesTried)
    }
}
