import Foundation
import StepFlow
import StepFlowRuntime
import Testing

/// Operators' commands: pause and unpause, moves, labels, statistics and purge.
extension ProcessStoreConformance {
    /// `execute(.pause)` fences a process and keeps workers off it; `.unpause` lets them claim it at its due time.
    public func pauseAndUnpause() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(0), limit: 1).first)

        let paused = try await store.execute(.pause(reason: "incident 42"), on: "p", now: Fixture.t(5), by: "alice")
        #expect(paused.status == .paused)
        #expect(paused.lease == nil)
        #expect(paused.leaseToken == claimed.leaseToken + 1)
        #expect(paused.dueAt == Fixture.t(5), "the interrupted step is due again at the pause")
        #expect(try await store.process("p") == paused)
        // The worker's save is rejected; no worker claims a paused process; it is not due.
        let save = Fixture.update(claimed, state: ["start:order.v1/charge"], status: .running, dueAt: Fixture.t(6), at: Fixture.t(6))
        #expect(try await store.commit([save]) == [.rejected])
        #expect(try await Fixture.claim(store, at: Fixture.t(1000)).isEmpty)
        #expect(try await Fixture.claim(store, at: Fixture.t(1000), only: "p", force: true).isEmpty)
        #expect(try await store.nextDueDate() == nil)
        #expect(try await store.dueCount(now: Fixture.t(1000)) == 0)
        // Pausing again changes nothing.
        #expect(try await store.execute(.pause(reason: "again"), on: "p", now: Fixture.t(7)) == paused)

        // Wake and resume are refused with a hint to unpause; nothing changes.
        for command in [ProcessCommand.wake, .resume] {
            do {
                _ = try await store.execute(command, on: "p", now: Fixture.t(8))
                Issue.record("\(command) of a paused process should be refused")
            } catch let error as ProcessStoreError {
                #expect(error.code == .invalidCommand)
                #expect(error.message.contains("unpause"), "\(error.message)")
            }
        }
        #expect(try await store.process("p") == paused)

        let unpaused = try await store.execute(.unpause, on: "p", now: Fixture.t(20), by: "bob")
        #expect(unpaused.status == .running)
        #expect(unpaused.dueAt == Fixture.t(5))
        #expect(unpaused.leaseToken == paused.leaseToken + 1)
        #expect(try await Fixture.claim(store, at: Fixture.t(20)).map(\.id) == ["p"])

        let history = try await store.history(of: "p")
        #expect(history.map(\.outcome) == [.paused, .unpaused])
        #expect(history.map(\.worker) == ["alice", "bob"])
        #expect(history.first?.reason == "incident 42")
        #expect(history.first?.startedAt == Fixture.t(5))

        // Only active processes are paused, only paused ones unpaused; unknown ones are not found.
        try await Fixture.create(store, "done", at: Fixture.t(0))
        let done = try await Fixture.drive(store, "done", to: .completed, dueAt: nil, at: Fixture.t(1))
        await Fixture.expectError(.invalidCommand, processID: "done") {
            try await store.execute(.pause(reason: "late"), on: "done", now: Fixture.t(30))
        }
        await Fixture.expectError(.invalidCommand, processID: "done") {
            try await store.execute(.unpause, on: "done", now: Fixture.t(30))
        }
        #expect(try await store.process("done") == done)
        await Fixture.expectError(.invalidCommand, processID: "p") {
            try await store.execute(.unpause, on: "p", now: Fixture.t(30))
        }
        await Fixture.expectError(.notFound, processID: "ghost") {
            try await store.execute(.pause(reason: "x"), on: "ghost", now: Fixture.t(30))
        }
        #expect(try await store.history(of: "done").isEmpty)

        // A paused process can be cancelled.
        try await Fixture.create(store, "q", at: Fixture.t(0))
        _ = try await store.execute(.pause(reason: "hold"), on: "q", now: Fixture.t(1))
        let cancelled = try await store.execute(.cancel(reason: "give up"), on: "q", now: Fixture.t(2), by: "carol")
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.dueAt == nil)
        #expect(try await store.history(of: "q").map(\.outcome) == [.paused, .cancelled])
        #expect(try await store.history(of: "q").last?.reason == "give up")
    }

    /// A paused timer keeps its wall-clock time: unpaused before it, the process waits for it; after it, it is due at once.
    public func pausedTimerKeepsItsTime() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "t", at: Fixture.t(0))
        try await Fixture.drive(store, "t", to: .waiting, dueAt: Fixture.t(600), at: Fixture.t(1))
        _ = try await store.execute(.pause(reason: "look"), on: "t", now: Fixture.t(10))
        let early = try await store.execute(.unpause, on: "t", now: Fixture.t(100))
        #expect(early.status == .waiting)
        #expect(early.dueAt == Fixture.t(600))
        #expect(try await Fixture.claim(store, at: Fixture.t(100)).isEmpty)

        _ = try await store.execute(.pause(reason: "look again"), on: "t", now: Fixture.t(110))
        #expect(try await Fixture.claim(store, at: Fixture.t(650)).isEmpty, "paused past its timer: not claimed")
        let late = try await store.execute(.unpause, on: "t", now: Fixture.t(700))
        #expect(late.dueAt == Fixture.t(600))
        #expect(late.status == .running)
        #expect(try await store.nextDueDate() == Fixture.t(600))
        #expect(try await Fixture.claim(store, at: Fixture.t(700)).map(\.id) == ["t"])
    }

    /// A signal sent to a paused process is stored without waking it, and is there after the unpause.
    public func signalToAPausedProcessIsKept() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "s", at: Fixture.t(0))
        try await Fixture.drive(store, "s", to: .waiting, dueAt: Fixture.t(600), at: Fixture.t(1))
        let paused = try await store.execute(.pause(reason: "hold"), on: "s", now: Fixture.t(2))
        let signal = try await store.sendSignal(to: "s", name: "approve", payload: Fixture.json("true"), now: Fixture.t(3))
        #expect(signal.sequence == 1)
        #expect(try await store.process("s") == paused)
        #expect(try await Fixture.claim(store, at: Fixture.t(700)).isEmpty)
        _ = try await store.execute(.unpause, on: "s", now: Fixture.t(800))
        #expect(try await store.signals(of: ["s"])["s"]?.map(\.name) == ["approve"])
        #expect(try await Fixture.claim(store, at: Fixture.t(800)).map(\.id) == ["s"])
    }

    /// `execute(.move)` replaces the state (and flow and data), clears the error, fences, and makes the process
    /// running and due now; a paused process stays paused.
    public func moveCommand() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "m", at: Fixture.t(0))
        let failed = try await Fixture.drive(store, "m", to: .failed, dueAt: nil, at: Fixture.t(1), attempt: 2, lastError: "boom")
        let move = ProcessMove(
            state: ["completed:order.v1/reserve"], flowName: "order.v2", data: Fixture.json(#"{"count":7}"#),
            outcome: .rewound, reason: "retry the charge"
        )
        let moved = try await store.execute(.move(move), on: "m", now: Fixture.t(10), by: "ops")
        #expect(moved.state == ["completed:order.v1/reserve"])
        #expect(moved.flowName == "order.v2")
        #expect(moved.data == Fixture.json(#"{"count":7}"#))
        #expect(moved.status == .running)
        #expect(moved.dueAt == Fixture.t(10))
        #expect(moved.lastError == nil)
        #expect(moved.attempt == 0)
        #expect(moved.leaseToken == failed.leaseToken + 1)
        #expect(moved.stepCount == failed.stepCount)
        #expect(try await store.process("m") == moved)
        let entry = try #require(try await store.history(of: "m").last)
        #expect(entry.outcome == .rewound)
        #expect(entry.reason == "retry the charge")
        #expect(entry.worker == "ops")
        #expect(entry.before == failed.state)
        #expect(entry.after == ["completed:order.v1/reserve"])

        // A held process: the worker's save is rejected.
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(10)).first)
        _ = try await store.execute(.move(ProcessMove(state: [], outcome: .migrated, reason: "v3")), on: "m", now: Fixture.t(11))
        #expect(try await store.commit([Fixture.update(claimed, status: .completed, dueAt: nil, at: Fixture.t(12))]) == [.rejected])
        // A paused process stays paused, due now.
        _ = try await store.execute(.pause(reason: "hold"), on: "m", now: Fixture.t(13))
        let pausedMove = try await store.execute(
            .move(ProcessMove(state: ["start:order.v2/charge"], outcome: .rewound, reason: "again")), on: "m", now: Fixture.t(14)
        )
        #expect(pausedMove.status == .paused)
        #expect(pausedMove.dueAt == Fixture.t(14))
        #expect(try await Fixture.claim(store, at: Fixture.t(20)).isEmpty)
        await Fixture.expectError(.notFound, processID: "ghost") {
            try await store.execute(.move(move), on: "ghost", now: Fixture.t(15))
        }
    }

    /// Labels are stored with the process, replaced by `execute(.setLabels)`, and refused when they break a rule.
    public func labelsAreStoredAndReplaced() async throws {
        let store = try await makeStore()
        var new = Fixture.newProcess("l", at: Fixture.t(0))
        new.labels = ["team": "payments", "env": "prod", "a.b/c-d_e": String(repeating: "é", count: 128)]
        let created = try await store.create(new).record
        #expect(created.labels == new.labels)
        #expect(try await store.process("l")?.labels == new.labels)

        let relabelled = try await store.execute(.setLabels(["team": "search"]), on: "l", now: Fixture.t(5), by: "dave")
        #expect(relabelled.labels == ["team": "search"])
        #expect(relabelled.leaseToken == created.leaseToken, "labels are not fenced")
        #expect(try await store.process("l")?.labels == ["team": "search"])
        #expect(try await store.history(of: "l").map(\.outcome) == [.labelled])
        #expect(try await store.processes(ProcessQuery(labels: ["team": "payments"])).isEmpty)
        #expect(try await store.processes(ProcessQuery(labels: ["team": "search"])).map(\.id) == ["l"])

        let bad: [[String: String]] = [
            ["Team": "x"], ["": "x"], ["team name": "x"], ["team": String(repeating: "v", count: 257)],
            Dictionary(uniqueKeysWithValues: (0..<17).map { ("k\($0)", "v") }),
        ]
        for labels in bad {
            await Fixture.expectError(.invalidInput) {
                try await store.execute(.setLabels(labels), on: "l", now: Fixture.t(6))
            }
            var refused = Fixture.newProcess("bad", at: Fixture.t(0))
            refused.labels = labels
            await Fixture.expectError(.invalidInput) { try await store.create(refused) }
        }
        #expect(try await store.process("bad") == nil)
        #expect(try await store.process("l")?.labels == ["team": "search"])
    }

    /// `processes` filters by labels (all must match), step, and created and updated times, with keyset paging.
    public func searchByLabelsStepAndTime() async throws {
        let store = try await makeStore()
        for index in 0..<12 {
            var new = Fixture.newProcess(
                ProcessID("p\(String(format: "%02d", index))"), at: Fixture.t(Int64(index)),
                state: index % 3 == 0 ? ["start:order.v1/charge"] : ["completed:order.v1/reserve"]
            )
            new.labels = ["env": index % 2 == 0 ? "prod" : "staging", "team": index < 6 ? "payments" : "search"]
            _ = try await store.create(new)
        }
        func ids(_ query: ProcessQuery) async throws -> [String] {
            try await store.processes(query).map(\.id.rawValue)
        }
        #expect(try await ids(ProcessQuery(labels: ["env": "prod", "team": "payments"])) == ["p00", "p02", "p04"])
        #expect(try await ids(ProcessQuery(limit: 2, labels: ["env": "prod", "team": "payments"])) == ["p00", "p02"])
        #expect(try await ids(ProcessQuery(limit: 2, after: "p02", labels: ["env": "prod"])) == ["p04", "p06"])
        #expect(try await ids(ProcessQuery(labels: ["env": "dev"])).isEmpty)
        #expect(try await ids(ProcessQuery(step: "charge")) == ["p00", "p03", "p06", "p09"])
        #expect(try await ids(ProcessQuery(labels: ["team": "search"], step: "charge")) == ["p06", "p09"])
        #expect(try await ids(ProcessQuery(step: "reserve", createdAfter: Fixture.t(8))) == ["p08", "p10", "p11"])
        #expect(try await ids(ProcessQuery(createdBefore: Fixture.t(2))) == ["p00", "p01"])
        // Updated times move with a command.
        _ = try await store.execute(.pause(reason: "x"), on: "p05", now: Fixture.t(100))
        #expect(try await ids(ProcessQuery(updatedAfter: Fixture.t(50))) == ["p05"])
        #expect(try await ids(ProcessQuery(updatedBefore: Fixture.t(1))) == ["p00"])
        #expect(try await ids(ProcessQuery(statuses: [.paused], labels: ["team": "payments"])) == ["p05"])
    }

    /// Searches by step, creation and update time find processes of every status (a store may read each group of
    /// statuses through its own index), alone, with statuses, labels and a flow, and page by page: the same processes,
    /// in the same order, as the query's own rule applied to every stored process.
    public func searchesSpanEveryStatus() async throws {
        let store = try await makeStore()
        let statuses: [ProcessStatus] = [.running, .waiting, .paused, .completed, .failed, .cancelled]
        for index in 0..<24 {
            let id = ProcessID("s\(String(format: "%02d", index))")
            var new = Fixture.newProcess(
                id, at: Fixture.t(Int64(index)), state: index % 2 == 0 ? ["start:order.v1/charge"] : ["start:order.v1/ship"]
            )
            new.labels = ["team": index % 3 == 0 ? "payments" : "search"]
            _ = try await store.create(new)
            let at = Fixture.t(Int64(100 + index))
            switch statuses[index % statuses.count] {
            case .running: try await Fixture.drive(store, id, to: .running, dueAt: at, at: at)
            case .waiting: try await Fixture.drive(store, id, to: .waiting, dueAt: Fixture.t(10_000), at: at)
            case .paused: _ = try await store.execute(.pause(reason: "hold"), on: id, now: at)
            case .completed: try await Fixture.drive(store, id, to: .completed, dueAt: nil, at: at)
            case .failed: try await Fixture.drive(store, id, to: .failed, dueAt: nil, at: at, lastError: "boom")
            case .cancelled: _ = try await store.execute(.cancel(reason: "stop"), on: id, now: at)
            }
        }
        let records = try await store.processes(ProcessQuery(limit: 100))
        #expect(records.count == 24)
        #expect(Set(records.map(\.status)) == Set(statuses))
        let queries: [ProcessQuery] = [
            ProcessQuery(step: "charge"),
            ProcessQuery(statuses: [.completed, .paused], step: "charge"),
            ProcessQuery(statuses: [.running], step: "ship"),
            ProcessQuery(labels: ["team": "payments"], step: "charge"),
            ProcessQuery(flowName: Fixture.flow, step: "ship", createdAfter: Fixture.t(10)),
            ProcessQuery(createdAfter: Fixture.t(6), createdBefore: Fixture.t(18)),
            ProcessQuery(updatedAfter: Fixture.t(110)),
            ProcessQuery(statuses: [.failed, .waiting], updatedBefore: Fixture.t(115)),
            ProcessQuery(step: "charge", updatedAfter: Fixture.t(104), updatedBefore: Fixture.t(120)),
            ProcessQuery(step: "nowhere"),
        ]
        for query in queries {
            let expected = records.filter(query.matches).map(\.id)
            #expect(try await store.processes(query).map(\.id) == expected, "\(query)")
            // Page by page, three at a time, across the groups of statuses.
            var paged: [ProcessID] = []
            var page = query
            page.limit = 3
            while true {
                let ids = try await store.processes(page).map(\.id)
                paged += ids
                guard ids.count == 3, let last = ids.last else { break }
                page.after = last
            }
            #expect(paged == expected, "paged: \(query)")
        }
        #expect(try await store.processes(ProcessQuery(step: "charge")).count == 12)
    }

    /// The stored step agrees with ``ProcessRecord/currentStep`` for every kind of state, in queries and statistics.
    public func currentStepFollowsTheState() async throws {
        let store = try await makeStore()
        let states: [FlowState] = [
            [], ["start:order.v1/a/b"], ["completed:order.v1/a"], ["completed:order.v1"], ["start:order.v1"],
            ["start:other/x"], ["plain"], ["start:order.v1/a/b", "start:order.v1/c"], ["start:order.v1/q\"uote"],
            ["start:order.v1/back\\slash"], ["start:order.v1/ünï/çødé"], ["start:order.v1x/y"], ["start:order.v1/"],
        ]
        var expected: [ProcessID: String?] = [:]
        for (index, state) in states.enumerated() {
            let id = ProcessID("s\(String(format: "%02d", index))")
            let record = try await Fixture.create(store, id, at: Fixture.t(0), state: state)
            expected[id] = record.currentStep
        }
        // A save moves the step.
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(0), only: "s00", force: true).first)
        _ = try await store.commit([Fixture.update(claimed, state: ["start:order.v1/saved"], status: .running, dueAt: Fixture.t(1), at: Fixture.t(1))])
        expected["s00"] = "saved"
        #expect(expected["s01"] == "a/b")
        #expect(expected["s03"] == .some(nil))
        for step in Set(expected.values.compactMap { $0 }) {
            let found = try await store.processes(ProcessQuery(step: step)).map(\.id)
            #expect(found == expected.filter { $0.value == step }.keys.sorted(), "step \(step)")
        }
        let statistics = try await store.statistics(flowName: Fixture.flow)
        var counted: [String?: Int] = [:]
        for step in expected.values { counted[step, default: 0] += 1 }
        #expect(Dictionary(uniqueKeysWithValues: statistics.groups.map { ($0.step, $0.count) }) == counted)
    }

    /// `statistics` counts by flow, status and step, for one flow or all.
    public func statisticsCount() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "a1", flow: "a", at: Fixture.t(0), state: ["start:a/x"])
        try await Fixture.create(store, "a2", flow: "a", at: Fixture.t(0), state: ["start:a/x"])
        try await Fixture.create(store, "a3", flow: "a", at: Fixture.t(0), state: ["start:a/y"])
        try await Fixture.create(store, "b1", flow: "b", at: Fixture.t(0), state: ["start:b/x"])
        try await Fixture.drive(store, "a3", to: .failed, dueAt: nil, at: Fixture.t(1))
        _ = try await store.execute(.pause(reason: "x"), on: "b1", now: Fixture.t(2))
        let all = try await store.statistics(flowName: nil)
        #expect(all.groups == [
            .init(flowName: "a", status: .failed, step: "y", count: 1),
            .init(flowName: "a", status: .running, step: "x", count: 2),
            .init(flowName: "b", status: .paused, step: "x", count: 1),
        ])
        #expect(all.total == 4)
        #expect(all.byFlow == ["a": 3, "b": 1])
        #expect(try await store.statistics(flowName: "b").groups == [.init(flowName: "b", status: .paused, step: "x", count: 1)])
        #expect(try await store.statistics(flowName: "none").groups.isEmpty)
    }

    /// `statistics` agrees with counting the stored processes one by one after every kind of change: a step's save
    /// that finishes a process (with a new state, or keeping the stored one as a failure does), cancel, resume, a
    /// move of a finished process back to work (and of a process between flows), and purge. (A store may keep counts of finished processes rather than
    /// count them at each call: this is what keeps them exact.)
    public func statisticsFollowEveryChange() async throws {
        let store = try await makeStore()
        func expectExact(_ when: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let records = try await store.processes(ProcessQuery())
            #expect(
                try await store.statistics(flowName: nil) == ProcessStatistics(counting: records),
                "after \(when)", sourceLocation: sourceLocation
            )
            #expect(
                try await store.statistics(flowName: "b.v1") == ProcessStatistics(counting: records.filter { $0.flowName == "b.v1" }),
                "after \(when), for one flow", sourceLocation: sourceLocation
            )
        }
        for index in 0..<8 {
            let flow = index < 5 ? "a.v1" : "b.v1"
            try await Fixture.create(store, ProcessID("p\(index)"), flow: flow, at: Fixture.t(0), state: ["start:\(flow)/first"])
        }
        try await expectExact("creating")
        // Finished by a save with a new state, and by failures that keep the stored state.
        for id: ProcessID in ["p0", "p1", "p5"] {
            let record = try #require(try await Fixture.claim(store, at: Fixture.t(1), only: id, force: true).first)
            let done: FlowState = ["completed:\(record.flowName)/last"]
            _ = try await store.commit([Fixture.update(record, state: done, status: .completed, dueAt: nil, at: Fixture.t(1))])
        }
        try await Fixture.drive(store, "p2", to: .failed, dueAt: nil, at: Fixture.t(2), lastError: "no")
        try await Fixture.drive(store, "p6", to: .failed, dueAt: nil, at: Fixture.t(2), lastError: "no")
        try await expectExact("finishing")
        _ = try await store.execute(.cancel(reason: "x"), on: "p3", now: Fixture.t(3))
        try await expectExact("cancelling")
        _ = try await store.execute(.resume, on: "p2", now: Fixture.t(4))
        _ = try await store.execute(
            .move(ProcessMove(state: ["start:b.v1/first"], outcome: .advanced, reason: "rewind")), on: "p5", now: Fixture.t(4)
        )
        _ = try await store.execute(
            .move(ProcessMove(state: ["start:b.v1/first"], flowName: "b.v1", outcome: .migrated, reason: "v2")), on: "p1", now: Fixture.t(4)
        )
        try await expectExact("resuming and rewinding finished processes")
        _ = try await store.purge(PurgeRequest(finishedBefore: Fixture.t(100), limit: 10))
        try await expectExact("purging")
        #expect(try await store.statistics(flowName: nil).total == 5)
    }

    /// `purge` deletes finished processes last changed before the time, with their history, signals and labels, in
    /// batches; never a running, waiting or paused one.
    public func purgeDeletesOnlyFinishedProcesses() async throws {
        let store = try await makeStore()
        for id: ProcessID in ["run", "wait", "pause", "done1", "done2", "fail", "cancel", "recent", "other"] {
            var new = Fixture.newProcess(id, flow: id == "other" ? "other.v1" : Fixture.flow, at: Fixture.t(0))
            new.labels = ["env": "prod"]
            _ = try await store.create(new)
        }
        try await Fixture.drive(store, "wait", to: .waiting, dueAt: Fixture.t(5000), at: Fixture.t(1))
        _ = try await store.execute(.pause(reason: "x"), on: "pause", now: Fixture.t(1))
        for id: ProcessID in ["done1", "done2", "other"] { try await Fixture.drive(store, id, to: .completed, dueAt: nil, at: Fixture.t(2)) }
        _ = try await store.sendSignal(to: "fail", name: "go", payload: Data(), now: Fixture.t(2))
        try await Fixture.drive(store, "fail", to: .failed, dueAt: nil, at: Fixture.t(3))
        _ = try await store.execute(.cancel(reason: "x"), on: "cancel", now: Fixture.t(3))
        try await Fixture.drive(store, "recent", to: .completed, dueAt: nil, at: Fixture.t(500))

        let first = try await store.purge(PurgeRequest(finishedBefore: Fixture.t(100), flowName: Fixture.flow, limit: 2))
        #expect(first.count == 2)
        let rest = try await store.purge(PurgeRequest(finishedBefore: Fixture.t(100), flowName: Fixture.flow, limit: 10))
        #expect(Set(first + rest) == ["done1", "done2", "fail", "cancel"])
        for id in first + rest {
            #expect(try await store.process(id) == nil)
            #expect(try await store.history(of: id).isEmpty)
        }
        #expect(try await store.signals(of: ["fail"]).isEmpty)
        #expect(try await store.processes(ProcessQuery(labels: ["env": "prod"])).map(\.id) == ["other", "pause", "recent", "run", "wait"])
        // Statuses narrow it; unfinished statuses are never purged, whatever the request says.
        #expect(try await store.purge(PurgeRequest(finishedBefore: Fixture.t(10_000), statuses: [.failed, .running, .waiting, .paused])).isEmpty)
        #expect(try await store.purge(PurgeRequest(finishedBefore: Fixture.t(10_000), statuses: [.completed])) .sorted() == ["other", "recent"])
        #expect(try await store.processes(ProcessQuery()).map(\.id) == ["pause", "run", "wait"])
    }
}
