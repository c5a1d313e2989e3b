import Foundation
import StepFlowRuntime
import Testing

/// `ProcessRecord.traceID` reads the trace id of a W3C `traceparent`, and only of a valid one.
@Suite struct TraceIDTests {
    func record(_ traceContext: String?) -> ProcessRecord {
        let now = Date(timeIntervalSince1970: 0)
        return ProcessRecord(
            id: "p", flowName: "f.v1", state: .init(), input: Data(), data: Data(), status: .running, dueAt: now,
            createdAt: now, updatedAt: now, traceContext: traceContext
        )
    }

    @Test func validTraceparentsGiveTheirTraceID() {
        #expect(record("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").traceID == "0af7651916cd43dd8448eb211c80319c")
        #expect(record("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00").traceID == "0af7651916cd43dd8448eb211c80319c")
    }

    @Test(arguments: [
        nil, "", "garbage",
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  // unknown version
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",  // zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  // zero span id
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",  // uppercase
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",
    ])
    func invalidTraceparentsGiveNone(_ text: String?) {
        #expect(record(text).traceID == nil)
    }
}
