import ArgumentParser
import DeployPipeline
import Logging
import ServiceLifecycle
import StepFlowObservability
import StepFlowRuntime

/// `stepflow worker`: runs a worker for the CLI's flows until interrupted.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker that drives the stored processes of the CLI's flows until interrupted (Ctrl-C)."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "How many steps run at once.")
    var concurrency = 1

    @Option(help: "The most processes claimed and saved per round.")
    var batchSize = 256

    @Option(help: "The worker's identifier in leases and history (default: host-pid-random).")
    var id: String?

    @Option(help: "Serve /metrics (Prometheus), /healthz and /readyz on this port (0: any free port, printed).")
    var metricsPort: Int?

    @Option(help: "The address --metrics-port listens on (default: 127.0.0.1; 0.0.0.0 to be scraped from other machines).")
    var metricsHost = "127.0.0.1"

    @Option(help: "/readyz fails when the worker's last round with the store ended more than this many seconds ago.")
    var readyWithin = 30

    func validate() throws {
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port \(metricsPort) is not a port; use 0 to 65535")
        }
        if readyWithin < 1 { throw ValidationError("--ready-within \(readyWithin) must be at least 1 (seconds)") }
    }

    func run() async throws {
        let logger = storeOptions.logger(label: "stepflow.worker", default: .info)
        // Metrics go to Prometheus' registry only if asked for; the worker takes swift-metrics' factory when it is made.
        let registry = metricsPort.map { _ in StepFlowMetrics.bootstrap() }
        // With PostgreSQL, the client and the store's wake-up listener run in the group before the worker, which
        // starts once the schema is migrated; they stop after it.
        let (store, storeServices) = try storeOptions.openForServices()
        var configuration = FlowWorker.Configuration(concurrency: concurrency, batchSize: batchSize, pollInterval: .milliseconds(250))
        if let id { configuration.workerID = id }
        let worker = FlowWorker(store: store, registry: try Flows.registry(), configuration: configuration, logger: logger)
        var services = storeServices.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        services.append(.init(service: AfterStoreIsReady(store: store, service: worker)))
        if let registry, let metricsPort {
            let host = metricsHost
            services.append(.init(service: ObservabilityServer(
                registry: registry, store: store, worker: worker, host: host, port: metricsPort,
                maxRoundAge: .seconds(readyWithin), logger: logger,
                onRunning: { port in logger.info("serving /metrics, /healthz and /readyz on http://\(host):\(port)") }
            )))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
        try await group.run()
    }
}
