import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StepFlowRuntime
import StepFlowServer
import Testing

@Suite struct APITests {
    let op = ServerFixture.operatorToken
    let reader = ServerFixture.readerToken

    @Test func healthAndReadiness() async throws {
        let fixture = try ServerFixture()
        try await fixture.test { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.object["openapi"] as? String == "3.1.0")
            }
        }
    }

    @Test func startIsIdempotentOnTheID() async throws {
        let fixture = try ServerFixture()
        try await fixture.test { client in
            let start = #"{"flow":"order.v1","id":"o-1","input":{"item":"book"}}"#
            try await client.execute(uri: "/api/v1/processes", method: .post, headers: headers(op, json: true), body: body(start)) { response in
                #expect(response.status == .created)
                #expect(response.object["id"] as? String == "o-1")
                #expect(response.object["status"] as? String == "running")
                #expect((response.object["input"] as? [String: Any])?["item"] as? String == "book")
            }
            try await client.execute(uri: "/api/v1/processes", method: .post, headers: headers(op, json: true), body: body(start)) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await fixture.client.list().count == 1)
    }

    @Test func badStartsAreRefusedAndStoreNothing() async throws {
        let fixture = try ServerFixture()
        try await fixture.test { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("{not json", .badRequest, "badRequest"),
                (#"{"id":"x"}"#, .badRequest, "badRequest"),
                (#"{"flow":"nope.v1","id":"x","input":{}}"#, .unprocessableContent, "unknownFlow"),
                (#"{"flow":"order.v1","id":"x","input":{"item":3}}"#, .unprocessableContent, "invalidValue"),
                (#"{"flow":"order.v1","id":"","input":{"item":"a"}}"#, .unprocessableContent, "invalidValue"),
            ]
            for (text, status, code) in cases {
                try await client.execute(uri: "/api/v1/processes", method: .post, headers: headers(op, json: true), body: body(text)) { response in
                    #expect(response.status == status, "\(text)")
                    #expect(response.errorCode == code, "\(text)")
                    #expect(response.isErrorShape)
                }
            }
        }
        #expect(try await fixture.client.list().isEmpty)
    }

    @Test func listFiltersAndPagesByCursor() async throws {
        let fixture = try ServerFixture()
        for index in 1...5 { try await fixture.start("p-\(index)") }
        try await fixture.client.cancel("p-2", reason: "test")
        try await fixture.test { client in
            let first = try await client.execute(uri: "/api/v1/processes?limit=2&status=running", method: .get, headers: headers(reader)) { $0 }
            #expect(first.status == .ok)
            let page = first.object["processes"] as? [[String: Any]] ?? []
            #expect(page.map { $0["id"] as? String } == ["p-1", "p-3"])
            #expect(first.object["nextCursor"] as? String == "p-3")
            let second = try await client.execute(uri: "/api/v1/processes?limit=2&status=running&after=p-3", method: .get, headers: headers(reader)) { $0 }
            #expect((second.object["processes"] as? [[String: Any]] ?? []).map { $0["id"] as? String } == ["p-4", "p-5"])
            try await client.execute(uri: "/api/v1/processes?status=bogus", method: .get, headers: headers(reader)) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("running"))
            }
            try await client.execute(uri: "/api/v1/processes?limit=0", method: .get, headers: headers(reader)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/processes?idPrefix=p-5", method: .get, headers: headers(reader)) { response in
                #expect((response.object["processes"] as? [[String: Any]])?.count == 1)
            }
        }
    }

    @Test func getHistoryAndSignalsOfAProcess() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o/1")
        _ = try await fixture.client.advance("o/1")
        try await fixture.test { client in
            try await client.execute(uri: "/api/v1/processes/o%2F1", method: .get, headers: headers(reader)) { response in
                #expect(response.status == .ok)
                #expect(response.object["id"] as? String == "o/1")
                #expect(response.object["step"] as? String == "order.v1/approvalAwaitSignal")
                #expect((response.object["data"] as? [String: Any])?["reserved"] as? Bool == true)
                #expect(response.object["state"] is [String])
            }
            try await client.execute(uri: "/api/v1/processes/o%2F1/history", method: .get, headers: headers(reader)) { response in
                let history = response.object["history"] as? [[String: Any]] ?? []
                #expect(history.first?["outcome"] as? String == "advanced")
                #expect(history.first?["step"] as? String == "order.v1/reserve")
            }
            try await client.execute(uri: "/api/v1/processes/missing", method: .get, headers: headers(reader)) { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "notFound")
            }
            try await client.execute(uri: "/api/v1/processes/missing/history", method: .get, headers: headers(reader)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/processes/missing/signals", method: .get, headers: headers(reader)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/nowhere", method: .get, headers: headers(reader)) { response in
                #expect(response.status == .notFound)
                #expect(response.isErrorShape)
            }
        }
    }

    @Test func signalIsCheckedAgainstTheFlowsType() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.test { client in
            try await client.execute(uri: "/api/v1/processes/o-1/signals/approval", method: .post, headers: headers(op, json: true), body: body(#"{"by":3}"#)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.errorCode == "invalidValue")
            }
            try await client.execute(uri: "/api/v1/processes/o-1/signals/nope", method: .post, headers: headers(op, json: true), body: body(#"{}"#)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/processes/o-1/signals", method: .get, headers: headers(op)) { response in
                #expect((response.object["signals"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/processes/o-1/signals/approval", method: .post, headers: headers(op, json: true), body: body(#"{"by":"alice"}"#)) { response in
                #expect(response.status == .accepted)
                #expect(response.object["name"] as? String == "approval")
            }
            try await client.execute(uri: "/api/v1/processes/o-1/signals", method: .get, headers: headers(op)) { response in
                let signals = response.object["signals"] as? [[String: Any]] ?? []
                #expect((signals.first?["payload"] as? [String: Any])?["by"] as? String == "alice")
            }
            try await client.execute(uri: "/api/v1/processes/missing/signals/approval", method: .post, headers: headers(op, json: true), body: body(#"{"by":"a"}"#)) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func cancelWakeResume() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.start("o-2")
        _ = try await fixture.client.advance("o-2")
        try await fixture.test { client in
            try await client.execute(uri: "/api/v1/processes/o-1/wake", method: .post, headers: headers(op, json: true)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/processes/o-1/cancel", method: .post, headers: headers(op, json: true), body: body(#"{"reason":""}"#)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/processes/o-1/cancel", method: .post, headers: headers(op, json: true), body: body(#"{}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/processes/o-1/cancel", method: .post, headers: headers(op, json: true), body: body(#"{"reason":"by test"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.object["status"] as? String == "cancelled")
            }
            // A finished process cannot be woken: 409.
            try await client.execute(uri: "/api/v1/processes/o-1/wake", method: .post, headers: headers(op, json: true)) { response in
                #expect(response.status == .conflict)
                #expect(response.errorCode == "invalidCommand")
            }
            try await client.execute(uri: "/api/v1/processes/o-2/resume", method: .post, headers: headers(op, json: true)) { #expect($0.status == .conflict) }
            // o-2 reserved something: cancelling it asks for its compensation.
            try await client.execute(uri: "/api/v1/processes/o-2/cancel", method: .post, headers: headers(op, json: true), body: body(#"{"reason":"by test"}"#)) { response in
                #expect(response.status == .ok)
            }
        }
        var rounds = 0
        while try await !fixture.client.process("o-2").status.isFinished, rounds < 5 {
            _ = try await fixture.client.advance("o-2")
            rounds += 1
        }
        #expect(try await fixture.client.process("o-2").status == .cancelled)
        let history = try await fixture.client.history(of: "o-2")
        #expect(history.contains { $0.outcome == .compensated })
    }

    @Test func flowsStructureDiagramsAndCounts() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.start("o-2")
        _ = try await fixture.client.advance("o-2")
        try await fixture.test { client in
            try await client.execute(uri: "/api/v1/flows", method: .get, headers: headers(reader)) { response in
                let flows = response.object["flows"] as? [[String: Any]] ?? []
                #expect(flows.first?["name"] as? String == "order.v1")
                #expect(flows.first?["signals"] as? [String] == ["approval"])
            }
            try await client.execute(uri: "/api/v1/flows/order.v1", method: .get, headers: headers(reader)) { response in
                let structure = response.object["structure"] as? [String: Any]
                #expect((structure?["children"] as? [Any])?.count == 3)
            }
            try await client.execute(uri: "/api/v1/flows/order.v1/diagram?format=dot", method: .get, headers: headers(reader)) { response in
                #expect(response.text.contains("digraph"))
            }
            try await client.execute(uri: "/api/v1/flows/order.v1/diagram?format=mermaid", method: .get, headers: headers(reader)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/flows/order.v1/diagram?format=png", method: .get, headers: headers(reader)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/flows/order.v1/counts", method: .get, headers: headers(reader)) { response in
                let steps = response.object["steps"] as? [[String: Any]] ?? []
                let active = Dictionary(uniqueKeysWithValues: steps.map { ($0["path"] as? String ?? "", $0["active"] as? Int ?? -1) })
                #expect(steps.map { $0["path"] as? String } == ["reserve", "approvalAwaitSignal", "ship", "(not started)"])
                #expect(active["approvalAwaitSignal"] == 1)
                #expect(active["(not started)"] == 1)
            }
            try await client.execute(uri: "/api/v1/flows/nope/counts", method: .get, headers: headers(reader)) { #expect($0.status == .notFound) }
        }
    }
}

@Suite struct OperationsAPITests {
    let op = ServerFixture.operatorToken
    let reader = ServerFixture.readerToken

    @Test func pauseUnpauseAndLabels() async throws {
        let fixture = try ServerFixture()
        try await fixture.test { client in
            let start = #"{"flow":"order.v1","id":"o-1","input":{"item":"book"},"labels":{"team":"shop"}}"#
            try await client.execute(uri: "/api/v1/processes", method: .post, headers: headers(op, json: true), body: body(start)) { response in
                #expect(response.status == .created)
                #expect(response.object["labels"] as? [String: String] == ["team": "shop"])
            }
            let badLabels = #"{"flow":"order.v1","id":"o-2","input":{"item":"book"},"labels":{"Bad Key":"x"}}"#
            try await client.execute(uri: "/api/v1/processes", method: .post, headers: headers(op, json: true), body: body(badLabels)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.errorCode == "invalidInput")
            }
            try await client.execute(uri: "/api/v1/processes?labels=team=shop", method: .get, headers: headers(reader)) { response in
                #expect((response.object["processes"] as? [[String: Any]])?.count == 1)
            }
            try await client.execute(uri: "/api/v1/processes?labels=nonsense", method: .get, headers: headers(reader)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/processes?updatedAfter=yesterday", method: .get, headers: headers(reader)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/processes/o-1/pause", method: .post, headers: headers(op, json: true), body: body(#"{"reason":""}"#)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/processes/o-1/pause", method: .post, headers: headers(reader, json: true), body: body(#"{"reason":"x"}"#)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/processes/o-1/pause", method: .post, headers: headers(op, json: true), body: body(#"{"reason":"freeze"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.object["status"] as? String == "paused")
            }
            try await client.execute(uri: "/api/v1/processes/o-1/unpause", method: .post, headers: headers(op, json: true)) { response in
                #expect(response.object["status"] as? String == "running")
            }
            try await client.execute(uri: "/api/v1/processes/o-1/unpause", method: .post, headers: headers(op, json: true)) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/v1/processes/o-1/labels", method: .put, headers: headers(op, json: true), body: body(#"{"labels":{"team":"ops"}}"#)) { response in
                #expect(response.object["labels"] as? [String: String] == ["team": "ops"])
            }
            try await client.execute(uri: "/api/v1/processes/o-1/labels", method: .put, headers: headers(reader, json: true), body: body(#"{"labels":{}}"#)) { response in
                #expect(response.status == .forbidden)
            }
        }
        #expect(try await fixture.client.process("o-1").labels == ["team": "ops"])
    }

    @Test func statisticsBulkAndPurge() async throws {
        let fixture = try ServerFixture()
        for index in 1...3 { try await fixture.start("b-\(index)") }
        try await fixture.start("c-1")
        try await fixture.test { client in
            try await client.execute(uri: "/api/v1/statistics", method: .get, headers: headers(reader)) { response in
                let groups = response.object["groups"] as? [[String: Any]] ?? []
                #expect(groups.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 4)
            }
            try await client.execute(uri: "/api/v1/bulk", method: .post, headers: headers(op, json: true), body: body(#"{"action":"explode"}"#)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/bulk", method: .post, headers: headers(reader, json: true), body: body(#"{"action":"wake"}"#)) { response in
                #expect(response.status == .forbidden)
            }
            let cancel = #"{"action":"cancel","reason":"cleanup","filter":{"idPrefix":"b-"}}"#
            try await client.execute(uri: "/api/v1/bulk", method: .post, headers: headers(op, json: true), body: body(cancel)) { response in
                #expect(response.status == .ok)
                #expect(response.object["acted"] as? Int == 3)
            }
            let future = "2100-01-01T00:00:00Z"
            try await client.execute(uri: "/api/v1/purge", method: .post, headers: headers(op, json: true), body: body(#"{"finishedBefore":"\#(future)","dryRun":true}"#)) { response in
                #expect(response.object["deleted"] as? Int == 3)
            }
            try await client.execute(uri: "/api/v1/purge", method: .post, headers: headers(op, json: true), body: body(#"{"finishedBefore":"\#(future)","statuses":["running"]}"#)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/purge", method: .post, headers: headers(op, json: true), body: body(#"{"finishedBefore":"soon"}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/purge", method: .post, headers: headers(op, json: true), body: body(#"{"finishedBefore":"\#(future)"}"#)) { response in
                #expect(response.object["deleted"] as? Int == 3)
            }
        }
        #expect(try await fixture.client.list().map(\.id) == ["c-1"])
    }
}

extension OperationsAPITests {
    @Test func rewindAndMigrate() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        _ = try await fixture.client.advance("o-1")
        try await fixture.test { client in
            let targets = try await client.execute(uri: "/api/v1/processes/o-1/rewind-targets", method: .get, headers: headers(reader)) { $0 }
            let steps = targets.object["targets"] as? [String] ?? []
            #expect(steps.contains("reserve"))
            try await client.execute(uri: "/api/v1/processes/o-1/rewind", method: .post, headers: headers(op, json: true), body: body(#"{"step":"nowhere","reason":"x"}"#)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.isErrorShape)
            }
            try await client.execute(uri: "/api/v1/processes/o-1/rewind", method: .post, headers: headers(reader, json: true), body: body(#"{"step":"reserve","reason":"x"}"#)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/processes/o-1/rewind", method: .post, headers: headers(op, json: true), body: body(#"{"step":"reserve","reason":"redo"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.object["step"] as? String == "order.v1/reserve")
            }
            try await client.execute(uri: "/api/v1/migrate", method: .post, headers: headers(op, json: true), body: body(#"{"from":"order.v1","to":"order.v2"}"#)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.errorCode == "unknownFlow")
            }
        }
        #expect(try await fixture.client.history(of: "o-1").last?.outcome == .rewound)
    }
}
