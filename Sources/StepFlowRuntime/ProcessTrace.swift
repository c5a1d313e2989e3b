import Tracing

/// How processes join traces: the one place that reads and writes ``ProcessRecord/traceContext`` through the
/// tracing API (swift-distributed-tracing; no tracer of its own, exporting is the application's choice).
///
/// A process's trace is saved when it is started: the active span's context, if the bootstrapped instrument
/// writes a W3C `traceparent`, or else a new trace made here. Each step's span is then a **child** of that saved
/// context (not a link): every step of the process, on any worker, after any restart, carries the process's trace
/// id, so one trace id finds them all and trace viewers draw the process as one tree. Commands sent to a process
/// (signals, cancel, wake, resume) happen in their caller's trace, so their spans *link* to the process's trace.
enum ProcessTrace {
    /// The saved `traceparent` of the process whose step runs in this task (for ``StepFlowLogging/metadataProvider``).
    @TaskLocal static var current: String?

    /// The `traceparent` to save with a new process: the current span's, or a new trace's.
    static func contextForNewProcess() -> String {
        if let context = ServiceContext.current {
            var carrier: [String: String] = [:]
            InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
            if let text = carrier[TraceParent.header], let parent = TraceParent(text) { return parent.text }
        }
        return TraceParent.random().text
    }

    /// The context a process's spans start from: its saved trace, as `tracer` reads it (top level when none).
    static func context(of traceContext: String?, tracer: any Tracer) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let traceContext {
            tracer.extract([TraceParent.header: traceContext], into: &context, using: DictionaryExtractor())
        }
        return context
    }

    /// The tracer to use, or `nil` when it is the no-op tracer: then the runtime skips tracing altogether.
    static func activeTracer() -> (any Tracer)? {
        let tracer = InstrumentationSystem.tracer
        return tracer is NoOpTracer ? nil : tracer
    }

    /// Runs a client's command on process `id` in a span named `stepflow.<command>`, linked to the process's trace
    /// once `body` has read the process's record (it passes the record's trace context to `link`).
    static func command<T>(
        _ command: String, id: ProcessID, _ body: (_ link: (String?) -> Void) async throws -> T
    ) async throws -> T {
        guard let tracer = activeTracer() else { return try await body { _ in } }
        return try await tracer.withSpan("stepflow.\(command)", ofKind: .client) { span in
            span.attributes["stepflow.process.id"] = id.rawValue
            return try await body { traceContext in
                guard let traceContext else { return }
                span.addLink(SpanLink(context: context(of: traceContext, tracer: tracer), attributes: [:]))
            }
        }
    }

    /// Runs one batch of a bulk action (`action`, applied to `records` in one store call) in a span named
    /// `stepflow.bulk`, with the action and the number of processes as attributes, linked to each process's trace:
    /// the batch's equivalent of ``command(_:id:_:)``'s one span per process.
    static func bulk<T>(_ action: String, on records: [ProcessRecord], _ body: () async throws -> T) async throws -> T {
        guard let tracer = activeTracer() else { return try await body() }
        return try await tracer.withSpan("stepflow.bulk", ofKind: .client) { span in
            span.attributes["stepflow.bulk.action"] = action
            span.attributes["stepflow.process.count"] = records.count
            for traceContext in records.lazy.compactMap(\.traceContext) {
                span.addLink(SpanLink(context: context(of: traceContext, tracer: tracer), attributes: [:]))
            }
            return try await body()
        }
    }
}

/// Writes a tracer's injected values into a `[String: String]`.
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

/// Reads a tracer's values from a `[String: String]`.
struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
