import Foundation
import HTTPTypes
import Hummingbird

/// Decides who a request is and whether it may do what it asks, before any route runs.
///
/// - The API takes `Authorization: Bearer <token>`, or the dashboard's session cookie; a request with the cookie
///   that changes something must also send the session's CSRF token (`X-CSRF-Token`).
/// - The dashboard takes the session cookie set by its sign-in form; forms carry the session's CSRF token.
/// - Without tokens, every request may do everything, but only when addressed to a loopback host name (a page on
///   another site cannot reach the server through DNS rebinding), and API commands must be JSON (a cross-site
///   form cannot send JSON without the browser asking first).
/// - The read-only token gets 403 on every command.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Which part of the server the middleware guards.
    enum Part { case api, dashboard }

    let server: StepFlowServer
    let part: Part

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let configuration = server.configuration
        // HTTP/1's Host field arrives as the authority; a Host field left among the fields (tests) counts first.
        if configuration.isOpen, let host = request.headers[HTTPField.Name("Host")!] ?? request.head.authority,
            !StepFlowServer.Configuration.isLoopback(Self.hostName(host))
        {
            throw APIError(.forbidden, code: "forbidden", "this server has no token, so it answers only requests addressed to localhost")
        }
        let isCommand = request.method != .get && request.method != .head
        var session: SessionStore.Session?
        var access: Access
        var newCookie: String?
        if part == .api, let token = Self.bearerToken(request) {
            guard let granted = Access.granted(by: token, configuration: configuration) else { throw APIError.unauthorized() }
            access = granted
        } else if let id = request.cookies[SessionStore.cookieName]?.value, let found = server.sessions.session(id) {
            session = found
            access = found.access
        } else if configuration.isOpen {
            access = .operate
            if part == .dashboard {
                // A browser on an open server gets a session at once: its forms still need a CSRF token.
                if isCommand { throw APIError(.forbidden, code: "csrf", "the form is stale; reload the page and try again") }
                let created = server.sessions.create(.operate)
                session = created
                newCookie = SessionStore.cookie(created, path: configuration.basePath, for: request)
            }
        } else if part == .dashboard, !isCommand {
            return Response(status: .seeOther, headers: [.location: server.link("/login")])
        } else {
            throw APIError.unauthorized()
        }
        var request = request
        if isCommand {
            guard access == .operate else { throw APIError.forbidden() }
            if part == .api {
                if !Self.isJSON(request) {
                    throw APIError(.unsupportedMediaType, code: "unsupportedMediaType", "commands take a JSON body: send 'Content-Type: application/json'")
                }
                if let session, !(request.headers[.csrfToken].map { ConstantTimeComparison.equal($0, session.csrfToken) } ?? false) {
                    throw APIError(.forbidden, code: "csrf", "a request signed in by cookie must send the session's X-CSRF-Token header")
                }
            } else if let session {
                let form = try await DashboardForm.read(&request, limit: configuration.maxBodySize)
                guard ConstantTimeComparison.equal(form["csrf"] ?? "", session.csrfToken) else {
                    throw APIError(.forbidden, code: "csrf", "the form is stale or came from another site; reload the page and try again")
                }
            }
        }
        var response = try await CurrentSession.$value.withValue(session.map { CurrentSession(session: $0) }) {
            try await next(request, context)
        }
        if let newCookie { response.headers[values: .setCookie].append(newCookie) }
        return response
    }

    /// The token of an `Authorization: Bearer` header.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return "" }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    /// Whether the request's body is declared JSON.
    static func isJSON(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType]?.lowercased() else { return false }
        return type.hasPrefix("application/json")
    }

    /// `localhost` of `localhost:8080`, `::1` of `[::1]:8080`.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? "")
    }
}

/// The dashboard session of the request being handled (set by ``AccessMiddleware``).
struct CurrentSession: Sendable {
    let session: SessionStore.Session

    @TaskLocal static var value: CurrentSession?
}

extension HTTPField.Name {
    /// `X-CSRF-Token`: the session's CSRF token on API commands signed in by cookie.
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}
