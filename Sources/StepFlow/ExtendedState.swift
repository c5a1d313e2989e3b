/// The state of an extended flow, parsed: its events (one per active branch, or an ending), and the
/// annotations the constructs beyond go-stepflow's keep in the state.
///
/// Encoding (every value is a decimal number; the path or name comes last, so it may contain `:` and `/`):
/// - `start:<path>` / `completed:<path>`: where the process is, one event per active `Parallel` branch;
/// - `failed:<root>` / `cancelled:<root>`: the flow ended (its compensations run while `done:` entries remain);
/// - `sleep:<until>:<path>`: a `Sleep`'s wake-up time (milliseconds since 1970);
/// - `wait:<since>:<polls>:<next>:<path>`: a scheduled `WaitFor` or a timed `AwaitSignal`: when the wait started,
///   how many polls failed, when to poll next (for a signal: the deadline);
/// - `retry:<failedAttempts>:<notBefore>:<path>`: a `Retry` policy's failed attempts and next attempt time;
/// - `signal:<consumed>:<name>`: how many signals of that name the process consumed;
/// - `done:<path>`: a `Do` with a compensation that completed (in completion order).
///
/// Each annotation lives only as long as its item is active, so the state stays bounded by the flow's size.
struct ExtendedState: Equatable {
    /// How a flow ended before completing.
    enum Ending: Equatable {
        case failed, cancelled
    }

    struct Wait: Equatable {
        var since: FlowTime
        var polls: Int
        var next: FlowTime
    }

    struct RetryMark: Equatable {
        var failedAttempts: Int
        var notBefore: FlowTime
    }

    /// Event ids, one per active branch (one in a flow without `Parallel`); empty when `ending` is set.
    var events: [Int32] = []
    var ending: Ending?
    var sleeps: [Int32: FlowTime] = [:]
    var waits: [Int32: Wait] = [:]
    var retries: [Int32: RetryMark] = [:]
    var consumedSignals: [String: Int] = [:]
    var done: [Int32] = []
}

extension CompiledFlow {
    /// Reads a stored state of this (extended) flow.
    func parse(_ state: FlowState) throws(StepFlowError) -> ExtendedState {
        var parsed = ExtendedState()
        if state.events.isEmpty {
            parsed.events = [Self.rootStart]
            return parsed
        }
        func item(_ path: Substring, _ string: String) throws(StepFlowError) -> Int32 {
            guard let id = extensions.itemIDs[String(path)] else {
                throw .unreadableState(state, flow: name, reason: "'\(string)' names no item of the flow")
            }
            return id
        }
        func number(_ text: Substring, _ string: String) throws(StepFlowError) -> Int64 {
            guard let value = Int64(text) else {
                throw .unreadableState(state, flow: name, reason: "'\(string)' has a malformed number '\(text)'")
            }
            return value
        }
        for string in state.events {
            if let id = index.id(of: string) {
                parsed.events.append(id)
                continue
            }
            // The keyword and the numbers never contain `:`; the path (or name) is the rest, whatever it holds.
            var rest = string[...]
            func field() throws(StepFlowError) -> Substring {
                guard let colon = rest.firstIndex(of: ":") else { throw unknownState(state) }
                defer { rest = rest[rest.index(after: colon)...] }
                return rest[..<colon]
            }
            switch try field() {
            case "failed" where rest == name[...]: parsed.ending = .failed
            case "cancelled" where rest == name[...]: parsed.ending = .cancelled
            case "done": parsed.done.append(try item(rest, string))
            case "sleep":
                let until = try number(try field(), string)
                parsed.sleeps[try item(rest, string)] = FlowTime(millisecondsSince1970: until)
            case "wait":
                let since = try number(try field(), string)
                let polls = try number(try field(), string)
                let next = try number(try field(), string)
                parsed.waits[try item(rest, string)] = .init(
                    since: FlowTime(millisecondsSince1970: since), polls: Int(polls), next: FlowTime(millisecondsSince1970: next)
                )
            case "retry":
                let failedAttempts = try number(try field(), string)
                let notBefore = try number(try field(), string)
                parsed.retries[try item(rest, string)] = .init(
                    failedAttempts: Int(failedAttempts), notBefore: FlowTime(millisecondsSince1970: notBefore)
                )
            case "signal":
                let consumed = try number(try field(), string)
                parsed.consumedSignals[String(rest)] = Int(consumed)
            default:
                throw unknownState(state)
            }
        }
        if parsed.ending != nil ? !parsed.events.isEmpty : parsed.events.isEmpty {
            throw .unreadableState(state, flow: name, reason: "it must hold either events of the flow or its ending, not both or neither")
        }
        return parsed
    }

    /// Writes a state of this (extended) flow: events (or the ending) first, then the annotations in a fixed order.
    func encode(_ state: ExtendedState) -> FlowState {
        if state.ending == nil, state.events == [rootCompletedEvent] {
            return states[Int(rootCompletedEvent)]  // exactly `[completed:<root>]`
        }
        var events: [String] = []
        switch state.ending {
        case .failed: events.append("failed:" + name)
        case .cancelled: events.append("cancelled:" + name)
        case nil: events = state.events.map { self.events[Int($0)] }
        }
        for (item, until) in state.sleeps.sorted(by: { $0.key < $1.key }) {
            events.append("sleep:\(until.millisecondsSince1970):" + itemPaths[Int(item)])
        }
        for (item, wait) in state.waits.sorted(by: { $0.key < $1.key }) {
            events.append("wait:\(wait.since.millisecondsSince1970):\(wait.polls):\(wait.next.millisecondsSince1970):" + itemPaths[Int(item)])
        }
        for (item, mark) in state.retries.sorted(by: { $0.key < $1.key }) {
            events.append("retry:\(mark.failedAttempts):\(mark.notBefore.millisecondsSince1970):" + itemPaths[Int(item)])
        }
        for (signal, count) in state.consumedSignals.sorted(by: { $0.key < $1.key }) {
            events.append("signal:\(count):" + signal)
        }
        for item in state.done { events.append("done:" + itemPaths[Int(item)]) }
        return FlowState(events: events)
    }

    /// Whether item `item` is `ancestor` or inside it.
    func isItem(_ item: Int32, inside ancestor: Int32) -> Bool {
        var current = item
        while current >= 0 {
            if current == ancestor { return true }
            current = items[Int(current)].parent
        }
        return false
    }

    /// The item an event belongs to.
    static func item(of event: Int32) -> Int32 { event / 2 }
    /// An item's `start:` event.
    static func start(_ item: Int32) -> Int32 { item * 2 }
    /// An item's `completed:` event.
    static func completed(_ item: Int32) -> Int32 { item * 2 + 1 }
}
