import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StepFlowObservability
import StepFlowRuntime
import StepFlowServer

/// `stepflow serve`: the HTTP API and the web dashboard of a store, for the CLI's flows.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the JSON API (/api/v1) and the live web dashboard of the store until interrupted.",
        discussion: """
            Without a token the server binds to 127.0.0.1 only and anyone on this machine may run commands; \
            --host with another address requires --token (or STEPFLOW_TOKEN). The read-only token may look but \
            gets 403 on every command. TLS is the job of a reverse proxy in front (see the README).
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "The address to bind to (another than 127.0.0.1 requires a token).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "The operator token, which may run commands (default: $STEPFLOW_TOKEN).")
    var token: String?

    @Option(help: "A read-only token, which may only look.")
    var readOnlyToken: String?

    func run() async throws {
        let logger = storeOptions.logger(label: "stepflow.serve", default: .info)
        let configuration = StepFlowServer.Configuration(
            host: host, port: port, operatorToken: token ?? ProcessInfo.processInfo.environment["STEPFLOW_TOKEN"],
            readOnlyToken: readOnlyToken
        )
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        // Prometheus' registry takes swift-metrics' factory before the store and client, which report through it, are made.
        let metrics = StepFlowMetrics.bootstrap()
        let (store, storeServices) = try storeOptions.openForServices()
        let client = StepFlowClient(store: store, registry: try Flows.registry())
        let application = try Self.application(
            client: client, configuration: configuration, logger: logger,
            metrics: ObservabilityRoutes(registry: metrics, processes: ProcessGauges(store: store, registry: metrics))
        )
        let group = ServiceGroup(configuration: .init(
            services: storeServices.map { .init(service: $0) } + [.init(service: AfterStoreIsReady(store: store, service: application))],
            gracefulShutdownSignals: [.sigint, .sigterm], logger: logger
        ))
        try await group.run()
    }

    /// The server's application, which prints its URL (and whether it is open to loopback only) once it listens;
    /// with `metrics`, it also serves Prometheus' `/metrics` (the server has `/healthz` and `/readyz` of its own).
    static func application(
        client: StepFlowClient, configuration: StepFlowServer.Configuration, logger: Logger, metrics: ObservabilityRoutes? = nil
    ) throws -> any Service {
        let server = StepFlowServer(client: client, configuration: configuration, logger: logger)
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return try server.application(addingRoutes: { router in metrics?.addMetrics(to: router) }) { port in
            print("serving the dashboard at http://\(host):\(port)\(server.configuration.basePath)/ and the API at http://\(host):\(port)\(server.configuration.basePath)/api/v1")
            if configuration.isOpen {
                print("no token is set: listening on \(configuration.host) only (loopback), and anyone on this machine may run commands; set --token to serve other hosts")
            }
            fflush(nil)
        }
    }
}
