public import StepFlow

/// Where a process is, as one text: the rule behind ``ProcessRecord/currentStep``, the stores' indexed
/// `current_step` column and the AT column of `stepflow list`.
public enum ProcessPosition {
    /// The path, without the flow's name, of the step named by the first event of `state`: the step running (or
    /// polling, or waiting) for a `start:` event, the step last completed for a `completed:` event. `nil` for a
    /// process that has not started, for one at the end of its flow, and for a path with a quote, a backslash or a
    /// control character in it.
    ///
    /// A pure function of the state, so that a store can write it without knowing the flow:
    /// `["start:deploy.v1/shouldDeployCase/steps/createDeployRequest"]` is at
    /// `shouldDeployCase/steps/createDeployRequest`.
    ///
    /// It compares bytes, as the stores' SQL form of this rule does, on the texts' contiguous UTF-8: a store calls it
    /// for every saved step.
    public static func step(of state: FlowState, flowName: String) -> String? {
        guard var event = state.events.first else { return nil }
        var flow = flowName
        return event.withUTF8 { event in flow.withUTF8 { flow in step(event: event, flowName: flow) } }
    }

    /// ``step(of:flowName:)`` on the bytes of the first event and of the flow's name.
    private static func step(event: UnsafeBufferPointer<UInt8>, flowName flow: UnsafeBufferPointer<UInt8>) -> String? {
        var path = event[...]
        if starts(path, with: "start:") {
            path = path.dropFirst(6)
        } else if starts(path, with: "completed:") {
            path = path.dropFirst(10)
        }
        if path.starts(with: flow) {
            let rest = path.dropFirst(flow.count)
            if rest.isEmpty { return nil }
            if rest.first == UInt8(ascii: "/") { path = rest.dropFirst() }
        }
        // A path that JSON escapes (a quote, a backslash, a control character) has no step: the SQL stores read the
        // step from the state's JSON text without unescaping it.
        guard !path.isEmpty, !path.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
        else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: path), as: UTF8.self)
    }

    /// Whether `bytes` begins with the ASCII text `prefix`.
    private static func starts(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, with prefix: StaticString) -> Bool {
        bytes.starts(with: UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
    }
}

extension ProcessPosition {
    /// ``step(of:flowName:)`` as an SQL expression over the `state` and `flow_name` columns: PostgreSQL's generated
    /// `current_step` column, and the SQLite migration that fills its (written) column once. It reads the first event from the state's JSON text as the stores write it
    /// (`["event",…]`) with a few string functions, so a step's save costs no JSON parsing. `find` is the store's
    /// function for the position of a text in another (`instr` in SQLite, `strpos` in PostgreSQL). The conformance
    /// suite checks that the stores' columns agree with ``step(of:flowName:)``.
    package static func sqlExpression(find: String) -> String {
        // The step's text from character `start` of the state up to the closing quote; NULL when empty or when it
        // holds a backslash (an escaped character, which step(of:flowName:) refuses too).
        func segment(_ start: String) -> String {
            let length = "\(find)(substr(state, \(start)), '\"') - 1"
            // Nested, so that no substr is evaluated with a negative length (an error in PostgreSQL).
            return "CASE WHEN \(length) > 0 THEN CASE WHEN \(find)(substr(state, \(start), \(length)), '\\') = 0 "
                + "THEN substr(state, \(start), \(length)) END END"
        }
        // The path from character `start`: without the flow's name, NULL when it is the flow's name alone.
        func path(_ start: Int) -> String {
            "CASE WHEN substr(state, \(start), length(flow_name) + 1) = flow_name || '/' "
                + "THEN \(segment("\(start) + length(flow_name) + 1")) "
                + "WHEN substr(state, \(start), length(flow_name) + 1) = flow_name || '\"' THEN NULL "
                + "ELSE \(segment("\(start)")) END"
        }
        return "CASE WHEN substr(state, 1, 8) = '[\"start:' THEN \(path(9)) "
            + "WHEN substr(state, 1, 12) = '[\"completed:' THEN \(path(13)) "
            + "WHEN substr(state, 1, 2) = '[\"' THEN \(path(3)) END"
    }
}
