import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Prometheus
import ServiceLifecycle
import StepFlow
import StepFlowObservability
import StepFlowRuntime
import StepFlowTesting
import Synchronization
import Testing

@Suite struct MetricsEndpointTests {
    /// A worker recording into its own registry (not the global `MetricsSystem`), and a live server of its routes.
    struct Fixture {
        let registry = PrometheusCollectorRegistry()
        let store = MemoryProcessStore()
        let clock = ManualClock()
        let worker: FlowWorker
        let client: StepFlowClient

        init(flow: ProcessFlow<Parcel, ParcelData>) throws {
            worker = FlowWorker(
                store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "m"), clock: clock,
                logger: quietLogger, metricsFactory: StepFlowMetrics.factory(registry: registry)
            )
            client = StepFlowClient(store: store, clock: clock)
        }

        /// Runs the server on a free loopback port while `body` runs; `body` gets a function that GETs a path.
        func serving(_ body: (_ get: (String) async throws -> (status: Int, type: String?, text: String)) async throws -> Void) async throws {
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let server = ObservabilityServer(
                registry: registry, store: store, worker: worker, port: 0, maxRoundAge: .seconds(30), logger: quietLogger,
                onRunning: { continuation.yield($0) }
            )
            let group = ServiceGroup(configuration: .init(services: [server], logger: quietLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                try await body { path in
                    let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
                    let (data, response) = try await URLSession.shared.data(from: url)
                    let http = try #require(response as? HTTPURLResponse)
                    return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"), String(decoding: data, as: UTF8.self))
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    @Test func metricsAreServedInPrometheusTextFormatWithFlowAndOutcome() async throws {
        let fixture = try Fixture(flow: try parcelFlow())
        try await fixture.client.start(try parcelFlow(), id: "a", input: Parcel(item: "x"))
        try await fixture.client.start(try parcelFlow(), id: "b", input: Parcel(item: "y"))
        #expect(try await fixture.worker.runUntilIdle() == 4)
        try await fixture.serving { get in
            let (status, type, text) = try await get("/metrics")
            #expect(status == 200)
            #expect(type == ObservabilityRoutes.metricsContentType)
            #expect(text.contains(#"stepflow_steps_total{flow="parcel.v1",outcome="advanced"} 2"#))
            #expect(text.contains(#"stepflow_steps_total{flow="parcel.v1",outcome="completed"} 2"#))
            #expect(text.contains(#"stepflow_step_duration_seconds_bucket{le="0.001"}"#))
            #expect(text.contains(#"stepflow_step_duration_seconds_bucket{le="600.0"} 4"#))
            #expect(text.contains("stepflow_step_duration_seconds_count 4"))
            #expect(text.contains("stepflow_round_duration_seconds_count"))
            #expect(text.contains("# HELP stepflow_steps_total Steps saved, by flow and outcome."))
            #expect(text.contains("# TYPE stepflow_steps_total counter"))
            #expect(text.contains(#"stepflow_processes{flow="parcel.v1",status="completed"} 2"#))
            #expect(text.contains("# HELP stepflow_processes Processes in the store, by flow and status."))
        }
    }

    @Test func healthzIsUpAndReadyzFollowsTheWorkersLastRound() async throws {
        let fixture = try Fixture(flow: try parcelFlow())
        try await fixture.serving { get in
            #expect(try await get("/healthz").status == 200)
            // No round yet.
            let before = try await get("/readyz")
            #expect(before.status == 503)
            #expect(before.text.contains("has not finished a round"))
            try await fixture.worker.runUntilIdle()
            #expect(try await get("/readyz").status == 200)
            fixture.clock.advance(by: .seconds(31))
            let stale = try await get("/readyz")
            #expect(stale.status == 503)
            #expect(stale.text.contains("ended 31 s ago"))
        }
    }

    @Test func readinessDecisions() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(!Readiness.decide(lastRoundEnded: nil, now: now, maxRoundAge: .seconds(30)).isReady)
        #expect(Readiness.decide(lastRoundEnded: now, now: now, maxRoundAge: .seconds(30)).isReady)
        #expect(Readiness.decide(lastRoundEnded: now - 29.9, now: now, maxRoundAge: .seconds(30)).isReady)
        #expect(!Readiness.decide(lastRoundEnded: now - 30, now: now, maxRoundAge: .seconds(30)).isReady)
    }

    @Test func aStoreThatDoesNotAnswerIsNotReady() async throws {
        let status = await Readiness(store: FailingStore()).check()
        #expect(!status.isReady)
        #expect(status.reason.contains("the store does not answer"))
    }

    @Test func theServerListensOnLoopbackByDefault() {
        #expect(ObservabilityServer.Configuration().host == "127.0.0.1")
    }
}

@Suite struct MetricsExpositionTests {
    @Test func helpLinesAreAddedOncePerFamilyWhereMissing() {
        let text = """
            # TYPE stepflow_steps_total counter
            stepflow_steps_total{flow="a",outcome="advanced"} 1
            # HELP other_thing Its own help.
            # TYPE other_thing gauge
            other_thing 2
            # TYPE mystery gauge
            mystery 3

            """
        #expect(MetricsExposition.addingHelp(to: text) == """
            # HELP stepflow_steps_total Steps saved, by flow and outcome.
            # TYPE stepflow_steps_total counter
            stepflow_steps_total{flow="a",outcome="advanced"} 1
            # HELP other_thing Its own help.
            # TYPE other_thing gauge
            other_thing 2
            # HELP mystery mystery
            # TYPE mystery gauge
            mystery 3

            """)
    }
}

@Suite struct ProcessGaugesTests {
    @Test func countsByFlowAndStatusAndAStatusLeftEmptyReadsZero() async throws {
        let registry = PrometheusCollectorRegistry()
        let store = MemoryProcessStore()
        let clock = ManualClock()
        let flow = try parcelFlow()
        let gauges = ProcessGauges(store: store, registry: registry, minimumInterval: .zero)
        try await StepFlowClient(store: store, clock: clock).start(flow, id: "a", input: Parcel(item: "x"))
        await gauges.update()
        #expect(registry.emitToString().contains(#"stepflow_processes{flow="parcel.v1",status="running"} 1"#))
        let worker = FlowWorker(store: store, registry: try FlowRegistry([flow]), clock: clock, logger: quietLogger)
        try await worker.runUntilIdle()
        await gauges.update()
        let text = registry.emitToString()
        #expect(text.contains(#"stepflow_processes{flow="parcel.v1",status="running"} 0"#), "\(text)")
        #expect(text.contains(#"stepflow_processes{flow="parcel.v1",status="completed"} 1"#), "\(text)")
    }

    @Test func aCountIsServedForTheMinimumIntervalBeforeTheStoreIsAskedAgain() async throws {
        let registry = PrometheusCollectorRegistry()
        let store = MemoryProcessStore()
        let flow = try parcelFlow()
        let client = StepFlowClient(store: store, clock: ManualClock())
        let gauges = ProcessGauges(store: store, registry: registry, minimumInterval: .seconds(3600))
        try await client.start(flow, id: "a", input: Parcel(item: "x"))
        await gauges.update()
        try await client.start(flow, id: "b", input: Parcel(item: "y"))
        await gauges.update()
        #expect(registry.emitToString().contains(#"stepflow_processes{flow="parcel.v1",status="running"} 1"#))
    }
}
