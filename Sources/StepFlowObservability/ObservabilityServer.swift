public import Logging
public import Prometheus
public import ServiceLifecycle
public import StepFlowRuntime
import Hummingbird

/// A small HTTP server, run as a `Service`, that serves ``ObservabilityRoutes``: `/metrics`, `/healthz`, `/readyz`.
///
/// What a worker program adds: one line before the worker is made (the worker takes swift-metrics' factory when it
/// is made), one service next to it:
///
/// ```swift
/// let registry = StepFlowMetrics.bootstrap()
/// let worker = FlowWorker(store: store, registry: flows, logger: logger)
/// let observability = ObservabilityServer(registry: registry, store: store, worker: worker, port: 9464, logger: logger)
/// let group = ServiceGroup(services: [worker, observability], gracefulShutdownSignals: [.sigterm], logger: logger)
/// ```
///
/// It listens on the loopback interface unless told otherwise: metrics name flows and processes, so serving them to
/// the network is a choice (``Configuration/host``).
public struct ObservabilityServer: Service {
    /// Where the server listens.
    public struct Configuration: Sendable {
        /// The address to bind: `127.0.0.1` by default; `0.0.0.0` to be scraped from other machines.
        public var host: String
        /// The port (0: any free port, reported to ``ObservabilityServer/init(routes:configuration:logger:onRunning:)``'s `onRunning`).
        public var port: Int

        /// A configuration; loopback by default.
        public init(host: String = "127.0.0.1", port: Int = 9464) {
            self.host = host
            self.port = port
        }
    }

    /// What is served.
    public let routes: ObservabilityRoutes
    /// Where.
    public let configuration: Configuration
    private let logger: Logger
    private let onRunning: @Sendable (Int) async -> Void

    /// A server of `routes`; `onRunning` gets the port once it listens.
    public init(
        routes: ObservabilityRoutes, configuration: Configuration = Configuration(), logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.routes = routes
        self.configuration = configuration
        self.logger = logger
        self.onRunning = onRunning
    }

    /// A server of `registry`'s metrics (with `stepflow_processes{flow,status}` for `store`), of `/healthz`, and of
    /// `/readyz` for `store` and `worker`, on `host:port`.
    public init(
        registry: PrometheusCollectorRegistry, store: any ProcessStore, worker: FlowWorker? = nil,
        host: String = "127.0.0.1", port: Int = 9464, maxRoundAge: Duration = .seconds(30), logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.init(
            routes: ObservabilityRoutes(
                registry: registry, readiness: Readiness(store: store, worker: worker, maxRoundAge: maxRoundAge),
                processes: ProcessGauges(store: store, registry: registry)
            ),
            configuration: Configuration(host: host, port: port), logger: logger, onRunning: onRunning
        )
    }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        let router = Router()
        routes.add(to: router)
        let onRunning = self.onRunning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "stepflow-observability"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.runService()
    }
}
