#!/usr/bin/env bash
# Makes an SQLite store that holds COUNT finished processes other than the demo's, for measuring
# `stepflow demo` on a large store (issue 14):
#
#   bash Benchmarks/make-large-store.sh PATH [COUNT] [STEPFLOW]
#
# COUNT defaults to 1,000,000; STEPFLOW to .build/release/stepflow. A one-application demo run in PATH makes a
# real completed process of the demo's flow; its row is copied COUNT times under random UUID ids (as
# ProcessID.random() makes them), then the original and its history are deleted, so `stepflow demo` on PATH
# starts with COUNT other processes and none of its own. Needs the sqlite3 command-line shell.
set -euo pipefail
path=${1:?usage: make-large-store.sh PATH [COUNT] [STEPFLOW]}
count=${2:-1000000}
stepflow=${3:-.build/release/stepflow}
command -v sqlite3 >/dev/null || { echo "make-large-store.sh: sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }

rm -f "$path" "$path-wal" "$path-shm"
"$stepflow" demo --store "$path" --apps 1 --time-scale 0.01 --failure-rate 0 --plain >/dev/null
sqlite3 "$path" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
INSERT INTO processes (id, flow_name, state, input, data, status, due_at, step_count, attempt, last_error,
                       created_at, updated_at, lease_owner, lease_expires_at, lease_token, current_step,
                       rest_status, rest_step, rest_updated_at)
SELECT lower(printf('%s-%s-%s-%s-%s', hex(randomblob(4)), hex(randomblob(2)), hex(randomblob(2)),
                    hex(randomblob(2)), hex(randomblob(6)))),
       flow_name, state, input, data, status, due_at, step_count, attempt, last_error,
       created_at, updated_at, lease_owner, lease_expires_at, lease_token, current_step,
       rest_status, rest_step, rest_updated_at
FROM n, (SELECT * FROM processes WHERE id = 'app-001');
DELETE FROM history WHERE process_id = 'app-001';
DELETE FROM signals WHERE process_id = 'app-001';
DELETE FROM processes WHERE id = 'app-001';
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "$path: $(sqlite3 "$path" 'SELECT count(*) FROM processes') processes, $(du -h "$path" | cut -f1)"
