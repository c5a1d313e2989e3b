public import InMemoryTracing
public import Tracing
import Synchronization

/// swift-distributed-tracing's `InMemoryTracer`, speaking W3C `traceparent` on inject and extract: a tracer for
/// tests of traced processes, which StepFlow saves and restores as `traceparent` text (as OpenTelemetry does).
///
/// ```swift
/// let tracer = TraceparentTracer()
/// try await withTracer(tracer) { try await worker.runUntilIdle() }
/// #expect(tracer.finishedSpans.map(\.operationName) == ["reserve", "ship"])
/// ```
///
/// Its trace ids are 32 and its span ids 16 lowercase hex digits, as in `traceparent`.
public struct TraceparentTracer: Tracer {
    /// The in-memory tracer that records the spans.
    public let recorder: InMemoryTracer

    /// A tracer with random W3C-shaped ids.
    public init() {
        recorder = InMemoryTracer(
            idGenerator: .init(nextTraceID: { Self.hex(32) }, nextSpanID: { Self.hex(16) }),
            recordInjections: false, recordExtractions: false
        )
    }

    private static func hex(_ digits: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        while text.count < digits {
            let part = String(generator.next() as UInt64 | 1, radix: 16)
            text += String(repeating: "0", count: 16 - part.count) + part
        }
        return String(text.prefix(digits))
    }

    /// The spans that have ended, in the order they ended.
    public var finishedSpans: [FinishedInMemorySpan] { recorder.finishedSpans }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> InMemorySpan {
        recorder.startSpan(operationName, context: context(), ofKind: kind, at: instant(), function: function, file: fileID, line: line)
    }

    public func activeSpan(identifiedBy context: ServiceContext) -> InMemorySpan? {
        recorder.activeSpan(identifiedBy: context)
    }

    public func forceFlush() {}

    /// Writes the context's span as `traceparent` (sampled).
    public func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    ) where Carrier == Inject.Carrier {
        guard let span = context.inMemorySpanContext else { return }
        injector.inject("00-\(span.traceID)-\(span.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    /// Reads a `traceparent` into the context, as a remote parent.
    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    ) where Carrier == Extract.Carrier {
        guard let text = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = text.split(separator: "-")
        guard parts.count == 4 else { return }
        context.inMemorySpanContext = InMemorySpanContext(traceID: String(parts[1]), spanID: String(parts[2]), parentSpanID: nil)
    }
}
