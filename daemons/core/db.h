/* db.h - the daemon's one PostgreSQL connection: connect, migrate, run parameterised queries,
 * notice a lost server and reconnect.
 *
 * Every query goes through fq_db_run with $n parameters; no SQL is ever built from strings.
 * The connection's search_path is the tier's schema, so queries name tables unqualified.
 */
#ifndef FQ_DB_H
#define FQ_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define FQ_DB_MAX_PARAMS 40

/* Number of elements of array A. */
#define FQ_NELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct fq_db fq_db_t;

/* Parameters of one query, filled with the fq_p_* helpers. Values are borrowed until the query
 * has run, except integers, which are formatted into the struct itself. */
typedef struct {
    int n;
    const char *values[FQ_DB_MAX_PARAMS];
    int lengths[FQ_DB_MAX_PARAMS];
    int formats[FQ_DB_MAX_PARAMS];
    char ints[FQ_DB_MAX_PARAMS][24];
} fq_params_t;

void fq_p_text(fq_params_t *p, const char *value); /* NULL is SQL NULL */
void fq_p_int(fq_params_t *p, int64_t value);
void fq_p_bytes(fq_params_t *p, const void *data, size_t len);

/* A new, unconnected handle for TIER's schema, for the daemon of UNIT (its connection is named
 * "fengqiao UNIT" in pg_stat_activity); NULL on allocation failure. ROLE, when not NULL, is the
 * user it connects as, whatever CONNINFO names (database.roles). Neither string is kept. */
fq_db_t *fq_db_new(const char *conninfo, const char *role, fq_tier_t tier, const char *unit);
void fq_db_destroy(fq_db_t **self_p);

/* Connect, set the search path to the tier's schema and apply pending migrations. Returns 0,
 * or -1 with the reason in ERR (the handle stays usable for another try). */
int fq_db_connect(fq_db_t *db, char *err, size_t errlen);
bool fq_db_connected(const fq_db_t *db);

/* Run SQL with parameters P (may be NULL). SQL must be a string constant: with parameters it
 * is prepared once per connection (until fq_db_forget_plans), keyed by its address. Returns
 * the result (caller PQclears it) when its status is PGRES_COMMAND_OK or PGRES_TUPLES_OK;
 * otherwise NULL with the reason in ERR. A lost connection is noticed here and makes
 * fq_db_connected() false. */
PGresult *fq_db_run(fq_db_t *db, const char *sql, const fq_params_t *p, char *err, size_t errlen);

/* fq_db_run, planned afresh for these parameters every time instead of prepared once: for a
 * statement whose best plan depends on its values and the table's size (a lookup by a list of
 * keys), which a plan made while the table was young would turn into a scan of it. */
PGresult *fq_db_run_once(fq_db_t *db, const char *sql, const fq_params_t *p, char *err,
                         size_t errlen);

/* Run a statement whose rows are not needed. Returns 0 or -1 with ERR. */
int fq_db_exec(fq_db_t *db, const char *sql, const fq_params_t *p, char *err, size_t errlen);

/* Send SQL, a write whose rows are not needed, without waiting for its outcome (libpq's
 * pipeline mode): it travels to the server with the next statement that waits for its own
 * result (fq_db_run, fq_db_exec, COMMIT), in one round trip, and a failure of it fails that
 * statement. Only inside a transaction, whose COMMIT is then the latest point where the
 * outcome is known. Returns -1 with ERR only when it could not be sent. */
int fq_db_send(fq_db_t *db, const char *sql, const fq_params_t *p, char *err, size_t errlen);

/* fq_db_send, planned afresh for its parameters as fq_db_run_once is. */
int fq_db_send_once(fq_db_t *db, const char *sql, const fq_params_t *p, char *err, size_t errlen);

/* Run SQL whose parameters are the texts TEXTS[0..NTEXTS) followed by the integers
 * INTS[0..NINTS) — the shape of most inserts. Returns 0 or -1 with ERR. */
int fq_db_exec_values(fq_db_t *db, const char *sql, const char *const *texts, size_t ntexts,
                      const int64_t *ints, size_t nints, char *err, size_t errlen);

/* fq_db_exec_values, sent ahead as fq_db_send does. */
int fq_db_send_values(fq_db_t *db, const char *sql, const char *const *texts, size_t ntexts,
                      const int64_t *ints, size_t nints, char *err, size_t errlen);

/* Transactions. fq_db_begin is sent ahead (fq_db_send). fq_db_commit returns -1 when the
 * outcome is not known to be a commit; the caller must then not acknowledge anything.
 * fq_db_rollback never fails loudly. */
int fq_db_begin(fq_db_t *db, char *err, size_t errlen);
int fq_db_commit(fq_db_t *db, char *err, size_t errlen);
void fq_db_rollback(fq_db_t *db);

/* Drop every statement prepared on the connection, so that each is prepared again on its next
 * use and gets a plan made for the tables as they are then. A generic plan is kept until an
 * ANALYZE of its tables: one made on a table of a page or two scans it, and goes on scanning it
 * when a burst has grown it to 100,000 rows, until autovacuum analyzes it again. Only between
 * transactions; it waits for those sent whole, and does nothing while one is being built or
 * open. Returns 0, or -1 with ERR. */
int fq_db_forget_plans(fq_db_t *db, char *err, size_t errlen);

/* Name of the tier's schema: "community", "street" or "district". */
const char *fq_db_schema(const fq_db_t *db);

/* ---- transactions sent whole ------------------------------------------------------------
 * A transaction whose statements are all sent at once, without waiting for any of them
 * (libpq's pipeline mode), so that the daemon can read and check its next requests while the
 * server runs and commits this one, and the server finds the next one queued when it is done.
 * Its statements run as one implicit transaction: committed at its end, or rolled back whole
 * when one of them fails. Open no explicit transaction (BEGIN) inside it. */

/* At most this many are in flight at once. */
#define FQ_DB_MAX_ASYNC 2

/* The outcome of a transaction sent whole. ERR is NULL when it committed; KEPT is then the
 * result of the statement sent with KEEP (NULL if none), which the callee PQclears. Otherwise
 * ERR says why, KEPT is NULL, and nothing of it is known to be written: no caller may
 * acknowledge it. Called exactly once, from inside whichever db call finishes it (even one made
 * for other work), so it must not use the database itself. */
typedef void (*fq_db_done_fn)(void *arg, PGresult *kept, const char *err);

/* True when a transaction can be started: connected, none being built and fewer than
 * FQ_DB_MAX_ASYNC in flight. */
bool fq_db_async_room(const fq_db_t *db);

/* Add SQL to the transaction being built (starting one if none is). KEEP: its result is the
 * one DONE gets (at most one statement per transaction). Returns -1 with ERR when it could not
 * be sent; the connection is then dropped and the transaction is already lost. */
int fq_db_async_send(fq_db_t *db, const char *sql, const fq_params_t *p, bool keep, char *err,
                     size_t errlen);

/* Add, in place of a statement the caller could not form (a parameter it could not build), one
 * that fails with WHY: the server rolls the transaction back at it, and DONE hears WHY as it
 * hears of any statement that failed. Returns as fq_db_async_send does. The statement is
 * fq_expect (schema/core/0010_expect.sql), which every tier's schema has. */
int fq_db_async_send_failure(fq_db_t *db, const char *why, char *err, size_t errlen);

/* End the transaction being built and send it: DONE(ARG, ...) will tell its outcome. Returns
 * -1 with ERR when it could not be sent (the connection is then dropped and DONE not called). */
int fq_db_async_end(fq_db_t *db, fq_db_done_fn done, void *arg, char *err, size_t errlen);

/* How many are in flight. */
int fq_db_async_in_flight(const fq_db_t *db);

/* The socket to poll for the outcomes while transactions are in flight, else -1. */
int fq_db_async_socket(const fq_db_t *db);

/* Read what the server has sent and finish the transactions whose outcome is in; never
 * waits. */
void fq_db_async_on_readable(fq_db_t *db);

/* Wait for every transaction in flight to finish. Every other db call does this first, so
 * statements never overtake a transaction sent before them. */
void fq_db_async_settle(fq_db_t *db);

#endif
