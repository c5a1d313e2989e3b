import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StepFlow
import StepFlowRuntime
import StepFlowServer
import StepFlowTesting

/// The payload of the fixture flow's `approval` signal.
struct Approval: Codable, Sendable, Hashable {
    var by: String
}

/// The input of the fixture flow.
struct OrderInput: Codable, Sendable, Hashable {
    var item: String
}

/// The data of the fixture flow.
struct OrderData: Codable, Sendable, Hashable {
    var reserved = false
    var released = false
    var approvedBy: String?
}

/// A server over a memory store with one flow (reserve — compensable —, await approval, ship), a manual clock, and
/// the tokens `operator-secret` and `reader-secret`, as the tests drive it through HummingbirdTesting.
struct ServerFixture {
    static let operatorToken = "operator-secret"
    static let readerToken = "reader-secret"

    let store = MemoryProcessStore()
    let clock = ManualClock()
    let client: StepFlowClient
    let server: StepFlowServer

    static let flow = try! ProcessFlow<OrderInput, OrderData>("order.v1", initialData: { _ in OrderData() }) {
        Do("reserve", { context in context.data.reserved = true }, compensate: { context in context.data.released = true })
        AwaitSignal("approval", as: Approval.self)
        Do("ship") { context in
            context.data.approvedBy = try context.signal("approval", as: Approval.self)?.by
        }
    }

    init(tokens: Bool = true, configure: (inout StepFlowServer.Configuration) -> Void = { _ in }) throws {
        client = StepFlowClient(store: store, registry: try FlowRegistry([Self.flow]), clock: clock)
        var configuration = StepFlowServer.Configuration(
            operatorToken: tokens ? Self.operatorToken : nil, readOnlyToken: tokens ? Self.readerToken : nil
        )
        configure(&configuration)
        server = StepFlowServer(client: client, configuration: configuration)
    }

    /// Starts process `id` of the fixture flow.
    @discardableResult
    func start(_ id: String, item: String = "book") async throws -> ProcessRecord {
        try await client.start(Self.flow, id: ProcessID(id), input: OrderInput(item: item))
    }

    /// Runs the test against the server's routes.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await server.application().test(.router, body)
    }
}

/// Headers with a bearer token (and a JSON content type).
func headers(_ token: String?, json: Bool = false) -> HTTPFields {
    var fields = HTTPFields()
    if let token { fields[.authorization] = "Bearer \(token)" }
    if json { fields[.contentType] = "application/json" }
    return fields
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    /// The error code of a JSON error body.
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }

    /// Whether the body is the API's error shape: `{"error": {"code": …, "message": …}}`.
    var isErrorShape: Bool {
        guard let error = object["error"] as? [String: Any] else { return false }
        return error["code"] is String && error["message"] is String && object.count == 1
    }
}

/// A buffer with `text`.
func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
