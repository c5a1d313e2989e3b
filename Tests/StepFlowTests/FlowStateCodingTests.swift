import Foundation
import StepFlow
import Testing

@Suite struct FlowStateCodingTests {
    func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    func json(_ state: FlowState) throws -> String {
        String(decoding: try encoder().encode(state), as: UTF8.self)
    }

    @Test func encodesToExactlyTheArrayOfEvents() throws {
        #expect(try json(FlowState(events: ["start:deploy.v1/preActualStateWaitFor"])) == #"["start:deploy.v1/preActualStateWaitFor"]"#)
        #expect(try json(FlowState(events: ["completed:steps"])) == #"["completed:steps"]"#)
        #expect(try json(FlowState(events: ["a", "start:x/y"])) == #"["a","start:x/y"]"#)
        #expect(try json(FlowState()) == "[]")
    }

    @Test func encodedBytesAreExact() throws {
        let data = try encoder().encode(FlowState(events: ["start:deploy.v1/preActualStateWaitFor"]))
        #expect(Array(data) == Array(#"["start:deploy.v1/preActualStateWaitFor"]"#.utf8))
    }

    @Test func decodesFromTheArrayOfEvents() throws {
        let state = try JSONDecoder().decode(FlowState.self, from: Data(#"["start:deploy.v1/preActualStateWaitFor"]"#.utf8))
        #expect(state.events == ["start:deploy.v1/preActualStateWaitFor"])
        #expect(state == FlowState(events: ["start:deploy.v1/preActualStateWaitFor"]))
        let two = try JSONDecoder().decode(FlowState.self, from: Data(#"["x", "y"]"#.utf8))
        #expect(two.events == ["x", "y"])
        let empty = try JSONDecoder().decode(FlowState.self, from: Data("[]".utf8))
        #expect(empty.events == [])
        #expect(empty.isEmpty)
    }

    @Test func decodesEscapedSlashes() throws {
        let state = try JSONDecoder().decode(FlowState.self, from: Data(#"["start:deploy.v1\/preActualStateWaitFor"]"#.utf8))
        #expect(state.events == ["start:deploy.v1/preActualStateWaitFor"])
    }

    @Test func decodesNullAsTheEmptyState() throws {
        let state = try JSONDecoder().decode(FlowState.self, from: Data("null".utf8))
        #expect(state.events == [])
        #expect(state == FlowState())
    }

    struct Status: Codable, Equatable {
        var state: FlowState
    }

    @Test func decodesNullInsideAnObject() throws {
        let status = try JSONDecoder().decode(Status.self, from: Data(#"{"state":null}"#.utf8))
        #expect(status.state == FlowState())
        let stored = try JSONDecoder().decode(Status.self, from: Data(#"{"state":["completed:deploy.v1"]}"#.utf8))
        #expect(stored.state.events == ["completed:deploy.v1"])
        let encoder = encoder()
        encoder.outputFormatting.insert(.sortedKeys)
        #expect(String(decoding: try encoder.encode(stored), as: UTF8.self) == #"{"state":["completed:deploy.v1"]}"#)
    }

    @Test func rejectsNonArrays() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FlowState.self, from: Data(#""start:x""#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FlowState.self, from: Data(#"[1]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FlowState.self, from: Data(#"{"events":[]}"#.utf8)) }
    }

    @Test func defaultEncodingDecodesBack() throws {
        let state = FlowState(events: ["start:deploy.v1/shouldDeployCase/steps", "completed:deploy.v1/x"])
        let data = try JSONEncoder().encode(state)
        let decoded = try JSONDecoder().decode(FlowState.self, from: data)
        #expect(decoded == state)
        #expect(decoded.events == state.events)
    }

    @Test func everyStateOfARunRoundTrips() async throws {
        let flow = try deployV1Flow()
        let probe = Probe()
        var state = FlowState()
        while !flow.isCompleted(state) {
            state = try await flow.apply(state, context: probe)
            let data = try encoder().encode(state)
            #expect(String(decoding: data, as: UTF8.self) == "[\"" + state.events[0] + "\"]")
            let decoded = try JSONDecoder().decode(FlowState.self, from: data)
            #expect(decoded == state)
            let viaDefault = try JSONDecoder().decode(FlowState.self, from: JSONEncoder().encode(state))
            #expect(viaDefault == state)
        }
        let completed = try JSONDecoder().decode(FlowState.self, from: Data(#"["completed:deploy.v1"]"#.utf8))
        #expect(flow.isCompleted(completed))
    }

    @Test func decodedStateContinuesTheFlow() async throws {
        let flow = try deployV1Flow()
        let probe = Probe()
        let stored = try JSONDecoder().decode(FlowState.self, from: Data(#"["start:deploy.v1/preActualStateWaitFor"]"#.utf8))
        let next = try await flow.apply(stored, context: probe)
        #expect(try json(next) == #"["completed:deploy.v1/preActualStateWaitFor"]"#)
        #expect(probe.log == ["preActualState=true"])
    }
}

@Suite struct FlowStateValueTests {
    @Test func equalityIsByEventsOnly() async throws {
        let flow = try deployV1Flow()
        let fromApply = try await flow.apply(FlowState(), context: Probe())
        let fromStrings = FlowState(events: ["completed:deploy.v1/getPreActualState"])
        #expect(fromApply == fromStrings)
        #expect(fromApply.hashValue == fromStrings.hashValue)
        #expect(Set([fromApply, fromStrings]).count == 1)
        #expect(flow.completedState == FlowState(events: ["completed:deploy.v1"]))

        // The same state produced by two different flows is equal too.
        let other = try deployV1Flow()
        let fromOther = try await other.apply(FlowState(), context: Probe())
        #expect(fromOther == fromApply)
        #expect(fromOther.hashValue == fromApply.hashValue)
    }

    @Test func orderAndCountOfEventsMatter() {
        #expect(FlowState(events: ["a", "b"]) != FlowState(events: ["b", "a"]))
        #expect(FlowState(events: ["a"]) != FlowState(events: ["a", "a"]))
        #expect(FlowState() == FlowState(events: []))
        #expect(FlowState() != FlowState(events: [""]))
    }

    @Test func arrayLiteralAndDescription() {
        let state: FlowState = ["start:a", "completed:b"]
        #expect(state.events == ["start:a", "completed:b"])
        #expect(state == FlowState(events: ["start:a", "completed:b"]))
        #expect(!state.isEmpty)
    }

    @Test func isSendableHashableCodable() {
        func requires<T: Sendable & Hashable & Codable>(_: T.Type) -> Bool { true }
        #expect(requires(FlowState.self))
    }

    @Test func usableAcrossTasks() async throws {
        let flow = try deployV1Flow()
        let state = try await flow.apply(FlowState(), context: Probe())
        let next = try await Task.detached { try await flow.apply(state, context: Probe()) }.value
        #expect(next.events == ["completed:deploy.v1/preActualStateWaitFor"])
    }
}
