import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The dashboard's sessions, in memory: a random session id (the cookie) with its access and its CSRF token, which
/// every form of the session carries.
final class SessionStore: Sendable {
    /// One signed-in browser.
    struct Session: Sendable, Hashable {
        /// The cookie's value.
        let id: String
        /// What the session may do.
        let access: Access
        /// The token every form of this session must send back.
        let csrfToken: String
        /// When the session was made (the oldest are dropped first when there are too many).
        let created: Date
    }

    /// The most sessions kept; the oldest are forgotten beyond it.
    static let limit = 10_000
    /// The cookie's name.
    static let cookieName = "stepflow_session"

    private let sessions = Mutex<[String: Session]>([:])

    /// A new session with `access`.
    func create(_ access: Access) -> Session {
        let session = Session(id: Self.randomToken(), access: access, csrfToken: Self.randomToken(), created: Date())
        sessions.withLock { sessions in
            if sessions.count >= Self.limit, let oldest = sessions.values.min(by: { $0.created < $1.created }) {
                sessions.removeValue(forKey: oldest.id)
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The session whose id is `id`, or `nil`. The id is looked up by hash, then compared in constant time.
    func session(_ id: String) -> Session? {
        guard let session = sessions.withLock({ $0[id] }) else { return nil }
        return ConstantTimeComparison.equal(id, session.id) ? session : nil
    }

    /// Forgets a session (sign out).
    func remove(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// 32 random bytes as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// The `Set-Cookie` value for `session` under `path`: HttpOnly, SameSite=Strict, and Secure when the browser
    /// reached the server over HTTPS (``isHTTPS(_:)``).
    static func cookie(_ session: Session, path: String, for request: Request) -> String {
        "\(cookieName)=\(session.id)\(attributes(path: path, for: request))"
    }

    /// The `Set-Cookie` value that removes the session cookie.
    static func expiredCookie(path: String, for request: Request) -> String {
        "\(cookieName)=\(attributes(path: path, for: request)); Max-Age=0"
    }

    private static func attributes(path: String, for request: Request) -> String {
        "; Path=\(path.isEmpty ? "/" : path); HttpOnly; SameSite=Strict" + (isHTTPS(request) ? "; Secure" : "")
    }

    /// Whether the browser's request came over HTTPS: TLS ends at the reverse proxy in front of the server, which says
    /// so with `X-Forwarded-Proto: https` (its first value, the proxy nearest the browser). A forged header can only
    /// add `Secure` to the cookie, which makes it stricter.
    static func isHTTPS(_ request: Request) -> Bool {
        if request.uri.scheme == .https { return true }
        guard let proto = request.headers[HTTPField.Name("X-Forwarded-Proto")!] else { return false }
        return proto.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }
}
