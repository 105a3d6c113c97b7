import Foundation

/// A progress line with ETA on standard error for long runs: a redrawn bar on a terminal, a
/// plain line every 10% otherwise (logs stay readable). Safe to call from many threads.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let interactive: Bool
    private let start = Date()
    private let lock = NSLock()
    private var done = 0
    private var lastDrawn = Date.distantPast
    private var lastDecile = 0

    init(total: Int, label: String, interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = max(total, 1)
        self.label = label
        self.interactive = interactive
    }

    /// One more item finished.
    func advance() {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        let now = Date()
        if interactive {
            guard now.timeIntervalSince(lastDrawn) > 0.2 || done == total else { return }
            lastDrawn = now
            let width = 30, filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) \(eta(now))\u{1B}[K".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let decile = 10 * done / total
            guard decile > lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data("\(label): \(done)/\(total) \(eta(now))\n".utf8))
        }
    }

    private func eta(_ now: Date) -> String {
        let elapsed = now.timeIntervalSince(start)
        guard done < total else { return String(format: "done in %.0f s", elapsed) }
        let remaining = elapsed / Double(done) * Double(total - done)
        return remaining >= 90 ? String(format: "ETA %.0f min", remaining / 60) : String(format: "ETA %.0f s", remaining)
    }
}
