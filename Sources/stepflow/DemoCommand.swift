import ArgumentParser
import DeployPipeline
import Foundation
import Logging
import ServiceLifecycle
import StepFlowRuntime
import StepFlowServer

/// `stepflow demo`: the continuous-deployment pipeline for N applications, driven by one worker.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the continuous-deployment pipeline for N applications against simulated systems.",
        discussion: """
            Each application is one durable process of the flow deploy.v2: collect its actual state, compare it \
            with the desired version, open a GitOps pull request, wait for the merge and the rollout, then collect \
            and validate the post-deployment state. The collector, the Git host and the GitOps agent are SIMULATED \
            in-process, with random latencies and occasional transient failures. Flaky calls are retried with \
            exponential backoff; a failed rollout closes its pull request (a compensation) before the process fails.

            With --approvals, production applications wait for a person's approval before their pull request is \
            opened: send it with `stepflow signal ID approval '{"by":"you"}'` from another terminal.

            With --serve, the dashboard of the running demo is served at http://127.0.0.1:PORT/ (loopback only, no \
            token): watch the processes move on the flow map, approve and cancel them from the browser. The demo \
            then keeps serving once every process has finished, until interrupted.

            Every step is saved to the store. Interrupt the demo (Ctrl-C, or kill -9) and run it again: it continues \
            from the stored states, repeating nothing but the steps that were in flight.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "How many applications to deploy.")
    var apps = 50

    @Option(help: "How many steps run at once (1: a single task drives every process).")
    var concurrency = 1

    @Option(help: "Multiplies the simulated latencies (0.1 runs ten times faster).")
    var timeScale = 1.0

    @Option(help: "The probability that a simulated call fails with a transient error.")
    var failureRate = 0.05

    @Flag(help: "Production applications (every fifth) wait for `stepflow signal ID approval` before deploying.")
    var approvals = false

    @Option(help: "The flow's name: deploy.v2, deploy.v1 (go-stepflow's example, its six constructs) or deploy/v1 (deploy.v2 under go-stepflow's name).")
    var flow = DeployPipeline.name

    @Flag(help: "Delete the store's processes first and start over.")
    var reset = false

    @Flag(help: "Print progress lines instead of a live display.")
    var plain = false

    @Flag(help: "Serve the web dashboard and the API of the running demo on 127.0.0.1 (see --port).")
    var serve = false

    @Option(help: "The port of the dashboard with --serve (0: any free port).")
    var port = 8080

    func validate() throws {
        guard Flows.deployNames.contains(flow) else {
            throw ValidationError("unknown flow '\(flow)'; use one of \(Flows.deployNames.joined(separator: ", "))")
        }
        guard apps > 0 else { throw ValidationError("--apps must be at least 1") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        guard timeScale > 0 else { throw ValidationError("--time-scale must be positive") }
        guard (0...1).contains(failureRate) else { throw ValidationError("--failure-rate must be between 0 and 1") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        if reset {
            guard !storeOptions.isPostgres else { throw ValidationError("--reset deletes an SQLite file; it does not apply to PostgreSQL") }
            try SQLiteFiles.remove(at: storeOptions.location)
        }
        try await storeOptions.withStore { try await run(store: $0) }
    }

    private func run(store: any ProcessStore) async throws {
        let systems = SimulatedSystems(configuration: .init(timeScale: timeScale, transientFailureRate: failureRate))
        let flow = try Flows.deployFlow(named: self.flow, systems: systems)
        let registry = try FlowRegistry([flow])
        let processes = DemoProcesses(apps: apps)

        var created = 0
        let encoder = ProcessJSON.encoder()
        let now = Date()
        let newProcesses = try (1...apps).map { index in
            let app = DemoProcesses.id(index)
            return NewProcess(
                id: app, flowName: flow.name,
                input: try encoder.encode(DeployPipeline.Input(
                    app: app.rawValue, desiredVersion: SimulatedSystems.releasedVersion,
                    production: index % 5 == 0, approvalRequired: approvals && index % 5 == 0
                )),
                data: try encoder.encode(DeployPipeline.Data()), now: now, labels: DemoProcesses.labels(index),
                traceContext: NewProcess.currentTraceContext()
            )
        }
        for start in stride(from: 0, to: newProcesses.count, by: DemoProcesses.pageSize) {
            let batch = newProcesses[start..<min(start + DemoProcesses.pageSize, newProcesses.count)]
            created += try await store.create(Array(batch)).filter(\.created).count
        }
        let before = try await processes.read(from: store)
        let stepsBefore = before.reduce(0) { $0 + $1.stepCount }
        let finishedBefore = before.filter(\.status.isFinished).count
        if created == apps {
            print("store: \(storeOptions.displayLocation) — \(apps) new processes")
        } else {
            print("store: \(storeOptions.displayLocation) — \(apps - created) processes continued from the store (\(finishedBefore) already finished), \(created) new")
        }
        print("external systems: SIMULATED in-process (random latencies, \(Int(failureRate * 100))% transient failures)")
        fflush(nil)

        let live = !plain && isatty(STDOUT_FILENO) != 0
        // The live display owns the terminal and shows store problems itself: the worker's logs stay quiet there.
        let logger = storeOptions.logger(label: "stepflow.demo", default: live ? .critical : .warning)
        let worker = FlowWorker(
            store: store, registry: registry,
            configuration: .init(concurrency: concurrency, pollInterval: .milliseconds(250), idleInterval: .milliseconds(200)),
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: worker)]
        if serve {
            let client = StepFlowClient(store: store, registry: registry)
            services.append(.init(service: try ServeCommand.application(
                client: client, configuration: StepFlowServer.Configuration(port: port), logger: logger
            )))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigint, .sigterm], logger: logger
        ))
        let display = ProgressDisplay(flow: flow.flow, live: live)
        let monitor = DemoMonitor(store: store, processes: processes, records: before)
        let started = Date()
        // Three tasks: the worker's service group (ends on Ctrl-C, or once shut down), the monitor (ends once every
        // process is finished, then shuts the group down) and the display (ends when cancelled).
        try await withThrowingTaskGroup(of: DemoTask.self) { tasks in
            tasks.addTask {
                try await group.run()
                return .worker
            }
            tasks.addTask { .monitor(allFinished: await monitor.watch()) }
            tasks.addTask {
                while !Task.isCancelled {
                    let reading = monitor.reading()
                    display.render(reading.records, total: apps, elapsed: Date().timeIntervalSince(started), storeProblem: reading.storeProblem)
                    try? await Task.sleep(for: .milliseconds(250))
                }
                return .display
            }
            while let ended = try await tasks.next() {
                switch ended {
                case .worker: tasks.cancelAll()
                case .monitor(allFinished: true) where serve:
                    print("every process has finished; the dashboard is still served until you interrupt the demo (Ctrl-C)")
                    fflush(nil)
                case .monitor(allFinished: true): await group.triggerGracefulShutdown()
                case .monitor(allFinished: false), .display: break
                }
            }
        }
        // The summary tells from the stored records whether the demo finished, whichever task ended first; if the
        // store does not answer now, from the last records read.
        let records = (try? await processes.read(from: store)) ?? monitor.lastRecords
        let elapsed = Date().timeIntervalSince(started)
        display.render(records, total: apps, elapsed: elapsed)
        display.summary(records, stepsBefore: stepsBefore, elapsed: elapsed, interrupted: !processes.allFinished(records))
    }
}

/// A task of the running demo, as it ends.
private enum DemoTask: Sendable {
    case worker
    case monitor(allFinished: Bool)
    case display
}
