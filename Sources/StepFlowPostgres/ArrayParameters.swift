/// The array parameters of a statement, declared once: the statement's placeholders (`$n::type[]`) and the names of
/// the columns it unnests them into follow the declaration order, which is also the order the store binds them in
/// (an exhaustive `switch` over `allCases`).
protocol ArrayParameters: CaseIterable where AllCases == [Self] {
    /// The name of the unnested column.
    var column: String { get }
    /// The PostgreSQL type of one element.
    var elementType: String { get }
}

extension ArrayParameters {
    /// `unnest($first::type[], …)`'s arguments, numbered from `first`.
    static func placeholders(from first: Int) -> String {
        allCases.enumerated().map { "$\(first + $0.offset)::\($0.element.elementType)[]" }.joined(separator: ", ")
    }

    /// The unnested columns' names, in order.
    static var columns: String { allCases.map(\.column).joined(separator: ", ") }
}
