import Foundation
import HTTPTypes
import Hummingbird
import StepFlowRuntime
import Synchronization
import Testing
@testable import StepFlowServer

/// Collects what a streamed response writes.
final class StreamCollector: Sendable {
    private let text = Mutex("")

    func append(_ buffer: ByteBuffer) { text.withLock { $0 += String(buffer: buffer) } }

    var collected: String { text.withLock { $0 } }
}

/// A response body writer that hands every buffer to a collector.
struct CollectingWriter: ResponseBodyWriter {
    let collector: StreamCollector

    mutating func write(_ buffer: ByteBuffer) async throws { collector.append(buffer) }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

@Suite struct EventStreamTests {
    /// A client connected during a step sees that step's change, and only for the process it watches.
    @Test func aConnectedClientSeesTheStepOfItsProcess() async throws {
        let fixture = try ServerFixture { $0.eventPollInterval = .seconds(1) }
        try await fixture.start("o-1")
        try await fixture.start("o-2")
        let response = fixture.server.eventStream(flow: nil, process: "o-1")
        #expect(response.headers[.contentType] == "text/event-stream")
        let collector = StreamCollector()
        let stream = Task {
            try await response.body.write(CollectingWriter(collector: collector))
        }
        // The stream has read its baseline and sleeps until its next read.
        while fixture.clock.sleeperCount == 0 { await Task.yield() }
        #expect(collector.collected.contains(": connected"))
        _ = try await fixture.client.advance("o-1")
        _ = try await fixture.client.advance("o-2")
        fixture.clock.advance(by: .seconds(1))
        while !collector.collected.contains("event: process") { await Task.yield() }
        stream.cancel()
        _ = await stream.result
        let text = collector.collected
        #expect(text.contains(#""id":"o-1""#))
        #expect(text.contains(#""step":"order.v1\/approvalAwaitSignal""#) || text.contains(#""step":"order.v1/approvalAwaitSignal""#))
        #expect(!text.contains(#""id":"o-2""#))
    }
}
