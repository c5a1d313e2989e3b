import Foundation
import StepFlowRuntime
import StepFlowSQLite
import Testing

/// Two store instances on one file, as two workers (or two programs) would have.
@Suite struct SQLiteStoreSharingTests {
    @Test func aClaimByOneStoreIsNotReturnedToTheOtherUntilTheLeaseLapses() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("shared.sqlite")
            let first = try SQLiteProcessStore(path: path)
            let second = try SQLiteProcessStore(path: path)

            try await first.create("p", at: t(0))
            #expect(try await second.process("p")?.status == .running)

            let claimedByFirst = try await first.claim("w1", at: t(0))
            #expect(claimedByFirst.map(\.leaseToken) == [1])
            #expect(try await second.claim("w2", at: t(0)).isEmpty)
            #expect(try await second.claim("w2", at: t(29)).isEmpty)
            #expect(try await second.claim("w2", at: t(10), only: "p").isEmpty)

            let claimedBySecond = try await second.claim("w2", at: t(30))
            #expect(claimedBySecond.map(\.leaseToken) == [2])

            // The first worker's late save is rejected and not written; the second's is saved.
            let stale = step("p", token: 1, state: ["start:order.v1/stale"], dueAt: t(100), history: entry(1, token: 1, at: t(31)), at: t(31))
            #expect(try await first.commit([stale]) == [.rejected])
            let current = step("p", token: 2, state: ["start:order.v1/current"], dueAt: t(100), history: entry(1, worker: "w2", token: 2, at: t(32)), at: t(32))
            #expect(try await second.commit([current]) == [.saved])

            let seenByFirst = try #require(try await first.process("p"))
            #expect(seenByFirst.state == ["start:order.v1/current"])
            #expect(seenByFirst.leaseToken == 2)
            #expect(try await first.history(of: "p").map(\.worker) == ["w2"])
        }
    }

    @Test func concurrentClaimsFromTwoStoresNeverShareAProcess() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("shared.sqlite")
            let stores = [try SQLiteProcessStore(path: path), try SQLiteProcessStore(path: path)]
            for index in 0..<200 {
                try await stores[0].create(ProcessID("p\(index)"), at: t(Int64(index % 7)))
            }
            let claimed = try await withThrowingTaskGroup(of: [ProcessID].self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        var ids: [ProcessID] = []
                        while true {
                            let batch = try await store.claim("w\(index)", at: t(10), limit: 7)
                            if batch.isEmpty { return ids }
                            let saved = try await store.commit(batch.map {
                                step($0.id, token: $0.leaseToken, status: .completed, dueAt: nil, at: t(11))
                            })
                            #expect(saved.allSatisfy { $0 == .saved })
                            ids += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 200)
            #expect(Set(claimed).count == 200)
            #expect(try await stores[1].processes(ProcessQuery(statuses: [.completed])).count == 200)
        }
    }
}
