import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import StepFlowPostgres
import StepFlowRuntime
import StepFlowSQLite

/// The `--store` option shared by every command that reads a store, with `--log-level` and `--log-format`.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            The store: a path to an SQLite file, or a postgres://user[:password]@host[:port]/database URL \
            (default: $STEPFLOW_STORE or ./stepflow.sqlite).
            """
    )
    var store: String?

    @OptionGroup var logOptions: LogOptions

    /// A logger at the level `--log-level` asks for, or at `level`, in the format `--log-format` asks for.
    func logger(label: String, default level: Logger.Level = .warning) -> Logger {
        logOptions.logger(label: label, default: level)
    }

    /// The store's location, from the option, the environment or the default.
    var location: String {
        store ?? ProcessInfo.processInfo.environment["STEPFLOW_STORE"] ?? "stepflow.sqlite"
    }

    /// Whether the location is a PostgreSQL URL (chosen by its scheme).
    var isPostgres: Bool {
        let lowercased = location.lowercased()
        return lowercased.hasPrefix("postgres://") || lowercased.hasPrefix("postgresql://")
    }

    /// The location as printed: a URL without its password.
    var displayLocation: String {
        guard isPostgres, let url = try? PostgresProcessStore.DatabaseURL(location) else { return location }
        return "postgres://\(url)"
    }

    /// Opens the store and runs `body` with it; for PostgreSQL, the client runs (and the schema is migrated) meanwhile.
    func withStore<T: Sendable>(_ body: (any ProcessStore) async throws -> T) async throws -> T {
        guard isPostgres else { return try await body(openSQLite()) }
        let (client, store) = try makePostgres(logger: logger(label: "stepflow.store"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
    }

    /// The services a long-running command runs before its own, and the store: for PostgreSQL, the client and the
    /// store's wake-up listener (the store must be migrated with ``prepare(_:)`` once they run).
    func openForServices() throws -> (store: any ProcessStore, services: [any Service]) {
        guard isPostgres else { return (try openSQLite(), []) }
        let (client, store) = try makePostgres(logger: logger(label: "stepflow.store"))
        return (store, [client, store])
    }

    /// Readies a store made by ``openForServices(logger:)`` once its services run.
    static func prepare(_ store: any ProcessStore) async throws {
        if let store = store as? PostgresProcessStore { try await store.migrate() }
    }

    private func openSQLite() throws -> any ProcessStore {
        do {
            return try SQLiteProcessStore(path: location)
        } catch {
            throw CommandFailure("cannot open the store at \(location): \(error)")
        }
    }

    private func makePostgres(logger: Logger) throws -> (PostgresClient, PostgresProcessStore) {
        let url: PostgresProcessStore.DatabaseURL
        do {
            url = try PostgresProcessStore.DatabaseURL(location)
        } catch {
            throw CommandFailure("\(error)")
        }
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        return (client, PostgresProcessStore(client: client, url: url, logger: logger))
    }
}

/// A service that readies the store (migrates a PostgreSQL schema), then runs `service`.
struct AfterStoreIsReady: Service {
    let store: any ProcessStore
    let service: any Service

    func run() async throws {
        try await StoreOptions.prepare(store)
        try await service.run()
    }
}

/// The files of an SQLite store: the database and its write-ahead log.
enum SQLiteFiles {
    /// Removes the database and its `-wal` and `-shm` files, if present.
    static func remove(at path: String) throws {
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}
