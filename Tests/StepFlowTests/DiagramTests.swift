import Foundation
import StepFlow
import Testing

@Suite struct DiagramTests {
    @Test func mermaidOfATinyFlow() throws {
        let flow = try StepFlow<Void>("tiny") {
            Do("a") { _ in }
            WaitFor("b") { _ in true }
        }
        #expect(flow.mermaid() == """
            stateDiagram-v2
                state "Steps tiny" as g0 {
                    state "start:tiny" as s0
                    state "Do a" as g1 {
                        state "start:tiny/a" as s2
                        state "completed:tiny/a" as s3
                    }
                    state "WaitFor b" as g2 {
                        state "start:tiny/bWaitFor" as s4
                        state "completed:tiny/bWaitFor" as s5
                    }
                    state "completed:tiny" as s1
                }
                [*] --> s0
                s0 --> s2
                s2 --> s3 : completed
                s3 --> s4
                s4 --> s4 : WaitFor condition is not met
                s4 --> s5 : WaitFor condition is met
                s5 --> s1
                s1 --> [*]

            """)
    }

    @Test func dotOfATinyFlow() throws {
        let flow = try StepFlow<Void>("tiny") {
            Do("a") { _ in }
            WaitFor("b") { _ in true }
        }
        #expect(flow.dot() == """
            digraph "tiny" {
                graph [fontname="Helvetica", fontsize=11, style=rounded, color=gray60];
                node [fontname="Helvetica", fontsize=10, shape=box, style=rounded];
                edge [fontname="Helvetica", fontsize=9];
                entry [shape=point, width=0.15];
                exit [shape=doublecircle, style=filled, fillcolor=black, label="", width=0.1];
                subgraph cluster_0 {
                    label="Steps tiny";
                    s0 [label="start:tiny"];
                    subgraph cluster_1 {
                        label="Do a";
                        s2 [label="start:tiny/a"];
                        s3 [label="completed:tiny/a"];
                    }
                    subgraph cluster_2 {
                        label="WaitFor b";
                        s4 [label="start:tiny/bWaitFor"];
                        s5 [label="completed:tiny/bWaitFor"];
                    }
                    s1 [label="completed:tiny"];
                }
                entry -> s0;
                s0 -> s2 [color=gray50];
                s2 -> s3 [label="completed", style=bold];
                s3 -> s4 [color=gray50];
                s4 -> s4 [label="WaitFor condition is not met", style=bold];
                s4 -> s5 [label="WaitFor condition is met", style=bold];
                s5 -> s1 [color=gray50];
                s1 -> exit;
            }

            """)
    }

    @Test(arguments: FlowDiagram.Format.allCases)
    func everyEventIsExactlyOneState(_ format: FlowDiagram.Format) throws {
        for flow in [try deployFlow(), try awkwardFlow()] {
            let parsed = parse(flow.diagram(format), format)
            #expect(parsed.states.map(\.label).sorted() == flow.events.map(displayed).sorted())
            #expect(Set(parsed.states.map(\.id)).count == flow.events.count)
            #expect(parsed.boxes.count == flow.root.allItems.count)
            #expect(Set(parsed.boxes).count == parsed.boxes.count)
        }
    }

    @Test(arguments: FlowDiagram.Format.allCases)
    func everyTransitionIsAnEdgeWithItsReason(_ format: FlowDiagram.Format) throws {
        for flow in [try deployFlow(), try awkwardFlow()] {
            let parsed = parse(flow.diagram(format), format)
            let ids = Dictionary(parsed.states.map { ($0.label, $0.id) }, uniquingKeysWith: { first, _ in first })
            let id = { (event: String) in ids[displayed(event)] ?? "?" }
            var expected: [String] = []
            for transition in flow.transitions {
                for destination in transition.destinations {
                    let label = destination.reason == .structural ? "-" : destination.reason.description
                    expected.append("\(id(transition.source)) \(id(destination.event)) \(label)")
                }
            }
            let edges = parsed.edges.map { "\($0.source) \($0.target) \($0.label ?? "-")" }
            #expect(edges.sorted() == expected.sorted())
            #expect(parsed.terminals == [id(flow.root.startEvent), id(flow.root.completedEvent)])
        }
    }

    @Test func deployFlowHasEveryKindOfEdge() throws {
        let flow = try deployFlow()
        #expect(flow.mermaid().contains("s6 --> s8 : Case condition is met\n"))
        #expect(flow.mermaid().contains("s16 --> s14 : retry\n"))
        let dot = parseDOT(flow.dot())
        let retries = dot.edges.filter { $0.label == "retry" }
        #expect(retries.count == 1)
        #expect(retries.allSatisfy { $0.attributes.contains("style=dashed") })
        let steps = dot.edges.filter { $0.label != nil && $0.label != "retry" }
        #expect(steps.count == 12)
        #expect(steps.allSatisfy { $0.attributes.contains("style=bold") })
        #expect(dot.edges.filter { $0.label == nil }.allSatisfy { $0.attributes == " [color=gray50]" })
        // The pass back to the loop's start must not push the loop's steps below its end.
        #expect(flow.dot().contains(
            "s21 -> s20 [label=\"LoopUntil condition is not met\", style=bold, constraint=false];\n"))
    }

    @Test(arguments: FlowDiagram.Format.allCases)
    func bracesBalance(_ format: FlowDiagram.Format) throws {
        for flow in [try deployFlow(), try awkwardFlow()] {
            var depth = 0
            for brace in bracesOutsideStrings(flow.diagram(format)) {
                depth += brace == "{" ? 1 : -1
                #expect(depth >= 0)
            }
            #expect(depth == 0)
        }
    }

    @Test(arguments: FlowDiagram.Format.allCases)
    func identifiersAreSanitized(_ format: FlowDiagram.Format) throws {
        for flow in [try deployFlow(), try awkwardFlow()] {
            let parsed = parse(flow.diagram(format), format)
            let ids = parsed.states.map(\.id) + parsed.boxes + parsed.terminals
                + parsed.edges.flatMap { [$0.source, $0.target] }
            #expect(!ids.isEmpty)
            #expect(ids.filter { !isIdentifier($0) } == [])
        }
    }

    @Test func mermaidEscapesQuotesAndSpecialCharacters() throws {
        let mermaid = try awkwardFlow().mermaid()
        #expect(mermaid.contains("    state \"Steps say #34;hi#34;\" as g0 {\n"))
        #expect(mermaid.contains("        state \"Do quote#34;d\" as g1 {\n"))
        #expect(mermaid.contains("            state \"start:say #34;hi#34;/quote#34;d\" as s2\n"))
        #expect(mermaid.contains(
            "state \"WaitFor back#92;slash #123;braces#125; #91;x#93; #60;b#62;#38;amp#59; #35;1#59; #37;#37; direction#32;LR #42;a#42; #95;b#95;\" as g2 {"))
        #expect(mermaid.contains("state \"Retry line<br>break<br>and#92;u#123;9#125;tab\" as g3 {"))
        #expect(mermaid.contains("state \"Steps é#128512; #182;ß\" as g4 {"))
        // Each declaration has exactly its two quotes; nothing else breaks a line.
        for line in mermaid.split(separator: "\n") where line.contains("\"") {
            #expect(line.filter { $0 == "\"" }.count == 2)
        }
    }

    @Test func dotEscapesQuotesAndSpecialCharacters() throws {
        let dot = try awkwardFlow().dot()
        #expect(dot.hasPrefix("digraph \"say \\\"hi\\\"\" {\n"))
        #expect(dot.contains("        label=\"Steps say \\\"hi\\\"\";\n"))
        #expect(dot.contains("            label=\"Do quote\\\"d\";\n"))
        #expect(dot.contains("            s2 [label=\"start:say \\\"hi\\\"/quote\\\"d\"];\n"))
        #expect(dot.contains(
            "label=\"WaitFor back\\\\slash {braces} [x] <b>&amp;amp; #1; %% direction LR *a* _b_\";"))
        #expect(dot.contains("label=\"Retry line\\nbreak\\nand\\\\u{9}tab\";"))
    }

    @Test func formatsAndEntryPointsAgree() throws {
        let flow = try deployFlow()
        #expect(flow.diagram(.mermaid) == flow.mermaid())
        #expect(flow.diagram(.dot) == flow.dot())
        #expect(FlowDiagram.render(flow, as: .dot) == flow.dot())
        #expect(FlowDiagram.Format.allCases.map(\.rawValue) == ["mermaid", "dot"])
        #expect(FlowDiagram.Format(rawValue: "dot") == .dot)
        #expect(FlowDiagram.Format.mermaid.description == "mermaid")
        #expect(flow.mermaid().hasPrefix("stateDiagram-v2\n    state \"Steps deploy.v1\" as g0 {\n"))
        #expect(flow.mermaid().hasSuffix("    s1 --> [*]\n"))
        #expect(flow.dot().hasSuffix("    s1 -> exit;\n}\n"))
    }

    @Test func outputIsDeterministic() throws {
        #expect(try deployFlow().mermaid() == deployFlow().mermaid())
        #expect(try deployFlow().dot() == deployFlow().dot())
    }

    /// Where Graphviz's `dot` is, if installed; the test below is skipped without it.
    static let graphviz = ["/usr/bin/dot", "/usr/local/bin/dot", "/opt/homebrew/bin/dot"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: graphviz != nil, "Graphviz is not installed"))
    func graphvizAcceptsTheDOT() throws {
        for flow in [try deployFlow(), try awkwardFlow()] {
            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("stepflow-diagram-\(UUID().uuidString).dot")
            try flow.dot().write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(Self.graphviz))
            process.arguments = ["-Tsvg", file.path]
            process.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            process.waitUntilExit()
            let messages = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0)
            #expect(messages == "")
        }
    }
}

/// Flows and readers of the diagrams, as members so that they never clash with other test files.
private extension DiagramTests {
    /// The deploy flow of go-stepflow's README, plus a `Retry` and a `LoopUntil`.
    func deployFlow() throws -> StepFlow<Void> {
        try StepFlow<Void>("deploy.v1") {
            Do("getPreActualState") { _ in }
            WaitFor("preActualState") { _ in true }
            Case("shouldDeploy", when: { _ in true }) {
                Do("createDeployRequest") { _ in }
                WaitFor("acceptedDeployRequest") { _ in true }
            }
            Retry("push", shouldRetry: { _, _ in true }) {
                Do("a") { _ in }
            }
            LoopUntil("visit", until: { _ in true }) {
                Do("b") { _ in }
            }
        }
    }

    /// A flow whose names hold every character the formats treat specially.
    func awkwardFlow() throws -> StepFlow<Void> {
        try StepFlow<Void>("say \"hi\"") {
            Do("quote\"d") { _ in }
            WaitFor("back\\slash {braces} [x] <b>&amp; #1; %% direction LR *a* _b_") { _ in true }
            Retry("line\nbreak\r\nand\ttab", shouldRetry: { _, _ in true }) {
                Steps("é😀 ¶ß") {}
            }
        }
    }

    /// A node or an edge read back from a diagram.
    struct Parsed {
        /// Every state: its id and its label (unescaped).
        var states: [(id: String, label: String)] = []
        /// Every box (composite state or cluster) id.
        var boxes: [String] = []
        /// Every edge between two states: source id, target id, label (unescaped) and raw DOT attributes.
        var edges: [(source: String, target: String, label: String?, attributes: String)] = []
        /// Every other id used in an edge (`[*]`, `entry`, `exit`).
        var terminals: [String] = []
    }

    /// Reads back the lines `flow.mermaid()` writes.
    func parseMermaid(_ text: String) -> Parsed {
        var parsed = Parsed()
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("state \"") {
                let afterQuote = line.dropFirst("state \"".count)
                let label = afterQuote.prefix { $0 != "\"" }
                var id = afterQuote.dropFirst(label.count).dropFirst("\" as ".count)
                if id.hasSuffix(" {") {
                    id = id.dropLast(2)
                    parsed.boxes.append(String(id))
                } else {
                    parsed.states.append((String(id), decodeMermaid(String(label))))
                }
            } else if let arrow = line.range(of: " --> ") {
                let source = String(line[..<arrow.lowerBound])
                var rest = line[arrow.upperBound...]
                var label: String?
                if let colon = rest.range(of: " : ") {
                    label = decodeMermaid(String(rest[colon.upperBound...]))
                    rest = rest[..<colon.lowerBound]
                }
                let target = String(rest)
                if source == "[*]" || target == "[*]" {
                    parsed.terminals.append(source == "[*]" ? target : source)
                } else {
                    parsed.edges.append((source, target, label, ""))
                }
            }
        }
        return parsed
    }

    /// Turns Mermaid entity codes (`#34;`) and `<br>` back into text.
    func decodeMermaid(_ text: String) -> String {
        var out = ""
        var rest = Substring(text.replacingOccurrences(of: "<br>", with: "\n"))
        while let hash = rest.firstIndex(of: "#") {
            out += rest[..<hash]
            let digits = rest[rest.index(after: hash)...].prefix { $0.isNumber }
            let end = rest.index(hash, offsetBy: digits.count + 1)
            guard end < rest.endIndex, rest[end] == ";", let value = UInt32(digits), let scalar = Unicode.Scalar(value) else {
                out += "#"
                rest = rest[rest.index(after: hash)...]
                continue
            }
            out.unicodeScalars.append(scalar)
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    /// Reads back the lines `flow.dot()` writes.
    func parseDOT(_ text: String) -> Parsed {
        var parsed = Parsed()
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("subgraph ") {
                parsed.boxes.append(String(line.dropFirst("subgraph ".count).dropLast(2)))
            } else if let arrow = line.range(of: " -> ") {
                let source = String(line[..<arrow.lowerBound])
                let rest = line[arrow.upperBound...].dropLast()  // the `;`
                let target = String(rest.prefix { $0 != " " })
                let attributes = String(rest.dropFirst(target.count))
                if ["entry", "exit"].contains(source) || ["entry", "exit"].contains(target) {
                    parsed.terminals.append(source == "entry" ? target : source)
                } else {
                    parsed.edges.append((source, target, dotLabel(attributes), attributes))
                }
            } else if line.hasPrefix("s"), let open = line.range(of: " [label=\"") {
                parsed.states.append((String(line[..<open.lowerBound]), dotLabel(line) ?? ""))
            }
        }
        return parsed
    }

    /// The unescaped value of the `label="…"` attribute in `text`, if any.
    func dotLabel(_ text: String) -> String? {
        guard let start = text.range(of: "label=\"") else { return nil }
        var out = ""
        var escaped = false
        for character in text[start.upperBound...] {
            if escaped {
                out.append(character == "n" ? "\n" : character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                break
            } else {
                out.append(character)
            }
        }
        return out.replacingOccurrences(of: "&amp;", with: "&")
    }

    func parse(_ text: String, _ format: FlowDiagram.Format) -> Parsed {
        format == .mermaid ? parseMermaid(text) : parseDOT(text)
    }

    /// How the diagrams show a name: line breaks as `\n`, other control characters spelled out.
    func displayed(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\t", with: "\\u{9}")
    }

    /// The braces outside quoted strings, in order.
    func bracesOutsideStrings(_ text: String) -> [Character] {
        var braces: [Character] = []
        var quoted = false
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if quoted, character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if !quoted, character == "{" || character == "}" {
                braces.append(character)
            }
        }
        return braces
    }

    func isIdentifier(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
