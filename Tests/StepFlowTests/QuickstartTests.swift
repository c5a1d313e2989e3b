import Foundation
import StepFlow
import Testing

/// A counter shared by a flow's closures in tests.
final class Counter: Sendable {
    private let storage = Mutex(0)
    func next() -> Int { storage.withLock { $0 += 1; return $0 } }
    var value: Int { storage.withLock { $0 } }
}

import Synchronization

@Suite struct QuickstartTests {
    @Test func quickstartStateSequence() async throws {
        let polls = Counter()
        let flow = try StepFlow<Counter> {
            Do("step1") { _ in }
            WaitFor("aCondition") { counter in counter.next() >= 3 }
            Do("step2") { _ in }
        }
        var state = FlowState()
        var seen: [[String]] = []
        while !flow.isCompleted(state) {
            state = try await flow.apply(state, context: polls)
            seen.append(state.events)
        }
        #expect(seen == [
            ["completed:steps/step1"],
            ["start:steps/aConditionWaitFor"],
            ["start:steps/aConditionWaitFor"],
            ["completed:steps/aConditionWaitFor"],
            ["completed:steps/step2"],
            ["completed:steps"],
        ])
    }
}
