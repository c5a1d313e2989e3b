import Foundation
import InMemoryTracing
import Logging
import StepFlow
import StepFlowRuntime
import StepFlowSQLite
import StepFlowTesting
import Testing
import Tracing

struct Parcel: Codable, Sendable, Hashable {
    var item: String
}

struct ParcelData: Codable, Sendable, Hashable {
    var packed = false
    var sent = false
}

struct CourierError: Error, CustomStringConvertible {
    var description: String { "the courier is on strike" }
}

/// parcel.v1: pack, then send (which throws when `failSend` is set); `pack` starts a child span of its own, as an
/// instrumented library called by a step would.
func parcelFlow(failSend: Bool = false) throws -> ProcessFlow<Parcel, ParcelData> {
    try ProcessFlow<Parcel, ParcelData>("parcel.v1", initialData: { _ in ParcelData() }) {
        Do("pack") { context in
            withSpan("warehouse.call") { _ in context.data.packed = true }
        }
        Do("send") { context in
            if failSend { throw CourierError() }
            context.data.sent = true
        }
    }
}

let quietLogger = Logger(label: "observability-tests")

@Suite struct ProcessTracingTests {
    @Test func eachStepHasASpanNamedAfterItsPathWithItsAttributesInTheProcesssTrace() async throws {
        let tracer = TraceparentTracer()
        let store = MemoryProcessStore()
        let flow = try parcelFlow()
        let client = StepFlowClient(store: store, clock: ManualClock())
        let worker = FlowWorker(
            store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "w1"), clock: ManualClock(),
            logger: quietLogger
        )
        let record = try await withTracer(tracer) {
            let record = try await client.start(flow, id: "p1", input: Parcel(item: "book"))
            try await worker.runUntilIdle()
            return record
        }
        let traceID = try #require(record.traceID)
        let steps = tracer.finishedSpans.filter { $0.kind == .consumer }
        #expect(steps.map(\.operationName) == ["parcel.v1/pack", "parcel.v1/send"])
        for (span, path) in zip(steps, ["parcel.v1/pack", "parcel.v1/send"]) {
            #expect(span.traceID == traceID)
            #expect(span.attributes["stepflow.process.id"]?.toSpanAttribute() == "p1")
            #expect(span.attributes["stepflow.flow"]?.toSpanAttribute() == "parcel.v1")
            #expect(span.attributes["stepflow.step"]?.toSpanAttribute() == .string(path))
            #expect(span.attributes["stepflow.worker"]?.toSpanAttribute() == "w1")
            #expect(span.attributes["stepflow.attempt"]?.toSpanAttribute() == 0)
            #expect(span.attributes["stepflow.lease_token"] != nil)
            #expect(span.status == nil)
        }
        #expect(steps.map { $0.attributes["stepflow.outcome"]?.toSpanAttribute() } == ["advanced", "completed"])
        // The saved context is the steps' parent.
        #expect(steps.allSatisfy { $0.parentSpanID == String(record.traceContext!.split(separator: "-")[2]) })
        // The step's own work runs inside its span: the library's span is its child.
        let call = try #require(tracer.finishedSpans.first { $0.operationName == "warehouse.call" })
        #expect(call.parentSpanID == steps[0].spanID)
        #expect(call.traceID == traceID)
    }

    @Test func aStepThatThrowsRecordsTheErrorAndSetsErrorStatus() async throws {
        let tracer = TraceparentTracer()
        let store = MemoryProcessStore()
        let flow = try parcelFlow(failSend: true)
        let client = StepFlowClient(store: store, clock: ManualClock())
        let worker = FlowWorker(store: store, registry: try FlowRegistry([flow]), clock: ManualClock(), logger: quietLogger)
        try await withTracer(tracer) {
            try await client.start(flow, id: "p2", input: Parcel(item: "lamp"))
            try await worker.runUntilIdle()
        }
        let send = try #require(tracer.finishedSpans.first { $0.operationName == "parcel.v1/send" })
        #expect(send.status?.code == .error)
        #expect(send.status?.message?.contains("the courier is on strike") == true)
        #expect(send.errors.count == 1)
        #expect("\(send.errors[0].error)".contains("the courier is on strike"))
        #expect(send.attributes["stepflow.outcome"]?.toSpanAttribute() == "failed")
        let pack = try #require(tracer.finishedSpans.first { $0.operationName == "parcel.v1/pack" })
        #expect(pack.status == nil && pack.errors.isEmpty)
    }

    @Test func startInsideASpanSavesThatSpansContext() async throws {
        let tracer = TraceparentTracer()
        let store = MemoryProcessStore()
        let flow = try parcelFlow()
        let client = StepFlowClient(store: store, clock: ManualClock())
        let record = try await withTracer(tracer) {
            try await withSpan("POST /orders") { _ in try await client.start(flow, id: "p3", input: Parcel(item: "pen")) }
        }
        let request = try #require(tracer.finishedSpans.first { $0.operationName == "POST /orders" })
        #expect(record.traceContext == "00-\(request.traceID)-\(request.spanID)-01")
        #expect(await store.process("p3")?.traceContext == record.traceContext)
    }

    @Test func aProcessStartedOutsideAnySpanGetsATraceOfItsOwn() async throws {
        let store = MemoryProcessStore()
        let flow = try parcelFlow()
        let client = StepFlowClient(store: store, clock: ManualClock())
        let first = try await client.start(flow, id: "p4", input: Parcel(item: "cup"))
        let second = try await client.start(flow, id: "p5", input: Parcel(item: "cup"))
        let parts = try #require(first.traceContext).split(separator: "-")
        #expect(parts.count == 4 && parts[0] == "00" && parts[1].count == 32 && parts[2].count == 16 && parts[3] == "01")
        #expect(first.traceID == String(parts[1]))
        #expect(first.traceID != second.traceID)
    }

    @Test func oneTraceIDOverAProcessWhoseStepsRunOnTwoWorkersWithARestartBetween() async throws {
        let directory = try StoreDirectory()
        defer { directory.remove() }
        let path = directory.storePath
        let flow = try parcelFlow()
        let clock = ManualClock()
        // Before the restart: worker a runs one step.
        let before = TraceparentTracer()
        let traceID: String = try await withTracer(before) {
            let store = try SQLiteProcessStore(path: path)
            let record = try await StepFlowClient(store: store, clock: clock).start(flow, id: "p6", input: Parcel(item: "map"))
            let worker = FlowWorker(
                store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "a"), clock: clock, logger: quietLogger
            )
            #expect(try await worker.runRound().saved == 1)
            return try #require(record.traceID)
        }
        // After the restart: a new store, a new tracer (a new program), worker b runs the rest.
        let after = TraceparentTracer()
        try await withTracer(after) {
            let store = try SQLiteProcessStore(path: path)
            let worker = FlowWorker(
                store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "b"), clock: clock, logger: quietLogger
            )
            try await worker.runUntilIdle()
            #expect(try await store.process("p6")?.status == .completed)
        }
        let steps = (before.finishedSpans + after.finishedSpans).filter { $0.kind == .consumer }
        #expect(steps.map(\.operationName) == ["parcel.v1/pack", "parcel.v1/send"])
        #expect(steps.map { $0.attributes["stepflow.worker"]?.toSpanAttribute() } == ["a", "b"])
        #expect(steps.allSatisfy { $0.traceID == traceID })
    }

    @Test func commandsCreateSpansLinkedToTheProcesssTrace() async throws {
        let tracer = TraceparentTracer()
        let store = MemoryProcessStore()
        let flow = try parcelFlow()
        let client = StepFlowClient(store: store, registry: try FlowRegistry([flow]), clock: ManualClock())
        let record = try await client.start(flow, id: "p7", input: Parcel(item: "kite"))
        try await withTracer(tracer) {
            try await withSpan("operator") { _ in
                try await client.wake("p7")
                try await client.cancel("p7", reason: "by test")
            }
        }
        for name in ["stepflow.wake", "stepflow.cancel"] {
            let span = try #require(tracer.finishedSpans.first { $0.operationName == name })
            #expect(span.links.count == 1)
            #expect(span.links.first?.context.inMemorySpanContext?.traceID == record.traceID)
            #expect(span.traceID != record.traceID)
            #expect(span.attributes["stepflow.process.id"]?.toSpanAttribute() == "p7")
        }
    }
}
