public import Hummingbird
public import Prometheus

/// The routes of ``ObservabilityServer``, for a Hummingbird app that serves them itself (`stepflow serve`):
/// `GET /metrics` (Prometheus text format), `GET /healthz` (the process is up), `GET /readyz` (``Readiness``).
///
/// ```swift
/// let router = Router()
/// ObservabilityRoutes(registry: registry, readiness: Readiness(store: store, worker: worker)).add(to: router)
/// ```
public struct ObservabilityRoutes: Sendable {
    /// The content type of Prometheus' text format.
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The metrics served at `/metrics`.
    public let registry: PrometheusCollectorRegistry
    /// The check behind `/readyz`; `nil` serves no `/readyz`.
    public let readiness: Readiness?
    /// The `stepflow_processes{flow,status}` gauges, counted again (at most so often) when `/metrics` is scraped;
    /// `nil` serves none.
    public let processes: ProcessGauges?

    /// Routes for `registry`, `readiness` and `processes`.
    public init(registry: PrometheusCollectorRegistry, readiness: Readiness? = nil, processes: ProcessGauges? = nil) {
        self.registry = registry
        self.readiness = readiness
        self.processes = processes
    }

    /// Adds the routes to `router`: `/metrics`, `/healthz` and, with a ``readiness``, `/readyz`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        addMetrics(to: router)
        router.get("healthz") { _, _ -> Response in
            Self.text("up\n", status: .ok)
        }
        if let readiness {
            router.get("readyz") { _, _ -> Response in
                let status = await readiness.check()
                return Self.text("\(status.reason)\n", status: status.isReady ? .ok : .serviceUnavailable)
            }
        }
    }

    /// Adds `/metrics` alone to `router`, for an application that has health routes of its own (`stepflow serve`).
    public func addMetrics<Context: RequestContext>(to router: Router<Context>) {
        let registry = self.registry
        let processes = self.processes
        router.get("metrics") { _, _ -> Response in
            await processes?.update()
            return Response(
                status: .ok, headers: [.contentType: Self.metricsContentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: MetricsExposition.addingHelp(to: registry.emitToString())))
            )
        }
    }

    private static func text(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
