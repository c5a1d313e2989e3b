import BenchmarkSupport
import Foundation
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Tracing

/// The cost of tracing per step (issue 12), on the memory store so that the disk does not hide it: `processes` ×
/// `steps` no-op steps run by one worker (`runUntilIdle`), in three modes taken in turn, `runs` times each:
/// - `untraced`: processes without a saved trace, no tracer (the path of a step before tracing existed);
/// - `no-op`: processes with a saved trace (as `client.start` makes them), no tracer bootstrapped;
/// - `in-memory`: the same with an in-memory tracer (`TraceparentTracer`) recording a span per step.
/// Prints each run's µs per step (wall time / steps) and the median per mode.
func tracingCost(processes: Int, steps: Int, runs: Int) async throws {
    let flow = try noopFlow(steps: steps)
    let input = try JSONEncoder().encode(Empty())
    let registry = try FlowRegistry([flow])
    var results: [String: [Double]] = [:]
    for run in 1...runs {
        for mode in ["untraced", "no-op", "in-memory"] {
            let store = MemoryProcessStore()
            let now = Date()
            _ = try await store.create((0..<processes).map { index in
                NewProcess(
                    id: ProcessID("p\(index)"), flowName: flow.name, input: input, data: input, now: now,
                    traceContext: mode == "untraced" ? nil : "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                )
            })
            let worker = FlowWorker(store: store, registry: registry, configuration: .init(workerID: "bench"), logger: logger)
            let tracer = TraceparentTracer()
            let clock = ContinuousClock()
            let start = clock.now
            let saved = mode == "in-memory"
                ? try await withTracer(tracer) { try await worker.runUntilIdle() }
                : try await worker.runUntilIdle()
            let microseconds = seconds(clock.now - start) / Double(saved) * 1e6
            results[mode, default: []].append(microseconds)
            let spans = tracer.finishedSpans.count
            print(String(
                format: "tracing run %d mode=%@: %d steps, %.2f µs/step (%d spans; load %@)",
                run, mode, saved, microseconds, spans, loadAverage()
            ))
        }
    }
    for mode in ["untraced", "no-op", "in-memory"] {
        let sorted = (results[mode] ?? []).sorted()
        print(String(format: "tracing %@: median %.2f µs/step over %d runs (min %.2f, max %.2f)",
                     mode, sorted[sorted.count / 2], sorted.count, sorted.first ?? 0, sorted.last ?? 0))
    }
}
