import Foundation
import StepFlowRuntime
import Testing
@testable import StepFlowServer

@Suite struct OpenAPIDocumentTests {
    /// The routes of `StepFlowServer+API.swift` and the health routes, in OpenAPI's notation.
    static let routes: Set<String> = [
        "GET /healthz", "GET /readyz", "GET /api/v1/openapi.json",
        "GET /api/v1/processes", "POST /api/v1/processes", "GET /api/v1/processes/{id}",
        "GET /api/v1/processes/{id}/history", "GET /api/v1/processes/{id}/signals",
        "POST /api/v1/processes/{id}/signals/{name}", "POST /api/v1/processes/{id}/cancel",
        "POST /api/v1/processes/{id}/wake", "POST /api/v1/processes/{id}/resume",
        "GET /api/v1/flows", "GET /api/v1/flows/{name}", "GET /api/v1/flows/{name}/diagram",
        "GET /api/v1/flows/{name}/counts", "GET /api/v1/events",
        "POST /api/v1/processes/{id}/pause", "POST /api/v1/processes/{id}/unpause", "PUT /api/v1/processes/{id}/labels",
        "GET /api/v1/statistics", "POST /api/v1/bulk", "POST /api/v1/purge",
        "GET /api/v1/processes/{id}/rewind-targets", "POST /api/v1/processes/{id}/rewind", "POST /api/v1/migrate",
    ]

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, operations) in paths {
            for method in operations.keys where method != "parameters" {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(documented == Self.routes)
    }
}

extension OpenAPIDocumentTests {
    /// The document's enums of statuses and history outcomes list every case the runtime has.
    @Test func enumsListEveryCase() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func enumeration(_ schema: String, _ property: String) -> Set<String> {
            let properties = (schemas[schema] as? [String: Any])?["properties"] as? [String: Any]
            return Set(((properties?[property] as? [String: Any])?["enum"] as? [String]) ?? [])
        }
        #expect(enumeration("HistoryEntry", "outcome") == Set(HistoryEntry.Outcome.allCases.map(\.rawValue)))
        #expect(enumeration("Process", "status") == Set(ProcessStatus.allCases.map(\.rawValue)))
    }
}
