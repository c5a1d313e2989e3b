import Foundation
public import HTTPTypes
public import Hummingbird
import StepFlow
import StepFlowRuntime

/// An error answered by the server: `{"error": {"code": …, "message": …}}` with its HTTP status. Errors of the
/// library keep their codes (`notFound`, `conflict`, `invalidCommand`, `invalidValue`, `unknownFlow`), so the CLI,
/// the client and the API say the same thing.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The error's code (`notFound`, `badRequest`…).
    public let code: String
    /// What happened and what to do.
    public let message: String

    /// An error with a status, a code and a message.
    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// 400: the request is malformed (bad JSON, a bad query parameter).
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "badRequest", message) }
    /// 401: no valid token.
    static func unauthorized() -> APIError {
        APIError(.unauthorized, code: "unauthorized", "a valid token is required: send 'Authorization: Bearer <token>'")
    }
    /// 403: the token may only read.
    static func forbidden() -> APIError {
        APIError(.forbidden, code: "forbidden", "the read-only token may not run commands; use the operator token")
    }
    /// 404: no such route, flow or file.
    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "notFound", message) }
    /// 413: the body is larger than allowed.
    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "tooLarge", "the request body is larger than the limit of \(limit) bytes")
    }
    /// 422: a well-formed request whose values are not acceptable.
    static func invalidValue(_ message: String) -> APIError { APIError(.unprocessableContent, code: "invalidValue", message) }

    /// The API error for any error a handler throws: library errors keep their codes.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ProcessStoreError:
            switch error.code {
            case .notFound: return APIError(.notFound, code: "\(error.code)", error.message)
            case .conflict, .invalidCommand: return APIError(.conflict, code: "\(error.code)", error.message)
            case .invalidInput: return APIError(.unprocessableContent, code: "\(error.code)", error.message)
            case .unavailable: return APIError(.serviceUnavailable, code: "\(error.code)", error.message)
            default: return APIError(.internalServerError, code: "\(error.code)", error.message)
            }
        case let error as StepFlowRuntimeError:
            switch error.code {
            case .invalidValue, .unknownFlow: return APIError(.unprocessableContent, code: "\(error.code)", error.message)
            case .timeout: return APIError(.gatewayTimeout, code: "\(error.code)", error.message)
            default: return APIError(.internalServerError, code: "\(error.code)", error.message)
            }
        case let error as StepFlowError:
            // A flow refused the request (a rewind target it does not have): the request is not acceptable.
            return APIError(.unprocessableContent, code: "\(error.code)", error.message)
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return APIError(.contentTooLarge, code: "tooLarge", error.body ?? "the request body is too large")
            case .notFound: return APIError.notFound(error.body ?? "no such route")
            case .methodNotAllowed: return APIError(.methodNotAllowed, code: "methodNotAllowed", error.body ?? "method not allowed")
            default:
                let code = error.status.code < 500 ? "badRequest" : "internal"
                return APIError(error.status, code: code, error.body ?? error.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, code: "internal", "\(error)")
        }
    }

    /// The JSON body.
    var json: Data {
        (try? JSONEncoder.api.encode(["error": ["code": code, "message": message]])) ?? Data()
    }

    /// The error as a JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}

extension JSONEncoder {
    /// The API's encoder: sorted keys, ISO 8601 dates with milliseconds (as processes' own JSON).
    static var api: JSONEncoder {
        let encoder = ProcessJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
