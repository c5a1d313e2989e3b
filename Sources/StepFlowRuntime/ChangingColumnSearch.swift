/// How an SQL store finds processes by the columns a step's save changes: the current step, the time of the last
/// change and, in a store where every update writes every index, the creation time and the flow.
///
/// A full index on such a column costs every save an entry, and saves are the store's hot path. So the stores index
/// these columns by status instead:
/// - running and waiting processes in the claims' index, which every save rewrites anyway (its due time moves), widened
///   to carry them: a search goes over all of its entries, as statistics do;
/// - paused processes through their own small index;
/// - finished ones, most of a large store, in partial indexes that a process enters once, when it finishes.
///
/// ``ProcessQuery/sqlSelect(processesTable:labelsTable:changingColumns:placeholder:)`` turns a query with a condition
/// on these columns into one query per group of statuses, each read through its index and cut at the page's size,
/// and merges their pages by id.
package struct ChangingColumnSearch: Sendable {
    /// A column a save changes.
    package enum Column: Sendable, Hashable {
        /// `current_step`.
        case step
        /// `created_at`.
        case created
        /// `updated_at`.
        case updated
        /// `flow_name`: no save changes it, but where every update writes every index (PostgreSQL's updates are never
        /// HOT, the due time being indexed), an index on it costs every save an entry all the same.
        case flow
    }

    /// One group of statuses: the condition that selects them, and the index to read them through.
    package struct Part: Sendable {
        /// The statuses the part reads.
        package var statuses: Set<ProcessStatus>
        /// The statuses' condition on the processes table (`p`; no other table of the query has a `status`),
        /// spelled as the index's own condition is.
        package var condition: String
        /// The index SQLite is told to read (`INDEXED BY`) when no label drives the query, choosing the page's
        /// rowids from it before reading their rows; `nil` to let the planner choose.
        package var index: String?
        /// The part's own column for a changing column, where its index is built on a copy of it (SQLite keeps
        /// copies of the step and update time of paused and finished processes, which no step's save writes);
        /// a column not named here is read as itself.
        package var columnNames: [Column: String]

        /// A part.
        package init(
            statuses: Set<ProcessStatus>, condition: String, index: String? = nil, columnNames: [Column: String] = [:]
        ) {
            self.statuses = statuses
            self.condition = condition
            self.index = index
            self.columnNames = columnNames
        }
    }

    /// The columns whose conditions make a query one per part.
    package var columns: Set<Column>
    /// The parts, whose statuses together are every status.
    package var parts: [Part]

    /// A search.
    package init(columns: Set<Column>, parts: [Part]) {
        self.columns = columns
        self.parts = parts
    }
}
