import ArgumentParser
import Foundation
import StepFlowRuntime
import StepFlowSQLite

/// The `--store` option shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store: a path to an SQLite file (default: $STEPFLOW_STORE or ./stepflow.sqlite).")
    var store: String?

    /// The store's location, from the option, the environment or the default.
    var location: String {
        store ?? ProcessInfo.processInfo.environment["STEPFLOW_STORE"] ?? "stepflow.sqlite"
    }

    /// Opens the store.
    func open() throws -> any ProcessStore {
        do {
            return try SQLiteProcessStore(path: location)
        } catch {
            throw ValidationError("cannot open the store at \(location): \(error)")
        }
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
