/// The running state of one process: the ordered list of events it is at.
///
/// A `FlowState` is what you store between two steps. It encodes to exactly the JSON
/// array of its event strings — the format go-stepflow keeps, for instance in a Kubernetes
/// resource's status — so a state written by go-stepflow can be decoded and continued here,
/// and the other way round.
///
/// ```swift
/// var state = FlowState()                       // not started
/// state = try await flow.apply(state, context: context)
/// let stored = try JSONEncoder().encode(state)  // ["completed:deploy.v1/getPreActualState"]
/// ```
///
/// Equality and hashing consider the events only. A state returned by ``StepFlow/apply(_:context:)``
/// also remembers, privately, where it is in the flow that produced it, so that applying it again
/// to the same flow needs no string look-up.
public struct FlowState: Sendable {
    /// The events, in order: `start:<path>` or `completed:<path>`. Empty means "not started".
    public let events: [String]

    /// Which compiled flow resolved this state (0: none).
    @usableFromInline
    let resolvedBy: UInt64

    /// The event id, in the table of the flow named by `resolvedBy`, this state resolves to.
    @usableFromInline
    let resolvedEvent: Int32

    /// A process that has not started yet.
    public init() {
        self.events = []
        self.resolvedBy = 0
        self.resolvedEvent = -1
    }

    /// A state made of the given events, for instance one loaded from storage.
    public init(events: [String]) {
        self.events = events
        self.resolvedBy = 0
        self.resolvedEvent = -1
    }

    @usableFromInline
    init(events: [String], resolvedBy: UInt64, resolvedEvent: Int32) {
        self.events = events
        self.resolvedBy = resolvedBy
        self.resolvedEvent = resolvedEvent
    }

    /// Whether the process has not started (no events).
    @inlinable
    public var isEmpty: Bool { events.isEmpty }
}

extension FlowState: Hashable {
    /// Two states are equal when their events are equal.
    @inlinable
    public static func == (lhs: FlowState, rhs: FlowState) -> Bool {
        lhs.events == rhs.events
    }

    /// Hashes the events.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(events)
    }
}

extension FlowState: Codable {
    /// Decodes a state from a JSON array of event strings; `null` decodes as the empty state.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self.init()
        } else {
            self.init(events: try container.decode([String].self))
        }
    }

    /// Encodes the state as a JSON array of its event strings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(events)
    }
}

extension FlowState: CustomStringConvertible {
    /// The events, as a bracketed list.
    public var description: String {
        "[" + events.joined(separator: ", ") + "]"
    }
}

extension FlowState: ExpressibleByArrayLiteral {
    /// A state made of the listed events.
    public init(arrayLiteral events: String...) {
        self.init(events: events)
    }
}
