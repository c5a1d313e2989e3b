import StepFlow
import Synchronization
import Testing

/// An error a test step throws; compared by identity string.
struct StepError: Error, Equatable, Sendable {
    let id: String
    init(_ id: String) { self.id = id }
}

/// A second, unrelated error type, to show errors are not wrapped or converted.
struct OtherError: Error, Equatable, Sendable {
    let code: Int
}

/// The context of the test flows: records every call of user code, answers conditions from a
/// script and throws scheduled errors.
final class Probe: Sendable {
    private struct Storage {
        var log: [String] = []
        var answers: [String: [Bool]] = [:]
        var failures: [String: [StepError]] = [:]
        var decisions: [String: [HandlerDecision]] = [:]
    }

    private let storage = Mutex(Storage())

    init() {}

    /// Every `Do`, condition and handler call so far, in order (`name`, or `name!` when it threw).
    var log: [String] { storage.withLock { $0.log } }

    /// Scripts the next answers of condition `name`; once used up, the condition answers `true`.
    func script(_ name: String, _ answers: [Bool]) {
        storage.withLock { $0.answers[name, default: []].append(contentsOf: answers) }
    }

    /// Makes the next `errors.count` calls of step or condition `name` throw these errors.
    func fail(_ name: String, with errors: [StepError]) {
        storage.withLock { $0.failures[name, default: []].append(contentsOf: errors) }
    }

    /// Scripts the next decisions of the retry handler `name`; once used up, it answers `.giveUp`.
    func decide(_ name: String, _ decisions: [HandlerDecision]) {
        storage.withLock { $0.decisions[name, default: []].append(contentsOf: decisions) }
    }

    /// The body of a retry handler named `name`: logs `name?<error>` and follows the script.
    func handle(_ name: String, _ error: any Error) throws -> Bool {
        let decision: HandlerDecision = storage.withLock { storage in
            storage.log.append(name + "?" + errorID(error))
            guard var queue = storage.decisions[name], !queue.isEmpty else { return .giveUp }
            let decision = queue.removeFirst()
            storage.decisions[name] = queue
            return decision
        }
        switch decision {
        case .retry: return true
        case .giveUp: return false
        case let .fail(error): throw error
        }
    }

    /// Records a call without side effects.
    func record(_ entry: String) {
        storage.withLock { $0.log.append(entry) }
    }

    /// The body of a `Do` named `name`.
    func run(_ name: String) throws {
        let failure: StepError? = storage.withLock { storage in
            if var queue = storage.failures[name], !queue.isEmpty {
                let error = queue.removeFirst()
                storage.failures[name] = queue
                storage.log.append(name + "!")
                return error
            }
            storage.log.append(name)
            return nil
        }
        if let failure { throw failure }
    }

    /// The body of a condition named `name`.
    func check(_ name: String) throws -> Bool {
        let result: Result<Bool, StepError> = storage.withLock { storage in
            if var queue = storage.failures[name], !queue.isEmpty {
                let error = queue.removeFirst()
                storage.failures[name] = queue
                storage.log.append(name + "!")
                return .failure(error)
            }
            var answer = true
            if var queue = storage.answers[name], !queue.isEmpty {
                answer = queue.removeFirst()
                storage.answers[name] = queue
            }
            storage.log.append(name + "=" + String(answer))
            return .success(answer)
        }
        return try result.get()
    }
}

/// What a scripted retry handler does.
enum HandlerDecision: Sendable, Equatable {
    /// Returns `true`.
    case retry
    /// Returns `false`.
    case giveUp
    /// Throws this error.
    case fail(StepError)
}

/// `id` of a ``StepError``, `other<code>` of an ``OtherError``, else the type name.
func errorID(_ error: any Error) -> String {
    switch error {
    case let error as StepError: error.id
    case let error as OtherError: "other\(error.code)"
    default: String(describing: type(of: error))
    }
}

/// A retry handler that calls `probe.handle(name, error)`.
func probeHandler(_ name: String) -> @Sendable (Probe, any Error) async throws -> Bool {
    { probe, error in try probe.handle(name, error) }
}

/// A `Do` action that calls `probe.run(name)`.
func probeAction(_ name: String) -> @Sendable (Probe) async throws -> Void {
    { probe in try probe.run(name) }
}

/// A condition that calls `probe.check(name)`.
func probeCondition(_ name: String) -> @Sendable (Probe) async throws -> Bool {
    { probe in try probe.check(name) }
}

/// Applies `flow` from `state` until it is completed and returns every state after each apply.
/// Fails the test if it is not completed after `limit` applies.
func runToCompletion<C>(
    _ flow: StepFlow<C>, from state: FlowState = FlowState(), context: C, limit: Int = 200,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> [[String]] {
    var state = state
    var seen: [[String]] = []
    while !flow.isCompleted(state) {
        guard seen.count < limit else {
            Issue.record("flow not completed after \(limit) applies; last state \(state)", sourceLocation: sourceLocation)
            break
        }
        state = try await flow.apply(state, context: context)
        seen.append(state.events)
    }
    return seen
}

/// Applies `flow` `count` times from `state` and returns every state after each apply.
func applyTimes<C>(_ flow: StepFlow<C>, _ count: Int, from state: FlowState = FlowState(), context: C) async throws -> [[String]] {
    var state = state
    var seen: [[String]] = []
    for _ in 0..<count {
        state = try await flow.apply(state, context: context)
        seen.append(state.events)
    }
    return seen
}
