import Benchmark
import StepFlow

// The benchmarks of the performance issue, compared with go-stepflow's figures on the same machine
// (see ../../RESULTS.md):
//   1. a full run of the deploy flow: 10 applies from an empty state to completed;
//   2. a pending `WaitFor` re-polled, with the state returned by the previous apply and with a
//      state freshly built from strings (as after loading it from a database);
//   3. one apply on a 1,000-step sequential flow, and on 10- and 100,000-step flows to show that
//      the cost of an apply does not depend on the size of the flow.
//
// Every benchmark repeats its operation `scalingFactor` (1,000) times per measured iteration, so
// that the cost of reading the clocks and malloc counters is spread out; the plugin prints figures
// per operation (pass `--scale` for the raw per-iteration totals). The benchmark bodies run in a Task on
// the global concurrent executor (the benchmark package starts it from a dispatch queue), not on the
// main actor, and the flows' closures run on the caller's executor: there too.
//
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark

/// The context the deploy flow's closures receive. The WaitFor conditions return `ready`.
final class Deploy: Sendable {
    let shouldDeploy: Bool
    let ready: Bool

    init(shouldDeploy: Bool = true, ready: Bool) {
        self.shouldDeploy = shouldDeploy
        self.ready = ready
    }
}

/// The seed's deploy flow.
func makeDeployFlow() throws -> StepFlow<Deploy> {
    try StepFlow<Deploy>("deploy.v1") {
        Do("getPreActualState") { _ in }
        WaitFor("preActualState") { context in context.ready }
        Case("shouldDeploy", when: { context in context.shouldDeploy }) {
            Do("createDeployRequest") { _ in }
            WaitFor("acceptedDeployRequest") { context in context.ready }
            WaitFor("monitorDeploymentProgress") { context in context.ready }
            Do("getPostActualState") { _ in }
            WaitFor("postActualState") { context in context.ready }
            Do("validatePostDeployActualState") { _ in }
        }
    }
}

/// A flow of `count` `Do` steps in sequence.
func makeSequentialFlow(steps count: Int) throws -> StepFlow<Deploy> {
    try StepFlow<Deploy>("seq") {
        for step in 0..<count {
            Do("step\(step)") { _ in }
        }
    }
}

/// A copy of `string` in new storage, as a decoder would produce it (no storage shared with the flow's tables).
func freshString(_ string: String) -> String {
    String(decoding: Array(string.utf8), as: UTF8.self)
}

/// A condition closure stored the way a compiled flow stores one (`nonisolated(nonsending)`: it runs
/// on the caller's executor), for the floor benchmark.
struct StoredCondition<Context>: Sendable {
    let evaluate: nonisolated(nonsending) @Sendable (Context) async throws -> Bool
}

/// The same with the closure type the flows used before, for reference: a plain `@Sendable async`
/// closure is `@concurrent`, so each call hops to the global concurrent executor and back.
struct StoredConcurrentCondition<Context>: Sendable {
    let evaluate: @Sendable (Context) async throws -> Bool
}

/// Built out of the optimiser's sight, so the benchmark cannot inline the closure's body into its loop
/// (a flow's closures are equally opaque to `apply`).
@inline(never)
func makeStoredCondition() -> StoredCondition<Deploy> {
    StoredCondition { context in context.ready }
}

/// Like ``makeStoredCondition()``, with the old closure type.
@inline(never)
func makeStoredConcurrentCondition() -> StoredConcurrentCondition<Deploy> {
    StoredConcurrentCondition { context in context.ready }
}

/// An actor that polls a flow from one of its own methods, as an actor driving processes would.
actor Poller {
    let flow: StepFlow<Deploy>
    let context: Deploy

    init(flow: StepFlow<Deploy>, context: Deploy) {
        self.flow = flow
        self.context = context
    }

    /// Applies `state` `count` times, each time to the state the previous apply returned.
    func poll(_ state: FlowState, count: Int) async throws -> FlowState {
        var state = state
        for _ in 0..<count {
            state = try await flow.apply(state, context: context)
        }
        return state
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    let ready = Deploy(ready: true)
    let waiting = Deploy(ready: false)
    let deploy = try! makeDeployFlow()
    let pending = FlowState(events: ["start:deploy.v1/preActualStateWaitFor"])

    // 1. A full run of the deploy flow: 10 applies, empty → completed (one run per scaled iteration).
    Benchmark("Deploy flow: full run (10 applies)") { benchmark in
        var applies = 0
        var state = FlowState()
        while !deploy.isCompleted(state) {
            state = try await deploy.apply(state, context: ready)
            applies += 1
        }
        guard applies == 10 else { throw BenchmarkFailure(description: "expected 10 applies, made \(applies)") }

        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var state = FlowState()
            while !deploy.isCompleted(state) {
                state = try await deploy.apply(state, context: ready)
            }
            blackHole(state)
        }
    }

    // 2a. A pending WaitFor re-polled with the state the previous apply returned.
    Benchmark("WaitFor poll: state from previous apply") { benchmark in
        var state = try await deploy.apply(pending, context: waiting)
        guard state == pending else { throw BenchmarkFailure(description: "the WaitFor did not wait: \(state)") }

        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            state = try await deploy.apply(state, context: waiting)
        }
        blackHole(state)
    }

    // 2d. The poll of 2a from an actor's method (one call into the actor per 1,000 polls).
    let poller = Poller(flow: deploy, context: waiting)
    Benchmark("WaitFor poll: from an actor, state from previous apply") { benchmark in
        let state = try await poller.poll(pending, count: 1)
        guard state == pending else { throw BenchmarkFailure(description: "the WaitFor did not wait: \(state)") }
        let count = benchmark.scaledIterations.count

        benchmark.startMeasurement()
        blackHole(try await poller.poll(state, count: count))
    }

    // 2b. The same poll with a state built from strings (as decoded from storage), not from an apply.
    Benchmark("WaitFor poll: state built from strings") { benchmark in
        let fresh = FlowState(events: [freshString("start:deploy.v1/preActualStateWaitFor")])
        let result = try await deploy.apply(fresh, context: waiting)
        guard result == pending else { throw BenchmarkFailure(description: "the WaitFor did not wait: \(result)") }

        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await deploy.apply(fresh, context: waiting))
        }
    }

    // 2c. For information: decoding the state (a new array and string) plus the poll, as Go's figure counts it.
    Benchmark("WaitFor poll: decode strings + apply") { benchmark in
        let bytes = Array("start:deploy.v1/preActualStateWaitFor".utf8)

        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let state = FlowState(events: [String(decoding: bytes, as: UTF8.self)])
            blackHole(try await deploy.apply(state, context: waiting))
        }
    }

    // For reference, no StepFlow at all: one call of an async condition closure like the WaitFor's,
    // stored in a struct, from the same kind of loop. Any apply that runs a condition pays this.
    let condition = makeStoredCondition()
    Benchmark("Floor: one call of an async condition closure (no StepFlow)") { benchmark in
        var held = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            if try await condition.evaluate(waiting) { held += 1 }
        }
        blackHole(held)
    }

    // The same floor with the closure type the flows used before (`@Sendable async`, i.e. `@concurrent`:
    // an executor hop to the global concurrent executor and one back per call).
    let concurrentCondition = makeStoredConcurrentCondition()
    Benchmark("Floor: one call of a @concurrent async closure (old closure type)") { benchmark in
        var held = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            if try await concurrentCondition.evaluate(waiting) { held += 1 }
        }
        blackHole(held)
    }

    // For reference: what resolving a state built from strings would cost with the standard library
    // instead of the flow's own index (its resolve costs the difference between benchmarks 2b and 2a).
    let eventNames = deploy.events
    let lookup = Dictionary(uniqueKeysWithValues: eventNames.enumerated().map { ($1, Int32($0)) })
    let decoded = freshString("start:deploy.v1/preActualStateWaitFor")
    Benchmark("Reference: Swift Hasher (SipHash) of one event string") { benchmark in
        for _ in benchmark.scaledIterations {
            var hasher = Hasher()
            hasher.combine(decoded)
            blackHole(hasher.finalize())
        }
    }
    Benchmark("Reference: [String: Int32] look-up of one event string") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(lookup[decoded])
        }
    }

    // 3. One apply in the middle of an N-step sequential flow (a structural link, then one Do).
    for steps in [10, 1_000, 100_000] {
        let flow = try! makeSequentialFlow(steps: steps)
        let before = "completed:seq/step\(steps / 2 - 2)"
        let label = steps.formatted()

        Benchmark("Apply: \(label)-step flow, state from previous apply") { benchmark in
            // A state returned by an apply, as a runtime that keeps it in memory has it.
            let warm = try await flow.apply(FlowState(events: [before]), context: ready)
            let next = try await flow.apply(warm, context: ready)
            guard next.events == ["completed:seq/step\(steps / 2)"] else {
                throw BenchmarkFailure(description: "unexpected state \(next)")
            }

            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await flow.apply(warm, context: ready))
            }
        }

        Benchmark("Apply: \(label)-step flow, state built from strings") { benchmark in
            let fresh = FlowState(events: [freshString("completed:seq/step\(steps / 2 - 1)")])

            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await flow.apply(fresh, context: ready))
            }
        }
    }
    // 4. Extended flows: one apply of a Parallel group of N branches, each branch one Do, from the state with
    // every branch at its step (the state is parsed from its strings and written again by every apply).
    for branches in [2, 16] {
        let flow = try! makeParallelFlow(branches: branches)
        let environment = StepEnvironment(now: FlowTime(millisecondsSince1970: 0))
        Benchmark("Parallel: one apply, \(branches) branches") { benchmark in
            let forked = try await flow.apply(FlowState(events: ["start:par/pParallel"]), context: ready, environment: environment)
            guard forked.events.count == branches else { throw BenchmarkFailure(description: "unexpected state \(forked)") }

            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await flow.apply(forked, context: ready, environment: environment))
            }
        }
    }
}

/// A flow of one `Parallel` group with `branches` branches of one `Do` each.
func makeParallelFlow(branches: Int) throws -> StepFlow<Deploy> {
    try StepFlow<Deploy>("par") {
        Parallel("p") {
            for index in 0..<branches {
                Branch("b\(index)") { Do("work") { _ in } }
            }
        }
    }
}

private extension Int {
    /// `1,000`-style grouping without Foundation.
    func formatted() -> String {
        let digits = String(self)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
