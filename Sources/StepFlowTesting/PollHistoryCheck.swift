import Foundation
import Logging
import StepFlow
public import StepFlowRuntime
public import Testing

/// Checks that a `WaitFor` polled for a long time leaves a bounded history: a worker runs a process whose wait is
/// polled every 5 seconds for a day (by default), with time moved by the test, and the wait must leave at most three
/// history rows, one of them counting every poll.
///
/// ```swift
/// let clock = ManualClock()
/// try await PollHistoryCheck().run(on: store, clock: clock) { clock.advance(by: $0) }
/// ```
public struct PollHistoryCheck: Sendable {
    /// The flow's input and data.
    public struct Empty: Codable, Sendable, Hashable {
        /// The empty value.
        public init() {}
    }

    /// How often the wait is polled.
    public static let pollInterval: Duration = .seconds(5)
    /// How long the wait lasts before its condition holds.
    public let waitDuration: Duration

    /// A check of a wait lasting `waitDuration` (a day by default: 17,280 polls).
    public init(waitDuration: Duration = .seconds(86_400)) {
        self.waitDuration = waitDuration
    }

    /// The path of the polled wait.
    public static let waitPath = "polls.v1/mergedWaitFor"

    /// Runs the check on `store`: a worker with `clock` runs the process; `advance` lets time pass (on the worker's
    /// clock, and on the store's server when it has one).
    public func run(
        on store: any ProcessStore, clock: any RuntimeClock, sourceLocation: SourceLocation = #_sourceLocation,
        advance: (Duration) async throws -> Void
    ) async throws {
        let deadline = clock.now.addingTimeInterval(waitDuration.timeInterval)
        let flow = try ProcessFlow<Empty, Empty>(
            "polls.v1", pollIntervals: [Self.waitPath: Self.pollInterval], initialData: { _ in Empty() }
        ) {
            Do("open") { _ in }
            WaitFor("merged") { context in context.now >= deadline }
            Do("close") { _ in }
        }
        let registry = try FlowRegistry([flow])
        var logger = Logger(label: "stepflow.poll-history-check")
        logger.logLevel = .warning
        let worker = FlowWorker(store: store, registry: registry, configuration: .init(workerID: "poller"), clock: clock, logger: logger)
        let client = StepFlowClient(store: store, registry: registry, clock: clock)
        try await client.start(flow, id: "poller-1", input: Empty())
        let expectedPolls = Int(waitDuration.timeInterval / Self.pollInterval.timeInterval)
        var rounds = 0
        while try await client.process("poller-1").status.isActive, rounds <= expectedPolls + 10 {
            try await worker.runUntilIdle()
            try await advance(Self.pollInterval)
            rounds += 1
        }
        #expect(try await client.process("poller-1").status == .completed, sourceLocation: sourceLocation)
        let history = try await client.history(of: "poller-1")
        let wait = history.filter { $0.stepPath == Self.waitPath }
        #expect(wait.count <= 3, "the wait left \(wait.count) history rows", sourceLocation: sourceLocation)
        #expect(wait.map(\.polls).reduce(0, +) >= expectedPolls, sourceLocation: sourceLocation)
        #expect(history.map(\.outcome) == [.advanced, .waiting, .advanced, .completed], sourceLocation: sourceLocation)
        let polled = try #require(wait.first { $0.outcome == .waiting }, sourceLocation: sourceLocation)
        #expect(polled.lastPolledAt.map { $0 > polled.startedAt } == true, sourceLocation: sourceLocation)
        #expect(polled.pollSummary?.hasPrefix("polled ") == true, sourceLocation: sourceLocation)
    }
}
