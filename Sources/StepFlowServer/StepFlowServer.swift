public import Hummingbird
public import Logging
public import ServiceLifecycle
public import StepFlowRuntime

/// The JSON API (`/api/v1`) and the live web dashboard of a `StepFlowClient`'s store, on Hummingbird.
///
/// Mount its routes in your own application, under a path prefix:
///
/// ```swift
/// let server = StepFlowServer(client: client, configuration: .init(operatorToken: token, basePath: "/stepflow"))
/// let router = Router()
/// router.addRoutes(server.routes())
/// ```
///
/// or run it on its own, as a `Service`:
///
/// ```swift
/// let group = ServiceGroup(services: [worker, server], logger: logger)
/// try await group.run()
/// ```
public struct StepFlowServer: Service {
    /// The client every operation goes through.
    public let client: StepFlowClient
    /// Who may do what, and where the routes are.
    public let configuration: Configuration
    let logger: Logger
    let sessions = SessionStore()
    let feed: ProcessChangeFeed

    /// A server of `client`'s store and flows.
    public init(client: StepFlowClient, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "stepflow.server")) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.feed = ProcessChangeFeed(client: client, interval: configuration.eventPollInterval)
    }

    /// Every route (API, dashboard, health), under ``Configuration-swift.struct/basePath``, for a router whose
    /// context is `context`.
    public func routes<Context: RequestContext>(context: Context.Type = BasicRequestContext.self) -> RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        addHealthRoutes(to: routes)
        addAPIRoutes(to: routes)
        addDashboardRoutes(to: routes)
        return routes
    }

    /// An application serving the routes at ``Configuration-swift.struct/host`` and
    /// ``Configuration-swift.struct/port``, with the routes `addingRoutes` adds to its router (`stepflow serve` adds
    /// Prometheus' `/metrics` there).
    ///
    /// - Throws: ``ConfigurationError`` when the configuration is unsafe (see ``Configuration-swift.struct/validate()``).
    public func application(
        addingRoutes: (Router<BasicRequestContext>) -> Void = { _ in },
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        try configuration.validate()
        let router = Router(context: BasicRequestContext.self)
        router.addRoutes(routes(context: BasicRequestContext.self))
        addingRoutes(router)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "stepflow"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Serves until shut down, saying at start whether it is open to loopback only.
    public func run() async throws {
        let app = try self.application()
        if configuration.isOpen {
            logger.notice("no token is set: serving on \(configuration.host) only (loopback); set --token to serve other hosts")
        }
        try await app.run()
    }

    /// The URL path of `path` under the base path (`/processes` → `/stepflow/processes`).
    func link(_ path: String) -> String {
        let joined = configuration.basePath + path
        return joined.isEmpty ? "/" : joined
    }
}
