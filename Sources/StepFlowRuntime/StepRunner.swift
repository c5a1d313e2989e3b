import Foundation
import Logging
import Tracing

/// Turns claimed processes into the updates to save: the one path by which a durable step runs, for
/// ``FlowWorker`` and ``StepFlowClient/advance(_:worker:defaultPollInterval:logger:)``.
///
/// Each claimed process's flow is looked up once, when its claim becomes a ``Job``; the job then carries what the
/// worker asks about it (does its flow read signals, does it await any). The flow decodes the record, runs the
/// step and encodes the result; the runner handles the records no flow can run (unreadable, flow not registered).
struct StepRunner: Sendable {
    /// A claimed process, its flow (resolved once) and the signals its step gets.
    struct Job: Sendable {
        /// The claim: id, lease token, record.
        let claimed: ClaimedProcess
        /// The process's flow; `nil` when the record is unreadable or its flow is not registered.
        let flow: (any RegisteredFlow)?
        /// The process's signals (read only for flows that read them).
        var signals: [ProcessSignal] = []

        /// Whether the flow's steps need the process's signals.
        var readsSignals: Bool { flow?.readsSignals ?? false }
        /// Whether the flow has `AwaitSignal` steps: once saved waiting, a signal that came meanwhile wakes it.
        var awaitsSignals: Bool { flow.map { !$0.awaitedSignals.isEmpty } ?? false }

        /// The claim's lease.
        var lease: ProcessLeaseToken { ProcessLeaseToken(id: claimed.id, token: claimed.leaseToken) }
    }

    /// A step's update, with what the worker checks once it is saved.
    struct Finished: Sendable {
        /// The update to save.
        let update: ProcessUpdate
        /// Whether the process's flow awaits signals.
        let awaitsSignals: Bool
        /// How many signals the step saw.
        let signalsSeen: Int
        /// The process's flow, for metrics (`nil` when its record could not be read).
        let flowName: String?

        /// The claim's lease.
        var lease: ProcessLeaseToken { ProcessLeaseToken(id: update.id, token: update.leaseToken) }
    }

    /// The flows known.
    let registry: FlowRegistry
    /// The worker's identifier, written into history.
    let worker: String
    /// How long until a `WaitFor` that is not yet true is checked again, unless the flow or step says otherwise.
    let defaultPollInterval: Duration
    /// The logger steps and defects log to.
    let logger: Logger
    /// The tracer of the steps' spans; `nil` (the no-op tracer) skips tracing: then a step costs what it did without.
    var tracer: (any Tracer)? = ProcessTrace.activeTracer()

    /// The job of a claimed process, its flow looked up once.
    func job(_ claimed: ClaimedProcess) -> Job {
        guard case let .success(record) = claimed.record else { return Job(claimed: claimed, flow: nil) }
        return Job(claimed: claimed, flow: registry.flow(named: record.flowName))
    }

    /// The jobs of claimed processes, with their signals read in one store call (none when no flow reads them).
    func jobs(_ claimed: [ClaimedProcess], store: any ProcessStore) async throws -> [Job] {
        var jobs = claimed.map(job)
        let readers = jobs.compactMap { $0.readsSignals ? $0.claimed.id : nil }
        guard !readers.isEmpty else { return jobs }
        let inbox = try await store.signals(of: readers)
        for index in jobs.indices where jobs[index].readsSignals {
            jobs[index].signals = inbox[jobs[index].claimed.id] ?? []
        }
        return jobs
    }

    /// Runs the next step of a job and returns the update to save.
    func run(_ job: Job, now: Date) async -> Finished {
        let update: ProcessUpdate
        if case let .success(record) = job.claimed.record, let traceContext = record.traceContext {
            // The trace id for the logs of the step (a task-local: no cost to the step itself).
            update = await ProcessTrace.$current.withValue(traceContext) {
                if let tracer { await traced(job, now: now, tracer: tracer) } else { await self.update(job, now: now) }
            }
        } else {
            update = if let tracer { await traced(job, now: now, tracer: tracer) } else { await self.update(job, now: now) }
        }
        return Finished(
            update: update, awaitsSignals: job.awaitsSignals, signalsSeen: job.signals.count,
            flowName: job.flow?.name ?? (try? job.claimed.record.get())?.flowName
        )
    }

    /// Runs the step in its span: a child of the process's saved trace, named after the step's path, current
    /// (task-local) while the step runs so that the spans of the libraries it calls are its children.
    private func traced(_ job: Job, now: Date, tracer: any Tracer) async -> ProcessUpdate {
        let record = try? job.claimed.record.get()
        let parent = ProcessTrace.context(of: record?.traceContext, tracer: tracer)
        let name = record.flatMap { record in job.flow?.nextStepPath(in: record.state) } ?? record?.flowName ?? "stepflow.step"
        let span = tracer.startSpan(name, context: parent, ofKind: .consumer)
        defer { span.end() }
        let update = await ServiceContext.$current.withValue(span.context) { await self.update(job, now: now) }
        StepSpan.finish(span, update: update, flowName: record?.flowName, worker: worker)
        return update
    }

    private func update(_ job: Job, now: Date) async -> ProcessUpdate {
        let claimed = job.claimed
        let record: ProcessRecord
        switch claimed.record {
        case let .success(value):
            record = value
        case let .failure(error):
            logger.error("process record cannot be read; failing it", metadata: [
                "stepflow.process": "\(claimed.id)", "stepflow.error": "\(error)",
            ])
            return .failingUnreadable(claimed.id, leaseToken: claimed.leaseToken, reason: error.message, now: now)
        }
        guard let flow = job.flow else {
            let reason = "flow '\(record.flowName)' is not registered with '\(worker)' (it knows \(registry.names)); "
                + "register it and resume the process"
            logger.error("unknown flow; failing process", metadata: ["stepflow.process": "\(record.id)", "stepflow.flow": "\(record.flowName)"])
            return .failing(record.id, flowName: record.flowName, leaseToken: claimed.leaseToken, stepCount: record.stepCount, state: record.state,
                            reason: reason, now: now, worker: worker)
        }
        return await flow.advance(
            record, leaseToken: claimed.leaseToken, now: now, worker: worker,
            defaultPollInterval: defaultPollInterval, signals: job.signals, logger: logger
        )
    }
}
