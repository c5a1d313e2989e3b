import Foundation
import HTTPTypes
import Hummingbird
import StepFlowRuntime

/// Reading what a request carries: path parameters, query parameters, JSON bodies within their size limits.
enum RequestInput {
    /// The path parameter `name`, percent-decoded (so ids and flow names may hold `/` as `%2F`).
    static func parameter(_ name: String, _ context: some RequestContext) throws -> String {
        guard let raw = context.parameters.get(name), let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw APIError.badRequest("the path parameter '\(name)' is missing or not valid percent-encoding")
        }
        return decoded
    }

    /// The body, at most `limit` bytes (413 beyond).
    static func body(_ request: Request, limit: Int) async throws -> Data {
        do {
            return Data(buffer: try await request.body.collect(upTo: limit))
        } catch {
            throw APIError.tooLarge(limit)
        }
    }

    /// The body decoded as `type` (400 when it is not valid JSON of that shape; an empty body decodes as `{}`).
    static func json<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        var data = try await body(request, limit: limit)
        if data.isEmpty { data = Data("{}".utf8) }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw APIError.badRequest("the body is not the expected JSON: \(Self.describe(error))")
        }
    }

    /// A decoding error in one line.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, _): "the field '\(key.stringValue)' is missing"
        case let DecodingError.typeMismatch(type, context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' must be \(type)"
        case let DecodingError.valueNotFound(type, context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' must be \(type), not null"
        case DecodingError.dataCorrupted: "it is not valid JSON"
        default: "\(error)"
        }
    }

    /// The process query of a list request's query string: `flow`, `status` (comma-separated), `idPrefix`, `step`
    /// (as `stepflow list` shows it), `labels` (`key=value,key=value`), `createdAfter`, `createdBefore`,
    /// `updatedAfter`, `updatedBefore` (ISO 8601), `limit` (1 to `maxLimit`, default 50) and `after` (the cursor).
    static func processQuery(_ parameters: [String: String], maxLimit: Int) throws -> ProcessQuery {
        var query = ProcessQuery(limit: 50)
        if let flow = parameters["flow"], !flow.isEmpty { query.flowName = flow }
        if let status = parameters["status"], !status.isEmpty {
            var statuses = Set<ProcessStatus>()
            for name in status.split(separator: ",") {
                guard let value = ProcessStatus(rawValue: String(name)) else {
                    throw APIError.badRequest(
                        "unknown status '\(name)'; use one or more of \(ProcessStatus.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated"
                    )
                }
                statuses.insert(value)
            }
            query.statuses = statuses
        }
        if let prefix = parameters["idPrefix"], !prefix.isEmpty { query.idPrefix = prefix }
        if let limit = parameters["limit"], !limit.isEmpty {
            guard let value = Int(limit), (1...maxLimit).contains(value) else {
                throw APIError.badRequest("limit must be a whole number from 1 to \(maxLimit), not '\(limit)'")
            }
            query.limit = value
        }
        if let after = parameters["after"], !after.isEmpty { query.after = ProcessID(after) }
        if let step = parameters["step"], !step.isEmpty { query.step = step }
        if let labels = parameters["labels"], !labels.isEmpty {
            for pair in labels.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw APIError.badRequest("labels must be key=value pairs separated by commas, not '\(labels)'")
                }
                query.labels[String(parts[0])] = String(parts[1])
            }
        }
        query.createdAfter = try date(parameters, "createdAfter")
        query.createdBefore = try date(parameters, "createdBefore")
        query.updatedAfter = try date(parameters, "updatedAfter")
        query.updatedBefore = try date(parameters, "updatedBefore")
        return query
    }

    /// The ISO 8601 date of parameter `name`, or `nil` when it is absent or empty.
    static func date(_ parameters: [String: String], _ name: String) throws -> Date? {
        guard let text = parameters[name], !text.isEmpty else { return nil }
        let formats = [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()]
        for format in formats {
            if let date = try? format.parse(text) { return date }
        }
        throw APIError.badRequest("\(name) must be an ISO 8601 time such as 2026-01-01T12:00:00Z, not '\(text)'")
    }

    /// The query parameters, decoded (a parameter given twice keeps its last value).
    static func queryParameters(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            result[String(key)] = String(value)
        }
        return result
    }
}

/// A JSON response.
enum JSONResponse {
    /// `value` encoded with the API's encoder, with `status`.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.api.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// Plain text.
    static func text(_ text: String, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
