public import Foundation
public import Logging
import Synchronization

/// What a step of a durable process receives: the process's input and data, its identity, an
/// idempotency key, a logger, and a way to ask for the next check later.
///
/// ```swift
/// Do("createPullRequest") { context in
///     context.data.pullRequest = try await git.openPullRequest(
///         for: context.input.app, idempotencyKey: context.idempotencyKey)
/// }
/// WaitFor("merged") { context in
///     context.checkAgain(after: .seconds(30))   // like a reconciler's RequeueAfter
///     return try await git.isMerged(context.data.pullRequest)
/// }
/// ```
///
/// A context lives for one step. Changes to ``data`` are saved atomically with the state after the step;
/// if the step throws, they are discarded with it.
public final class StepContext<Input: Sendable, Data: Sendable>: Sendable {
    /// The process's identifier.
    public let processID: ProcessID
    /// The process's flow name (with its version).
    public let flowName: String
    /// The path of the step being run (`""` while no step is known, e.g. for a structural-only apply).
    public var stepPath: String { mutable.withLock { $0.stepPath } }
    /// The process's step count before this step: it identifies this application of the step.
    public let stepSequence: Int
    /// The input the process was started with.
    public let input: Input
    /// The process's data; changes are saved with the state after the step.
    public var data: Data {
        get { mutable.withLock { _ in storedData } }
        set { mutable.withLock { _ in storedData = newValue } }
    }
    /// A logger with the process id, flow and step path as metadata (``StepFlowLogging``).
    ///
    /// Made on first use: setting a logger's metadata costs as much as a no-op step.
    public var logger: Logger {
        if let logger = mutable.withLock({ $0.logger }) { return logger }
        var logger = baseLogger
        logger[metadataKey: StepFlowLogging.process] = "\(processID)"
        logger[metadataKey: StepFlowLogging.flow] = "\(flowName)"
        logger[metadataKey: StepFlowLogging.step] = "\(stepPath.isEmpty ? "-" : stepPath)"
        mutable.withLock { $0.logger = logger }
        return logger
    }
    private let baseLogger: Logger
    /// What steps change: the data, and the logger made on first use, the requested delay and the step's path. The
    /// context is `Sendable`, so helpers that take it can be called from any step; one step uses it at a time.
    /// The lock's type does not depend on the context's generic types: the runtime runs its side of a step
    /// unspecialised, and would look a `Mutex<Data>`'s metadata up at each use.
    private let mutable: Mutex<StepContextState>
    /// The data, read and written only inside `mutable`'s lock (hence safe to share across threads).
    private nonisolated(unsafe) var storedData: Data

    /// The signals the process has received, in arrival order.
    let signals: [ProcessSignal]
    /// How many signals of each name the process had consumed when the step started.
    let consumedSignals: [String: Int]
    /// When the worker started this step.
    public let now: Date
    /// The delay requested with ``checkAgain(after:)``, if any.
    public var requestedDelay: Duration? { mutable.withLock { $0.requestedDelay } }

    /// A context; the runtime creates one per step.
    public init(
        processID: ProcessID, flowName: String, stepPath: String, stepSequence: Int,
        input: Input, data: Data, logger: Logger, now: Date
    ) {
        self.processID = processID
        self.flowName = flowName
        self.stepSequence = stepSequence
        self.input = input
        self.storedData = data
        self.mutable = Mutex(StepContextState(logger: logger, requestedDelay: nil, stepPath: stepPath))
        self.signals = []
        self.consumedSignals = [:]
        self.baseLogger = logger
        self.now = now
    }

    /// A context whose ``logger`` is `logger` with the process id and step path (`-` when empty) added as
    /// metadata when a step first uses it.
    init(
        processID: ProcessID, flowName: String, stepPath: String, stepSequence: Int,
        input: Input, data: Data, baseLogger logger: Logger, now: Date,
        signals: [ProcessSignal] = [], consumedSignals: [String: Int] = [:]
    ) {
        self.processID = processID
        self.flowName = flowName
        self.stepSequence = stepSequence
        self.input = input
        self.storedData = data
        self.mutable = Mutex(StepContextState(logger: nil, requestedDelay: nil, stepPath: stepPath))
        self.signals = signals
        self.consumedSignals = consumedSignals
        self.baseLogger = logger
        self.now = now
    }

    /// A key that is the same every time this application of this step is repeated (after a crash
    /// between its side effect and its save) and different for any other: `<process id>/<step path>#<sequence>`.
    ///
    /// Steps run at least once; pass this key to external calls (create a pull request, charge a card) so they
    /// can recognise a repeat.
    public var idempotencyKey: String { "\(processID)/\(stepPath)#\(stepSequence)" }

    /// Asks for the process's next step to be due after `delay` rather than at once (or rather than after the
    /// poll interval, for a `WaitFor` that is not yet true).
    public func checkAgain(after delay: Duration) {
        mutable.withLock { $0.requestedDelay = delay }
    }

    /// Names the step about to run (in a `Parallel` group it is known only then); the logger follows.
    func setStepPath(_ path: String) {
        mutable.withLock { state in
            if state.stepPath != path {
                state.stepPath = path
                state.logger = nil
            }
        }
    }

    /// The payload of the last signal named `name` that an `AwaitSignal` step of this process consumed, or `nil`
    /// when none has been consumed yet.
    ///
    /// ```swift
    /// AwaitSignal("approval", as: Approval.self)
    /// Do("deploy") { context in
    ///     let approval = try context.signal("approval", as: Approval.self)
    ///     context.logger.info("approved by \(approval?.by ?? "nobody")")
    /// }
    /// ```
    ///
    /// - Throws: ``StepFlowRuntimeError`` `.invalidValue` when the payload cannot be decoded as `Payload`.
    public func signal<Payload: Decodable>(_ name: String, as payloadType: Payload.Type) throws -> Payload? {
        let consumed = consumedSignals[name] ?? 0
        guard consumed > 0 else { return nil }
        let received = signals.filter { $0.name == name }
        guard consumed <= received.count else { return nil }
        let signal = received[consumed - 1]
        do {
            return try ProcessJSON.decoder().decode(Payload.self, from: signal.payload)
        } catch {
            throw StepFlowRuntimeError(
                .invalidValue, "signal '\(name)' #\(signal.sequence) of process '\(processID)' cannot be decoded as \(Payload.self): \(error)"
            )
        }
    }
}

/// The parts of a ``StepContext`` a step changes, other than its data: a type of its own, outside the generic context.
private struct StepContextState {
    var logger: Logger?
    var requestedDelay: Duration?
    var stepPath: String
}
