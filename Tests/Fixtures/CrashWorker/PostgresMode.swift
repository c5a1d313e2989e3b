import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import Synchronization

/// The worker's PostgreSQL mode, for the multi-process and server-restart tests: one worker on an existing schema
/// with processes of ``PostgresMode/flow()``, run as a service (with the store's LISTEN) until no process is active.
///
///     stepflow-crash-worker postgres URL SCHEMA WORKER-ID [LEASE-MS] [CONCURRENCY] [BATCH] [HOLD-AT]
///
/// It logs to standard output (info and above, with swift-log's `StreamLogHandler`): the tests read the worker's
/// rejected saves (`save rejected`, with the process and the lease token) and store errors from there.
///
/// With `HOLD-AT` N > 0, the N-th step the worker runs logs `holding step` and takes three seconds: the test stops
/// the worker (SIGSTOP) then, certain that it holds claimed processes and is in no transaction.
enum PostgresMode {
    /// The flow of the tests' processes: five `Do` steps that change nothing.
    static let stepCount = 5

    /// The flow; the `holdAt`-th step run (if any) is held for three seconds, after logging `holding step`.
    static func flow(holdAt: Int, logger: Logger) throws -> ProcessFlow<Input, Input> {
        let stepsRun = Atomic(0)
        return try ProcessFlow<Input, Input>("multi.v1", initialData: { _ in Input() }) {
            for index in 0..<stepCount {
                Do("step\(index)") { context in
                    guard stepsRun.add(1, ordering: .relaxed).newValue == holdAt else { return }
                    logger.info("holding step", metadata: ["stepflow.process": "\(context.processID)"])
                    try await Task.sleep(for: .seconds(3))
                }
            }
        }
    }

    static func run(_ arguments: [String]) async throws -> Int32 {
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(
                Foundation.Data("usage: stepflow-crash-worker postgres URL SCHEMA WORKER-ID [LEASE-MS] [CONCURRENCY] [BATCH] [HOLD-AT]\n".utf8)
            )
            return 2
        }
        let url = try PostgresProcessStore.DatabaseURL(arguments[0])
        let (schema, workerID) = (arguments[1], arguments[2])
        let lease = Duration.milliseconds(arguments.count > 3 ? Int(arguments[3]) ?? 1000 : 1000)
        let concurrency = arguments.count > 4 ? Int(arguments[4]) ?? 4 : 4
        let batch = arguments.count > 5 ? Int(arguments[5]) ?? 32 : 32
        let holdAt = arguments.count > 6 ? Int(arguments[6]) ?? 0 : 0

        var logger = Logger(label: workerID) { StreamLogHandler.standardOutput(label: $0) }
        logger.logLevel = .info
        var quiet = logger
        quiet.logLevel = .critical
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = 4
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        let store = PostgresProcessStore(
            client: client,
            configuration: .init(
                schema: schema, server: url.description, listenRetryDelay: .milliseconds(200), transactionIdleTimeout: lease,
                operationTimeout: .seconds(5)
            ),
            logger: logger
        )
        let worker = FlowWorker(
            store: store, registry: try FlowRegistry([flow(holdAt: holdAt, logger: logger)]),
            configuration: .init(
                workerID: workerID, concurrency: concurrency, batchSize: batch, idleInterval: .milliseconds(100),
                leaseDuration: lease, errorBackoff: .milliseconds(50), maxErrorBackoff: .milliseconds(500)
            ),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await store.migrate()
            let services = ServiceGroup(configuration: .init(services: [store, worker], logger: quiet))
            group.addTask { try await services.run() }
            await waitUntilNoProcessIsActive(store, logger: logger)
            logger.info("no process is active: stopping")
            await services.triggerGracefulShutdown()
            try await group.next()
            group.cancelAll()
        }
        return 0
    }

    /// Returns once the store has no active process (store errors, while the server restarts, are waited out).
    static func waitUntilNoProcessIsActive(_ store: PostgresProcessStore, logger: Logger) async {
        while true {
            try? await Task.sleep(for: .milliseconds(200))
            do {
                if try await store.nextDueDate() == nil { return }
            } catch {
                logger.info("cannot read the next due date; trying again", metadata: ["error": "\(error)"])
            }
        }
    }
}
