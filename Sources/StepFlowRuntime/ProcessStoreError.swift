/// An error raised by a process store or by the client on its behalf.
public struct ProcessStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of error this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No process has this id.
        public static let notFound = Code("notFound")
        /// A process with this id exists with another flow.
        public static let conflict = Code("conflict")
        /// The command does not apply to the process's status.
        public static let invalidCommand = Code("invalidCommand")
        /// A value given (a label, a query) breaks a rule; the message names what is allowed.
        public static let invalidInput = Code("invalidInput")
        /// A stored row cannot be read (a corrupt state, an unknown status).
        public static let corruptRecord = Code("corruptRecord")
        /// The store cannot be opened or reached.
        public static let unavailable = Code("unavailable")

        /// The code's name.
        public var description: String { name }
    }

    /// What kind of error this is.
    public let code: Code
    /// The process concerned, if any.
    public let processID: ProcessID?
    /// What happened and what to do.
    public let message: String

    /// An error.
    public init(_ code: Code, processID: ProcessID? = nil, _ message: String) {
        self.code = code
        self.processID = processID
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// `.conflict`: process `id` exists with flow `existing`, and was created again with flow `requested`.
    package static func flowConflict(_ id: ProcessID, existing: String, requested: String) -> ProcessStoreError {
        ProcessStoreError(.conflict, processID: id, "process '\(id)' already exists with flow '\(existing)', not '\(requested)'")
    }

    /// Whether the error concerns one process of a batched command alone (``ProcessStore/execute(_:onEach:now:by:)``):
    /// the process does not exist, or refuses the command. A batch reports it for that process and goes on.
    package var concernsOneProcess: Bool { code == .notFound || code == .invalidCommand }

    /// The outcome of one process's command in a batch: its record, or the error that concerns it alone
    /// (``concernsOneProcess``); any other error is thrown, failing the batch.
    package static func commandOutcome(
        _ body: () throws -> ProcessRecord
    ) throws -> Result<ProcessRecord, ProcessStoreError> {
        do {
            return .success(try body())
        } catch let error as ProcessStoreError where error.concernsOneProcess {
            return .failure(error)
        }
    }

    /// The outcome of one process's command in a batch, as the synchronous `commandOutcome` gives it, for a command
    /// applied asynchronously.
    package static func commandOutcome(
        _ body: () async throws -> ProcessRecord
    ) async throws -> Result<ProcessRecord, ProcessStoreError> {
        do {
            return .success(try await body())
        } catch let error as ProcessStoreError where error.concernsOneProcess {
            return .failure(error)
        }
    }

    /// No process has this id.
    public static func notFound(_ id: ProcessID) -> ProcessStoreError {
        ProcessStoreError(.notFound, processID: id, "no process has the id '\(id)'")
    }
}
