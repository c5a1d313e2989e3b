import Foundation
import PostgresNIO
import StepFlowPostgres
import StepFlowRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Four worker processes on one schema, as four machines would run: one is killed with SIGKILL in the middle of
/// the run, another is stopped with SIGSTOP for three times its lease and then continued.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresMultiProcessTests {
    static let processCount = 10_000
    static let leaseMilliseconds = 1000

    @Test func fourWorkerProcessesWithOneKilledAndOnePaused() async throws {
        let url = try #require(TestDatabase.url)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-pg-multi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let schema = store.configuration.schema
            let clock = ContinuousClock()
            let started = clock.now
            try await CompletionCheck.createProcesses(store, count: Self.processCount)
            let created = clock.now - started

            // The worker to be paused holds its 1,000th step for three seconds: stopped then, it holds claimed
            // processes and is in no transaction (stopped in a transaction, the server would end the transaction and
            // its saves would never be attempted, so none could be rejected).
            let workers = try (1...4).map {
                try WorkerProcess.start(
                    url: url, schema: schema, workerID: "w\($0)", leaseMilliseconds: Self.leaseMilliseconds,
                    holdAt: $0 == 2 ? 1000 : 0, in: directory
                )
            }
            let (killed, paused) = (workers[0], workers[1])
            let deadline = clock.now.advanced(by: .seconds(60))
            while !paused.logLines.contains(where: { $0.contains("holding step") }), clock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(killed.send(SIGKILL))
            #expect(paused.send(SIGSTOP))
            let pausedTime = clock.now
            let pausedAt = try await CompletionCheck.savedSteps(session.client, schema: schema)
            // Stopped for three times its lease, and until the others have taken over every process it held (a
            // lapsed lease is due at its expiry, behind the processes saved before it).
            try await Task.sleep(for: .milliseconds(3 * Self.leaseMilliseconds))
            let takeoverDeadline = clock.now.advanced(by: .seconds(30))
            var held = try await Self.leasedProcesses(session, schema: schema, owner: paused.workerID)
            while held > 0, clock.now < takeoverDeadline {
                try await Task.sleep(for: .milliseconds(50))
                held = try await Self.leasedProcesses(session, schema: schema, owner: paused.workerID)
            }
            #expect(held == 0, "\(held) processes of the paused worker were not taken over within 30 s")
            let resumedAt = try await CompletionCheck.savedSteps(session.client, schema: schema)
            #expect(paused.send(SIGCONT))
            let pause = clock.now - pausedTime

            #expect(await killed.wait(timeout: .seconds(5)) == .signalled(SIGKILL))
            for worker in workers.dropFirst() {
                let status = await worker.wait(timeout: .seconds(90))
                #expect(status == .exited(0), "\(worker.workerID) ended with \(status.map(\.description) ?? "a timeout"): \(worker.logLines.suffix(5))")
            }
            let finished = clock.now - started
            // The others went on while the paused worker was stopped.
            #expect(resumedAt > pausedAt)

            let (problems, steps) = try await CompletionCheck.problems(
                session.client, schema: schema, processes: Self.processCount, stepPaths: CompletionCheck.stepPaths
            )
            #expect(problems.isEmpty, "\(problems.prefix(20))")
            var byWorker: [String: Int] = [:]
            for step in steps.values.joined() { byWorker[step.worker, default: 0] += 1 }
            #expect(byWorker.keys.sorted() == ["w1", "w2", "w3", "w4"], "\(byWorker)")

            // The paused worker's saves of steps run under leases it lost were rejected, and none of them is in
            // a history: no saved step carries the lease token of a rejected save.
            let rejected = paused.rejectedSaves
            #expect(!rejected.isEmpty, "the paused worker reported no rejected save: \(paused.logLines.suffix(5))")
            let savedTokens = Set(steps.values.joined().map { "\($0.process)#\($0.token)" })
            let stale = rejected.filter { savedTokens.contains("\($0.process)#\($0.token)") }
            #expect(stale.isEmpty, "rejected saves found in histories: \(stale.prefix(10))")
            // The workers that were not paused lost no lease.
            for worker in workers.dropFirst(2) {
                #expect(worker.rejectedSaves.isEmpty, "\(worker.workerID) had saves rejected")
            }
            print("multi-process test: \(byWorker.sorted { $0.key < $1.key }) steps saved by worker; the paused worker had \(rejected.count) saves rejected; "
                + "created in \(created), paused for \(pause) from step \(pausedAt), all done after \(finished)")
        }
    }

    /// How many processes `owner` holds a lease on.
    static func leasedProcesses(_ session: TestDatabase.Session, schema: String, owner: String) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(owner)
        let rows = try await session.client.query(
            PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schema).processes WHERE lease_owner = $1", binds: binds),
            logger: TestDatabase.logger
        ).collect()
        return try rows.first?.decode(Int.self) ?? 0
    }
}
