import Testing
@testable import StepFlowServer

@Suite struct ConstantTimeComparisonTests {
    @Test func equalTextsAreEqual() {
        #expect(ConstantTimeComparison.equal("s3cret-token", "s3cret-token"))
        #expect(ConstantTimeComparison.equal("", ""))
        #expect(ConstantTimeComparison.equal("ünïcode", "ünïcode"))
    }

    @Test func anyDifferenceIsUnequal() {
        #expect(!ConstantTimeComparison.equal("s3cret-tokem", "s3cret-token"))  // last byte
        #expect(!ConstantTimeComparison.equal("x3cret-token", "s3cret-token"))  // first byte
        #expect(!ConstantTimeComparison.equal("s3cret-toke", "s3cret-token"))  // a prefix
        #expect(!ConstantTimeComparison.equal("s3cret-token!", "s3cret-token"))  // longer
        #expect(!ConstantTimeComparison.equal("", "s3cret-token"))
        #expect(!ConstantTimeComparison.equal("s3cret-token", ""))
        // A longer text whose extra bytes are zero must not pass for the shorter one.
        #expect(!ConstantTimeComparison.equal("ab\u{0}", "ab"))
    }

    @Test func tokensGrantTheirAccess() {
        let configuration = StepFlowServer.Configuration(operatorToken: "op", readOnlyToken: "ro")
        #expect(Access.granted(by: "op", configuration: configuration) == .operate)
        #expect(Access.granted(by: "ro", configuration: configuration) == .readOnly)
        #expect(Access.granted(by: "o", configuration: configuration) == nil)
        #expect(Access.granted(by: "", configuration: configuration) == nil)
    }
}
