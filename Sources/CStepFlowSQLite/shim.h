#ifndef CSTEPFLOWSQLITE_SHIM_H
#define CSTEPFLOWSQLITE_SHIM_H

#include <sqlite3.h>

// sqlite3_config is variadic, which Swift does not import: one function per option the SQLite store sets.

/// Turns off SQLite's memory statistics for the whole process (SQLITE_CONFIG_MEMSTATUS = 0). Returns SQLITE_OK, or
/// SQLITE_MISUSE when SQLite is already initialised in the process, in which case nothing changes.
static inline int stepflow_sqlite3_turn_off_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
