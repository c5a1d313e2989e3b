import Foundation
import HTTPTypes
import Hummingbird

/// The frame of every dashboard page: head, navigation, the live-update script and the security headers.
struct DashboardPage {
    let server: StepFlowServer

    /// A complete page.
    /// `page` is the URL the live updates fetch again (the page's own GET URL; the default, the current one, does not
    /// fit a page answered to a form's POST).
    func render(title: String, body: HTML, events: String? = nil, page: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let session = CurrentSession.value?.session
        let who: String
        switch session?.access {
        case .readOnly?: who = "read-only"
        case .operate?: who = server.configuration.isOpen ? "open (no token, loopback only)" : "operator"
        case nil: who = ""
        }
        let signOut: HTML = session != nil && !server.configuration.isOpen
            ? """
            <form class="inline" method="post" action="\(server.link("/logout"))"><input type="hidden" name="csrf" value="\(session?.csrfToken)"><button>Sign out</button></form>
            """
            : ""
        let page: HTML = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · StepFlow</title>
            <link rel="stylesheet" href="\(server.link("/static/dashboard.css"))">
            <script src="\(server.link("/static/dashboard.js"))" defer></script>
            </head><body data-events="\(events)" data-page="\(page)">
            <header><a class="brand" href="\(server.link("/"))">StepFlow</a>
            <a href="\(server.link("/"))">Overview</a><a href="\(server.link("/flows"))">Flow map</a><a href="\(server.link("/processes"))">Processes</a>
            <span class="who">\(who)</span>\(signOut)</header>
            <main>\(body)</main>
            </body></html>
            """
        return Self.response(page, status: status)
    }

    /// `html` as a response with the dashboard's security headers: no script, style or connection but the server's
    /// own, no framing.
    static func response(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.description)))
    }

    /// The hidden CSRF field of the current session's forms.
    static var csrfField: HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(CurrentSession.value?.session.csrfToken)\">"
    }

    /// Whether the current session may run commands.
    static var mayOperate: Bool { CurrentSession.value?.session.access == .operate }
}
