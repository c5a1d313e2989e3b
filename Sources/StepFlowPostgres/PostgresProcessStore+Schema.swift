import StepFlowRuntime
extension PostgresProcessStore {
    /// One step of the versioned schema. Migrations are never edited once released: a change is a new one.
    struct Migration: Sendable {
        /// Its version: migrations run in this order and each runs once (recorded in `<schema>.migrations`).
        let version: Int
        /// What it does, for the `migrations` table.
        let name: String
        /// Its statements, with `{schema}` standing for the store's schema.
        let statements: [String]
    }

    /// Every migration, oldest first.
    static let migrations: [Migration] = [
        Migration(version: 1, name: "processes and history", statements: [
            """
            -- One row per process. Times are integer milliseconds since 1970 (UTC), as in the SQLite store.
            -- Ids compare byte by byte (COLLATE "C"), as Swift orders them, whatever the database's locale.
            CREATE TABLE {schema}.processes (
                id text COLLATE "C" PRIMARY KEY,
                flow_name text COLLATE "C" NOT NULL,
                state text NOT NULL,            -- FlowState's JSON: an array of event strings (text, kept as written)
                input bytea NOT NULL,           -- JSON
                data bytea NOT NULL,            -- JSON
                status text NOT NULL,           -- running, waiting, completed, failed, cancelled
                due_at bigint,                  -- NULL once finished
                step_count bigint NOT NULL,
                attempt bigint NOT NULL,
                last_error text,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                lease_owner text,               -- the worker holding the process, with lease_expires_at
                lease_expires_at bigint,
                lease_token bigint NOT NULL     -- the fencing token: +1 on every claim and cancellation
            )
            """,
            // Claims, the next due date and the due count read only active processes, earliest first.
            "CREATE INDEX processes_due ON {schema}.processes (due_at) WHERE status IN ('running', 'waiting')",
            // Listing a flow's processes, ordered by id.
            "CREATE INDEX processes_flow ON {schema}.processes (flow_name, id)",
            """
            -- One row per saved step, in the order they were saved.
            CREATE TABLE {schema}.history (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                process_id text COLLATE "C" NOT NULL REFERENCES {schema}.processes (id) ON DELETE CASCADE,
                sequence bigint NOT NULL,       -- the process's step count after the step
                started_at bigint NOT NULL,
                step_path text,
                state_before text NOT NULL,     -- FlowState's JSON
                state_after text NOT NULL,      -- FlowState's JSON
                duration_ns bigint NOT NULL,
                outcome text NOT NULL,          -- advanced, waiting, retried, completed, failed
                error text,
                worker text NOT NULL,
                lease_token bigint NOT NULL
            )
            """,
            "CREATE INDEX history_process ON {schema}.history (process_id, id)",
        ]),
        Migration(version: 2, name: "signals", statements: [
            """
            -- One row per signal sent to a process (its inbox), kept until the process is deleted.
            CREATE TABLE {schema}.signals (
                process_id text COLLATE "C" NOT NULL REFERENCES {schema}.processes (id) ON DELETE CASCADE,
                sequence bigint NOT NULL,       -- 1, 2, 3… per process, in arrival order (across all names)
                name text NOT NULL CHECK (name <> ''),
                payload bytea NOT NULL,         -- as sent (JSON, or empty for no payload)
                sent_at bigint NOT NULL,
                PRIMARY KEY (process_id, sequence)
            )
            """,
        ]),
        Migration(version: 3, name: "server clock", statements: [
            // The one clock that schedules every process: the server's, in milliseconds since 1970. Every statement
            // that needs the time reads it here (once per statement), never from the machine that sends it.
            """
            CREATE FUNCTION {schema}.now_ms() RETURNS bigint LANGUAGE sql VOLATILE
            AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$
            """,
        ]),
        Migration(version: 4, name: "operations: labels, search, pause, operators' history", statements: [
            // The labels as a JSON object with sorted keys (read with the record); process_labels indexes them.
            "ALTER TABLE {schema}.processes ADD COLUMN labels text NOT NULL DEFAULT '{}'",
            // The step a process is at (ProcessPosition.step), derived from the state's first event, never written.
            """
            ALTER TABLE {schema}.processes ADD COLUMN current_step text COLLATE "C" GENERATED ALWAYS AS (
                \(ProcessPosition.sqlExpression(find: "strpos"))
            ) STORED
            """,
            "CREATE INDEX processes_step ON {schema}.processes (current_step, id)",
            // Statistics count by flow, status and step from this index alone.
            "CREATE INDEX processes_statistics ON {schema}.processes (flow_name, status, current_step)",
            // Searching by creation time.
            "CREATE INDEX processes_created ON {schema}.processes (created_at)",
            // Purging finished processes by the time they finished: partial, so that a step's save (which changes
            // updated_at) does not touch it while the process runs.
            """
            CREATE INDEX processes_finished ON {schema}.processes (updated_at)
            WHERE status IN ('completed', 'failed', 'cancelled')
            """,
            """
            -- One row per label of a process: label queries find processes through the primary key.
            CREATE TABLE {schema}.process_labels (
                process_id text COLLATE "C" NOT NULL REFERENCES {schema}.processes (id) ON DELETE CASCADE,
                key text COLLATE "C" NOT NULL,
                value text COLLATE "C" NOT NULL,
                PRIMARY KEY (key, value, process_id)
            )
            """,
            "CREATE INDEX process_labels_process ON {schema}.process_labels (process_id)",
            // The reason an operator gave (pause, cancel, rewind…); NULL for a worker's step.
            "ALTER TABLE {schema}.history ADD COLUMN reason text",
        ]),
        Migration(version: 5, name: "bounded history for polls", statements: [
            // Consecutive `waiting` outcomes of one step are one row, updated at each poll (`HistoryEntry.absorbsPoll`):
            // how many polls it stands for, and when the last started. A constant default rewrites no rows.
            """
            ALTER TABLE {schema}.history
                ADD COLUMN polls bigint NOT NULL DEFAULT 1,
                ADD COLUMN last_polled_at bigint
            """,
        ]),
        traceContextMigration,
        Migration(version: 7, name: "finished counts", statements: [
            // How many finished processes each flow has, by status and the step they ended at ('' for none): kept by
            // the statements that finish, reopen and purge processes (in the same statement, so at the same commit),
            // so that statistics do not count a store's finished processes one by one.
            """
            CREATE TABLE {schema}.finished_counts (
                flow_name text COLLATE "C" NOT NULL,
                status text COLLATE "C" NOT NULL,
                step text COLLATE "C" NOT NULL,
                count bigint NOT NULL,
                PRIMARY KEY (flow_name, status, step)
            )
            """,
            """
            INSERT INTO {schema}.finished_counts (flow_name, status, step, count)
            SELECT flow_name, status, coalesce(current_step, ''), count(*) FROM {schema}.processes
            WHERE status IN ('completed', 'failed', 'cancelled') GROUP BY 1, 2, 3
            """,
            // The unfinished processes' statistics read the first entries of this index, by status.
            "DROP INDEX {schema}.processes_statistics",
            "CREATE INDEX processes_position ON {schema}.processes (status, flow_name, current_step)",
        ]),
        Migration(version: 8, name: "changes by time", statements: [
            // The server's live event stream reads the processes changed since a time, whatever their status (the
            // `processes_finished` index has the finished ones only).
            "CREATE INDEX processes_updated ON {schema}.processes (updated_at)",
        ]),
        Migration(version: 9, name: "current step written by the store", statements: [
            // `current_step` becomes an ordinary column, written with the state by the statements that write it
            // (create, a step's save, an operator's command) from `ProcessPosition.step`, as the SQLite store's is. As a
            // stored generated column, the server evaluated its expression of 252 string functions on every update,
            // a lease's included. The values stay as they are: the expression and `ProcessPosition.step` agree.
            "ALTER TABLE {schema}.processes ALTER COLUMN current_step DROP EXPRESSION",
        ]),
        Migration(version: 10, name: "statistics from the claims' index", statements: [
            // Unfinished processes are counted from the claims' index, widened to carry what statistics group by, and
            // a small index of paused ones, as in the SQLite store. `processes_position` held every process under a
            // few keys: an update is never HOT here (the due time is indexed), so each one, a lease's included, added
            // an entry among thousands of equal ones, which cost a quarter of the durable throughput. The claims'
            // index gets a new entry at every update anyway, and its entries are found by due time.
            "DROP INDEX {schema}.processes_position",
            "DROP INDEX {schema}.processes_due",
            """
            CREATE INDEX processes_due ON {schema}.processes (due_at, status, flow_name, current_step)
            WHERE status IN ('running', 'waiting')
            """,
            "CREATE INDEX processes_paused ON {schema}.processes (flow_name, current_step) WHERE status = 'paused'",
        ]),
        Migration(version: 11, name: "searches by status", statements: [
            // An update is never HOT here (the due time is indexed), so every save, a claim's included, adds an entry
            // to every index whose condition the row meets, and indexes of every process's step, creation and update
            // time cost each save one entry each. Running and waiting processes are found by these columns through the
            // claims' index, which gets an entry at every update anyway and now carries them;
            // finished ones through partial indexes that a process enters once, when it finishes
            // (`processes_finished` has their update time); paused ones through `processes_paused`. See
            // `SQL.changingColumnSearch`.
            "DROP INDEX {schema}.processes_updated",
            "DROP INDEX {schema}.processes_step",
            """
            CREATE INDEX processes_step ON {schema}.processes (current_step, id)
            WHERE status IN ('completed', 'failed', 'cancelled')
            """,
            "DROP INDEX {schema}.processes_created",
            """
            CREATE INDEX processes_created ON {schema}.processes (created_at)
            WHERE status IN ('completed', 'failed', 'cancelled')
            """,
            "DROP INDEX {schema}.processes_due",
            """
            CREATE INDEX processes_due
            ON {schema}.processes (due_at, status, flow_name, current_step, updated_at, created_at)
            WHERE status IN ('running', 'waiting')
            """,
            // Where processes wait depends on their status (a step of waits holds the waiting processes, and few
            // finish there): without these statistics the planner multiplies the two frequencies, expects a page of a
            // step's unfinished (or finished) processes in the first rows of the primary key, and walks all of it
            // when there is none.
            "CREATE STATISTICS {schema}.processes_status_step (mcv) ON status, current_step FROM {schema}.processes",
        ]),
        Migration(version: 12, name: "searches by flow by status", statements: [
            // The same for the flow: no save changes it, but an index of every process's flow got an entry at every
            // save (a claim's included), a fifth of the durable throughput. Running and waiting processes of a flow are
            // found through the claims' index, paused ones through `processes_paused`, finished ones through this.
            "DROP INDEX {schema}.processes_flow",
            """
            CREATE INDEX processes_flow ON {schema}.processes (flow_name, id)
            WHERE status IN ('completed', 'failed', 'cancelled')
            """,
        ]),
    ]

    /// The statements the store runs, written once for its schema. `active` is the partial index's condition,
    /// spelled the same way everywhere so that the planner uses the index.
    struct SQL: Sendable {
        static let active = "status IN ('running', 'waiting')"
        /// The finished statuses, as the statements that count and purge finished processes test them (the
        /// migrations keep their own text, as they ran).
        static let finished = "status IN ('completed', 'failed', 'cancelled')"

        /// Adds to `finished_counts` the finished ones of `deltas`, a query of (flow name, status, step, ±1) rows. In
        /// the order of the counts' key, so that two statements that both change counts wait for each other rather
        /// than deadlock.
        static func countFinished(schema: String, deltas: String) -> String {
            """
            INSERT INTO \(schema).finished_counts AS f (flow_name, status, step, count)
            SELECT d.flow_name, d.status, coalesce(d.current_step, ''), sum(d.delta) FROM (\(deltas)) AS d (flow_name, status, current_step, delta)
            WHERE d.\(finished)
            GROUP BY 1, 2, 3 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3
            ON CONFLICT (flow_name, status, step) DO UPDATE SET count = f.count + excluded.count
            """
        }

        /// The index of the server's time in a row selected by ``selectProcessForUpdate`` (after ``recordColumns``).
        static let serverTimeColumn = ProcessColumn.count

        /// The columns of a record, as ``ProcessColumn`` declares them.
        static let recordColumns = ProcessColumn.list

        /// The values of a new process: its own from `n` (the unnested arrays), the server's time from `c`.
        static let newProcessValues = ProcessColumn.values { column in
            switch column {
            case .id, .flowName, .state, .input, .data, .labels, .traceContext: "n.\(column.name)"
            case .status: "'\(ProcessStatus.running.rawValue)'"
            case .dueAt, .createdAt, .updatedAt: "c.now"
            case .stepCount, .attempt, .leaseToken: "0"
            case .lastError, .leaseOwner, .leaseExpiresAt: "NULL"
            }
        }

        /// How queries find processes by their current step, creation or update time, or flow: running and waiting
        /// ones from the claims' index, paused ones from theirs, finished ones through `processes_step`,
        /// `processes_created`, `processes_finished` or `processes_flow`.
        let changingColumnSearch: ChangingColumnSearch

        /// ``recordColumns`` qualified by `table`.
        static func recordColumns(of table: String) -> String { ProcessColumn.list(of: table) }

        let schema: String
        let channel: String

        /// Takes the migration lock: one transaction at a time migrates, whichever worker starts first.
        let lockMigrations: String
        let createMigrationsTable: String
        let appliedMigrations: String
        let recordMigration: String

        let selectProcess: String
        let selectProcessForUpdate: String
        /// Locks the processes of a batched command (`$1`, ids) in id order, as a commit locks them, and returns their
        /// ids in the order of the `finished_counts` keys their commands change (flow, step; ``countFinished(schema:deltas:)``'s
        /// order): applied in that order, a batch takes those keys in the order every other statement takes them.
        let lockProcessesForCommand: String
        let insertProcesses: String
        let selectProcesses: String
        let claimDue: String
        let claimOne: String
        let commitUpdates: String
        /// ``commitUpdates`` for a batch with `waiting` entries: each is merged into its process's last history row when
        /// that row is a poll of the same wait (bounded history), else inserted. A batch without one takes the plain
        /// statement, which does not look the last rows up.
        let commitUpdatesMergingPolls: String
        let selectHistory: String
        let renewLeases: String
        let releaseLeases: String
        let applyCommand: String
        let nextDueDate: String
        let dueCount: String
        let serverTime: String
        let notify: String
        let insertHistory: String
        let deleteLabels: String
        let insertLabels: String
        let statistics: String
        let purge: String
        let tryPurgeLock: String

        init(schema: String, channel: String) {
            self.schema = schema
            self.channel = channel
            let processes = "\(schema).processes"
            changingColumnSearch = ChangingColumnSearch(columns: [.step, .created, .updated, .flow], parts: [
                .init(statuses: [.running, .waiting], condition: "p.\(Self.active)"),
                .init(statuses: [.paused], condition: "p.status = 'paused'"),
                .init(statuses: [.completed, .failed, .cancelled], condition: "p.\(Self.finished)"),
            ])
            let active = Self.active
            let columns = Self.recordColumns
            // The server's time, read once where a statement uses it (an uncorrelated subquery is evaluated once,
            // and can bound an index scan).
            let serverNow = "(SELECT \(schema).now_ms())"
            lockMigrations = "SELECT pg_advisory_xact_lock(hashtext('stepflow.migrate.' || $1))"
            createMigrationsTable = """
                CREATE SCHEMA IF NOT EXISTS \(schema);
                CREATE TABLE IF NOT EXISTS \(schema).migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """
            appliedMigrations = "SELECT version FROM \(schema).migrations ORDER BY version"
            recordMigration = "INSERT INTO \(schema).migrations (version, name) VALUES ($1, $2)"
            selectProcess = "SELECT \(columns) FROM \(processes) WHERE id = $1"
            selectProcessForUpdate = "SELECT \(columns), \(serverNow) FROM \(processes) WHERE id = $1 FOR UPDATE"
            lockProcessesForCommand = """
                SELECT l.id FROM (
                    SELECT id, flow_name, current_step FROM \(processes) WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE
                ) AS l
                ORDER BY l.flow_name, coalesce(l.current_step, ''), l.id
                """
            // A batch of new processes as arrays; ids that exist already (or twice in the batch) are skipped, and
            // the caller reads them with `selectProcesses`. They are created, and due, at the server's time.
            insertProcesses = """
                INSERT INTO \(processes) (\(columns), current_step)
                SELECT \(Self.newProcessValues), n.current_step
                FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::text[], $7::text[], $8::text[])
                    WITH ORDINALITY AS n(id, flow_name, state, input, data, labels, trace_context, current_step, ordinal)
                CROSS JOIN (SELECT \(schema).now_ms() AS now) AS c
                ORDER BY n.ordinal
                ON CONFLICT (id) DO NOTHING
                RETURNING \(columns)
                """
            selectProcesses = "SELECT \(columns) FROM \(processes) WHERE id = ANY($1::text[])"
            // One statement: the due ids, earliest first, skipping rows another worker is claiming right now,
            // leased at once. `due.due_at` is the due time before the claim, to put the rows back in order. The
            // update finds the rows by `id = ANY(array)` (primary key lookups): joined to `due` instead, the planner
            // chose a hash join over a full scan of `processes`. Due and lease times are the server's ($3: the lease's
            // length in milliseconds).
            claimDue = """
                WITH clock AS (
                    SELECT \(schema).now_ms() AS now
                ), due AS (
                    SELECT id, due_at FROM \(processes)
                    WHERE \(active) AND due_at <= (SELECT now FROM clock)
                    ORDER BY due_at
                    LIMIT $1
                    FOR UPDATE SKIP LOCKED
                ), claimed AS (
                    UPDATE \(processes) AS p
                    SET lease_owner = $2, lease_expires_at = (SELECT now FROM clock) + $3,
                        due_at = (SELECT now FROM clock) + $3, lease_token = p.lease_token + 1
                    WHERE p.id = ANY(ARRAY(SELECT id FROM due))
                    RETURNING \(Self.recordColumns(of: "p"))
                )
                SELECT claimed.*, due.due_at FROM claimed JOIN due USING (id)
                """
            claimOne = """
                UPDATE \(processes)
                SET lease_owner = $1, lease_expires_at = c.now + $2, due_at = c.now + $2, lease_token = lease_token + 1
                FROM (SELECT \(schema).now_ms() AS now) AS c
                WHERE id = $3 AND \(active) AND (lease_expires_at IS NULL OR lease_expires_at <= c.now) AND ($4 OR due_at <= c.now)
                RETURNING \(columns)
                """
            // One statement per batch: the updates' columns as arrays, one row each, saved only where the process
            // still has the update's lease token and is active; history rows are inserted for the saved ones only.
            // `saved` returns the ids saved, and the caller marks the others rejected. They are updated at the
            // server's time.
            // The arrays and their order are declared by `UpdateArray` and `HistoryArray`.
            let historyColumns = HistoryArray.columns
            let saveUpdates = """
                u AS (
                    SELECT * FROM unnest(\(UpdateArray.placeholders(from: 1)))
                    AS u(\(UpdateArray.columns))
                ), saved AS (
                    UPDATE \(processes) AS p SET
                        state = coalesce(u.state, p.state),
                        current_step = CASE WHEN u.state IS NULL THEN p.current_step ELSE u.current_step END,
                        data = coalesce(u.data, p.data), status = u.status,
                        due_at = u.due_at, step_count = coalesce(u.step_count, p.step_count), attempt = u.attempt,
                        last_error = u.last_error, updated_at = \(serverNow), lease_owner = NULL, lease_expires_at = NULL
                    FROM u
                    WHERE p.id = u.id AND p.lease_token = u.token AND p.\(active)
                    RETURNING p.id, p.flow_name, p.status, p.current_step
                ), counted AS (
                    \(Self.countFinished(schema: schema, deltas: "SELECT flow_name, status, current_step, 1 FROM saved"))
                )
                """
            // The history arrays, unnested with their order; only the saved processes' entries.
            let entries = """
                SELECT * FROM unnest(\(HistoryArray.placeholders(from: UpdateArray.allCases.count + 1))) WITH ORDINALITY
                        AS h(\(historyColumns), n)
                    WHERE h.process_id IN (SELECT id FROM saved)
                """
            let insertedColumns = HistoryArray.allCases.map { "h.\($0.column)" }.joined(separator: ", ")
            commitUpdates = """
                WITH \(saveUpdates), history AS (
                    INSERT INTO \(schema).history (\(historyColumns))
                    SELECT \(insertedColumns) FROM (\(entries)) AS h
                    ORDER BY h.n
                )
                SELECT id FROM saved
                """
            commitUpdatesMergingPolls = """
                WITH \(saveUpdates), h AS (
                    \(entries)
                ), polled AS (
                    -- One more poll of a wait goes into the process's last row when that row is a `waiting` row of
                    -- the same step (`HistoryEntry.absorbsPoll`); only `waiting` entries look the last row up.
                    UPDATE \(schema).history AS x SET
                        polls = x.polls + 1, last_polled_at = h.started_at, state_after = h.state_after,
                        duration_ns = x.duration_ns + h.duration_ns, error = h.error, worker = h.worker,
                        lease_token = h.lease_token
                    FROM h CROSS JOIN LATERAL (
                        SELECT l.id, l.outcome, l.step_path FROM \(schema).history AS l
                        WHERE l.process_id = h.process_id ORDER BY l.id DESC LIMIT 1
                    ) AS last
                    WHERE h.outcome = 'waiting' AND x.id = last.id AND last.outcome = 'waiting'
                        AND last.step_path IS NOT DISTINCT FROM h.step_path
                    RETURNING h.n
                ), history AS (
                    INSERT INTO \(schema).history (\(historyColumns))
                    SELECT \(insertedColumns) FROM h WHERE h.n NOT IN (SELECT n FROM polled)
                    ORDER BY h.n
                )
                SELECT id FROM saved
                """
            selectHistory = """
                SELECT sequence, started_at, step_path, state_before, state_after, duration_ns, outcome, error, worker,
                    lease_token, reason, polls, last_polled_at
                FROM \(schema).history WHERE process_id = $1 ORDER BY id
                """
            // $1: the new expiry, or NULL for the server's time plus $5 milliseconds.
            renewLeases = """
                UPDATE \(processes) AS p
                SET lease_expires_at = coalesce($1, \(serverNow) + $5), due_at = coalesce($1, \(serverNow) + $5)
                FROM unnest($2::text[], $3::bigint[]) AS u(id, token)
                WHERE p.id = u.id AND p.lease_token = u.token AND p.lease_owner = $4 AND p.\(active)
                RETURNING p.id
                """
            // Released leases wake the idle workers (in the same statement, so at commit) when any was released; the
            // processes are due at the server's time.
            releaseLeases = """
                WITH released AS (
                    UPDATE \(processes) AS p SET lease_owner = NULL, lease_expires_at = NULL,
                        due_at = CASE WHEN p.\(active) THEN \(serverNow) ELSE p.due_at END
                    FROM unnest($1::text[], $2::bigint[]) AS u(id, token)
                    WHERE p.id = u.id AND p.lease_token = u.token AND p.lease_owner = $3
                    RETURNING p.id
                )
                SELECT count(*), CASE WHEN count(*) > 0 THEN pg_notify($4, '') END::text FROM released
                """
            // `before` reads the row as it was: every part of a statement sees the same snapshot.
            applyCommand = """
                WITH before AS (
                    SELECT flow_name, status, current_step FROM \(processes) WHERE id = $9
                ), applied AS (
                    UPDATE \(processes) SET
                        status = $1, due_at = $2, attempt = $3, last_error = $4, updated_at = $5, lease_owner = $6,
                        lease_expires_at = $7, lease_token = $8, state = $10, flow_name = $11, data = $12, labels = $13,
                        current_step = $14
                    WHERE id = $9
                    RETURNING \(columns), current_step
                ), counted AS (
                    \(Self.countFinished(schema: schema, deltas: """
                        SELECT flow_name, status, current_step, -1 FROM before
                        UNION ALL SELECT flow_name, status, current_step, 1 FROM applied
                        """))
                )
                SELECT \(columns) FROM applied
                """
            insertHistory = """
                INSERT INTO \(schema).history (\(historyColumns))
                SELECT * FROM unnest(\(HistoryArray.placeholders(from: 1)))
                """
            deleteLabels = "DELETE FROM \(schema).process_labels WHERE process_id = $1"
            // The labels of the processes whose ids are bound as an array ($1), from their labels column.
            insertLabels = """
                INSERT INTO \(schema).process_labels (process_id, key, value)
                SELECT p.id, l.key, l.value FROM \(processes) AS p CROSS JOIN LATERAL jsonb_each_text(p.labels::jsonb) AS l
                WHERE p.id = ANY($1::text[])
                """
            // Finished processes from their counts; running and waiting ones from the claims' index, paused ones from
            // theirs (each condition is its partial index's, so that the planner reads the index).
            statistics = """
                SELECT flow_name, status, nullif(step, ''), count FROM \(schema).finished_counts
                WHERE count > 0 AND ($1::text IS NULL OR flow_name = $1)
                UNION ALL
                SELECT flow_name, status, current_step, count(*) FROM \(processes)
                WHERE \(active) AND ($1::text IS NULL OR flow_name = $1)
                GROUP BY status, flow_name, current_step
                UNION ALL
                SELECT flow_name, status, current_step, count(*) FROM \(processes)
                WHERE status = 'paused' AND ($1::text IS NULL OR flow_name = $1)
                GROUP BY status, flow_name, current_step
                """
            // $1 finished before, $2 statuses, $3 flow or NULL, $4 limit.
            purge = """
                WITH deleted AS (
                    DELETE FROM \(processes) WHERE id IN (
                        SELECT id FROM \(processes)
                        WHERE \(Self.finished) AND updated_at < $1 AND status = ANY($2::text[]) AND ($3::text IS NULL OR flow_name = $3)
                        LIMIT $4
                    )
                    RETURNING id, flow_name, status, current_step
                ), counted AS (
                    \(Self.countFinished(schema: schema, deltas: "SELECT flow_name, status, current_step, -1 FROM deleted"))
                )
                SELECT id FROM deleted
                """
            // Only one purge at a time among every store on this schema (released when the transaction ends).
            tryPurgeLock = "SELECT pg_try_advisory_xact_lock(hashtext('stepflow.purge.' || $1))"
            nextDueDate = "SELECT min(due_at) FROM \(processes) WHERE \(active)"
            dueCount = "SELECT count(*) FROM \(processes) WHERE \(active) AND due_at <= \(serverNow)"
            serverTime = "SELECT \(schema).now_ms()"
            notify = "SELECT pg_notify($1, '')"
        }
    }
}
