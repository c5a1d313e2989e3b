import Foundation
import StepFlow
import StepFlowRuntime
import Testing

/// Dates, processes and store calls shared by the conformance checks.
///
/// Every date is a whole number of milliseconds built the same way a store decodes one
/// (`Date(timeIntervalSince1970: milliseconds / 1000)`), so dates compare equal after a round trip.
enum Fixture {
    /// 2026-01-01T00:00:00Z, in milliseconds since 1970.
    static let epochMilliseconds: Int64 = 1_767_225_600_000

    /// The flow most checks use.
    static let flow = "order.v1"

    /// The lease duration of ``claim(_:owner:at:limit:lease:)``.
    static let lease: Duration = .seconds(30)

    /// The date `seconds` (and `milliseconds`) after the suite's epoch.
    static func t(_ seconds: Int64, ms milliseconds: Int64 = 0) -> Date {
        Date(timeIntervalSince1970: Double(epochMilliseconds + seconds * 1000 + milliseconds) / 1000)
    }

    /// UTF-8 bytes of a JSON text.
    static func json(_ text: String) -> Data { Data(text.utf8) }

    /// A new process of ``flow`` with a small input and data.
    static func newProcess(
        _ id: ProcessID, flow: String = Fixture.flow, at now: Date, state: FlowState = FlowState(),
        input: String = #"{"order":1}"#, data: String = #"{"count":0}"#
    ) -> NewProcess {
        NewProcess(id: id, flowName: flow, input: json(input), data: json(data), state: state, now: now)
    }

    /// Creates a process and requires that it was created.
    @discardableResult
    static func create(
        _ store: any ProcessStore, _ id: ProcessID, flow: String = Fixture.flow, at now: Date,
        state: FlowState = FlowState(), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProcessRecord {
        let result = try await store.create(newProcess(id, flow: flow, at: now, state: state))
        try #require(result.created, "process '\(id)' should have been created", sourceLocation: sourceLocation)
        return result.record
    }

    /// Claims due processes and returns them with their records, requiring every record to be readable.
    static func claim(
        _ store: any ProcessStore, owner: String = "w1", at now: Date, limit: Int = 100, lease: Duration = Fixture.lease,
        only: ProcessID? = nil, force: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [ProcessRecord] {
        let request = ClaimRequest(owner: owner, now: now, leaseDuration: lease, limit: limit, only: only, force: force)
        let claimed = try await store.claim(request)
        return try claimed.map { process in
            let record = try process.record.get()
            #expect(record.id == process.id, sourceLocation: sourceLocation)
            #expect(record.leaseToken == process.leaseToken, sourceLocation: sourceLocation)
            return record
        }
    }

    /// An update of a claimed record: one more step, with the given outcome.
    static func update(
        _ record: ProcessRecord, token: Int64? = nil, state: FlowState? = nil, data: Data? = nil,
        status: ProcessStatus, dueAt: Date?, attempt: Int = 0, lastError: String? = nil,
        history: HistoryEntry? = nil, at now: Date
    ) -> ProcessUpdate {
        ProcessUpdate(
            id: record.id, flowName: record.flowName, leaseToken: token ?? record.leaseToken, state: state, data: data, status: status,
            dueAt: dueAt, stepCount: record.stepCount + 1, attempt: attempt, lastError: lastError,
            history: history, now: now
        )
    }

    /// A history entry with plain values.
    static func entry(
        sequence: Int, at startedAt: Date, stepPath: String? = "order.v1/charge", before: FlowState = FlowState(),
        after: FlowState = ["start:order.v1/charge"], duration: Duration = .milliseconds(12),
        outcome: HistoryEntry.Outcome = .advanced, error: String? = nil, worker: String = "w1", leaseToken: Int64
    ) -> HistoryEntry {
        HistoryEntry(
            sequence: sequence, startedAt: startedAt, stepPath: stepPath, before: before, after: after,
            duration: duration, outcome: outcome, error: error, worker: worker, leaseToken: leaseToken
        )
    }

    /// Claims one process (forced, as owner `setup`) and commits it to `status`; returns the saved record.
    @discardableResult
    static func drive(
        _ store: any ProcessStore, _ id: ProcessID, to status: ProcessStatus, dueAt: Date?, at now: Date,
        attempt: Int = 0, lastError: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProcessRecord {
        let claimed = try await claim(store, owner: "setup", at: now, limit: 1, only: id, force: true)
        let record = try #require(claimed.first, "process '\(id)' should be claimable", sourceLocation: sourceLocation)
        let outcome = try await store.commit([
            update(record, status: status, dueAt: dueAt, attempt: attempt, lastError: lastError, at: now)
        ])
        try #require(outcome == [.saved], "the setup commit of '\(id)' should be saved", sourceLocation: sourceLocation)
        return try #require(try await store.process(id), sourceLocation: sourceLocation)
    }

    /// Expects `body` to throw a ``ProcessStoreError`` with `code` (naming `id`, when given).
    static func expectError<T>(
        _ code: ProcessStoreError.Code, processID: ProcessID? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> T
    ) async {
        do {
            let value = try await body()
            Issue.record("expected a ProcessStoreError '\(code)', got \(value)", sourceLocation: sourceLocation)
        } catch let error as ProcessStoreError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let processID { #expect(error.processID == processID, sourceLocation: sourceLocation) }
            #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a ProcessStoreError '\(code)', got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Whether `stream` yields within `timeout`; a store that never signals fails the check instead of hanging it.
    static func yields(_ stream: AsyncStream<Void>, within timeout: Duration = .seconds(5)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
