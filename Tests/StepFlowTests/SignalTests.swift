import StepFlow
import Testing

struct Approval: Codable, Sendable, Hashable {
    var by: String
}

@Suite struct AwaitSignalTests {
    let flow: StepFlow<Script>

    init() throws {
        flow = try StepFlow<Script>("a") {
            AwaitSignal("approval", as: Approval.self)
            Do("deploy") { script in try script.run("deploy") }
            Steps("promotion") { AwaitSignal("approval", as: Approval.self) }
            Do("promote") { script in try script.run("promote") }
        }
    }

    @Test func aStepWaitsUntilASignalOfItsNameIsThereAndConsumesIt() async throws {
        let script = Script()
        let waiting = try await flow.applyStep(FlowState(), context: script, environment: at(0))
        #expect(waiting.outcome == .waiting)
        #expect(waiting.state.events == ["start:a/approvalAwaitSignal"])
        #expect(waiting.notBefore == .distantFuture)
        // Another signal's name does not count.
        let other = try await flow.applyStep(waiting.state, context: script, environment: at(1, signals: ["rollback": 1]))
        #expect(other.outcome == .waiting)

        let received = try await flow.applyStep(waiting.state, context: script, environment: at(2, signals: ["approval": 1]))
        #expect(received.outcome == .advanced)
        #expect(received.stepPath == "a/approvalAwaitSignal")
        #expect(received.state.events == ["start:a/deploy", "signal:1:approval"])
        #expect(flow.consumedSignals(in: received.state) == ["approval": 1])

        // The second AwaitSignal needs a second signal: the first one is not consumed twice.
        var state = try await flow.apply(received.state, context: script, environment: at(3, signals: ["approval": 1]))
        let second = try await flow.applyStep(state, context: script, environment: at(3, signals: ["approval": 1]))
        #expect(second.outcome == .waiting)
        state = try await flow.apply(second.state, context: script, environment: at(4, signals: ["approval": 2]))
        state = try await flow.apply(state, context: script, environment: at(4, signals: ["approval": 2]))
        #expect(flow.isCompleted(state))
        #expect(state.events == ["completed:a"])
        #expect(script.log == ["deploy", "promote"])
    }

    @Test func aSignalSentBeforeTheProcessReachesTheStepIsUsedAtOnce() async throws {
        let script = Script()
        let result = try await flow.applyStep(FlowState(), context: script, environment: at(0, signals: ["approval": 1]))
        #expect(result.outcome == .advanced)
        #expect(result.state.events == ["start:a/deploy", "signal:1:approval"])
    }

    @Test func aSignalThatDoesNotComeInTimeFailsTheStep() async throws {
        let flow = try StepFlow<Script>("a") {
            AwaitSignal("approval", as: Approval.self, timeout: .hours(1))
        }
        let waiting = try await flow.applyStep(FlowState(), context: Script(), environment: at(0))
        #expect(waiting.state.events == ["start:a/approvalAwaitSignal", "wait:0:0:3600000:a/approvalAwaitSignal"])
        #expect(waiting.notBefore == t(3600))
        let error = await #expect(throws: StepTimeoutError.self) {
            _ = try await flow.apply(waiting.state, context: Script(), environment: at(3600))
        }
        #expect(error?.path == "a/approvalAwaitSignal")
    }

    @Test func theFlowListsTheSignalsItAwaitsAndRefusesTwoPayloadTypesForOneName() throws {
        #expect(flow.awaitedSignals.keys.sorted() == ["approval"])
        #expect(flow.awaitedSignals["approval"] == Approval.self)
        let error = #expect(throws: StepFlowError.self) {
            try StepFlow<Script>("a") {
                AwaitSignal("approval", as: Approval.self)
                Steps("again") { AwaitSignal("approval", as: String.self) }
            }
        }
        #expect(error?.code == .invalidDefinition)
    }
}
