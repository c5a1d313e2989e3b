// What the release-mode benchmark programs (RuntimeBenchmarks, PostgresBenchmarks) share: their command-line
// options, the statistics they report, and the readings of the machine printed beside each figure.
import Foundation
public import Logging

/// The program's arguments, without its name.
public let arguments = Array(CommandLine.arguments.dropFirst())

/// The value after `--name`, if given.
public func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// The integer after `--name`, or `fallback`.
public func option(_ name: String, _ fallback: Int) -> Int {
    option(name).flatMap { Int($0) } ?? fallback
}

/// The comma-separated integers after `--name` (`--workers 1,4`), or `fallback`.
public func list(_ name: String, _ fallback: [Int]) -> [Int] {
    option(name).map { $0.split(separator: ",").compactMap { Int($0) } } ?? fallback
}

/// A logger that drops everything below critical (logging is not what is measured).
public let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    return logger
}()

/// The 1-, 5- and 15-minute load averages (from /proc/loadavg), printed beside every figure.
public func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}

/// The resident set size of this process, in MiB (from /proc/self/statm).
public func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

/// A duration in seconds.
public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The CPU time (user + system) this process has used, in seconds: compared with the wall time it shows how
/// much of a run was spent waiting (the disk, the database, or the other programs on a shared machine).
public func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return value(usage.ru_utime) + value(usage.ru_stime)
}

/// The median of `values` (the upper one of an even count; 0 when empty).
public func median(_ values: [Double]) -> Double {
    percentile(values, 0.5)
}

/// The `p`-th quantile of `values` by the nearest-rank method (0 when empty).
public func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
