import Foundation
import HTTPTypes
import Hummingbird
import StepFlow
import StepFlowRuntime

/// The body of `POST /api/v1/processes`.
struct StartRequest: Decodable {
    var flow: String
    var id: String?
    var input: JSONValue?
    var labels: [String: String]?
}

/// The body of `POST /api/v1/processes/{id}/cancel`.
struct CancelRequest: Decodable {
    var reason: String
}

/// The body of `POST /api/v1/processes/{id}/pause`.
struct PauseRequest: Decodable {
    var reason: String
}

/// The body of `PUT /api/v1/processes/{id}/labels`.
struct LabelsRequest: Decodable {
    var labels: [String: String]
}

/// The body of `POST /api/v1/bulk`: an action and the filter of the process list.
struct BulkRequest: Decodable {
    var action: String
    var reason: String?
    var filter: [String: String]?
}

/// The answer to a bulk action.
struct BulkResponse: Encodable {
    var matched: Int
    var acted: Int
    var skipped: [String: Int]
}

/// The body of `POST /api/v1/purge`.
struct PurgeRequestBody: Decodable {
    var finishedBefore: String
    var flow: String?
    var statuses: [String]?
    var dryRun: Bool?
}

/// The answer to a purge.
struct PurgeResponse: Encodable {
    var deleted: Int
    var dryRun: Bool
    var sample: [String]
}

/// One count of the statistics.
struct StatisticsGroup: Encodable {
    var flow: String
    var status: String
    var step: String?
    var count: Int
}

/// The body of `POST /api/v1/processes/{id}/rewind`.
struct RewindRequest: Decodable {
    var step: String
    var reason: String
}

/// The body of `POST /api/v1/migrate`.
struct MigrateRequest: Decodable {
    var from: String
    var to: String
    var filter: [String: String]?
    var dryRun: Bool?
    var reason: String?
}

/// What a migration did (or would do).
struct MigrateResponse: Encodable {
    /// A process the migration left as it was, and why.
    struct Untouched: Encodable {
        var id: String
        var reason: String
    }

    var from: String
    var to: String
    var dryRun: Bool
    var matched: Int
    var migrated: Int
    var sample: [String]
    var leftUntouched: [Untouched]
}

/// A page of processes and the cursor of the next.
struct ProcessPage: Encodable {
    var processes: [ProcessView]
    /// Pass as `after` for the next page; `nil` on the last page.
    var nextCursor: String?
}

extension StepFlowServer {
    /// `/healthz` (the server answers) and `/readyz` (the store answers).
    func addHealthRoutes<Context: RequestContext>(to routes: RouteCollection<Context>) {
        let health = RouteCollection(context: Context.self)
        health.add(middleware: APIErrorMiddleware(logger: logger))
        health.get("healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        health.get("readyz") { _, _ in
            do {
                _ = try await client.list(ProcessQuery(limit: 1))
            } catch {
                throw APIError(.serviceUnavailable, code: "unavailable", "the store does not answer: \(error)")
            }
            return try JSONResponse.make(["status": "ready"])
        }
        health.get("api/v1/openapi.json") { _, _ in JSONResponse.text(OpenAPIDocument.json, type: "application/json; charset=utf-8") }
        routes.addRoutes(health, atPath: RouterPath(configuration.basePath))
    }

    /// The JSON API under `/api/v1`.
    func addAPIRoutes<Context: RequestContext>(to routes: RouteCollection<Context>) {
        let api = RouteCollection(context: Context.self)
        api.add(middleware: APIErrorMiddleware(logger: logger))
        api.add(middleware: AccessMiddleware(server: self, part: .api))
        let registry = client.registry
        let maxBody = configuration.maxBodySize

        api.get("processes") { request, _ in
            let query = try RequestInput.processQuery(RequestInput.queryParameters(request), maxLimit: configuration.maxPageSize)
            let records = try await client.list(query)
            let cursor = records.count == query.limit ? records.last?.id.rawValue : nil
            return try JSONResponse.make(ProcessPage(
                processes: records.map { ProcessView($0, registry: registry, detail: false) }, nextCursor: cursor
            ))
        }
        api.post("processes") { request, _ in
            let body = try await RequestInput.json(StartRequest.self, request, limit: maxBody)
            let (record, created) = try await start(body)
            return try JSONResponse.make(ProcessView(record, registry: registry, detail: true), status: created ? .created : .ok)
        }
        api.get("processes/:id") { _, context in
            let record = try await client.process(ProcessID(try RequestInput.parameter("id", context)))
            return try JSONResponse.make(ProcessView(record, registry: registry, detail: true))
        }
        api.get("processes/:id/history") { _, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            _ = try await client.process(id)
            return try JSONResponse.make(["history": try await client.history(of: id).map(HistoryEntryView.init)])
        }
        api.get("processes/:id/signals") { _, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            _ = try await client.process(id)
            let signals = try await client.store.signals(of: [id])[id] ?? []
            return try JSONResponse.make(["signals": signals.map(SignalView.init)])
        }
        api.post("processes/:id/signals/:name") { request, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            let name = try RequestInput.parameter("name", context)
            let payload = try await RequestInput.body(request, limit: configuration.maxSignalPayloadSize)
            let signal = try await client.signal(id, name, json: payload)
            return try JSONResponse.make(SignalView(signal), status: .accepted)
        }
        api.post("processes/:id/pause") { request, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            let body = try await RequestInput.json(PauseRequest.self, request, limit: maxBody)
            let reason = try Self.reason(body.reason, for: "pause")
            return try JSONResponse.make(ProcessView(try await client.pause(id, reason: reason, by: Self.apiCaller), registry: registry, detail: true))
        }
        api.post("processes/:id/unpause") { request, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            _ = try await RequestInput.body(request, limit: maxBody)
            return try JSONResponse.make(ProcessView(try await client.unpause(id, by: Self.apiCaller), registry: registry, detail: true))
        }
        api.put("processes/:id/labels") { request, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            let body = try await RequestInput.json(LabelsRequest.self, request, limit: maxBody)
            return try JSONResponse.make(ProcessView(try await client.setLabels(id, body.labels, by: Self.apiCaller), registry: registry, detail: true))
        }
        api.get("processes/:id/rewind-targets") { _, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            return try JSONResponse.make(["targets": try await client.rewindTargets(of: id)])
        }
        api.post("processes/:id/rewind") { request, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            let body = try await RequestInput.json(RewindRequest.self, request, limit: maxBody)
            let record = try await client.rewind(id, to: body.step, reason: try Self.reason(body.reason, for: "rewind"), by: Self.apiCaller)
            return try JSONResponse.make(ProcessView(record, registry: registry, detail: true))
        }
        api.post("migrate") { request, _ in
            let body = try await RequestInput.json(MigrateRequest.self, request, limit: maxBody)
            var filter = body.filter ?? [:]
            filter["limit"] = nil
            filter["after"] = nil
            let query = try RequestInput.processQuery(filter, maxLimit: configuration.maxPageSize)
            let report = try await client.migrate(
                from: body.from, to: body.to, matching: query, dryRun: body.dryRun ?? false, reason: body.reason, by: Self.apiCaller
            )
            return try JSONResponse.make(MigrateResponse(
                from: report.from, to: report.to, dryRun: report.dryRun, matched: report.matched, migrated: report.migrated,
                sample: report.sample.map(\.rawValue),
                leftUntouched: report.leftUntouched.map { .init(id: $0.id.rawValue, reason: $0.reason) }
            ))
        }
        api.get("statistics") { request, _ in
            let flow = RequestInput.queryParameters(request)["flow"].flatMap { $0.isEmpty ? nil : $0 }
            let statistics = try await client.statistics(flow: flow)
            return try JSONResponse.make([
                "groups": statistics.groups.map { StatisticsGroup(flow: $0.flowName, status: $0.status.rawValue, step: $0.step, count: $0.count) }
            ])
        }
        api.post("bulk") { request, _ in
            let body = try await RequestInput.json(BulkRequest.self, request, limit: maxBody)
            let action = try Self.bulkAction(body.action, reason: body.reason)
            var filter = body.filter ?? [:]
            filter["limit"] = nil
            filter["after"] = nil
            let query = try RequestInput.processQuery(filter, maxLimit: configuration.maxPageSize)
            let result = try await client.bulk(action, matching: query, by: Self.apiCaller)
            return try JSONResponse.make(BulkResponse(matched: result.matched, acted: result.acted, skipped: result.skipped))
        }
        api.post("purge") { request, _ in
            let body = try await RequestInput.json(PurgeRequestBody.self, request, limit: maxBody)
            guard let before = try RequestInput.date(["finishedBefore": body.finishedBefore], "finishedBefore") else {
                throw APIError.badRequest("finishedBefore must be an ISO 8601 time such as 2026-01-01T12:00:00Z")
            }
            var statuses: Set<ProcessStatus>?
            if let names = body.statuses {
                statuses = try Set(names.map { name in
                    guard let status = ProcessStatus(rawValue: name) else {
                        throw APIError.invalidValue("unknown status '\(name)'; a purge takes completed, failed or cancelled")
                    }
                    return status
                })
            }
            let result = try await client.purge(finishedBefore: before, flow: body.flow, statuses: statuses, dryRun: body.dryRun ?? false)
            return try JSONResponse.make(PurgeResponse(deleted: result.deleted, dryRun: result.dryRun, sample: result.sample.map(\.rawValue)))
        }
        api.post("processes/:id/cancel") { request, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            let body = try await RequestInput.json(CancelRequest.self, request, limit: maxBody)
            let reason = try Self.reason(body.reason, for: "cancel")
            let record = try await client.cancel(id, reason: reason, by: Self.apiCaller)
            return try JSONResponse.make(ProcessView(record, registry: registry, detail: true))
        }
        api.post("processes/:id/wake") { request, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            _ = try await RequestInput.body(request, limit: maxBody)
            return try JSONResponse.make(ProcessView(try await client.wake(id, by: Self.apiCaller), registry: registry, detail: true))
        }
        api.post("processes/:id/resume") { request, context in
            let id = ProcessID(try RequestInput.parameter("id", context))
            _ = try await RequestInput.body(request, limit: maxBody)
            return try JSONResponse.make(ProcessView(try await client.resume(id, by: Self.apiCaller), registry: registry, detail: true))
        }
        api.get("flows") { _, _ in
            try JSONResponse.make(["flows": registry.names.compactMap { registry.flow(named: $0) }.map { FlowView($0, structure: false) }])
        }
        api.get("flows/:name") { _, context in
            try JSONResponse.make(FlowView(try flow(context), structure: true))
        }
        api.get("flows/:name/diagram") { request, context in
            let flow = try flow(context)
            let name = RequestInput.queryParameters(request)["format"] ?? "mermaid"
            guard let format = FlowDiagram.Format(rawValue: name) else {
                throw APIError.badRequest("unknown diagram format '\(name)'; use \(FlowDiagram.Format.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            return JSONResponse.text(flow.diagram(format))
        }
        api.get("flows/:name/counts") { _, context in
            try JSONResponse.make(try await stepCounts(of: try flow(context)))
        }
        api.get("events") { request, _ in
            let parameters = RequestInput.queryParameters(request)
            return eventStream(flow: parameters["flow"].flatMap { $0.isEmpty ? nil : $0 }, process: parameters["process"].flatMap { $0.isEmpty ? nil : $0 })
        }
        // Anything else under /api/v1 is a JSON 404, not the router's empty one.
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            api.on("**", method: method) { request, _ -> Response in
                throw APIError.notFound("no route \(request.method) \(request.uri.path); see \(link("/api/v1/openapi.json"))")
            }
        }
        routes.addRoutes(api, atPath: RouterPath(configuration.basePath + "/api/v1"))
    }

    /// `text` without surrounding white space, for a command that needs a reason (cancel, pause).
    ///
    /// - Throws: ``APIError`` 422 when nothing is left.
    static func reason(_ text: String?, for command: String) throws -> String {
        let reason = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw APIError.invalidValue("\(command) needs a reason (who, and why)") }
        return reason
    }

    /// Who the API's commands are recorded as.
    static let apiCaller = "api"

    /// The registered flow named by the path parameter `name` (404 when none is).
    func flow(_ context: some RequestContext) throws -> any RegisteredFlow {
        let name = try RequestInput.parameter("name", context)
        guard let flow = client.registry.flow(named: name) else {
            throw APIError.notFound("no flow is registered as '\(name)'; the server knows \(client.registry.names)")
        }
        return flow
    }

    /// Starts a process from a start request, through the flow's typed start; says whether it was created (it
    /// existed already otherwise: starting is idempotent on the id).
    func start(_ request: StartRequest) async throws -> (ProcessRecord, created: Bool) {
        guard let flow = client.registry.flow(named: request.flow) else {
            throw StepFlowRuntimeError(.unknownFlow, "no flow is registered as '\(request.flow)'; use one of \(client.registry.names)")
        }
        guard let startable = flow as? any JSONStartable else {
            throw StepFlowRuntimeError(.unknownFlow, "flow '\(request.flow)' cannot be started from JSON")
        }
        let id = request.id.map { ProcessID($0) } ?? .random()
        guard !id.rawValue.isEmpty, id.rawValue.utf8.count <= 200 else {
            throw APIError.invalidValue("a process id must have 1 to 200 bytes")
        }
        let input = try JSONEncoder().encode(request.input ?? .null)
        let existed = try await client.store.process(id) != nil
        return (try await startable.start(id: id, json: input, labels: request.labels ?? [:], client: client), !existed)
    }

    /// The Server-Sent Events stream of process changes, filtered by flow and process.
    func eventStream(flow: String?, process: String?) -> Response {
        let feed = self.feed
        let clock = client.clock
        let interval = configuration.eventPollInterval
        let body = ResponseBody { writer in
            var generation = await feed.start()
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            while !Task.isCancelled {
                try await clock.sleep(until: clock.now.addingTimeInterval(interval.timeInterval))
                let (next, changes) = await feed.changes(after: generation)
                generation = next
                var text = ""
                for change in changes where change.matches(flow: flow, process: process) {
                    text += change.frame
                }
                // A comment line keeps proxies from closing an idle stream, and finds a closed connection.
                try await writer.write(ByteBuffer(string: text.isEmpty ? ": idle\n\n" : text))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: body
        )
    }
}
