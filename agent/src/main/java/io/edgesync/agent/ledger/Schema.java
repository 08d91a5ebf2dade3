package io.edgesync.agent.ledger;

/** The ledger's tables. A new version adds a step to {@link #MIGRATIONS}; existing steps never change. */
final class Schema {
    static final String[][] MIGRATIONS = {
        {
            """
            CREATE TABLE files (
              id INTEGER PRIMARY KEY,
              path TEXT NOT NULL,
              size INTEGER NOT NULL,
              sha256 TEXT NOT NULL,
              received_at INTEGER NOT NULL,
              user TEXT NOT NULL,
              client_ip TEXT NOT NULL
            )""",
            "CREATE INDEX files_path ON files(path)",
            """
            CREATE TABLE deliveries (
              id INTEGER PRIMARY KEY,
              file_id INTEGER NOT NULL REFERENCES files(id),
              upstream TEXT NOT NULL,
              state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'delivered', 'parked', 'superseded')),
              attempts INTEGER NOT NULL DEFAULT 0,
              next_attempt_at INTEGER NOT NULL,
              last_error TEXT,
              created_at INTEGER NOT NULL,
              updated_at INTEGER NOT NULL,
              delivered_at INTEGER,
              duration_ms INTEGER
            )""",
            "CREATE INDEX deliveries_due ON deliveries(upstream, state, next_attempt_at, id)",
            "CREATE INDEX deliveries_file ON deliveries(file_id)",
        },
        {
            // retention: when the spool copy was deleted
            "ALTER TABLE files ADD COLUMN deleted_at INTEGER",
            // the upstream temporary of this delivery may hold bytes (resume, stale cleanup)
            "ALTER TABLE deliveries ADD COLUMN temp_path TEXT",
            // temporaries upstream that no delivery will finish: deleted by the next session to that upstream
            """
            CREATE TABLE stale_temps (
              id INTEGER PRIMARY KEY,
              upstream TEXT NOT NULL,
              path TEXT NOT NULL
            )""",
        },
        {
            // claimNext walks one upstream's pending deliveries in id order and stops at the first due one;
            // without this it sorted every pending row on each claim
            "CREATE INDEX deliveries_claim ON deliveries(upstream, state, id)",
            // the status's recent transfers, newest first, without sorting the whole history
            "CREATE INDEX deliveries_updated ON deliveries(updated_at)",
        },
        {
            // an upload is recorded before it is renamed into the spool, and is claimable only once it is there
            "ALTER TABLE files ADD COLUMN published INTEGER NOT NULL DEFAULT 1",
            "CREATE INDEX files_unpublished ON files(id) WHERE published = 0",
            // which version of the path this is on disk: the spool file's inode and modification time
            "ALTER TABLE files ADD COLUMN file_key TEXT",
            "ALTER TABLE files ADD COLUMN mtime_ns INTEGER",
            // the device deleted the file or renamed it away: what was owed for it is withdrawn
            "ALTER TABLE files ADD COLUMN withdrawn_at INTEGER",
            // counts that outlive the rows history pruning deletes, kept by the writes themselves
            "CREATE TABLE totals (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
            "INSERT INTO totals SELECT 'received.files', COUNT(*) FROM files",
            "INSERT INTO totals SELECT 'received.bytes', COALESCE(SUM(size), 0) FROM files",
            """
            INSERT INTO totals SELECT 'delivered.' || upstream, COUNT(*) FROM deliveries
            WHERE state = 'delivered' GROUP BY upstream""",
            "CREATE TABLE last_upload (user TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID",
            "INSERT INTO last_upload SELECT user, MAX(received_at) FROM files GROUP BY user",
            // a newer version of the path took its place in the spool
            "ALTER TABLE files ADD COLUMN replaced_at INTEGER",
            """
            UPDATE files SET replaced_at = (SELECT MIN(g.received_at) FROM files g WHERE g.path = files.path
                                            AND g.id > files.id)
            WHERE EXISTS (SELECT 1 FROM files g WHERE g.path = files.path AND g.id > files.id)""",
            // history pruning walks the versions the spool no longer holds, oldest first
            """
            CREATE INDEX files_gone ON files(received_at)
            WHERE deleted_at IS NOT NULL OR withdrawn_at IS NOT NULL OR replaced_at IS NOT NULL""",
        },
        {
            // an operator's pause of an upstream outlives a restart
            "CREATE TABLE upstream_state (upstream TEXT PRIMARY KEY, paused INTEGER NOT NULL) WITHOUT ROWID",
        },
        {
            // sync.priorities and budget-exempt, as they were when the delivery was classified: by the first claim
            // of its upstream after it was queued, or after reload-config changed them (classified = 0 again)
            "ALTER TABLE deliveries ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE deliveries ADD COLUMN exempt INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE deliveries ADD COLUMN classified INTEGER NOT NULL DEFAULT 0",
            "UPDATE deliveries SET classified = 1 WHERE state NOT IN ('pending', 'active', 'parked')",
            "CREATE INDEX deliveries_unclassified ON deliveries(upstream, id) WHERE classified = 0",
            // the claim walks one upstream's pending deliveries highest priority first, oldest first within one
            "CREATE INDEX deliveries_priority ON deliveries(upstream, state, priority DESC, id)",
            // data budgets: bytes sent to an upstream in each period, and what an operator added for it
            """
            CREATE TABLE budget_usage (
              upstream TEXT NOT NULL,
              period TEXT NOT NULL,
              starts_at INTEGER NOT NULL,
              used INTEGER NOT NULL DEFAULT 0,
              raised INTEGER NOT NULL DEFAULT 0,
              alerted INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (upstream, period, starts_at)
            ) WITHOUT ROWID""",
        },
        {
            // delivery rules (any-of, k-of): a delivery held back while its rule's preferred upstreams have the
            // file ('standby'), and one no longer owed because the rule was met elsewhere ('withdrawn'); and the
            // upstream path a template made when the file was received (NULL: the spool path). SQLite cannot
            // change a CHECK constraint: the table is made again, with its columns in the same order.
            """
            CREATE TABLE deliveries_v7 (
              id INTEGER PRIMARY KEY,
              file_id INTEGER NOT NULL REFERENCES files(id),
              upstream TEXT NOT NULL,
              state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'delivered', 'parked', 'superseded',
                                                   'standby', 'withdrawn')),
              attempts INTEGER NOT NULL DEFAULT 0,
              next_attempt_at INTEGER NOT NULL,
              last_error TEXT,
              created_at INTEGER NOT NULL,
              updated_at INTEGER NOT NULL,
              delivered_at INTEGER,
              duration_ms INTEGER,
              temp_path TEXT,
              priority INTEGER NOT NULL DEFAULT 0,
              exempt INTEGER NOT NULL DEFAULT 0,
              classified INTEGER NOT NULL DEFAULT 0,
              remote_path TEXT
            )""",
            """
            INSERT INTO deliveries_v7 (id, file_id, upstream, state, attempts, next_attempt_at, last_error, created_at,
                                       updated_at, delivered_at, duration_ms, temp_path, priority, exempt, classified)
            SELECT id, file_id, upstream, state, attempts, next_attempt_at, last_error, created_at, updated_at,
                   delivered_at, duration_ms, temp_path, priority, exempt, classified FROM deliveries""",
            "DROP TABLE deliveries",
            "ALTER TABLE deliveries_v7 RENAME TO deliveries",
            "CREATE INDEX deliveries_due ON deliveries(upstream, state, next_attempt_at, id)",
            "CREATE INDEX deliveries_file ON deliveries(file_id)",
            "CREATE INDEX deliveries_claim ON deliveries(upstream, state, id)",
            "CREATE INDEX deliveries_updated ON deliveries(updated_at)",
            "CREATE INDEX deliveries_unclassified ON deliveries(upstream, id) WHERE classified = 0",
            "CREATE INDEX deliveries_priority ON deliveries(upstream, state, priority DESC, id)",
        },
    };

    private Schema() {
    }
}
