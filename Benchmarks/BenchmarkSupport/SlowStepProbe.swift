import Foundation
import StepFlow
public import StepFlowRuntime

/// Hands each step's run time to the benchmark as it happens.
public final class StepSignal: Sendable {
    /// The id of each process whose step ran, with the time it ran.
    public let stream: AsyncStream<(String, ContinuousClock.Instant)>
    private let continuation: AsyncStream<(String, ContinuousClock.Instant)>.Continuation

    /// A signal no step has used yet.
    public init() { (stream, continuation) = AsyncStream.makeStream() }

    /// Records that a step of process `id` runs now.
    public func ran(_ id: String) { continuation.yield((id, .now)) }
}

/// Starts a process of `flow` with id `id` through `client` and returns the milliseconds until its step reports
/// itself on `steps` (the flow's step calls ``StepSignal/ran(_:)``).
public func startToRunning<Input: Codable & Sendable, Data: Codable & Sendable>(
    _ flow: ProcessFlow<Input, Data>, id: String, input: Input, client: StepFlowClient,
    steps: inout AsyncStream<(String, ContinuousClock.Instant)>.Iterator
) async throws -> Double {
    let start = ContinuousClock.now
    _ = try await client.start(flow, id: ProcessID(id), input: input)
    guard let (ranID, ranAt) = await steps.next(), ranID == id else { fatalError("unexpected step") }
    return seconds(ranAt - start) * 1000
}

/// Issue 16's probe, the same on every store: 100 processes of three no-op `Do` steps are started at once, of which
/// `p0`'s first step sleeps 10 s. Once the 99 fast ones are completed, and while `p0`'s step still holds its slot, a
/// client starts one-step processes one after the other and the time from `start` to the step running is measured.
/// The workers (not run here) must know ``flows``.
public final class SlowStepProbe: Sendable {
    /// The processes' input and data.
    public struct Empty: Codable, Sendable {
        /// The empty value.
        public init() {}
    }

    /// What one run measured.
    public struct Result: Sendable {
        /// From the start of the 100 processes until the 99 fast ones completed.
        public var fastDone: Duration
        /// From the start until all 100 completed.
        public var allDone: Duration
        /// Start → step running of each sample, in milliseconds.
        public var latencies: [Double]
        /// Whether `p0`'s slow step still held its slot after the last sample.
        public var heldThroughout: Bool
    }

    private let started = StepSignal()
    /// The flow of the 100 processes (`p0`'s first step sleeps 10 s).
    public let slowFlow: ProcessFlow<Empty, Empty>
    /// The one-step flow of the samples.
    public let markFlow: ProcessFlow<Empty, Empty>

    /// The probe's two flows.
    public init() throws {
        slowFlow = try ProcessFlow<Empty, Empty>("slow.v1", initialData: { _ in Empty() }) {
            Do("one") { context in
                if context.processID == "p0" { try await Task.sleep(for: .seconds(10)) }
            }
            Do("two") { _ in }
            Do("three") { _ in }
        }
        let started = self.started
        markFlow = try ProcessFlow<Empty, Empty>("mark.v1", initialData: { _ in Empty() }) {
            Do("mark") { context in started.ran(context.processID.rawValue) }
        }
    }

    /// The flows the workers must run.
    public var flows: [any RegisteredFlow] { [slowFlow, markFlow] }

    /// Runs the probe with `samples` samples on `store`, whose workers are running and idle.
    public func run(store: any ProcessStore, client: StepFlowClient, samples: Int) async throws -> Result {
        let clock = ContinuousClock()
        let input = try JSONEncoder().encode(Empty())
        let start = clock.now
        let now = Date()
        _ = try await store.create((0..<100).map {
            NewProcess(id: ProcessID("p\($0)"), flowName: slowFlow.name, input: input, data: input, now: now)
        })
        let slowFlowName = slowFlow.name
        func completed() async throws -> Int {
            try await store.processes(ProcessQuery(flowName: slowFlowName, statuses: [.completed], limit: 200)).count
        }
        while try await completed() < 99 { try await Task.sleep(for: .milliseconds(1)) }
        let fastDone = clock.now - start
        var steps = started.stream.makeAsyncIterator()
        var latencies: [Double] = []
        for index in 0..<samples {
            latencies.append(try await startToRunning(markFlow, id: "m\(index)", input: Empty(), client: client, steps: &steps))
        }
        let heldThroughout = try await client.process("p0").stepCount == 0
        while try await completed() < 100 { try await Task.sleep(for: .milliseconds(5)) }
        return Result(fastDone: fastDone, allDone: clock.now - start, latencies: latencies, heldThroughout: heldThroughout)
    }
}
