/* db.c - PostgreSQL connection, parameterised queries, loss detection and migrations. */
#include "db.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "log.h"
#include "migrations.h"

#define MAX_OWED 32 /* statements sent ahead before their outcome is read anyway */

/* Schema creation cannot take a parameter; these are constants, never built from input. */
static const char *s_create_schema[] = {
    [FQ_TIER_COMMUNITY] = "CREATE SCHEMA IF NOT EXISTS community",
    [FQ_TIER_STREET] = "CREATE SCHEMA IF NOT EXISTS street",
    [FQ_TIER_DISTRICT] = "CREATE SCHEMA IF NOT EXISTS district",
};

/* Units of one tier may share a schema and start together: one advisory lock per tier keeps
 * two daemons from migrating the same schema at once. */
#define MIGRATION_LOCK_BASE 0x66710000

void fq_p_text(fq_params_t *p, const char *value)
{
    assert(p->n < FQ_DB_MAX_PARAMS); /* a query with more parameters is a programming error */
    p->values[p->n] = value;
    p->lengths[p->n] = 0;
    p->formats[p->n] = 0;
    p->n++;
}

void fq_p_int(fq_params_t *p, int64_t value)
{
    assert(p->n < FQ_DB_MAX_PARAMS);
    snprintf(p->ints[p->n], sizeof p->ints[p->n], "%lld", (long long)value);
    fq_p_text(p, p->ints[p->n]);
}

void fq_p_bytes(fq_params_t *p, const void *data, size_t len)
{
    assert(p->n < FQ_DB_MAX_PARAMS);
    p->values[p->n] = data;
    p->lengths[p->n] = (int)len;
    p->formats[p->n] = 1;
    p->n++;
}

fq_db_t *fq_db_new(const char *conninfo, const char *role, fq_tier_t tier, const char *unit)
{
    fq_db_t *db = calloc(1, sizeof *db);
    if (!db)
        return NULL;
    db->conninfo = strdup(conninfo);
    db->role = role ? strdup(role) : NULL;
    db->tier = tier;
    snprintf(db->app_name, sizeof db->app_name, "fengqiao %s", unit);
    if (!db->conninfo || (role && !db->role)) {
        free(db->conninfo);
        free(db);
        return NULL;
    }
    return db;
}

void fq_db_destroy(fq_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fq_db_t *db = *self_p;
    fq_db_async_settle(db); /* nobody waiting on the outcome of a transaction is left hanging */
    if (db->conn)
        PQfinish(db->conn);
    free(db->conninfo);
    free(db->role);
    free(db);
    *self_p = NULL;
}

const char *fq_db_schema(const fq_db_t *db)
{
    return fq_tier_name(db->tier);
}

bool fq_db_connected(const fq_db_t *db)
{
    return db->conn && PQstatus(db->conn) == CONNECTION_OK;
}

/* libpq's messages end in newlines and may span lines; a log line must be one line. */
static void one_line(char *text)
{
    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    size_t len = strlen(text);
    while (len && text[len - 1] == ' ')
        text[--len] = '\0';
}

/* Server notices (e.g. "terminating connection due to immediate shutdown") go to our log
 * instead of libpq's default of raw lines on stderr. */
static void on_notice(void *arg, const char *message)
{
    char line[512];
    snprintf(line, sizeof line, "%s", message);
    one_line(line);
    fq_warn("database: %s", line);
}

/* A failed result with no SQLSTATE, or a broken connection, means the server is gone. */
void fq_db_note_failure(fq_db_t *db, const PGresult *res, char *err, size_t errlen)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    /* raised by fq_expect (P0001, raise_exception): a refusal worded for the operator, which
     * "ERROR:" and the function's CONTEXT would only bury */
    if (state && strcmp(state, "P0001") == 0 && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY))
        msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    snprintf(err, errlen, "%s", msg && *msg ? msg : "database error");
    one_line(err);
    if (PQstatus(db->conn) != CONNECTION_OK || !state) {
        PQfinish(db->conn);
        db->conn = NULL;
        db->owed = 0; /* whatever was sent ahead died with the connection */
        fq_db_async_fail_all(db, err);
    }
}

/* The server-side name of SQL, preparing it on first use: parsing a statement costs the server
 * more than running it. Statements are string constants, so their address identifies them.
 * Returns NULL (run it unprepared) when the table is full, or sets *FAILED when preparing
 * failed. */
static const char *prepared_name(fq_db_t *db, const char *sql, const fq_params_t *p, char *name,
                                 size_t len, PGresult **failed)
{
    size_t i = 0;
    while (i < db->nprepared && db->prepared[i] != sql)
        i++;
    if (i == MAX_PREPARED)
        return NULL;
    snprintf(name, len, "fq%zu", i);
    if (i < db->nprepared)
        return name;
    PGresult *res = PQprepare(db->conn, name, sql, p->n, NULL);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        *failed = res;
        return NULL;
    }
    PQclear(res);
    db->prepared[db->nprepared++] = sql;
    return name;
}

const char *fq_db_prepared_as(const fq_db_t *db, const char *sql, char *name, size_t len)
{
    for (size_t i = 0; i < db->nprepared; i++)
        if (db->prepared[i] == sql) {
            snprintf(name, len, "fq%zu", i);
            return name;
        }
    return NULL;
}

static bool is_prepared(const fq_db_t *db, const char *sql)
{
    char name[16];
    return fq_db_prepared_as(db, sql, name, sizeof name) != NULL;
}

bool fq_db_send_query(fq_db_t *db, const char *stmt, const char *sql, const fq_params_t *p)
{
    int n = p ? p->n : 0;
    const char *const *values = p ? p->values : NULL;
    const int *lengths = p ? p->lengths : NULL, *formats = p ? p->formats : NULL;
    return stmt ? PQsendQueryPrepared(db->conn, stmt, n, values, lengths, formats, 0) == 1
                : PQsendQueryParams(db->conn, sql, n, NULL, values, lengths, formats, 0) == 1;
}

/* Read the outcome of every statement sent ahead, in order, up to the sync point, and leave
 * pipeline mode. The last statement's result goes to *LAST when LAST is given (the caller
 * sent it last and waits for it); the first failure is the one reported. Returns 0 or -1. */
static int sync_pipeline(fq_db_t *db, PGresult **last, char *err, size_t errlen)
{
    int rc = PQpipelineSync(db->conn) == 1 ? 0 : -1;
    PGresult *failed = NULL;
    bool synced = false, after_null = false;
    for (int read = 0; rc == 0 && !synced;) {
        PGresult *res = PQgetResult(db->conn);
        if (!res) {
            rc = after_null ? -1 : 0; /* two in a row: the connection is gone */
            after_null = true;
            continue;
        }
        after_null = false;
        ExecStatusType st = PQresultStatus(res);
        synced = st == PGRES_PIPELINE_SYNC;
        bool ok = synced || st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
        if (!synced && ++read == db->owed && last && ok)
            *last = res, res = NULL;
        else if (!ok && !failed)
            failed = res, res = NULL;
        PQclear(res);
    }
    db->owed = 0;
    if (rc == 0 && !failed && PQexitPipelineMode(db->conn) == 1)
        return 0;
    if (last) {
        PQclear(*last);
        *last = NULL;
    }
    fq_db_note_failure(db, failed, err, errlen);
    PQclear(failed);
    if (db->conn)
        PQexitPipelineMode(db->conn);
    return -1;
}

/* Send SQL (prepared as STMT, or its text when STMT is NULL) last into the open pipeline and
 * wait for its result together with the statements sent ahead: one round trip for them all. */
static PGresult *sync_with(fq_db_t *db, const char *stmt, const char *sql, const fq_params_t *p,
                           char *err, size_t errlen)
{
    if (!fq_db_send_query(db, stmt, sql, p)) {
        /* drops the connection, and the pipeline with it */
        fq_db_note_failure(db, NULL, err, errlen);
        return NULL;
    }
    db->owed++;
    PGresult *res = NULL;
    return sync_pipeline(db, &res, err, errlen) == 0 ? res : NULL;
}

static PGresult *run_in_pipeline(fq_db_t *db, const char *sql, const fq_params_t *p, char *err,
                                 size_t errlen)
{
    char name[16];
    const char *stmt = NULL;
    if (p && is_prepared(db, sql)) {
        PGresult *unused = NULL;
        stmt = prepared_name(db, sql, p, name, sizeof name, &unused);
    } else if (p) { /* preparing it cannot wait in the pipeline */
        if (sync_pipeline(db, NULL, err, errlen) < 0)
            return NULL;
        return fq_db_run(db, sql, p, err, errlen);
    }
    return sync_with(db, stmt, sql, p, err, errlen);
}

static PGresult *execute(fq_db_t *db, const char *sql, const fq_params_t *p)
{
    /* Without parameters PQexec is used, which also runs a migration's several statements. */
    if (!p)
        return PQexec(db->conn, sql);
    char name[16];
    PGresult *failed = NULL;
    const char *stmt = prepared_name(db, sql, p, name, sizeof name, &failed);
    if (failed)
        return failed;
    return stmt ? PQexecPrepared(db->conn, stmt, p->n, p->values, p->lengths, p->formats, 0)
                : PQexecParams(db->conn, sql, p->n, NULL, p->values, p->lengths, p->formats, 0);
}

/* RES when it succeeded; otherwise NULL, with the reason in ERR. */
static PGresult *checked(fq_db_t *db, PGresult *res, char *err, size_t errlen)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    fq_db_note_failure(db, res, err, errlen);
    PQclear(res);
    return NULL;
}

PGresult *fq_db_run(fq_db_t *db, const char *sql, const fq_params_t *p, char *err, size_t errlen)
{
    fq_db_async_settle(db);
    if (!db->conn) {
        snprintf(err, errlen, "database unavailable");
        return NULL;
    }
    if (db->owed)
        return run_in_pipeline(db, sql, p, err, errlen);
    return checked(db, execute(db, sql, p), err, errlen);
}

PGresult *fq_db_run_once(fq_db_t *db, const char *sql, const fq_params_t *p, char *err,
                         size_t errlen)
{
    fq_db_async_settle(db);
    if (!db->conn) {
        snprintf(err, errlen, "database unavailable");
        return NULL;
    }
    if (db->owed)
        return sync_with(db, NULL, sql, p, err, errlen);
    return checked(db,
                   PQexecParams(db->conn, sql, p->n, NULL, p->values, p->lengths, p->formats, 0),
                   err, errlen);
}

int fq_db_exec(fq_db_t *db, const char *sql, const fq_params_t *p, char *err, size_t errlen)
{
    PGresult *res = fq_db_run(db, sql, p, err, errlen);
    PQclear(res);
    return res ? 0 : -1;
}

/* fq_db_send, prepared once per connection when PREPARE, else planned by the server for
 * these parameters when it runs. */
static int send_ahead(fq_db_t *db, const char *sql, const fq_params_t *p, bool prepare, char *err,
                      size_t errlen)
{
    fq_db_async_settle(db);
    if (!db->conn) {
        snprintf(err, errlen, "database unavailable");
        return -1;
    }
    char name[16];
    const char *stmt = NULL;
    if (p && prepare) { /* prepared first, outside the pipeline, on its first use */
        if (!is_prepared(db, sql) && db->owed && sync_pipeline(db, NULL, err, errlen) < 0)
            return -1;
        PGresult *failed = NULL;
        stmt = prepared_name(db, sql, p, name, sizeof name, &failed);
        if (failed) {
            fq_db_note_failure(db, failed, err, errlen);
            PQclear(failed);
            return -1;
        }
    }
    if ((!db->owed && PQenterPipelineMode(db->conn) != 1) || !fq_db_send_query(db, stmt, sql, p)) {
        fq_db_note_failure(db, NULL, err, errlen);
        return -1;
    }
    return ++db->owed < MAX_OWED ? 0 : sync_pipeline(db, NULL, err, errlen);
}

int fq_db_send(fq_db_t *db, const char *sql, const fq_params_t *p, char *err, size_t errlen)
{
    return send_ahead(db, sql, p, true, err, errlen);
}

int fq_db_send_once(fq_db_t *db, const char *sql, const fq_params_t *p, char *err, size_t errlen)
{
    return send_ahead(db, sql, p, false, err, errlen);
}

static void values_params(fq_params_t *p, const char *const *texts, size_t ntexts,
                          const int64_t *ints, size_t nints)
{
    for (size_t i = 0; i < ntexts; i++)
        fq_p_text(p, texts[i]);
    for (size_t i = 0; i < nints; i++)
        fq_p_int(p, ints[i]);
}

int fq_db_exec_values(fq_db_t *db, const char *sql, const char *const *texts, size_t ntexts,
                      const int64_t *ints, size_t nints, char *err, size_t errlen)
{
    fq_params_t p = {0};
    values_params(&p, texts, ntexts, ints, nints);
    return fq_db_exec(db, sql, &p, err, errlen);
}

int fq_db_send_values(fq_db_t *db, const char *sql, const char *const *texts, size_t ntexts,
                      const int64_t *ints, size_t nints, char *err, size_t errlen)
{
    fq_params_t p = {0};
    values_params(&p, texts, ntexts, ints, nints);
    return fq_db_send(db, sql, &p, err, errlen);
}

int fq_db_begin(fq_db_t *db, char *err, size_t errlen)
{
    return fq_db_send(db, "BEGIN", NULL, err, errlen);
}

int fq_db_commit(fq_db_t *db, char *err, size_t errlen)
{
    return fq_db_exec(db, "COMMIT", NULL, err, errlen);
}

void fq_db_rollback(fq_db_t *db)
{
    char ignored[256];
    fq_db_async_settle(db);
    /* a failure earlier in the pipeline would skip a ROLLBACK sent after it: read it out first */
    if (db->conn && db->owed)
        sync_pipeline(db, NULL, ignored, sizeof ignored);
    if (db->conn && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        fq_db_exec(db, "ROLLBACK", NULL, ignored, sizeof ignored);
}

static bool applies_to(const fq_db_t *db, const fq_migration_t *m)
{
    return strcmp(m->dir, "core") == 0 || strcmp(m->dir, fq_tier_name(db->tier)) == 0;
}

/* Apply one migration unless the ledger already has it. */
static int apply_migration(fq_db_t *db, const fq_migration_t *m, char *err, size_t errlen)
{
    char key[128];
    snprintf(key, sizeof key, "%s/%s", m->dir, m->name);
    fq_params_t p = {0};
    fq_p_text(&p, key);
    PGresult *res =
        fq_db_run(db, "SELECT 1 FROM schema_migrations WHERE name = $1", &p, err, errlen);
    if (!res)
        return -1;
    int done = PQntuples(res);
    PQclear(res);
    if (done)
        return 0;
    if (fq_db_exec(db, m->sql, NULL, err, errlen) < 0)
        return -1;
    return fq_db_exec(db, "INSERT INTO schema_migrations (name) VALUES ($1)", &p, err, errlen);
}

/* The tier's schema is made unless it exists. A tier's own role (database.roles) owns the
 * schema made for it and has no right to create one in the database, which CREATE SCHEMA asks
 * of it even with IF NOT EXISTS and the schema there. A schema the user may not use drops out
 * of the search path unseen, and PostgreSQL's complaint would be "no schema has been selected",
 * so that is checked here and said plainly. */
static int ensure_schema(fq_db_t *db, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, fq_db_schema(db));
    PGresult *res = fq_db_run(db,
                              "SELECT has_schema_privilege(oid, 'USAGE') AND "
                              "has_schema_privilege(oid, 'CREATE'), current_user "
                              "FROM pg_namespace WHERE nspname = $1",
                              &p, err, errlen);
    if (!res)
        return -1;
    int exists = PQntuples(res);
    bool usable = exists && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    if (exists && !usable)
        snprintf(err, errlen,
                 "user %s may not use schema %s (it needs USAGE and CREATE there: the tier's "
                 "role owns its schema, which scripts/cluster up arranges on its own server)",
                 PQgetvalue(res, 0, 1), fq_db_schema(db));
    PQclear(res);
    if (exists)
        return usable ? 0 : -1;
    return fq_db_exec(db, s_create_schema[db->tier], NULL, err, errlen);
}

static int migrate(fq_db_t *db, char *err, size_t errlen)
{
    fq_params_t lock = {0};
    fq_p_int(&lock, MIGRATION_LOCK_BASE + db->tier);
    if (fq_db_begin(db, err, errlen) < 0)
        return -1;
    if (fq_db_exec(db, "SELECT pg_advisory_xact_lock($1::int8)", &lock, err, errlen) < 0 ||
        ensure_schema(db, err, errlen) < 0 ||
        fq_db_exec(db,
                   "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, "
                   "applied_at timestamptz NOT NULL DEFAULT now())",
                   NULL, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < fq_migrations_count; i++)
        if (applies_to(db, &fq_migrations[i]) &&
            apply_migration(db, &fq_migrations[i], err, errlen) < 0)
            goto fail;
    return fq_db_commit(db, err, errlen);
fail:
    fq_db_rollback(db);
    if (db->role) { /* "permission denied for schema street" alone does not say who was denied */
        char cause[512];
        snprintf(cause, sizeof cause, "%s", err);
        snprintf(err, errlen, "role %s (database.roles.%s), schema %s: %s", db->role,
                 fq_tier_name(db->tier), fq_db_schema(db), cause);
    }
    return -1;
}

int fq_db_forget_plans(fq_db_t *db, char *err, size_t errlen)
{
    fq_db_async_settle(db);
    if (!db->conn || db->building || db->owed || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        return 0;
    if (fq_db_exec(db, "DEALLOCATE ALL", NULL, err, errlen) < 0)
        return -1;
    db->nprepared = 0;
    return 0;
}

int fq_db_connect(fq_db_t *db, char *err, size_t errlen)
{
    fq_db_async_settle(db);
    if (db->conn)
        PQfinish(db->conn);
    db->nprepared = 0; /* prepared statements die with their connection */
    db->owed = 0;
    /* The schema goes in as a connection option, not as SQL text. Statements keep the planner's
     * generic plans: no index leads with `unit` (migration 0005), so a plan made while the
     * tables are young picks the right index; one made on a page or two scans it, and
     * fq_db_forget_plans sees that it does not last. A daemon's one connection serves its whole
     * loop with short statements, so neither JIT compilation nor parallel workers are allowed:
     * either is chosen on a cost estimate, and an estimate far too high (a period's rows guessed
     * from the whole history's) turned a 90 ms statement into 640 ms of compiling, or added
     * 45 ms of starting workers to 2 ms of reading, every time it ran. */
    char options[200];
    snprintf(options, sizeof options,
             "-c search_path=%s -c client_min_messages=warning -c jit=off"
             " -c max_parallel_workers_per_gather=0",
             fq_db_schema(db));
    /* A role given comes last, so it wins over a user the conninfo names (libpq takes the last
     * value given for a key; a NULL value is passed over). */
    const char *keys[] = {"dbname", "options", "application_name", "connect_timeout", "user", NULL};
    const char *vals[] = {db->conninfo, options, db->app_name, "5", db->role, NULL};
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect: %s",
                 db->conn ? PQerrorMessage(db->conn) : "out of memory");
        one_line(err);
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    PQsetNoticeProcessor(db->conn, on_notice, NULL);
    if (migrate(db, err, errlen) < 0) {
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    return 0;
}
