import Foundation

/// A new temporary directory for an SQLite store file, removed by ``remove()``.
struct StoreDirectory {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-obs-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of the store's file in the directory.
    var storePath: String { url.appendingPathComponent("store.sqlite").path }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
