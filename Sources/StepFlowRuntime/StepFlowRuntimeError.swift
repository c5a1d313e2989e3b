/// An error raised by the runtime: a flow registered twice, a process whose flow is unknown, bad input, a timeout.
public struct StepFlowRuntimeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of error this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// Two flows were registered under one name.
        public static let duplicateFlow = Code("duplicateFlow")
        /// No flow is registered under the name.
        public static let unknownFlow = Code("unknownFlow")
        /// A value could not be encoded or decoded as JSON.
        public static let invalidValue = Code("invalidValue")
        /// Waiting for a process took longer than allowed.
        public static let timeout = Code("timeout")
        /// A ``FlowMigration`` leaves states of its old flow without a state of the new one.
        public static let invalidMigration = Code("invalidMigration")

        /// The code's name.
        public var description: String { name }
    }

    /// What kind of error this is.
    public let code: Code
    /// What happened and what to do.
    public let message: String

    /// An error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
