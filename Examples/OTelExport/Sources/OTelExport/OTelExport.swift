import Foundation
import Logging
import OTel
import ServiceLifecycle
import StepFlow
import StepFlowRuntime
import Tracing

/// The input of the example's process.
struct Ticket: Codable, Sendable {
    var title: String
}

/// The data the example's steps keep.
struct TicketData: Codable, Sendable {
    var triaged = false
    var answered = false
}

/// Runs one process of a two-step flow with swift-otel bootstrapped as the tracer: its steps' spans (and the
/// request span it was started in) are exported over OTLP/HTTP (protobuf) to `OTEL_EXPORTER_OTLP_ENDPOINT`
/// (default `http://localhost:4318`). Prints the process's trace id.
@main
enum OTelExport {
    static func main() async throws {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "stepflow-otel-example"
        configuration.diagnosticLogLevel = .error
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.batchSpanProcessor.scheduleDelay = .milliseconds(100)
        let observability = try OTel.bootstrap(configuration: configuration)

        let logger = Logger(label: "otel-example")
        let flow = try ProcessFlow<Ticket, TicketData>("ticket.v1", initialData: { _ in TicketData() }) {
            Do("triage") { context in
                // A library the step calls: its span is a child of the step's span.
                withSpan("classifier.call") { _ in context.data.triaged = true }
            }
            Do("answer") { context in context.data.answered = true }
        }
        let store = MemoryProcessStore()
        let registry = try FlowRegistry([flow])
        let client = StepFlowClient(store: store, registry: registry)
        let worker = FlowWorker(store: store, registry: registry, configuration: .init(workerID: "otel-example"), logger: logger)

        let group = ServiceGroup(configuration: .init(services: [observability], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let record = try await withSpan("POST /tickets", ofKind: .server) { _ in
                try await client.start(flow, id: "ticket-1", input: Ticket(title: "printer on fire"))
            }
            try await worker.runUntilIdle()
            print("trace \(record.traceID ?? "-")")
            // A graceful shutdown flushes the spans still batched.
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
