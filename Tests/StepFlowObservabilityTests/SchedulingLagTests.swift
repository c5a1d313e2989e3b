import Foundation
import MetricsTestKit
import ServiceLifecycle
import StepFlowRuntime
import Testing

/// The backlog gauges a running worker records once a second: how many processes are due, how late the oldest is.
@Suite struct SchedulingLagTests {
    @Test func aProcessDueAMinuteAgoShowsAsAMinuteOfSchedulingLag() async throws {
        let metrics = TestMetrics()
        let store = MemoryProcessStore()
        let flow = try parcelFlow()
        let input = try JSONEncoder().encode(Parcel(item: "late"))
        let data = try JSONEncoder().encode(ParcelData())
        _ = try await store.create(NewProcess(
            id: "late", flowName: flow.name, input: input, data: data, now: Date().addingTimeInterval(-60)
        ))
        let worker = FlowWorker(store: store, registry: try FlowRegistry([flow]), logger: quietLogger, metricsFactory: metrics)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let services = ServiceGroup(configuration: .init(services: [worker], logger: quietLogger))
            group.addTask { try await services.run() }
            while await store.process("late")?.status != .completed { try await Task.sleep(for: .milliseconds(5)) }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        let lag = try metrics.expectGauge("stepflow_scheduling_lag_seconds").values
        // Recorded before the first claim: the process was a minute late (and the test took less than ten).
        #expect(lag.first.map { $0 >= 60 && $0 < 70 } == true, "\(lag)")
        #expect(try metrics.expectGauge("stepflow_due_backlog").values.first == 1)
        #expect(worker.lastRoundEnded != nil)
    }
}
