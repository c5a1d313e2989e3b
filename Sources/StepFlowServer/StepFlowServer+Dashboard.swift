import Foundation
import HTTPTypes
import Hummingbird
import StepFlow
import StepFlowRuntime

extension StepFlowServer {
    /// The dashboard: sign-in, static files, and the pages behind ``AccessMiddleware``.
    func addDashboardRoutes<Context: RequestContext>(to routes: RouteCollection<Context>) {
        let open = RouteCollection(context: Context.self)
        open.add(middleware: DashboardErrorMiddleware(server: self))
        open.get("static/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard let file = DashboardAssets.file(named: name) else { throw APIError.notFound("no static file '\(name)'") }
            var response = JSONResponse.text(file.content, type: file.type)
            response.headers[.xContentTypeOptions] = "nosniff"
            return response
        }
        open.get("login") { _, _ in loginPage(error: nil) }
        open.post("login") { request, _ in
            var request = request
            let form = try await DashboardForm.read(&request, limit: 4096)
            guard let access = Access.granted(by: form["token"] ?? "", configuration: configuration) else {
                return loginPage(error: "That token is not valid.", status: .unauthorized)
            }
            let session = sessions.create(access)
            var headers = HTTPFields()
            headers[.location] = link("/")
            headers[.setCookie] = SessionStore.cookie(session, path: configuration.basePath, for: request)
            return Response(status: .seeOther, headers: headers)
        }
        routes.addRoutes(open, atPath: RouterPath(configuration.basePath))

        let pages = RouteCollection(context: Context.self)
        pages.add(middleware: DashboardErrorMiddleware(server: self))
        pages.add(middleware: AccessMiddleware(server: self, part: .dashboard))
        pages.get("") { _, _ in try await overviewPage() }
        pages.get("flows") { request, _ in try await flowMapPage(selected: RequestInput.queryParameters(request)["flow"]) }
        pages.get("processes") { request, _ in try await processListPage(RequestInput.queryParameters(request)) }
        pages.post("processes/bulk") { request, _ in try await bulkAction(request) }
        pages.get("processes/:id") { request, context in
            try await processPage(
                ProcessID(try RequestInput.parameter("id", context)), notice: Self.notice(done: RequestInput.queryParameters(request)["done"])
            )
        }
        pages.post("processes/:id/:action") { request, context in
            try await processAction(request, id: ProcessID(try RequestInput.parameter("id", context)), action: context.parameters.get("action") ?? "")
        }
        pages.post("logout") { request, _ in
            if let id = request.cookies[SessionStore.cookieName]?.value { sessions.remove(id) }
            var headers = HTTPFields()
            headers[.location] = link("/login")
            headers[.setCookie] = SessionStore.expiredCookie(path: configuration.basePath, for: request)
            return Response(status: .seeOther, headers: headers)
        }
        routes.addRoutes(pages, atPath: RouterPath(configuration.basePath.isEmpty ? "/" : configuration.basePath))
    }

    /// The sign-in form, which takes a token and sets the session cookie.
    func loginPage(error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let message: HTML = error.map { "<div class=\"error\">\($0)</div>" } ?? ""
        return DashboardPage(server: self).render(title: "Sign in", body: """
            <h1>Sign in</h1>\(message)
            <form method="post" action="\(link("/login"))" class="filters">
            <label>Token <input type="password" name="token" autocomplete="current-password" required></label>
            <button type="submit">Sign in</button></form>
            <p class="muted">The operator token may run commands; the read-only token may look.</p>
            """, status: status)
    }

    /// A dashboard form action on one process (signal, cancel, wake, resume, pause, unpause), through the client; an error is shown
    /// on the process's page.
    func processAction(_ request: Request, id: ProcessID, action: String) async throws -> Response {
        var request = request
        let form = try await DashboardForm.read(&request, limit: configuration.maxBodySize)
        do {
            switch action {
            case "signal":
                let name = form["name"] ?? ""
                let payload = Data((form["payload"] ?? "").utf8)
                guard payload.count <= configuration.maxSignalPayloadSize else { throw APIError.tooLarge(configuration.maxSignalPayloadSize) }
                try await client.signal(id, name, json: payload)
            case "cancel":
                try await client.cancel(id, reason: try Self.reason(form["reason"], for: "cancel"), by: Self.dashboardCaller)
            case "wake":
                try await client.wake(id, by: Self.dashboardCaller)
            case "resume":
                try await client.resume(id, by: Self.dashboardCaller)
            case "pause":
                try await client.pause(id, reason: try Self.reason(form["reason"], for: "pause"), by: Self.dashboardCaller)
            case "rewind":
                try await client.rewind(id, to: form["step"] ?? "", reason: try Self.reason(form["reason"], for: "rewind"), by: Self.dashboardCaller)
            case "unpause":
                try await client.unpause(id, by: Self.dashboardCaller)
            default:
                throw APIError.notFound("no action '\(action)'; use signal, cancel, wake, resume, pause, unpause or rewind")
            }
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .notFound { throw apiError }
            return try await processPage(id, error: apiError.message, status: apiError.status)
        }
        // Post/Redirect/Get: the browser shows the process's own page, which updates live and reloads safely.
        return Response(status: .seeOther, headers: [.location: link("/processes/" + HTML.urlComponent(id.rawValue)) + "?done=" + action])
    }

    /// The line a process page shows after an action of the dashboard (`?done=signal`); fixed texts, so that a link
    /// cannot make the page say anything else.
    static func notice(done action: String?) -> String? {
        switch action {
        case "signal": "Signal sent."
        case "cancel": "Cancellation requested: the process stops at its next step boundary, after its compensations."
        case "wake": "Woken: due now."
        case "resume": "Resumed: running again."
        case "pause": "Paused: no worker runs it until it is unpaused."
        case "unpause": "Unpaused."
        case "rewind": "Rewound: the chosen step runs again."
        default: nil
        }
    }
}

/// Renders any error of a dashboard route as a page (escaped), with its status.
struct DashboardErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let server: StepFlowServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            return DashboardPage(server: server).render(
                title: "Error", body: "<h1>\(apiError.status.code) \(apiError.status.reasonPhrase)</h1><div class=\"error\">\(apiError.message)</div>",
                status: apiError.status
            )
        }
    }
}
