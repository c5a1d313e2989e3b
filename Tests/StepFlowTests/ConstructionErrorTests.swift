import StepFlow
import Testing

/// The ``StepFlowError`` thrown by `build`, recording an issue if it throws nothing or something else.
func flowConstructionError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ build: () throws -> StepFlow<Probe>
) -> StepFlowError? {
    do {
        let flow = try build()
        Issue.record("expected a StepFlowError, built flow '\(flow.name)'", sourceLocation: sourceLocation)
        return nil
    } catch let error as StepFlowError {
        return error
    } catch {
        Issue.record("expected a StepFlowError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

@Suite struct DuplicatePathTests {
    @Test func twoDoStepsWithTheSameName() throws {
        let error = try #require(flowConstructionError {
            try StepFlow<Probe> {
                Do("x", probeAction("x"))
                Do("x", probeAction("x"))
            }
        })
        #expect(error.code == .duplicatePath)
        #expect(error.path == "steps/x")
        #expect(error.message.contains("steps/x"))
        #expect(error.description == error.message)
    }

    @Test func waitForSuffixCollidesWithDoName() throws {
        let error = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                WaitFor("a", probeCondition("a"))
                Do("aWaitFor", probeAction("a"))
            }
        })
        #expect(error.code == .duplicatePath)
        #expect(error.path == "f/aWaitFor")
        #expect(error.message.contains("f/aWaitFor"))
    }

    @Test func twoWaitForsWithTheSameName() throws {
        let error = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                WaitFor("a", probeCondition("a"))
                WaitFor("a", probeCondition("a"))
            }
        })
        #expect(error.code == .duplicatePath)
        #expect(error.path == "f/aWaitFor")
    }

    @Test func caseSuffixCollidesWithStepsName() throws {
        let error = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Case("c", when: probeCondition("c")) {}
                Steps("cCase") {}
            }
        })
        #expect(error.code == .duplicatePath)
        #expect(error.path == "f/cCase")
    }

    @Test func loopUntilSuffixCollidesWithDoName() throws {
        let error = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Do("lLoopUntil", probeAction("x"))
                LoopUntil("l", until: probeCondition("l")) {}
            }
        })
        #expect(error.code == .duplicatePath)
        #expect(error.path == "f/lLoopUntil")
    }

    @Test func retrySuffixCollidesWithStepsName() throws {
        let error = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Retry("r", shouldRetry: probeHandler("r")) {}
                Steps("rRetry") {}
            }
        })
        #expect(error.code == .duplicatePath)
        #expect(error.path == "f/rRetry")
    }

    @Test func twoStepsGroupsWithTheSameName() throws {
        let error = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Steps("g") { Do("a", probeAction("a")) }
                Steps("g") { Do("b", probeAction("b")) }
            }
        })
        #expect(error.code == .duplicatePath)
        #expect(error.path == "f/g")
    }

    @Test func duplicatesInNestedGroups() throws {
        let inGroup = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Steps("g") {
                    Do("x", probeAction("x"))
                    Do("x", probeAction("x"))
                }
            }
        })
        #expect(inGroup.code == .duplicatePath)
        #expect(inGroup.path == "f/g/x")

        let inCase = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Case("c", when: probeCondition("c")) {
                    Do("x", probeAction("x"))
                    Do("x", probeAction("x"))
                }
            }
        })
        #expect(inCase.code == .duplicatePath)
        #expect(inCase.path == "f/cCase/steps/x")

        let inLoop = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                LoopUntil("l", until: probeCondition("l")) {
                    WaitFor("w", probeCondition("w"))
                    WaitFor("w", probeCondition("w"))
                }
            }
        })
        #expect(inLoop.code == .duplicatePath)
        #expect(inLoop.path == "f/lLoopUntil/steps/wWaitFor")

        let inRetry = try #require(flowConstructionError {
            try StepFlow<Probe>("f") {
                Retry("r", shouldRetry: probeHandler("r")) {
                    Do("x", probeAction("x"))
                    Do("x", probeAction("x"))
                }
            }
        })
        #expect(inRetry.code == .duplicatePath)
        #expect(inRetry.path == "f/rRetry/x")
    }

    @Test func sameNameInDifferentGroupsOrKindsIsAllowed() throws {
        let flow = try StepFlow<Probe>("f") {
            Do("a", probeAction("a"))
            WaitFor("a", probeCondition("a"))
            Case("a", when: probeCondition("a")) { Do("a", probeAction("a")) }
            LoopUntil("a", until: probeCondition("a")) { Do("a", probeAction("a")) }
            Retry("a", shouldRetry: probeHandler("a")) { Do("a", probeAction("a")) }
            Steps("g") { Do("a", probeAction("a")) }
            Steps("steps") { Do("steps", probeAction("a")) }
        }
        #expect(flow.root.allItems.map(\.path) == [
            "f",
            "f/a",
            "f/aWaitFor",
            "f/aCase",
            "f/aCase/steps",
            "f/aCase/steps/a",
            "f/aLoopUntil",
            "f/aLoopUntil/steps",
            "f/aLoopUntil/steps/a",
            "f/aRetry",
            "f/aRetry/a",
            "f/g",
            "f/g/a",
            "f/steps",
            "f/steps/steps",
        ])
    }
}

@Suite struct NameTests {
    @Test func namesWithOtherPunctuationAreValid() throws {
        let flow = try StepFlow<Probe>("deploy.v1") {
            Do("step-1", probeAction("x"))
            Do("step_2 with spaces", probeAction("x"))
            Do("ünïcödé", probeAction("x"))
        }
        #expect(flow.name == "deploy.v1")
        #expect(flow.root.children.map(\.path) == ["deploy.v1/step-1", "deploy.v1/step_2 with spaces", "deploy.v1/ünïcödé"])
    }

    @Test func errorCodesAreDistinct() {
        #expect(StepFlowError.Code.duplicatePath != .invalidDefinition)
        #expect(StepFlowError.Code.invalidDefinition != .unknownState)
        #expect(StepFlowError.Code.duplicatePath != .unknownState)
        #expect(StepFlowError.Code.duplicatePath.description == "duplicatePath")
        #expect(StepFlowError.Code.invalidDefinition.description == "invalidDefinition")
        #expect(StepFlowError.Code.unknownState.description == "unknownState")
    }
}
