import GRDB
import StepFlowRuntime

extension SQLiteProcessStore {
    /// The oldest SQLite the store runs on: `STRICT` tables need 3.37 (`RETURNING` needs 3.35).
    static let minimumSQLiteVersion = (major: 3, minor: 37)

    /// The versioned schema. Migrations are never edited once released: a change is a new migration.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                -- One row per process. Times are integer milliseconds since 1970 (UTC).
                CREATE TABLE processes (
                    id TEXT NOT NULL PRIMARY KEY,
                    flow_name TEXT NOT NULL,
                    state TEXT NOT NULL,            -- FlowState's JSON: an array of event strings
                    input BLOB NOT NULL,            -- JSON
                    data BLOB NOT NULL,             -- JSON
                    status TEXT NOT NULL,           -- running, waiting, completed, failed, cancelled
                    due_at INTEGER,                 -- NULL once finished
                    step_count INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    last_error TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    lease_owner TEXT,               -- the worker holding the process, with lease_expires_at
                    lease_expires_at INTEGER,
                    lease_token INTEGER NOT NULL    -- the fencing token: +1 on every claim and cancellation
                ) STRICT;

                -- Claims and the next due date read only active processes, earliest first.
                CREATE INDEX processes_due ON processes (due_at) WHERE status IN ('running', 'waiting');
                -- Listing a flow's processes, ordered by id.
                CREATE INDEX processes_flow ON processes (flow_name, id);

                -- One row per saved step, in the order they were saved.
                CREATE TABLE history (
                    id INTEGER PRIMARY KEY,
                    process_id TEXT NOT NULL REFERENCES processes (id) ON DELETE CASCADE,
                    sequence INTEGER NOT NULL,      -- the process's step count after the step
                    started_at INTEGER NOT NULL,
                    step_path TEXT,
                    state_before TEXT NOT NULL,     -- FlowState's JSON
                    state_after TEXT NOT NULL,      -- FlowState's JSON
                    duration_ns INTEGER NOT NULL,
                    outcome TEXT NOT NULL,          -- advanced, waiting, retried, completed, failed
                    error TEXT,
                    worker TEXT NOT NULL,
                    lease_token INTEGER NOT NULL
                ) STRICT;

                CREATE INDEX history_process ON history (process_id, sequence);
                """)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                -- One row per signal sent to a process (its inbox), kept until the process is deleted.
                CREATE TABLE signals (
                    process_id TEXT NOT NULL REFERENCES processes (id) ON DELETE CASCADE,
                    sequence INTEGER NOT NULL,      -- 1, 2, 3… per process, in arrival order (across all names)
                    name TEXT NOT NULL CHECK (name <> ''),
                    payload BLOB NOT NULL,          -- as sent (JSON, or empty for no payload)
                    sent_at INTEGER NOT NULL,
                    PRIMARY KEY (process_id, sequence)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3") { db in
            // Pause (a status: no schema change), labels, search by step and time, operators' history entries.
            try db.execute(sql: """
                -- The labels as a JSON object with sorted keys (read with the record); process_labels indexes them.
                ALTER TABLE processes ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
                -- The step a process is at (ProcessPosition.step), derived from the state (written by the store from v6).
                ALTER TABLE processes ADD COLUMN current_step TEXT
                    GENERATED ALWAYS AS (\(ProcessPosition.sqlExpression(find: "instr"))) VIRTUAL;
                CREATE INDEX processes_step ON processes (current_step, id);
                -- Statistics count by flow, status and step from this index alone.
                CREATE INDEX processes_statistics ON processes (flow_name, status, current_step);
                -- Searching by creation time.
                CREATE INDEX processes_created ON processes (created_at);
                -- Purging finished processes by the time they finished: partial, so that a step's save (which
                -- changes updated_at) does not touch it while the process runs. The condition is spelled with OR, not
                -- IN: SQLite checks a partial index's condition on every UPDATE of the table, and an IN list of three
                -- builds a temporary table each time (twice per saved step).
                CREATE INDEX processes_finished ON processes (updated_at)
                    WHERE status = 'completed' OR status = 'failed' OR status = 'cancelled';

                -- One row per label of a process: label queries find processes through the primary key.
                CREATE TABLE process_labels (
                    process_id TEXT NOT NULL REFERENCES processes (id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (key, value, process_id)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX process_labels_process ON process_labels (process_id);

                -- The reason an operator gave (pause, cancel, rewind…); NULL for a worker's step.
                ALTER TABLE history ADD COLUMN reason TEXT;
                """)
        }
        migrator.registerMigration("v4") { db in
            try db.execute(sql: """
                -- Bounded history for polls: consecutive `waiting` outcomes of one step are one row, updated at
                -- each poll (see `HistoryEntry.absorbsPoll`): how many polls it stands for, and when the last started.
                ALTER TABLE history ADD COLUMN polls INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE history ADD COLUMN last_polled_at INTEGER;
                """)
        }
        registerTraceContextMigration(&migrator)
        migrator.registerMigration("v6") { db in
            // `current_step` becomes an ordinary column, written with the state by the statements that write it
            // (create, a step's save, an operator's command) from `ProcessPosition.step`. As v3's generated column,
            // SQLite evaluated its expression on every save, for both indexes and for the STRICT type check: 252 string
            // functions per save, which halved the durable throughput. The expression fills the column once here.
            // Statistics no longer need an index of their own, which every save updated: unfinished processes are
            // counted from the claims' index (which every save updates anyway, as the due time moves) and a small
            // index of paused ones, and finished processes, most of a large store, in `finished_counts`.
            // The claims' index's condition is spelled with OR, as `processes_finished`'s is (see v3).
            try db.execute(sql: """
                DROP INDEX processes_step;
                DROP INDEX processes_statistics;
                ALTER TABLE processes DROP COLUMN current_step;
                ALTER TABLE processes ADD COLUMN current_step TEXT;
                UPDATE processes SET current_step = \(ProcessPosition.sqlExpression(find: "instr"));
                CREATE INDEX processes_step ON processes (current_step, id);
                DROP INDEX processes_due;
                CREATE INDEX processes_due ON processes (due_at, status, flow_name, current_step) WHERE \(SQL.active);
                CREATE INDEX processes_paused ON processes (flow_name, current_step, status) WHERE status = 'paused';

                -- How many finished processes each flow has, by status and the step they ended at ('' for none):
                -- kept by the statements that finish, reopen and purge processes, so that statistics do not count
                -- a store's finished processes one by one.
                CREATE TABLE finished_counts (
                    flow_name TEXT NOT NULL,
                    status TEXT NOT NULL,
                    step TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (flow_name, status, step)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO finished_counts (flow_name, status, step, count)
                    SELECT flow_name, status, coalesce(current_step, ''), count(*) FROM processes
                    WHERE \(SQL.finishedStatus) GROUP BY 1, 2, 3;
                """)
        }
        migrator.registerMigration("v7") { db in
            // The server's live event stream reads the processes changed since a time, whatever their status (the
            // `processes_finished` index has the finished ones only).
            try db.execute(sql: "CREATE INDEX processes_updated ON processes (updated_at)")
        }
        migrator.registerMigration("v8") { db in
            // A step's save changes the current step and the update time: an index of them for every process costs
            // every save an entry in each. Running and waiting processes are found by them through the claims' index,
            // which every save rewrites anyway and which now carries the update time and the id too (a page of them
            // is chosen and sorted from the index alone); finished ones through partial indexes that a process
            // enters once, when it finishes (`processes_finished` has their update time); paused ones through
            // `processes_paused`. See `SQL.changingColumnSearch`.
            try db.execute(sql: """
                DROP INDEX processes_updated;
                DROP INDEX processes_step;
                CREATE INDEX processes_step ON processes (current_step, id) WHERE \(SQL.finishedStatus);
                DROP INDEX processes_due;
                CREATE INDEX processes_due ON processes (due_at, status, flow_name, current_step, updated_at, id)
                    WHERE \(SQL.active);
                """)
        }
        migrator.registerMigration("v9") { db in
            // Two costs of a step's save, measured with `RuntimeBenchmarks phases` under callgrind (RUNTIME_RESULTS.md):
            // - The indexes of paused and finished processes are built on copies of their status, step and update
            //   time, which only the statements that pause, finish or reopen a process write (NULL while it runs or
            //   waits). On the originals, every save, which writes all three, made SQLite open each of these indexes
            //   and test its condition on the old and the new row, though a running process is in none of them.
            // - The claims' index has the id second. A claim gives its whole batch one due time (the lease's expiry)
            //   and a commit one due time too, so most of the comparisons that place an entry are ties on the due
            //   time; the id settles them at once, where status, flow and step, equal within a batch, did not.
            try db.execute(sql: """
                DROP INDEX processes_due;
                CREATE INDEX processes_due ON processes (due_at, id, status, flow_name, current_step, updated_at)
                    WHERE \(SQL.active);
                ALTER TABLE processes ADD COLUMN rest_status TEXT;
                ALTER TABLE processes ADD COLUMN rest_step TEXT;
                ALTER TABLE processes ADD COLUMN rest_updated_at INTEGER;
                UPDATE processes SET rest_status = status, rest_step = current_step, rest_updated_at = updated_at
                    WHERE NOT \(SQL.active);
                DROP INDEX processes_step;
                DROP INDEX processes_finished;
                DROP INDEX processes_paused;
                CREATE INDEX processes_step ON processes (rest_step, id) WHERE \(SQL.finished);
                CREATE INDEX processes_finished ON processes (rest_updated_at) WHERE \(SQL.finished);
                CREATE INDEX processes_paused ON processes (flow_name, rest_step, rest_status) WHERE \(SQL.paused);
                """)
        }
        return migrator
    }

    /// The statements the store runs; `active` is the partial index's condition, spelled the same way
    /// everywhere so that SQLite uses the index.
    enum SQL {
        static let active = "(status = 'running' OR status = 'waiting')"
        /// The condition of the indexes of finished processes (`processes_step`, `processes_finished`), spelled the same
        /// way wherever it is used: on `rest_status`, the copy of the status of a process that no worker runs
        /// (paused or finished; NULL while it runs or waits), which a step's save does not write.
        static let finished = "(rest_status = 'completed' OR rest_status = 'failed' OR rest_status = 'cancelled')"
        /// The condition of `processes_paused`, on `rest_status` as ``finished`` is.
        static let paused = "rest_status = 'paused'"
        /// The finished statuses on `status` itself: the condition of v6's and v8's migrations, which ran before
        /// `rest_status` existed (a released migration never changes).
        static let finishedStatus = "(status = 'completed' OR status = 'failed' OR status = 'cancelled')"

        /// How queries find processes by their current step or update time: running and waiting ones from the
        /// claims' index (read whole, as statistics read it; it carries the id, so a page's rowids are chosen and
        /// sorted from it alone), paused ones from theirs, finished ones through `processes_step` or
        /// `processes_finished`, the last two by the copies of the step and update time they are built on. The
        /// creation time, which no save changes, has an index of its own.
        static let changingColumnSearch = ChangingColumnSearch(columns: [.step, .updated], parts: [
            .init(statuses: [.running, .waiting], condition: active, index: "processes_due"),
            .init(statuses: [.paused], condition: paused, index: "processes_paused", columnNames: restColumns),
            .init(statuses: [.completed, .failed, .cancelled], condition: finished, columnNames: restColumns),
        ])

        /// The copies of the step and update time that the indexes of paused and finished processes are built on.
        private static let restColumns: [ChangingColumnSearch.Column: String] = [
            .step: "rest_step", .updated: "rest_updated_at",
        ]

        /// The columns of a record, as ``ProcessColumn`` declares them.
        static let recordColumns = ProcessColumn.list

        /// How many columns ``recordColumns`` names.
        static let recordColumnCount = ProcessColumn.count

        /// The values of a new process: bound in column order (id, flow name, state, input, data, then its time as
        /// due, created and updated time, its labels and its trace context), the rest constant.
        static let newProcessValues = ProcessColumn.values { column in
            switch column {
            case .id, .flowName, .state, .input, .data, .dueAt, .createdAt, .updatedAt, .labels, .traceContext: "?"
            case .status: "'\(ProcessStatus.running.rawValue)'"
            case .stepCount, .attempt, .leaseToken: "0"
            case .lastError, .leaseOwner, .leaseExpiresAt: "NULL"
            }
        }

        static let selectProcess = "SELECT \(recordColumns) FROM processes WHERE id = ?"

        /// Creates a process: its record's columns, then its current step.
        static let insertProcess = """
            INSERT INTO processes (\(recordColumns), current_step)
            VALUES (\(newProcessValues), ?)
            ON CONFLICT (id) DO NOTHING
            """

        /// The rowids of the due processes to claim, earliest first: reads the `processes_due` index only.
        static let selectDue = "SELECT rowid FROM processes WHERE \(active) AND due_at <= ? ORDER BY due_at LIMIT ?"

        /// Leases the processes whose rowids (from ``selectDue``, in the same transaction) are bound after the
        /// lease's owner, expiry and expiry (as due time). Rowids, not ids: no look-up through the ids' index,
        /// and integers to bind rather than text.
        static func leaseProcesses(count: Int) -> String {
            if count.nonzeroBitCount == 1, count.trailingZeroBitCount < leaseProcessesByPower.count {
                return leaseProcessesByPower[count.trailingZeroBitCount]
            }
            return makeLeaseProcesses(count: count)
        }

        /// The records of the processes just leased by ``leaseProcesses(count:)``, each followed by its rowid.
        /// Read again rather than with `RETURNING`, which materialises the rows in a temporary table first and
        /// cost more than this second look-up of rows the update has just cached.
        static func selectLeased(count: Int) -> String {
            if count.nonzeroBitCount == 1, count.trailingZeroBitCount < selectLeasedByPower.count {
                return selectLeasedByPower[count.trailingZeroBitCount]
            }
            return makeSelectLeased(count: count)
        }

        /// The statements for 1, 2, 4 … 512 rowids, the counts a claim uses: made once.
        private static let leaseProcessesByPower = (0...9).map { makeLeaseProcesses(count: 1 << $0) }
        private static let selectLeasedByPower = (0...9).map { makeSelectLeased(count: 1 << $0) }

        private static func placeholders(_ count: Int) -> String {
            Array(repeating: "?", count: count).joined(separator: ", ")
        }

        private static func makeLeaseProcesses(count: Int) -> String {
            """
            UPDATE processes SET lease_owner = ?, lease_expires_at = ?, due_at = ?, lease_token = lease_token + 1
            WHERE rowid IN (\(placeholders(count)))
            """
        }

        private static func makeSelectLeased(count: Int) -> String {
            "SELECT \(recordColumns), rowid FROM processes WHERE rowid IN (\(placeholders(count)))"
        }

        /// Leases one named process if it is active, not held by a valid lease, and due (or forced).
        static let leaseOne = """
            UPDATE processes SET lease_owner = ?, lease_expires_at = ?, due_at = ?, lease_token = lease_token + 1
            WHERE id = ? AND \(active) AND (lease_expires_at IS NULL OR lease_expires_at <= ?) AND (? OR due_at <= ?)
            RETURNING \(recordColumns)
            """

        /// A step's save that leaves the process running or waiting. A state of NULL keeps the stored state, and its
        /// current step: `current_step` is set to the third value bound when the second is true (a state is given).
        /// It writes none of the columns the indexes of paused and finished processes are built on, so SQLite does
        /// not open them.
        static let commitUpdate = commitStatement(finishing: false)

        /// A step's save that finishes the process (bound as ``commitUpdate``): it also copies the status, step and
        /// update time to the `rest_` columns.
        static let commitFinish = commitStatement(finishing: true)

        private static func commitStatement(finishing: Bool) -> String {
            // The copies are of the bound values: in an UPDATE, a column named on the right is the row's old value.
            let copies = finishing
                ? ", rest_status = ?5, rest_step = CASE WHEN ?2 THEN ?3 ELSE current_step END, rest_updated_at = ?10"
                : ""
            return """
                UPDATE processes SET
                    state = coalesce(?1, state), current_step = CASE WHEN ?2 THEN ?3 ELSE current_step END,
                    data = coalesce(?4, data), status = ?5, due_at = ?6, step_count = coalesce(?7, step_count),
                    attempt = ?8, last_error = ?9, updated_at = ?10, lease_owner = NULL, lease_expires_at = NULL\(copies)
                WHERE id = ?11 AND lease_token = ?12 AND \(active)
                """
        }

        static let insertHistory = """
            INSERT INTO history (
                process_id, sequence, started_at, step_path, state_before, state_after, duration_ns, outcome,
                error, worker, lease_token, reason
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """

        static let selectHistory = """
            SELECT sequence, started_at, step_path, state_before, state_after, duration_ns, outcome, error, worker,
                lease_token, reason, polls, last_polled_at
            FROM history WHERE process_id = ? ORDER BY id
            """

        /// Merges one more poll (bound: last polled at, state after, duration, error, worker, lease token, then the
        /// process id and the step path) into the process's last history row when that row is a `waiting` row of the
        /// same step — `HistoryEntry.absorbsPoll`'s rule; no row changes otherwise, and the caller inserts one. The
        /// last row is found through the `history_process` index (process, sequence), newest first.
        static let mergePoll = """
            UPDATE history SET
                polls = polls + 1, last_polled_at = ?1, state_after = ?2, duration_ns = duration_ns + ?3, error = ?4,
                worker = ?5, lease_token = ?6
            WHERE id = (SELECT id FROM history WHERE process_id = ?7 ORDER BY sequence DESC, id DESC LIMIT 1)
                AND outcome = 'waiting' AND step_path IS ?8
            """

        static let renewLease = """
            UPDATE processes SET lease_expires_at = ?, due_at = ?
            WHERE id = ? AND lease_token = ? AND lease_owner = ? AND \(active)
            """

        static let releaseLease = """
            UPDATE processes SET lease_owner = NULL, lease_expires_at = NULL,
                due_at = CASE WHEN \(active) THEN ? ELSE due_at END
            WHERE id = ? AND lease_token = ? AND lease_owner = ?
            """

        static let applyCommand = """
            UPDATE processes SET
                status = ?, due_at = ?, attempt = ?, last_error = ?, updated_at = ?, lease_owner = ?,
                lease_expires_at = ?, lease_token = ?, state = ?, flow_name = ?, data = ?, labels = ?, current_step = ?,
                rest_status = ?, rest_step = ?, rest_updated_at = ?
            WHERE id = ?
            RETURNING \(recordColumns)
            """

        static let deleteLabels = "DELETE FROM process_labels WHERE process_id = ?"
        static let insertLabel = "INSERT INTO process_labels (process_id, key, value) VALUES (?, ?, ?)"

        /// Counts by flow, status and step of finished and paused processes; `?` the flow or NULL. Finished processes
        /// from `finished_counts`, paused ones from their index alone (named, as SQLite would otherwise walk
        /// `processes_flow` and read every row). Running and waiting ones are counted from ``activePositions``.
        static let statistics = """
            SELECT flow_name, status, nullif(step, ''), count FROM finished_counts
            WHERE count > 0 AND (?1 IS NULL OR flow_name = ?1)
            UNION ALL
            SELECT flow_name, rest_status, rest_step, count(*) FROM processes INDEXED BY processes_paused
            WHERE \(paused) AND (?1 IS NULL OR flow_name = ?1)
            GROUP BY flow_name, rest_status, rest_step
            """

        /// The flow, status and step of every running and waiting process (of `?`, or all), from the claims' index
        /// alone, for `PositionCounter` to count: the index is in due order, and SQL's GROUP BY would sort every row.
        static let activePositions = """
            SELECT flow_name, status, current_step FROM processes INDEXED BY processes_due
            WHERE \(active) AND (?1 IS NULL OR flow_name = ?1)
            """

        /// Adds the bound count (1 or -1) to the finished count of process `?1`'s flow, status and step, if it is
        /// finished: run after a statement finishes a process, and before one changes or deletes a finished one.
        static let countFinished = """
            INSERT INTO finished_counts (flow_name, status, step, count)
            SELECT flow_name, status, coalesce(current_step, ''), ?2 FROM processes WHERE id = ?1 AND \(finished)
            ON CONFLICT DO UPDATE SET count = count + excluded.count
            """

        /// Adds the bound count to the finished count of the bound flow, status and step (`''` for none): how a
        /// commit counts the processes it finished, once per group rather than once per process.
        static let addFinished = """
            INSERT INTO finished_counts (flow_name, status, step, count) VALUES (?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET count = count + excluded.count
            """

        /// Subtracts the processes whose rowids are in the bound JSON array from the finished counts: run before they
        /// are purged.
        static let uncountPurged = """
            INSERT INTO finished_counts (flow_name, status, step, count)
            SELECT flow_name, status, coalesce(current_step, ''), -count(*) FROM processes
            WHERE rowid IN (SELECT value FROM json_each(?1)) AND \(finished)
            GROUP BY 1, 2, 3
            ON CONFLICT DO UPDATE SET count = count + excluded.count
            """

        /// Appends a signal (process id, name, payload, sent at) to the process's inbox with the next sequence,
        /// which it returns. Run in the write transaction that read the process, so no other writer interleaves.
        static let insertSignal = """
            INSERT INTO signals (process_id, sequence, name, payload, sent_at)
            SELECT ?1, coalesce(max(sequence), 0) + 1, ?2, ?3, ?4 FROM signals WHERE process_id = ?1
            RETURNING sequence
            """

        /// The signals of `count` processes (their ids bound), by process and sequence.
        static func selectSignals(count: Int) -> String {
            """
            SELECT process_id, sequence, name, payload, sent_at FROM signals
            WHERE process_id IN (\(placeholders(count))) ORDER BY process_id, sequence
            """
        }

        static let nextDueDate = "SELECT min(due_at) FROM processes WHERE \(active)"

        static let dueCount = "SELECT count(*) FROM processes WHERE \(active) AND due_at <= ?"
    }
}
