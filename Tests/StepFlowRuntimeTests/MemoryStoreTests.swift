import Foundation
import StepFlowRuntime
import Testing

@Suite struct MemoryStoreSmokeTests {
    @Test func createIsIdempotent() async throws {
        let store = MemoryProcessStore()
        let now = Date(timeIntervalSince1970: 1000)
        let new = NewProcess(id: "a", flowName: "f.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: now)
        let first = try await store.create(new)
        let second = try await store.create(new)
        #expect(first.created)
        #expect(!second.created)
        #expect(second.record == first.record)
    }
}
