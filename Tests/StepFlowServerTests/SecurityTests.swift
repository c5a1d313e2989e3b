import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StepFlowRuntime
import StepFlowServer
import Testing

@Suite struct SecurityTests {
    let op = ServerFixture.operatorToken
    let reader = ServerFixture.readerToken

    @Test func withoutAValidTokenTheAPIAnswers401() async throws {
        let fixture = try ServerFixture()
        try await fixture.test { client in
            for token in [nil, "wrong", "operator-secreT", ""] as [String?] {
                try await client.execute(uri: "/api/v1/processes", method: .get, headers: headers(token)) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.errorCode == "unauthorized")
                }
            }
            var basic = HTTPFields()
            basic[.authorization] = "Basic b3A6b3A="
            try await client.execute(uri: "/api/v1/processes", method: .get, headers: basic) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func theReadOnlyTokenReadsButGets403OnEveryCommand() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.test { client in
            try await client.execute(uri: "/api/v1/processes/o-1", method: .get, headers: headers(reader)) { #expect($0.status == .ok) }
            let commands: [(String, String)] = [
                ("/api/v1/processes", #"{"flow":"order.v1","id":"o-9","input":{"item":"x"}}"#),
                ("/api/v1/processes/o-1/signals/approval", #"{"by":"x"}"#),
                ("/api/v1/processes/o-1/cancel", #"{"reason":"x"}"#),
                ("/api/v1/processes/o-1/wake", "{}"),
                ("/api/v1/processes/o-1/resume", "{}"),
            ]
            for (uri, text) in commands {
                try await client.execute(uri: uri, method: .post, headers: headers(reader, json: true), body: body(text)) { response in
                    #expect(response.status == .forbidden, "\(uri)")
                    #expect(response.errorCode == "forbidden")
                }
            }
        }
        #expect(try await fixture.client.process("o-1").status == .running)
        #expect(try await fixture.client.list().count == 1)
    }

    @Test func commandsMustBeJSON() async throws {
        let fixture = try ServerFixture(tokens: false)
        try await fixture.start("o-1")
        try await fixture.test { client in
            var form = HTTPFields()
            form[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(uri: "/api/v1/processes/o-1/cancel", method: .post, headers: form, body: body("reason=x")) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(response.isErrorShape)
            }
        }
        #expect(try await fixture.client.process("o-1").status == .running)
    }

    @Test func bodiesAndSignalPayloadsHaveLimits() async throws {
        let fixture = try ServerFixture { $0.maxBodySize = 1000; $0.maxSignalPayloadSize = 100 }
        try await fixture.start("o-1")
        try await fixture.test { client in
            let big = #"{"flow":"order.v1","id":"big","input":{"item":""# + String(repeating: "x", count: 2000) + #""}}"#
            try await client.execute(uri: "/api/v1/processes", method: .post, headers: headers(op, json: true), body: body(big)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorCode == "tooLarge")
            }
            let payload = #"{"by":""# + String(repeating: "y", count: 200) + #""}"#
            try await client.execute(uri: "/api/v1/processes/o-1/signals/approval", method: .post, headers: headers(op, json: true), body: body(payload)) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
        #expect(try await fixture.client.list().count == 1)
        #expect(try await fixture.client.store.signals(of: ["o-1"]).isEmpty)
    }

    @Test func openServerIsLoopbackOnly() throws {
        #expect(throws: StepFlowServer.ConfigurationError.self) { try StepFlowServer.Configuration(host: "0.0.0.0").validate() }
        #expect(throws: StepFlowServer.ConfigurationError.self) { try StepFlowServer.Configuration(host: "192.168.1.4").validate() }
        try StepFlowServer.Configuration(host: "127.0.0.1").validate()
        try StepFlowServer.Configuration(host: "::1").validate()
        try StepFlowServer.Configuration(host: "0.0.0.0", operatorToken: "t").validate()
        #expect(throws: StepFlowServer.ConfigurationError.self) {
            try StepFlowServer.Configuration(host: "0.0.0.0", operatorToken: "t", readOnlyToken: "t").validate()
        }
    }

    @Test func openServerAnswersOnlyRequestsAddressedToLocalhost() async throws {
        let fixture = try ServerFixture(tokens: false)
        try await fixture.test { client in
            var evil = HTTPFields()
            evil[HTTPField.Name("Host")!] = "evil.example:8080"
            // HummingbirdTesting takes the authority from the Host field.
            try await client.execute(uri: "/api/v1/processes", method: .get, headers: evil) { response in
                #expect(response.status == .forbidden)
            }
            var local = HTTPFields()
            local[HTTPField.Name("Host")!] = "localhost:8080"
            try await client.execute(uri: "/api/v1/processes", method: .get, headers: local) { #expect($0.status == .ok) }
        }
    }

    @Test func staticFilesCannotBeReadOutsideTheirFolder() async throws {
        let fixture = try ServerFixture()
        try await fixture.test { client in
            try await client.execute(uri: "/static/dashboard.css", method: .get) { #expect($0.status == .ok) }
            for uri in ["/static/..%2FPackage.swift", "/static/../Package.swift", "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/..", "/static/"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(!response.text.contains("PackageDescription"))
                }
            }
        }
    }
}
