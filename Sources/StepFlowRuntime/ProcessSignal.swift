public import Foundation

/// A signal delivered to a process's inbox.
///
/// A client sends it with ``ProcessStore/sendSignal(to:name:payload:now:)``; the store keeps it until the process
/// is deleted, so a signal sent before the process waits for it, or while no worker runs, is not lost.
public struct ProcessSignal: Sendable, Hashable {
    /// The process the signal was sent to.
    public let processID: ProcessID
    /// 1-based, per process, in arrival order (across all names).
    public let sequence: Int64
    /// The signal's name, never empty (e.g. `approval`).
    public let name: String
    /// The payload, JSON-encoded by the sender (may be empty `Data()` for "no payload").
    public let payload: Data
    /// When the store received the signal (whole milliseconds in the SQL stores).
    public let sentAt: Date

    /// A signal with every field given (stores make them; clients receive them).
    public init(processID: ProcessID, sequence: Int64, name: String, payload: Data, sentAt: Date) {
        self.processID = processID
        self.sequence = sequence
        self.name = name
        self.payload = payload
        self.sentAt = sentAt
    }
}
