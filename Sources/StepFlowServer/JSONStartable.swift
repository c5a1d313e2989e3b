import Foundation
import StepFlowRuntime

/// A registered flow that can start a process from JSON input: decodes the input as the flow's own input type and
/// starts the process with ``StepFlowClient/start(_:id:input:)`` (the one place processes are started).
protocol JSONStartable: RegisteredFlow {
    /// Starts process `id` with `input` (JSON) and `labels` through `client`.
    func start(id: ProcessID, json input: Data, labels: [String: String], client: StepFlowClient) async throws -> ProcessRecord
}

extension ProcessFlow: JSONStartable {
    func start(id: ProcessID, json input: Foundation.Data, labels: [String: String], client: StepFlowClient) async throws -> ProcessRecord {
        let value: Input
        do {
            value = try ProcessJSON.decoder().decode(Input.self, from: input)
        } catch {
            throw StepFlowRuntimeError(.invalidValue, "the input is not a valid \(Input.self) for flow '\(name)': \(error); nothing was started")
        }
        return try await client.start(self, id: id, input: value, labels: labels)
    }
}
