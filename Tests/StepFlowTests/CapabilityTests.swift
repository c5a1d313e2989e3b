import StepFlow
import Testing

/// What a flow needs from its runtime, computed when it is built: whether it reads signals, whether it keeps times.
@Suite struct CapabilityTests {
    @Test func aFlowOfGoStepflowsConstructsNeedsNeither() throws {
        let flow = try StepFlow<Script>("f") {
            Do("a") { _ in }
            WaitFor("b") { _ in true }
            Retry("r", shouldRetry: { _, _ in true }) { Do("c") { _ in } }
        }
        #expect(!flow.isExtended)
        #expect(!flow.readsSignals)
        #expect(!flow.hasTimers)
        #expect(flow.awaitedSignals.isEmpty)
    }

    @Test func eachConstructSaysWhatItNeeds() throws {
        let sleep = try StepFlow<Script>("f") { Sleep("s", for: .seconds(1)) }
        #expect(sleep.isExtended && sleep.hasTimers && !sleep.readsSignals)

        let policy = try StepFlow<Script>("f") { Retry("r", policy: .fixed(.seconds(1), maxAttempts: 2)) { Do("a") { _ in } } }
        #expect(policy.isExtended && policy.hasTimers && !policy.readsSignals)

        let scheduled = try StepFlow<Script>("f") { WaitFor("w", every: .seconds(5)) { _ in true } }
        #expect(scheduled.isExtended && scheduled.hasTimers && !scheduled.readsSignals)

        let signal = try StepFlow<Script>("f") { AwaitSignal("go:now", as: String.self) }
        #expect(signal.isExtended && !signal.hasTimers && signal.readsSignals)
        #expect(signal.awaitedSignals.keys.sorted() == ["go:now"])
        #expect(signal.awaitedSignals["go:now"] == String.self)

        let timedSignal = try StepFlow<Script>("f") { AwaitSignal("go", as: Int.self, timeout: .seconds(3)) }
        #expect(timedSignal.hasTimers && timedSignal.readsSignals)

        let compensated = try StepFlow<Script>("f") { Do("a", { _ in }, compensate: { _ in }) }
        #expect(compensated.isExtended && !compensated.hasTimers && !compensated.readsSignals)

        let parallel = try StepFlow<Script>("f") {
            Parallel("p") {
                Branch("x") { AwaitSignal("one", as: String.self) }
                Branch("y") { AwaitSignal("two", as: [Int].self) }
            }
        }
        #expect(parallel.readsSignals && !parallel.hasTimers)
        #expect(parallel.awaitedSignals.keys.sorted() == ["one", "two"])
        #expect(parallel.awaitedSignals["two"] == [Int].self)
    }
}
