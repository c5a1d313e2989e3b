import Foundation
import StepFlow
import Testing

/// Every name go-stepflow accepts is accepted, with the states go-stepflow writes (issue 15's table, row by row),
/// and what go-stepflow refuses — two items with one path — is refused.
@Suite struct NameCompatibilityTests {
    // MARK: The table, row by row

    @Test func rootWithSlashWritesItsPathAsIs() async throws {
        let flow = try StepFlow<Probe>("deploy/v1") { Do("a", probeAction("a")) }
        #expect(flow.name == "deploy/v1")
        #expect(flow.events == ["start:deploy/v1", "completed:deploy/v1", "start:deploy/v1/a", "completed:deploy/v1/a"])
        let states = try await runToCompletion(flow, context: Probe())
        #expect(states == [["completed:deploy/v1/a"], ["completed:deploy/v1"]])
    }

    @Test func rootWithColonWritesItsPathAsIs() async throws {
        let flow = try StepFlow<Probe>("deploy:v1") { Do("a", probeAction("a")) }
        let states = try await runToCompletion(flow, context: Probe())
        #expect(states == [["completed:deploy:v1/a"], ["completed:deploy:v1"]])
        #expect(flow.isCompleted(FlowState(events: ["completed:deploy:v1"])))
    }

    @Test func itemWithColon() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("f") { Do("a:b", probeAction("a:b")) }
        let states = try await runToCompletion(flow, context: probe)
        #expect(states == [["completed:f/a:b"], ["completed:f"]])
        #expect(probe.log == ["a:b"])
    }

    @Test func itemWithSlashAndNoGroupOfThatName() async throws {
        let flow = try StepFlow<Probe>("f") { Do("a/b", probeAction("a/b")) }
        let states = try await runToCompletion(flow, context: Probe())
        #expect(states == [["completed:f/a/b"], ["completed:f"]])
        #expect(flow.root.children.map(\.name) == ["a/b"])
        #expect(flow.root.children.map(\.path) == ["f/a/b"])
    }

    @Test func itemWithSlashNextToTheGroupItSpellsIsADuplicatePath() throws {
        let after = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Steps("a") { Do("b", probeAction("b")) }
                Do("a/b", probeAction("a/b"))
            }
        })
        #expect(after.code == .duplicatePath)
        #expect(after.path == "f/a/b")
        #expect(after.message.contains("'f/a/b'"))
        #expect(after.message.contains("flow 'f'"))

        let before = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Do("a/b", probeAction("a/b"))
                Steps("a") { Do("b", probeAction("b")) }
            }
        })
        #expect(before.code == .duplicatePath)
        #expect(before.path == "f/a/b")
    }

    @Test func emptyRootName() async throws {
        let flow = try StepFlow<Probe>("") { Do("a", probeAction("a")) }
        #expect(flow.name == "")
        let states = try await runToCompletion(flow, context: Probe())
        #expect(states == [["completed:/a"], ["completed:"]])
    }

    @Test func emptyItemName() async throws {
        let flow = try StepFlow<Probe>("f") { Do("", probeAction("")) }
        let states = try await runToCompletion(flow, context: Probe())
        #expect(states == [["completed:f/"], ["completed:f"]])
    }

    // MARK: More collisions, anywhere in the tree

    @Test func namesWithSlashCollideAcrossGroupsAndSuffixes() throws {
        let intoCase = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Case("c", when: probeCondition("c")) { Do("x", probeAction("x")) }
                Do("cCase/steps/x", probeAction("x"))
            }
        })
        #expect(intoCase.code == .duplicatePath)
        #expect(intoCase.path == "f/cCase/steps/x")

        let groups = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Steps("a/b") {}
                Steps("a") { Steps("b") {} }
            }
        })
        #expect(groups.code == .duplicatePath)
        #expect(groups.path == "f/a/b")

        let waitFor = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Retry("r", shouldRetry: probeHandler("r")) { WaitFor("w", probeCondition("w")) }
                WaitFor("rRetry/w", probeCondition("w"))
            }
        })
        #expect(waitFor.code == .duplicatePath)
        #expect(waitFor.path == "f/rRetry/wWaitFor")

        let empties = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Do("", probeAction("1"))
                Do("", probeAction("2"))
            }
        })
        #expect(empties.code == .duplicatePath)
        #expect(empties.path == "f/")

        let branches = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Parallel("p") {
                    Branch("a/b") { Do("x") { _ in } }
                    Branch("a") { Do("x") { _ in } }
                }
                Do("pParallel/a/b") { _ in }
            }
        })
        #expect(branches.code == .duplicatePath)
        #expect(branches.path == "f/pParallel/a/b")
    }

    @Test func pathsThatOnlyLookAlikeAreDistinct() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("f") {
            Do("a:b", probeAction("1"))
            Do("a/b/", probeAction("2"))
            Steps("a") { Do("b:", probeAction("3")) }
            Do("", probeAction("4"))
            Steps("/") { Do("", probeAction("5")) }
        }
        #expect(flow.root.allItems.map(\.path) == ["f", "f/a:b", "f/a/b/", "f/a", "f/a/b:", "f/", "f//", "f///"])
        #expect(Set(flow.events).count == flow.events.count)
        let states = try await runToCompletion(flow, context: probe)
        #expect(states == [
            ["completed:f/a:b"], ["completed:f/a/b/"], ["completed:f/a/b:"], ["completed:f/"], ["completed:f///"], ["completed:f"],
        ])
        #expect(probe.log == ["1", "2", "3", "4", "5"])
    }

    // MARK: go-stepflow's own example, named `deploy/v1`

    /// The continuous-deployment flow of go-stepflow's `TestGenericExample`, with its name.
    static func goDeployFlow() throws -> StepFlow<Probe> {
        try deployV1Flow(named: "deploy/v1")
    }

    @Test func goStepflowDeployFlowResumesFromItsStoredState() async throws {
        let flow = try Self.goDeployFlow()
        let stored = Data(#"["start:deploy/v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor"]"#.utf8)
        let state = try JSONDecoder().decode(FlowState.self, from: stored)
        #expect(flow.canContinue(state))
        #expect(try flow.nextStep(in: state)?.path == "deploy/v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor")
        let probe = Probe()
        probe.script("acceptedDeployRequest", [false])
        let states = try await runToCompletion(flow, from: state, context: probe)
        #expect(states == [
            ["start:deploy/v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor"],
            ["completed:deploy/v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor"],
            ["completed:deploy/v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor"],
            ["completed:deploy/v1/shouldDeployCase/steps/getPostActualState"],
            ["completed:deploy/v1/shouldDeployCase/steps/postActualStateWaitFor"],
            ["completed:deploy/v1/shouldDeployCase/steps/validatePostDeployActualState"],
            ["completed:deploy/v1"],
        ])
        #expect(probe.log == [
            "acceptedDeployRequest=false", "acceptedDeployRequest=true", "monitorDeploymentProgress=true",
            "getPostActualState", "postActualState=true", "validatePostDeployActualState",
        ])
        let encoded = try JSONEncoder().encode(FlowState(events: states[1]))
        #expect(String(decoding: encoded, as: UTF8.self)
            == #"["completed:deploy\/v1\/shouldDeployCase\/steps\/acceptedDeployRequestWaitFor"]"#)
    }

    @Test func introspectionAndDiagramsOfNamesWithSlashesAndColons() throws {
        let flow = try StepFlow<Probe>("deploy/v1") {
            Do("a:b", probeAction("x"))
            WaitFor("", probeCondition("y"))
            Steps("g/h") { Do("\"quoted\" %% #1; [x]", probeAction("z")) }
        }
        #expect(flow.transition(from: "start:deploy/v1/a:b")?.destinations.map(\.event) == ["completed:deploy/v1/a:b"])
        #expect(flow.transition(from: "start:deploy/v1/WaitFor")?.itemPath == "deploy/v1/WaitFor")
        #expect(flow.root.allItems.map(\.path) == [
            "deploy/v1", "deploy/v1/a:b", "deploy/v1/WaitFor", "deploy/v1/g/h", "deploy/v1/g/h/\"quoted\" %% #1; [x]",
        ])

        let mermaid = flow.mermaid()
        // Identifiers are generated (`s<n>`, `g<n>`); names appear only inside quoted, escaped labels.
        #expect(mermaid.contains(#"state "start:deploy/v1/a:b" as s2"#))
        #expect(mermaid.contains(#"state "Steps deploy/v1" as g0 {"#))
        #expect(mermaid.contains(#"state "Steps g/h" as g3 {"#))
        #expect(mermaid.contains("#34;quoted#34; #37;#37; #35;1#59; #91;x#93;"))
        #expect(!mermaid.contains("%%"))
        for line in mermaid.split(separator: "\n").dropFirst() {
            let code = line.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map(\.element).joined()
            #expect(!code.contains("/") && !code.contains("%"), "unquoted name text in: \(line)")
        }

        let dot = flow.dot()
        #expect(dot.hasPrefix(#"digraph "deploy/v1" {"#))
        #expect(dot.contains(#"[label="start:deploy/v1/a:b"]"#))
        #expect(dot.contains(#"label="Do \"quoted\" %% #1; [x]";"#))
        #expect(dot.contains(#"[label="completed:deploy/v1/WaitFor"]"#))
    }

    // MARK: Extended flows: the path comes last, so `:` and `/` in names are harmless

    static func extendedFlow() throws -> StepFlow<Script> {
        try StepFlow<Script>("ops:deploy/v1") {
            Do("open:pr/1", { script in try script.run("open") }, compensate: { script in try script.run("close") })
            Sleep("cool:down/a", for: .seconds(10))
            AwaitSignal("go:ahead/now", as: String.self)
            Retry("push:x/y", policy: .fixed(.seconds(5), maxAttempts: 3)) {
                Do("push:it/now") { script in try script.run("push") }
            }
            Do("roll:out") { script in try script.run("rollout") }
        }
    }

    @Test func extendedFlowWithColonsAndSlashesThroughSleepRetryAndCompensation() async throws {
        let flow = try Self.extendedFlow()
        let script = Script()
        script.fail("push")
        script.fail("rollout")
        let signal = ["go:ahead/now": 1]
        var seen: [[String]] = []
        /// One apply from the state as stored (strings only), so every state is read back from its text.
        func step(_ state: FlowState, _ environment: StepEnvironment) async throws -> StepResult {
            let json = try JSONEncoder().encode(state)
            let stored = try JSONDecoder().decode(FlowState.self, from: json)
            #expect(flow.canContinue(stored))
            let result = try await flow.applyStep(stored, context: script, environment: environment)
            seen.append(result.state.events)
            return result
        }
        let opened = try await step(FlowState(), at(0))
        #expect(opened.stepPath == "ops:deploy/v1/open:pr/1")
        let early = try await step(opened.state, at(5))
        #expect(early.outcome == .waiting)
        #expect(early.notBefore == t(10))
        let slept = try await step(early.state, at(10))
        #expect(slept.stepPath == "ops:deploy/v1/cool:down/aSleep")
        let waiting = try await step(slept.state, at(10))
        #expect(waiting.outcome == .waiting)
        let signalled = try await step(waiting.state, at(10, signals: signal))
        #expect(flow.consumedSignals(in: signalled.state) == signal)
        let retried = try await step(signalled.state, at(10, signals: signal))
        #expect(retried.outcome == .retried)
        #expect(retried.notBefore == t(15))
        let pushed = try await step(retried.state, at(15, signals: signal))
        #expect(pushed.stepPath == "ops:deploy/v1/push:x/yRetry/push:it/now")
        let failed = try await step(pushed.state, at(15, signals: signal))
        #expect(failed.outcome == .compensating)
        #expect(flow.isCompensating(failed.state))
        #expect(try flow.nextStep(in: failed.state)?.path == "ops:deploy/v1/open:pr/1")
        let compensated = try await step(failed.state, at(15, signals: signal))
        #expect(compensated.outcome == .compensated)
        #expect(flow.ending(of: compensated.state) == .failed)

        #expect(seen == [
            ["start:ops:deploy/v1/cool:down/aSleep", "sleep:10000:ops:deploy/v1/cool:down/aSleep", "done:ops:deploy/v1/open:pr/1"],
            ["start:ops:deploy/v1/cool:down/aSleep", "sleep:10000:ops:deploy/v1/cool:down/aSleep", "done:ops:deploy/v1/open:pr/1"],
            ["start:ops:deploy/v1/go:ahead/nowAwaitSignal", "done:ops:deploy/v1/open:pr/1"],
            ["start:ops:deploy/v1/go:ahead/nowAwaitSignal", "done:ops:deploy/v1/open:pr/1"],
            ["start:ops:deploy/v1/push:x/yRetry/push:it/now", "signal:1:go:ahead/now", "done:ops:deploy/v1/open:pr/1"],
            [
                "start:ops:deploy/v1/push:x/yRetry/push:it/now", "retry:1:15000:ops:deploy/v1/push:x/yRetry",
                "signal:1:go:ahead/now", "done:ops:deploy/v1/open:pr/1",
            ],
            ["start:ops:deploy/v1/roll:out", "signal:1:go:ahead/now", "done:ops:deploy/v1/open:pr/1"],
            ["failed:ops:deploy/v1", "done:ops:deploy/v1/open:pr/1"],
            ["failed:ops:deploy/v1"],
        ])
        #expect(script.log == ["open", "push failed", "push", "rollout failed", "close"])
    }

    @Test func extendedAnnotationsWithColonsInPathsAreReadAndMalformedOnesRefused() throws {
        let flow = try Self.extendedFlow()
        let wait = FlowState(events: [
            "start:ops:deploy/v1/cool:down/aSleep", "sleep:42:ops:deploy/v1/cool:down/aSleep", "done:ops:deploy/v1/open:pr/1",
        ])
        #expect(flow.canContinue(wait))
        #expect(try flow.nextStep(in: wait)?.path == "ops:deploy/v1/cool:down/aSleep")
        #expect(flow.canContinue(FlowState(events: ["cancelled:ops:deploy/v1"])))
        #expect(flow.ending(of: FlowState(events: ["cancelled:ops:deploy/v1"])) == .cancelled)
        #expect(flow.canContinue(FlowState(events: [
            "start:ops:deploy/v1/push:x/yRetry/push:it/now", "retry:2:9:ops:deploy/v1/push:x/yRetry", "signal:3:go:ahead/now",
        ])))

        for bad in [
            "sleep:4x:ops:deploy/v1/cool:down/aSleep",  // not a number
            "sleep:42:ops:deploy/v1/cool:down",  // no such item (a prefix of one)
            "sleep:ops:deploy/v1/cool:down/aSleep",  // the number is missing: `ops` is no number
            "retry:1:ops:deploy/v1/push:x/yRetry",  // one number missing
            "cancelled:ops:deploy",  // another root
            "failed:ops:deploy/v1/",
            "start:ops:deploy/v1/nothing",
            "done",
            "",
        ] {
            let state = FlowState(events: ["start:ops:deploy/v1/cool:down/aSleep", bad])
            #expect(!flow.canContinue(state), "accepted \(bad)")
            #expect(throws: StepFlowError.self) { try flow.nextStep(in: state) }
        }
    }
}
