import Foundation
public import PostgresNIO
import StepFlowRuntime

extension PostgresProcessStore {
    /// How the store uses its database.
    ///
    /// ```swift
    /// let configuration = PostgresProcessStore.Configuration(schema: "stepflow", server: "db.internal:5432/app")
    /// ```
    public struct Configuration: Sendable, Hashable {
        /// The schema that holds the store's tables (created by the migrations); also names the notification
        /// channel, `<schema>_wakeup`. Lowercase letters, digits and underscores, starting with a letter.
        public var schema: String
        /// What error messages call the server, e.g. `postgres@db.internal:5432/app`. Never put a password in it.
        public var server: String
        /// How long ``PostgresProcessStore/migrate()`` waits for a connection before it gives up.
        public var startTimeout: Duration
        /// How long ``PostgresProcessStore/run()`` waits before it listens again after losing its connection.
        public var listenRetryDelay: Duration
        /// The longest one of the store's transactions may wait for its next statement before the server ends the
        /// session and rolls it back (`idle_in_transaction_session_timeout`, set in each transaction).
        ///
        /// A worker stopped in the middle of a save-and-claim transaction (a long pause, a lost network) holds the
        /// locks on its rows until then, and no other worker can take those processes over meanwhile: keep it no
        /// longer than the workers' lease duration. `nil` leaves the server's setting.
        public var transactionIdleTimeout: Duration?
        /// The longest the store waits for one operation (a connection from the pool, then its statements) before
        /// it gives up with ``ProcessStoreError`` `.unavailable`, which the worker retries after its back-off.
        ///
        /// It bounds waits that would otherwise never end: PostgresNIO can leave a query unanswered when the server
        /// ends the connection just as the query is sent. `nil` waits as long as the operation takes.
        public var operationTimeout: Duration?

        /// A configuration; by default the tables live in the schema `stepflow`.
        public init(
            schema: String = "stepflow", server: String = "the PostgreSQL server", startTimeout: Duration = .seconds(10),
            listenRetryDelay: Duration = .seconds(1), transactionIdleTimeout: Duration? = .seconds(10),
            operationTimeout: Duration? = .seconds(30)
        ) {
            self.schema = schema
            self.server = server
            self.startTimeout = startTimeout
            self.listenRetryDelay = listenRetryDelay
            self.transactionIdleTimeout = transactionIdleTimeout
            self.operationTimeout = operationTimeout
        }

        /// The channel of `NOTIFY` wake-ups.
        public var channel: String { "\(schema)_wakeup" }

        /// Whether `schema` is a plain lowercase identifier, safe to write into SQL unquoted.
        var hasValidSchema: Bool {
            guard let first = schema.unicodeScalars.first, ("a"..."z").contains(first), schema.utf8.count <= 48 else { return false }
            return schema.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }
    }

    /// A `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]` URL, read into the
    /// configuration of a `PostgresClient`.
    ///
    /// ```swift
    /// let url = try PostgresProcessStore.DatabaseURL("postgres://stepflow@db.internal:5432/app")
    /// let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
    /// ```
    ///
    /// Its ``description`` never shows the password.
    public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
        /// The server's host name or address.
        public var host: String
        /// The server's port (5432 unless the URL gives one).
        public var port: Int
        /// The user to connect as.
        public var username: String
        /// The database.
        public var database: String
        /// Whether TLS is required (`sslmode=require`); by default the connection is not encrypted.
        public var requiresTLS: Bool
        var password: String?

        /// Reads a URL.
        ///
        /// - Throws: ``ProcessStoreError`` `.unavailable` when it is not a `postgres://` (or `postgresql://`)
        ///   URL with a user, a host and a database.
        public init(_ string: String) throws {
            func invalid(_ problem: String) -> ProcessStoreError {
                ProcessStoreError(
                    .unavailable,
                    "'\(Self.redacted(string))' is not a PostgreSQL URL: \(problem); expected postgres://user[:password]@host[:port]/database"
                )
            }
            guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased() else {
                throw invalid("it cannot be read as a URL")
            }
            guard scheme == "postgres" || scheme == "postgresql" else { throw invalid("the scheme is '\(scheme)'") }
            guard let host = components.host, !host.isEmpty else { throw invalid("it names no host") }
            guard let user = components.user, !user.isEmpty else { throw invalid("it names no user") }
            let database = String(components.path.drop(while: { $0 == "/" }))
            guard !database.isEmpty, !database.contains("/") else { throw invalid("it names no database") }
            var requiresTLS = false
            for item in components.queryItems ?? [] where item.name == "sslmode" {
                switch item.value {
                case "disable", "allow", "prefer": requiresTLS = false
                case "require": requiresTLS = true
                default: throw invalid("sslmode '\(item.value ?? "")' is not supported (use disable or require)")
                }
            }
            self.host = host
            self.port = components.port ?? 5432
            // URLComponents' user, password and path are already percent-decoded.
            self.username = user
            self.password = components.password
            self.database = database
            self.requiresTLS = requiresTLS
        }

        /// `user@host:port/database`, without the password.
        public var description: String { "\(username)@\(host):\(port)/\(database)" }

        /// The configuration of a `PostgresClient` that connects to this database.
        public var clientConfiguration: PostgresClient.Configuration {
            let tls: PostgresClient.Configuration.TLS = requiresTLS ? .require(.makeClientConfiguration()) : .disable
            return PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: tls
            )
        }

        /// `string` with any password replaced by `***`, for error messages.
        static func redacted(_ string: String) -> String {
            guard var components = URLComponents(string: string), components.password != nil else { return string }
            components.password = "***"
            return components.string ?? "(a URL)"
        }
    }
}
