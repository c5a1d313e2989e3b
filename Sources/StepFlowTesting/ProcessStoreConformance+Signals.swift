import Foundation
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// `sendSignal` appends to the process's inbox with sequences 1, 2, 3 across names; `signals(of:)` returns them
    /// in that order, equal to what `sendSignal` returned.
    public func signalsAreKeptInOrder() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        var sent: [ProcessSignal] = []
        for (second, name) in [(1, "approval"), (2, "note"), (3, "approval")] {
            sent.append(try await store.sendSignal(
                to: "p", name: name, payload: Fixture.json(#"{"n":\#(second)}"#), now: Fixture.t(Int64(second), ms: 250)
            ))
        }
        #expect(sent.map(\.sequence) == [1, 2, 3])
        #expect(sent.map(\.name) == ["approval", "note", "approval"])
        #expect(sent.map(\.processID) == ["p", "p", "p"])
        #expect(sent.map(\.sentAt) == [Fixture.t(1, ms: 250), Fixture.t(2, ms: 250), Fixture.t(3, ms: 250)])
        #expect(sent.map(\.payload) == [Fixture.json(#"{"n":1}"#), Fixture.json(#"{"n":2}"#), Fixture.json(#"{"n":3}"#)])
        #expect(try await store.signals(of: ["p"]) == ["p": sent])

        // Asking twice for a process gives its signals once.
        #expect(try await store.signals(of: ["p", "p"]) == ["p": sent])
    }

    /// `signals(of:)` returns the signals of the processes asked for only; processes without signals are absent.
    public func signalsOfReturnsOnlyTheAskedProcesses() async throws {
        let store = try await makeStore()
        for id: ProcessID in ["a", "b", "c", "quiet"] {
            try await Fixture.create(store, id, at: Fixture.t(0))
        }
        let a1 = try await store.sendSignal(to: "a", name: "approval", payload: Data(), now: Fixture.t(1))
        let b1 = try await store.sendSignal(to: "b", name: "approval", payload: Data(), now: Fixture.t(2))
        let a2 = try await store.sendSignal(to: "a", name: "approval", payload: Data(), now: Fixture.t(3))
        let c1 = try await store.sendSignal(to: "c", name: "other", payload: Data(), now: Fixture.t(4))
        // Each process counts its own signals.
        #expect([a1, a2, b1, c1].map(\.sequence) == [1, 2, 1, 1])

        #expect(try await store.signals(of: ["a", "c", "quiet", "ghost"]) == ["a": [a1, a2], "c": [c1]])
        #expect(try await store.signals(of: ["b"]) == ["b": [b1]])
        #expect(try await store.signals(of: ["quiet"]) == [:])
        #expect(try await store.signals(of: []) == [:])
    }

    /// A signal to an unknown process throws `.notFound`, and to a finished one `.invalidCommand`; nothing is stored.
    public func signalToUnknownOrFinishedProcessIsRefused() async throws {
        let store = try await makeStore()
        await Fixture.expectError(.notFound, processID: "ghost") {
            try await store.sendSignal(to: "ghost", name: "approval", payload: Fixture.json("{}"), now: Fixture.t(1))
        }
        #expect(try await store.process("ghost") == nil)
        #expect(try await store.signals(of: ["ghost"]) == [:])

        try await Fixture.create(store, "done", at: Fixture.t(0))
        try await Fixture.drive(store, "done", to: .completed, dueAt: nil, at: Fixture.t(1))
        try await Fixture.create(store, "failed", at: Fixture.t(0))
        try await Fixture.drive(store, "failed", to: .failed, dueAt: nil, at: Fixture.t(1), lastError: "boom")
        try await Fixture.create(store, "cancelled", at: Fixture.t(0))
        _ = try await store.execute(.cancel(reason: "stop"), on: "cancelled", now: Fixture.t(1))
        for id: ProcessID in ["done", "failed", "cancelled"] {
            let before = try await store.process(id)
            await Fixture.expectError(.invalidCommand, processID: id) {
                try await store.sendSignal(to: id, name: "approval", payload: Fixture.json("{}"), now: Fixture.t(5))
            }
            #expect(try await store.process(id) == before)
        }
        #expect(try await store.signals(of: ["done", "failed", "cancelled"]) == [:])

        // The process created later with the id starts with an empty inbox.
        try await Fixture.create(store, "ghost", at: Fixture.t(6))
        #expect(try await store.sendSignal(to: "ghost", name: "approval", payload: Data(), now: Fixture.t(7)).sequence == 1)
    }

    /// A signal with an empty name throws `.invalidCommand`; nothing is stored and the process is unchanged.
    public func signalNameMustNotBeEmpty() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let waiting = try await Fixture.drive(store, "p", to: .waiting, dueAt: Fixture.t(3600), at: Fixture.t(1))
        await Fixture.expectError(.invalidCommand, processID: "p") {
            try await store.sendSignal(to: "p", name: "", payload: Fixture.json("{}"), now: Fixture.t(5))
        }
        #expect(try await store.signals(of: ["p"]) == [:])
        #expect(try await store.process("p") == waiting)
        // The next signal is still the first.
        #expect(try await store.sendSignal(to: "p", name: "approval", payload: Data(), now: Fixture.t(6)).sequence == 1)
    }

    /// A signal makes a process that waits for a later time due now (claimable at once) and wakes idle workers,
    /// as `execute(.wake)` does; a process due already keeps its due time.
    public func signalMakesAWaitingProcessDueNow() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let waiting = try await Fixture.drive(store, "p", to: .waiting, dueAt: Fixture.t(3600), at: Fixture.t(1), attempt: 2)
        #expect(try await Fixture.claim(store, at: Fixture.t(10)).isEmpty)

        let wakeUps = store.wakeUps()
        _ = try await store.sendSignal(to: "p", name: "approval", payload: Fixture.json(#"{"ok":true}"#), now: Fixture.t(10))
        #expect(await Fixture.yields(wakeUps), "a subscriber should be woken when a signal makes a process due")
        var expected = waiting
        expected.dueAt = Fixture.t(10)
        expected.updatedAt = Fixture.t(10)
        #expect(try await store.process("p") == expected)
        #expect(try await store.nextDueDate() == Fixture.t(10))
        #expect(try await store.dueCount(now: Fixture.t(10)) == 1)
        let claimed = try await Fixture.claim(store, at: Fixture.t(10))
        #expect(claimed.map(\.id) == ["p"])
        #expect(claimed.map(\.leaseToken) == [waiting.leaseToken + 1])

        // Due before the signal: the due time stays (the process keeps its place among the due ones).
        try await Fixture.create(store, "due", at: Fixture.t(20))
        let due = try #require(try await store.process("due"))
        let afterDue = store.wakeUps()
        _ = try await store.sendSignal(to: "due", name: "approval", payload: Data(), now: Fixture.t(25))
        #expect(await Fixture.yields(afterDue), "a subscriber should be woken when a due process gets a signal")
        #expect(try await store.process("due")?.dueAt == due.dueAt)
        #expect(try await Fixture.claim(store, at: Fixture.t(25)).map(\.id) == ["due"])
    }

    /// A signal to a process a worker holds is stored, but the lease, the due time and the token stay: no other worker
    /// can claim it, and the holder's save succeeds.
    public func signalToALeasedProcessKeepsTheLease() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let claimed = try #require(try await Fixture.claim(store, owner: "w1", at: Fixture.t(0)).first)

        let signal = try await store.sendSignal(to: "p", name: "approval", payload: Fixture.json("{}"), now: Fixture.t(5))
        #expect(signal.sequence == 1)
        #expect(try await store.process("p") == claimed)
        #expect(try await store.signals(of: ["p"]) == ["p": [signal]])
        #expect(try await Fixture.claim(store, owner: "w2", at: Fixture.t(5)).isEmpty)

        let saved = try await store.commit([
            Fixture.update(claimed, status: .waiting, dueAt: Fixture.t(3600), at: Fixture.t(6))
        ])
        #expect(saved == [.saved])
        let record = try #require(try await store.process("p"))
        #expect(record.status == .waiting)
        #expect(record.lease == nil)
        #expect(record.leaseToken == claimed.leaseToken)
        // The signal stays in the inbox after the save.
        #expect(try await store.signals(of: ["p"]) == ["p": [signal]])

        // Once the lease has lapsed the process is free again: a signal is stored and another worker claims it.
        let other = try #require(try await Fixture.claim(store, owner: "w1", at: Fixture.t(3600)).first)
        _ = try await store.sendSignal(to: "p", name: "approval", payload: Data(), now: Fixture.t(3640))
        #expect(try await Fixture.claim(store, owner: "w2", at: Fixture.t(3640)).map(\.leaseToken) == [other.leaseToken + 1])
    }

    /// Payloads come back byte for byte: empty, JSON, bytes that are not UTF-8, and a large payload.
    public func signalPayloadsRoundTrip() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let payloads = [
            Data(), Fixture.json(#"{"approved":true,"by":"ünïcödé ✓"}"#), Data([0x00, 0xFF, 0x80, 0x00, 0x7F, 0xC3]),
            Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
        ]
        var sent: [ProcessSignal] = []
        for (index, payload) in payloads.enumerated() {
            let signal = try await store.sendSignal(to: "p", name: "s\(index)", payload: payload, now: Fixture.t(1))
            #expect(signal.payload == payload)
            sent.append(signal)
        }
        let stored = try #require(try await store.signals(of: ["p"])["p"])
        #expect(stored == sent)
        #expect(stored.map(\.payload) == payloads)
        // A name is kept as it is too.
        let named = try await store.sendSignal(to: "p", name: "ap/pro:val ✓", payload: Data(), now: Fixture.t(2))
        #expect(try await store.signals(of: ["p"])["p"]?.last == named)
    }

    /// Signals sent at the same time by many senders get distinct, consecutive sequences.
    public func concurrentSignalsGetDistinctSequences() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let count = 16
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await store.sendSignal(to: "p", name: "n\(index)", payload: Data(), now: Fixture.t(1)).sequence
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sequences.sorted() == Array(1...Int64(count)))
        let stored = try #require(try await store.signals(of: ["p"])["p"])
        #expect(stored.map(\.sequence) == Array(1...Int64(count)))
        #expect(Set(stored.map(\.name)).count == count)
    }
}
