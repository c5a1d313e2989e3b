import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StepFlowRuntime
import StepFlowServer
import Testing

/// A signed-in browser: its session cookie and the CSRF token of its forms.
struct Browser {
    var cookie: String
    var csrf: String

    var headers: HTTPFields {
        var fields = HTTPFields()
        fields[.cookie] = cookie
        return fields
    }

    var formHeaders: HTTPFields {
        var fields = headers
        fields[.contentType] = "application/x-www-form-urlencoded"
        return fields
    }

    /// Signs in with `token` and reads the CSRF token from the overview.
    static func signIn(_ client: any TestClientProtocol, token: String) async throws -> Browser {
        var form = HTTPFields()
        form[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: "/login", method: .post, headers: form, body: body("token=\(token)")) { $0 }
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[.setCookie])
        #expect(setCookie.contains("HttpOnly"))
        #expect(setCookie.contains("SameSite=Strict"))
        let cookie = String(setCookie.split(separator: ";")[0])
        var browser = Browser(cookie: cookie, csrf: "")
        let page = try await client.execute(uri: "/processes", method: .get, headers: browser.headers) { $0.text }
        browser.csrf = csrfToken(in: page) ?? ""
        return browser
    }
}

/// The CSRF token of the first form of `page`.
func csrfToken(in page: String) -> String? {
    guard let range = page.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) else { return nil }
    return String(page[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
}

@Suite struct DashboardTests {
    @Test func pagesNeedASignInWhenTokensAreSet() async throws {
        let fixture = try ServerFixture()
        try await fixture.test { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
            }
            try await client.execute(uri: "/login", method: .get) { #expect($0.status == .ok) }
            var form = HTTPFields()
            form[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(uri: "/login", method: .post, headers: form, body: body("token=wrong")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.setCookie] == nil)
            }
            let browser = try await Browser.signIn(client, token: ServerFixture.operatorToken)
            #expect(try await Self.sessionCookie(client, headers: [:])?.contains("Secure") == false)
            // Behind a reverse proxy that ends TLS, the cookie is only sent back over HTTPS.
            let secure = try await Self.sessionCookie(client, headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(secure?.hasSuffix("; Secure") == true, "\(secure ?? "no cookie")")
            for uri in ["/", "/flows", "/processes", "/processes?status=waiting&flow=order.v1"] {
                try await client.execute(uri: uri, method: .get, headers: browser.headers) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                }
            }
        }
    }

    /// The session cookie set by signing in with the operator token and `headers`.
    static func sessionCookie(_ client: any TestClientProtocol, headers: HTTPFields) async throws -> String? {
        var form = headers
        form[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(
            uri: "/login", method: .post, headers: form, body: body("token=\(ServerFixture.operatorToken)")
        ) { $0.headers[.setCookie] }
    }

    @Test func formsNeedTheSessionsCSRFToken() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.test { client in
            let browser = try await Browser.signIn(client, token: ServerFixture.operatorToken)
            #expect(browser.csrf.count == 64)
            for form in ["reason=x", "reason=x&csrf=", "reason=x&csrf=\(String(repeating: "0", count: 64))"] {
                try await client.execute(uri: "/processes/o-1/cancel", method: .post, headers: browser.formHeaders, body: body(form)) { response in
                    #expect(response.status == .forbidden, "\(form)")
                }
            }
            // The API signed in by cookie needs the CSRF header too.
            var api = browser.headers
            api[.contentType] = "application/json"
            try await client.execute(uri: "/api/v1/processes/o-1/wake", method: .post, headers: api, body: body("{}")) { #expect($0.status == .forbidden) }
            #expect(try await fixture.client.process("o-1").status == .running)
            try await client.execute(uri: "/processes/o-1/cancel", method: .post, headers: browser.formHeaders, body: body("reason=by+alice&csrf=\(browser.csrf)")) { response in
                #expect(response.status == .seeOther)
            }
        }
        #expect(try await fixture.client.process("o-1").status == .cancelled)
    }

    @Test func aReadOnlySessionHasNoActions() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.test { client in
            let browser = try await Browser.signIn(client, token: ServerFixture.readerToken)
            try await client.execute(uri: "/processes/o-1", method: .get, headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(!response.text.contains("cancel-form"))
            }
            try await client.execute(uri: "/processes/o-1/cancel", method: .post, headers: browser.formHeaders, body: body("reason=x&csrf=\(browser.csrf)")) { response in
                #expect(response.status == .forbidden)
            }
        }
        #expect(try await fixture.client.process("o-1").status == .running)
    }

    @Test func signalFormShowsTheServersErrorForAWrongPayload() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.test { client in
            let browser = try await Browser.signIn(client, token: ServerFixture.operatorToken)
            let form = "name=approval&payload=%7B%22by%22%3A3%7D&csrf=\(browser.csrf)"
            try await client.execute(uri: "/processes/o-1/signal", method: .post, headers: browser.formHeaders, body: body(form)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("action-error"))
                #expect(response.text.contains("is not a valid Approval"))
            }
            let good = "name=approval&payload=%7B%22by%22%3A%22alice%22%7D&csrf=\(browser.csrf)"
            try await client.execute(uri: "/processes/o-1/signal", method: .post, headers: browser.formHeaders, body: body(good)) { response in
                #expect(response.status == .seeOther)
            }
        }
        #expect(try await fixture.client.store.signals(of: ["o-1"])["o-1"]?.count == 1)
    }

    @Test func everythingUserSuppliedIsEscaped() async throws {
        let fixture = try ServerFixture()
        let evil = "<script>alert(1)</script>"
        try await fixture.start(evil, item: evil)
        try await fixture.start("o-2")
        _ = try await fixture.client.advance("o-2")
        try await fixture.client.cancel("o-2", reason: evil)
        try await fixture.test { client in
            let browser = try await Browser.signIn(client, token: ServerFixture.operatorToken)
            let pages = [
                "/processes", "/processes?idPrefix=%3Cscript%3E", "/processes?step=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                "/processes/" + HTMLEscapeProbe.encoded(evil), "/processes/o-2", "/processes/o-2?done=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/", "/flows",
            ]
            for uri in pages {
                try await client.execute(uri: uri, method: .get, headers: browser.headers) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(!response.text.contains("<script>alert"), "\(uri)")
                }
            }
            // Error texts: a signal name and a payload with markup, echoed in the error.
            let form = "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&payload=%3Cscript%3E&csrf=\(browser.csrf)"
            try await client.execute(uri: "/processes/o-2/signal", method: .post, headers: browser.formHeaders, body: body(form)) { response in
                #expect(response.text.contains("action-error"))
                #expect(!response.text.contains("<script>alert"))
            }
            try await client.execute(uri: "/processes/" + HTMLEscapeProbe.encoded("<script>alert(2)</script>"), method: .get, headers: browser.headers) { response in
                #expect(response.status == .notFound)
                #expect(!response.text.contains("<script>alert"))
            }
        }
    }

    @Test func anOpenServerGivesBrowsersASessionForCSRF() async throws {
        let fixture = try ServerFixture(tokens: false)
        try await fixture.start("o-1")
        try await fixture.test { client in
            let page = try await client.execute(uri: "/processes/o-1", method: .get) { $0 }
            #expect(page.status == .ok)
            let cookie = String(try #require(page.headers[.setCookie]).split(separator: ";")[0])
            let csrf = try #require(csrfToken(in: page.text))
            var form = HTTPFields()
            form[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(uri: "/processes/o-1/wake", method: .post, headers: form, body: body("csrf=\(csrf)")) { #expect($0.status == .forbidden) }
            form[.cookie] = cookie
            try await client.execute(uri: "/processes/o-1/wake", method: .post, headers: form, body: body("csrf=\(csrf)")) { #expect($0.status == .seeOther) }
        }
    }

    @Test func bulkActionCountsThenConfirms() async throws {
        let fixture = try ServerFixture()
        for index in 1...3 { try await fixture.start("b-\(index)") }
        try await fixture.test { client in
            let browser = try await Browser.signIn(client, token: ServerFixture.operatorToken)
            let form = "action=cancel&reason=cleanup&idPrefix=b-&csrf=\(browser.csrf)"
            try await client.execute(uri: "/processes/bulk", method: .post, headers: browser.formHeaders, body: body(form)) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("cancel 3 processes"))
            }
            #expect(try await fixture.client.list().allSatisfy { $0.status == .running })
            try await client.execute(uri: "/processes/bulk", method: .post, headers: browser.formHeaders, body: body(form + "&confirm=yes")) { response in
                #expect(response.text.contains("3 of 3"))
            }
        }
        #expect(try await fixture.client.list().allSatisfy { $0.status == .cancelled })
    }
}

/// Percent-encoding for the tests' URLs.
enum HTMLEscapeProbe {
    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

extension DashboardTests {
    @Test func pauseAndUnpauseFromTheProcessPage() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.test { client in
            let browser = try await Browser.signIn(client, token: ServerFixture.operatorToken)
            try await client.execute(uri: "/processes/o-1/pause", method: .post, headers: browser.formHeaders, body: body("reason=&csrf=\(browser.csrf)")) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("pause needs a reason"))
            }
            try await client.execute(uri: "/processes/o-1/pause", method: .post, headers: browser.formHeaders, body: body("reason=freeze&csrf=\(browser.csrf)")) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/processes/o-1?done=pause")
            }
            #expect(try await fixture.client.process("o-1").status == .paused)
            try await client.execute(uri: "/processes/o-1?done=pause", method: .get, headers: browser.headers) { response in
                #expect(response.text.contains("Paused: no worker runs it"))
            }
            try await client.execute(uri: "/processes/o-1/unpause", method: .post, headers: browser.formHeaders, body: body("csrf=\(browser.csrf)")) { response in
                #expect(response.status == .seeOther)
            }
        }
        #expect(try await fixture.client.process("o-1").status == .running)
    }
}
