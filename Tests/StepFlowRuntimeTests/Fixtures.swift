import Foundation
import Logging
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Synchronization

struct Order: Codable, Sendable, Hashable {
    var item: String
}

struct OrderData: Codable, Sendable, Hashable {
    var reserved = false
    var polls = 0
    var shipped = false
    var keys: [String] = []
}

/// Records calls made by steps, as an external system would see them.
final class CallLog: Sendable {
    private let calls = Mutex<[String]>([])
    func record(_ call: String) { calls.withLock { $0.append(call) } }
    var all: [String] { calls.withLock { $0 } }
}

/// A switch tests flip to make a step fail or a condition hold.
final class Flag: Sendable {
    private let value: Mutex<Bool>
    init(_ value: Bool) { self.value = Mutex(value) }
    var isOn: Bool { value.withLock { $0 } }
    func set(_ on: Bool) { value.withLock { $0 = on } }
}

struct TestError: Error, CustomStringConvertible {
    var description: String { "the warehouse is on fire" }
}

/// order.v1: reserve, wait until 2 polls have happened (or `ready` is on), ship.
func orderFlow(log: CallLog, ready: Flag = Flag(false), failShip: Flag = Flag(false)) throws -> ProcessFlow<Order, OrderData> {
    try ProcessFlow<Order, OrderData>("order.v1", initialData: { _ in OrderData() }) {
        Do("reserve") { context in
            log.record("reserve \(context.input.item) \(context.idempotencyKey)")
            context.data.reserved = true
            context.data.keys.append(context.idempotencyKey)
        }
        WaitFor("paid") { context in
            context.data.polls += 1
            return ready.isOn || context.data.polls >= 3
        }
        Do("ship") { context in
            if failShip.isOn { throw TestError() }
            log.record("ship \(context.input.item)")
            context.data.shipped = true
        }
    }
}

let testLogger = Logger(label: "test")

func registry(_ flows: any RegisteredFlow...) throws -> FlowRegistry {
    try FlowRegistry(flows)
}
