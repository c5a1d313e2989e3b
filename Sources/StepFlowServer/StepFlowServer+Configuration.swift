extension StepFlowServer {
    /// How the server is reached and who may do what.
    ///
    /// Without any token the server is open to whoever reaches it, so it binds to `127.0.0.1` only; a
    /// non-loopback host without a token is refused by ``validate()``.
    public struct Configuration: Sendable {
        /// The address to bind to when run as a service (default `127.0.0.1`).
        public var host: String
        /// The port to bind to when run as a service (default 8080).
        public var port: Int
        /// The operator token: may read and run every command.
        public var operatorToken: String?
        /// The read-only token: may read; every command answers 403.
        public var readOnlyToken: String?
        /// The path the routes are mounted under in the application (`""` or `/stepflow`); links use it.
        public var basePath: String
        /// The largest request body accepted, in bytes (413 beyond).
        public var maxBodySize: Int
        /// The largest signal payload accepted, in bytes (413 beyond).
        public var maxSignalPayloadSize: Int
        /// How often the live event stream reads the store for changes.
        public var eventPollInterval: Duration
        /// The most records a list page may ask for.
        public var maxPageSize: Int

        /// A configuration; every value has a default.
        public init(
            host: String = "127.0.0.1", port: Int = 8080, operatorToken: String? = nil, readOnlyToken: String? = nil,
            basePath: String = "", maxBodySize: Int = 1 << 20, maxSignalPayloadSize: Int = 64 << 10,
            eventPollInterval: Duration = .milliseconds(500), maxPageSize: Int = 500
        ) {
            self.host = host
            self.port = port
            self.operatorToken = operatorToken.flatMap { $0.isEmpty ? nil : $0 }
            self.readOnlyToken = readOnlyToken.flatMap { $0.isEmpty ? nil : $0 }
            self.basePath = Self.normalized(basePath)
            self.maxBodySize = maxBodySize
            self.maxSignalPayloadSize = maxSignalPayloadSize
            self.eventPollInterval = eventPollInterval
            self.maxPageSize = maxPageSize
        }

        /// Whether no token is set: everyone who reaches the server may do everything.
        public var isOpen: Bool { operatorToken == nil && readOnlyToken == nil }

        /// Whether `host` is a loopback address (`127.0.0.1`, `::1`, `localhost`).
        public static func isLoopback(_ host: String) -> Bool {
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
        }

        /// Checks that the configuration is safe to serve.
        ///
        /// - Throws: ``ConfigurationError`` when the host is not a loopback address and no token is set, when the
        ///   two tokens are equal, or when a limit is not positive.
        public func validate() throws {
            if isOpen, !Self.isLoopback(host) {
                throw ConfigurationError(
                    "refusing to serve on \(host) without a token: anyone who can reach it could cancel processes; "
                        + "set --token (or STEPFLOW_TOKEN), or bind to 127.0.0.1"
                )
            }
            if let operatorToken, operatorToken == readOnlyToken {
                throw ConfigurationError("the operator token and the read-only token must differ")
            }
            guard maxBodySize > 0, maxSignalPayloadSize > 0, maxPageSize > 0 else {
                throw ConfigurationError("the body, payload and page limits must be positive")
            }
            guard (0...65535).contains(port) else { throw ConfigurationError("the port must be between 0 and 65535, not \(port)") }
        }

        /// `""`, or the path with one leading slash and no trailing one.
        static func normalized(_ path: String) -> String {
            let trimmed = path.split(separator: "/").joined(separator: "/")
            return trimmed.isEmpty ? "" : "/" + trimmed
        }
    }

    /// A configuration the server refuses to run with.
    public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
        /// What is wrong and what to do.
        public let description: String

        init(_ description: String) { self.description = description }
    }
}
