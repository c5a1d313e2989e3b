/// Draws a flow: its items as nested boxes, its events as states, its transitions as edges.
///
/// ```swift
/// let flow = try StepFlow<Deploy>("deploy.v1") {
///     Do("getPreActualState") { context in try await context.collector.trigger() }
///     WaitFor("preActualState") { context in try await context.collector.isDone() }
/// }
/// print(flow.mermaid())               // paste into a Markdown `mermaid` code block
/// print(flow.dot())                   // pipe into `dot -Tsvg`
/// print(flow.diagram(.mermaid))       // the same, with the format chosen at run time
/// ```
///
/// Both formats draw the same graph:
/// - every event (`start:<path>` and `completed:<path>` of every item) is a state, labelled with the event;
/// - every item is a box (a composite state in Mermaid, a `cluster_` subgraph in DOT) labelled with
///   its kind and its name as given in the DSL, e.g. `WaitFor preActualState`, holding its two
///   events and its children's boxes;
/// - every destination of every transition is an edge: structural links unlabelled (grey in DOT),
///   steps (a `Do` action or a condition) labelled with the reason (bold in DOT), and `Retry`
///   restarts labelled `retry` (dashed in DOT);
/// - an entry point leads to `start:<root>` and `completed:<root>` leads to an exit point.
///
/// Identifiers are generated from positions (`s<n>` for the n-th event of ``StepFlow/events``,
/// `g<n>` / `cluster_<n>` for the n-th item of ``StepFlow/root`` in depth-first order), so any name
/// is safe; the real text goes into labels, escaped for each format. States are declared inside
/// their boxes in definition order, then the edges follow at the top level, in the order a run
/// meets their sources. The output depends only on the flow's definition, so it can be committed
/// and diffed.
public enum FlowDiagram {
    /// A diagram language.
    ///
    /// The raw values are the names a command line takes:
    /// ```swift
    /// guard let format = FlowDiagram.Format(rawValue: "dot") else { … }  // .dot
    /// let text = flow.diagram(format)
    /// ```
    public enum Format: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// A Mermaid `stateDiagram-v2`, rendered by GitHub, GitLab and most Markdown tools.
        case mermaid
        /// A Graphviz `digraph`: `dot -Tsvg flow.dot > flow.svg`.
        case dot

        /// The raw value: `mermaid` or `dot`.
        public var description: String { rawValue }
    }

    /// The text of `flow`'s diagram in `format`, ending with a newline.
    ///
    /// ```swift
    /// let svgSource = FlowDiagram.render(flow, as: .dot)
    /// ```
    public static func render<Context>(_ flow: StepFlow<Context>, as format: Format) -> String {
        let graph = Graph(root: flow.root, events: flow.events, transitions: flow.transitions)
        switch format {
        case .mermaid: return graph.mermaid()
        case .dot: return graph.dot()
        }
    }
}

extension StepFlow {
    /// The flow as a Mermaid `stateDiagram-v2` (see ``FlowDiagram``).
    ///
    /// ```swift
    /// let flow = try StepFlow<Void>("tiny") {
    ///     Do("a") { _ in }
    /// }
    /// print(flow.mermaid())
    /// // stateDiagram-v2
    /// //     state "Steps tiny" as g0 {
    /// //         state "start:tiny" as s0
    /// //         state "Do a" as g1 {
    /// //             state "start:tiny/a" as s2
    /// //             state "completed:tiny/a" as s3
    /// //         }
    /// //         state "completed:tiny" as s1
    /// //     }
    /// //     [*] --> s0
    /// //     s0 --> s2
    /// //     s2 --> s3 : completed
    /// //     s3 --> s1
    /// //     s1 --> [*]
    /// ```
    public func mermaid() -> String {
        FlowDiagram.render(self, as: .mermaid)
    }

    /// The flow as a Graphviz `digraph` (see ``FlowDiagram``); render it with `dot -Tsvg`.
    ///
    /// ```swift
    /// try flow.dot().write(toFile: "deploy.dot", atomically: true, encoding: .utf8)
    /// // $ dot -Tsvg deploy.dot -o deploy.svg
    /// ```
    public func dot() -> String {
        FlowDiagram.render(self, as: .dot)
    }

    /// The flow's diagram in `format`: ``mermaid()`` or ``dot()``.
    ///
    /// ```swift
    /// let format = FlowDiagram.Format(rawValue: arguments.format) ?? .mermaid
    /// print(flow.diagram(format))
    /// ```
    public func diagram(_ format: FlowDiagram.Format) -> String {
        FlowDiagram.render(self, as: format)
    }
}

/// The format-independent graph: boxes, states and edges, with their generated ids.
private struct Graph {
    /// An item's box: its id, label, its two events and its children's boxes.
    struct Box {
        let id: Int
        let label: String
        let start: Int
        let completed: Int
        let children: [Box]
    }

    /// What an edge stands for, which sets its style.
    enum EdgeKind {
        case structural, step, retry
    }

    struct Edge {
        let source: Int
        let target: Int
        let kind: EdgeKind
        /// `nil` for structural links.
        let label: String?
        /// Whether the edge goes back in the flow (a `LoopUntil` pass, a `Retry` restart):
        /// DOT then lets it not push its target below its source.
        let isBackward: Bool
    }

    let name: String
    private(set) var root: Box
    /// The label of every state, by id: the event itself.
    private(set) var states: [String]
    /// States that no item owns (none in a well-formed flow), drawn outside every box.
    private(set) var looseStates: [Int] = []
    private(set) var edges: [Edge] = []
    private var ids: [String: Int] = [:]

    init(root item: FlowItem, events: [String], transitions: [FlowTransition]) {
        name = item.name
        states = events
        for (index, event) in events.enumerated() where ids[event] == nil {
            ids[event] = index
        }
        var nextBox = 0
        // Every state's position in a walk through the tree (start, children, completed), the
        // order in which a run meets them.
        var position: [Int: Int] = [:]
        // A placeholder so that `self` is initialized before `box(_:)` mutates it.
        root = Box(id: 0, label: "", start: 0, completed: 0, children: [])
        root = box(item, next: &nextBox, position: &position)
        looseStates = states.indices.filter { position[$0] == nil }
        var sources: [(position: Int, edges: [Edge])] = []
        for transition in transitions {
            let source = state(transition.source)
            let sourcePosition = position[source] ?? Int.max
            var group: [Edge] = []
            for destination in transition.destinations {
                let kind: EdgeKind =
                    [.retry, .failed, .timedOut].contains(destination.reason) ? .retry : transition.isStep ? .step : .structural
                let target = state(destination.event)
                group.append(Edge(
                    source: source,
                    target: target,
                    kind: kind,
                    label: kind == .structural ? nil : destination.reason.description,
                    isBackward: (position[target] ?? Int.max) < sourcePosition
                ))
            }
            sources.append((sourcePosition, group))
        }
        // In the order a run meets their sources; ties (states no item owns) keep definition order.
        let order = sources.indices.sorted { (sources[$0].position, $0) < (sources[$1].position, $1) }
        for index in order {
            edges += sources[index].edges
        }
    }

    /// The id of `event`'s state, adding a state if the flow did not list the event.
    private mutating func state(_ event: String) -> Int {
        if let id = ids[event] { return id }
        states.append(event)
        ids[event] = states.count - 1
        looseStates.append(states.count - 1)
        return states.count - 1
    }

    private mutating func box(_ item: FlowItem, next: inout Int, position: inout [Int: Int]) -> Box {
        let id = next
        next += 1
        let start = state(item.startEvent)
        position[start] = position.count
        var children: [Box] = []
        for child in item.children {
            children.append(box(child, next: &next, position: &position))
        }
        let completed = state(item.completedEvent)
        position[completed] = position.count
        return Box(id: id, label: Self.label(of: item), start: start, completed: completed, children: children)
    }

    /// `Kind name`, with the name as given in the DSL: `WaitFor preActualState`, not `…preActualStateWaitFor`.
    private static func label(of item: FlowItem) -> String {
        let kind = item.kind.description
        var name = item.name
        if [.waitFor, .case, .loopUntil, .retry, .sleep, .awaitSignal, .parallel].contains(item.kind),
            name.hasSuffix(kind), name.count > kind.count
        {
            name = String(name.dropLast(kind.count))
        }
        return kind + " " + name + (item.hasCompensation ? " (compensated on failure)" : "")
    }

    private static let indent = "    "

    // MARK: Mermaid

    func mermaid() -> String {
        var out = "stateDiagram-v2\n"
        mermaidBox(root, depth: 1, into: &out)
        for state in looseStates {
            out += Self.indent + mermaidState(state) + "\n"
        }
        out += Self.indent + "[*] --> s\(root.start)\n"
        for edge in edges {
            out += Self.indent + "s\(edge.source) --> s\(edge.target)"
            if let label = edge.label {
                out += " : " + Self.mermaidText(label, inState: false)
            }
            out += "\n"
        }
        out += Self.indent + "s\(root.completed) --> [*]\n"
        return out
    }

    private func mermaidState(_ state: Int) -> String {
        "state \"" + Self.mermaidText(states[state], inState: true) + "\" as s\(state)"
    }

    private func mermaidBox(_ box: Box, depth: Int, into out: inout String) {
        let pad = String(repeating: Self.indent, count: depth)
        out += pad + "state \"" + Self.mermaidText(box.label, inState: true) + "\" as g\(box.id) {\n"
        out += pad + Self.indent + mermaidState(box.start) + "\n"
        for child in box.children {
            mermaidBox(child, depth: depth + 1, into: &out)
        }
        out += pad + Self.indent + mermaidState(box.completed) + "\n"
        out += pad + "}\n"
    }

    /// Text safe inside `state "…"` (`inState`) or after ` : ` on a transition.
    ///
    /// Mermaid has no escape character: anything but letters, digits, spaces and a few harmless
    /// punctuation marks is written as an entity code (`#34;` for `"`), which Mermaid turns back into
    /// the character after parsing. This also keeps Markdown (`*`, `_`, `` ` ``), KaTeX (`$`), comments
    /// (`%%`), entity codes (`#…;`) and the transition label terminators (`:`, `;`) out of the labels.
    static func mermaidText(_ text: String, inState: Bool) -> String {
        var out = ""
        for scalar in displayed(text).unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "/", "-", ",", "'", "+", "=", "?", "!", "@", "(", ")":
                out.unicodeScalars.append(scalar)
            case ":" where inState:
                out.unicodeScalars.append(scalar)
            case "\n":
                out += "<br>"
            case " ":
                // Any line with `direction` and a space then TB/BT/LR/RL is read as a direction statement.
                out += endsWithDirection(out) ? "#32;" : " "
            default:
                if !scalar.isASCII, scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "#\(scalar.value);"
                }
            }
        }
        return out
    }

    private static func endsWithDirection(_ text: String) -> Bool {
        let word = "direction".unicodeScalars
        let tail = text.unicodeScalars.suffix(word.count)
        return tail.count == word.count && zip(tail, word).allSatisfy { lhs, rhs in
            lhs == rhs || (lhs.value >= 0x41 && lhs.value <= 0x5A && lhs.value + 0x20 == rhs.value)
        }
    }

    // MARK: DOT

    func dot() -> String {
        var out = "digraph \"" + Self.dotText(name) + "\" {\n"
        out += Self.indent + "graph [fontname=\"Helvetica\", fontsize=11, style=rounded, color=gray60];\n"
        out += Self.indent + "node [fontname=\"Helvetica\", fontsize=10, shape=box, style=rounded];\n"
        out += Self.indent + "edge [fontname=\"Helvetica\", fontsize=9];\n"
        out += Self.indent + "entry [shape=point, width=0.15];\n"
        out += Self.indent + "exit [shape=doublecircle, style=filled, fillcolor=black, label=\"\", width=0.1];\n"
        dotBox(root, depth: 1, into: &out)
        for state in looseStates {
            out += Self.indent + dotState(state) + "\n"
        }
        out += Self.indent + "entry -> s\(root.start);\n"
        for edge in edges {
            var attributes: [String] = []
            if let label = edge.label {
                attributes.append("label=\"" + Self.dotText(label) + "\"")
            }
            switch edge.kind {
            case .structural: attributes.append("color=gray50")
            case .step: attributes.append("style=bold")
            case .retry:
                // Along the west side, so that it does not hide the link into the group's first item.
                attributes += ["style=dashed", "color=firebrick", "fontcolor=firebrick", "tailport=w", "headport=w"]
            }
            if edge.isBackward {
                attributes.append("constraint=false")
            }
            out += Self.indent + "s\(edge.source) -> s\(edge.target) [" + attributes.joined(separator: ", ") + "];\n"
        }
        out += Self.indent + "s\(root.completed) -> exit;\n"
        out += "}\n"
        return out
    }

    private func dotState(_ state: Int) -> String {
        "s\(state) [label=\"" + Self.dotText(states[state]) + "\"];"
    }

    private func dotBox(_ box: Box, depth: Int, into out: inout String) {
        let pad = String(repeating: Self.indent, count: depth)
        out += pad + "subgraph cluster_\(box.id) {\n"
        out += pad + Self.indent + "label=\"" + Self.dotText(box.label) + "\";\n"
        out += pad + Self.indent + dotState(box.start) + "\n"
        for child in box.children {
            dotBox(child, depth: depth + 1, into: &out)
        }
        out += pad + Self.indent + dotState(box.completed) + "\n"
        out += pad + "}\n"
    }

    /// Text safe inside a DOT double-quoted string used as a label.
    ///
    /// Backslashes are doubled (a single one starts an escape such as `\N`, the node's name),
    /// quotes escaped, line breaks written `\n`, and `&` written `&amp;` (labels may hold entities).
    static func dotText(_ text: String) -> String {
        var out = ""
        for scalar in displayed(text).unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "&": out += "&amp;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    // MARK: Text

    /// The text as it should read: line breaks (`\r\n`, `\r`, `\n`) become `\n`, other control
    /// characters are spelled out as `\u{…}`.
    static func displayed(_ text: String) -> String {
        var out = ""
        var afterCarriageReturn = false
        for scalar in text.unicodeScalars {
            defer { afterCarriageReturn = scalar == "\r" }
            switch scalar.value {
            case 0x0A where afterCarriageReturn:
                continue
            case 0x0A, 0x0D:
                out += "\n"
            case 0x00...0x1F, 0x7F...0x9F:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
