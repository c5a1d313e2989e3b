import Foundation
import Logging
import PostgresNIO
import StepFlowPostgres
import StepFlowRuntime
import Synchronization
import Testing

/// The PostgreSQL server of the tests: `STEPFLOW_TEST_POSTGRES_URL` (set by `scripts/test`, which starts a
/// throwaway cluster with `scripts/postgres`). Without it, the tests that need a server are skipped.
///
/// Isolation: every store a test makes gets a schema of its own (`t_<random>`), dropped when the test ends, so
/// tests run in parallel on one database without seeing each other's processes or wake-ups (the channel is named
/// after the schema too).
enum TestDatabase {
    /// The URL of the test database, if one is configured.
    static let url: String? = ProcessInfo.processInfo.environment["STEPFLOW_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// Whether a server is configured.
    static var isConfigured: Bool { url != nil }

    /// Why the tests are skipped.
    static let skipMessage: Comment = "STEPFLOW_TEST_POSTGRES_URL is not set: run scripts/test, or start a server with scripts/postgres"

    static let logger = Logger(label: "StepFlowPostgresTests")

    /// A new schema name.
    static func uniqueSchema() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// A client configuration for the test database (or the one at `url`), with a small pool.
    static func clientConfiguration(url: String? = nil) throws -> (PostgresClient.Configuration, PostgresProcessStore.DatabaseURL) {
        let url = try PostgresProcessStore.DatabaseURL(try #require(url ?? TestDatabase.url, skipMessage))
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = 4
        return (configuration, url)
    }

    /// Runs `body` with a running client on the test database (or the one at `url`), then drops the schemas it
    /// made with it.
    static func withClient<T: Sendable>(url: String? = nil, _ body: (Session) async throws -> T) async throws -> T {
        let (configuration, url) = try clientConfiguration(url: url)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let session = Session(client: client, url: url)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let result: T
            do {
                result = try await body(session)
            } catch {
                await session.dropSchemas()
                throw error
            }
            await session.dropSchemas()
            return result
        }
    }

    /// A running client and the schemas made on it.
    final class Session: Sendable {
        let client: PostgresClient
        let url: PostgresProcessStore.DatabaseURL
        private let schemas = Mutex<[String]>([])

        init(client: PostgresClient, url: PostgresProcessStore.DatabaseURL) {
            self.client = client
            self.url = url
        }

        /// A migrated store in a new schema (or in `schema`, to share it with another store).
        func makeStore(schema: String? = nil) async throws -> PostgresProcessStore {
            let schema = schema ?? TestDatabase.uniqueSchema()
            schemas.withLock { $0.append(schema) }
            let store = PostgresProcessStore(
                client: client, configuration: .init(schema: schema, server: url.description, listenRetryDelay: .milliseconds(200)),
                logger: TestDatabase.logger
            )
            try await store.migrate()
            return store
        }

        /// Runs one statement.
        func execute(_ sql: String) async throws {
            _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).collect()
        }

        func dropSchemas() async {
            let names = Set(schemas.withLock { $0 })
            for schema in names {
                _ = try? await execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            }
        }
    }
}

/// Counts the elements of a wake-up stream as they come (cancelling a wait on an `AsyncStream` would end it).
final class WakeUpCounter: Sendable {
    private let count = Mutex(0)
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ stream: AsyncStream<Void>) {
        let task = Task { [weak self] in
            for await _ in stream { self?.count.withLock { $0 += 1 } }
        }
        self.task.withLock { $0 = task }
    }

    deinit { task.withLock { $0?.cancel() } }

    /// The wake-ups so far.
    var value: Int { count.withLock { $0 } }

    /// Waits until more than `count` wake-ups came, for at most `timeout`; whether they did.
    func wait(forMoreThan count: Int, within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if value > count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return value > count
    }
}
