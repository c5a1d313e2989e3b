extension SQLiteProcessStore {
    /// How the store uses its SQLite file.
    ///
    /// ```swift
    /// let store = try SQLiteProcessStore(path: "stepflow.sqlite", configuration: .init(synchronous: .normal))
    /// ```
    public struct Configuration: Sendable, Hashable {
        /// When SQLite waits for the disk: `PRAGMA synchronous` on the connection that writes.
        public var synchronous: Synchronous
        /// How long a write waits for another connection (another store on the same file, a `sqlite3` shell)
        /// to finish its transaction before it fails.
        public var busyTimeout: Duration
        /// Whether SQLite keeps counting the memory it allocates. When `false` (the default), the first store the
        /// process opens turns SQLite's memory statistics off (`SQLITE_CONFIG_MEMSTATUS`), if no SQLite connection
        /// was opened before it: SQLite then takes no process-wide lock to count each allocation, which makes a
        /// step's save and claim about 7% cheaper. It changes what `sqlite3_memory_used()` reports (0) for every
        /// SQLite user of the process, and, as every `sqlite3_config` call, must not run while another thread
        /// opens its first SQLite connection: set `true` when another part of the program may do that at the same
        /// time, or reads SQLite's memory statistics.
        public var keepsSQLiteMemoryStatistics: Bool

        /// A configuration; by default every commit is on disk when it returns (`synchronous = FULL`).
        public init(
            synchronous: Synchronous = .full, busyTimeout: Duration = .seconds(5), keepsSQLiteMemoryStatistics: Bool = false
        ) {
            self.synchronous = synchronous
            self.busyTimeout = busyTimeout
            self.keepsSQLiteMemoryStatistics = keepsSQLiteMemoryStatistics
        }
    }

    /// The durability of a commit: a value of SQLite's `PRAGMA synchronous`, in WAL mode.
    public struct Synchronous: Sendable, Hashable, CustomStringConvertible {
        /// The pragma's value.
        let pragmaValue: String

        private init(_ pragmaValue: String) { self.pragmaValue = pragmaValue }

        /// Every commit is synced to disk before it returns: a saved step survives a power loss. The default.
        public static let full = Synchronous("FULL")
        /// The WAL is synced at checkpoints only: a saved step survives a crash of the program, but the last
        /// commits may be lost on a power loss or an operating-system crash (the file stays consistent).
        public static let normal = Synchronous("NORMAL")

        /// The pragma's value (`FULL`, `NORMAL`).
        public var description: String { pragmaValue }
    }
}
