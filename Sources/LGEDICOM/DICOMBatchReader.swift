import Foundation

/// Reads every file under a set of paths, in parallel, keeping good slices and listing bad
/// files with their reasons. One bad file never stops the others.
public struct DICOMBatchReader: Sendable {
    public struct Result: Sendable {
        /// Slices from every readable file, in the order the files were listed.
        public var slices: [MRSlice]
        /// Files that could not be read, with why, in listing order.
        public var failures: [DICOMReadError]
        /// How many files were tried.
        public var filesTried: Int
    }

    public var reader: DICOMReader
    /// Worker threads; the default uses every core.
    public var threads: Int

    public init(reader: DICOMReader = DICOMReader(), threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.reader = reader
        self.threads = max(1, threads)
    }

    /// Expands files and directories (recursively, skipping hidden entries) into a sorted
    /// list of files. Paths that do not exist come back as failures.
    public static func files(under paths: [String]) -> (files: [String], missing: [DICOMReadError]) {
        var files: [String] = []
        var missing: [DICOMReadError] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(DICOMReadError(path: path, problem: .cannotOpen("no such file or directory")))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            var found: [String] = []
            if let walker = manager.enumerator(atPath: path) {
                for case let relative as String in walker {
                    if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                    let full = (path as NSString).appendingPathComponent(relative)
                    var childIsDirectory: ObjCBool = false
                    if manager.fileExists(atPath: full, isDirectory: &childIsDirectory), !childIsDirectory.boolValue {
                        found.append(full)
                    }
                }
            }
            files += found.sorted()
        }
        return (files, missing)
    }

    /// Reads the files under `paths`.
    public func read(paths: [String]) -> Result {
        let (files, missing) = DICOMBatchReader.files(under: paths)
        var result = read(files: files)
        result.failures = missing + result.failures
        result.filesTried += missing.count
        return result
    }

    /// Reads exactly these files.
    public func read(files: [String]) -> Result {
        let outcomes = OutcomeBuffer(count: files.count)
        let reader = self.reader
        let workers = min(threads, max(files.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < files.count {
                let outcome: Swift.Result<[MRSlice], DICOMReadError>
                do throws(DICOMReadError) {
                    outcome = .success(try reader.read(path: files[index]))
                } catch {
                    outcome = .failure(error)
                }
                outcomes.store(outcome, at: index)
                index += workers
            }
        }
        var slices: [MRSlice] = []
        var failures: [DICOMReadError] = []
        for outcome in outcomes.take() {
            switch outcome {
            case .success(let read): slices += read
            case .failure(let error): failures.append(error)
            case nil: break
            }
        }
        return Result(slices: slices, failures: failures, filesTried: files.count)
    }
}

/// Slots that worker threads fill by index; each slot is written by exactly one worker.
private final class OutcomeBuffer: @unchecked Sendable {
    private var outcomes: [Result<[MRSlice], DICOMReadError>?]
    private let lock = NSLock()

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    func store(_ outcome: Result<[MRSlice], DICOMReadError>, at index: Int) {
        lock.lock()
        outcomes[index] = outcome
        lock.unlock()
    }

    func take() -> [Result<[MRSlice], DICOMReadError>?] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes
    }
}
