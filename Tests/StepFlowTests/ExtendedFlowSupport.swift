import StepFlow
import Synchronization

/// A scripted outside world for extended-flow tests: what conditions answer, which steps fail, and the log of
/// what ran (actions and compensations), in order.
final class Script: Sendable {
    private struct Storage {
        var log: [String] = []
        var answers: [String: Bool] = [:]
        var failures: [String: Int] = [:]
    }

    private let storage = Mutex(Storage())

    /// Appends `entry` to the log.
    func record(_ entry: String) { storage.withLock { $0.log.append(entry) } }
    /// What ran so far.
    var log: [String] { storage.withLock { $0.log } }
    /// Sets what condition `name` answers.
    func answer(_ name: String, _ value: Bool) { storage.withLock { $0.answers[name] = value } }
    /// What condition `name` answers (false until set).
    func answer(_ name: String) -> Bool { storage.withLock { $0.answers[name] ?? false } }
    /// Makes step `name` fail its next `times` runs.
    func fail(_ name: String, times: Int = 1) { storage.withLock { $0.failures[name] = times } }

    /// Logs `name` and throws if it was told to fail.
    func run(_ name: String) throws {
        let fails = storage.withLock { storage -> Bool in
            guard let left = storage.failures[name], left > 0 else {
                storage.log.append(name)
                return false
            }
            storage.failures[name] = left - 1
            storage.log.append(name + " failed")
            return true
        }
        if fails { throw ScriptError(step: name) }
    }
}

/// The error a scripted step fails with.
struct ScriptError: Error, Hashable {
    let step: String
}

/// Another error, to check which errors a retry policy retries.
struct FatalError: Error {}

/// Time in a test: `t(90)` is 90 seconds after the epoch.
func t(_ seconds: Int64) -> FlowTime { FlowTime(millisecondsSince1970: seconds * 1000) }

/// An environment at `seconds` after the epoch.
func at(_ seconds: Int64, signals: [String: Int] = [:]) -> StepEnvironment {
    StepEnvironment(now: t(seconds), receivedSignals: signals, jitter: 0.5)
}
