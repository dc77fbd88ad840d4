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
 * "fengqiao UNIT" in pg_stat_activity); NULL on allocation failure. */
fq_db_t *fq_db_new(const char *conninfo, fq_tier_t tier, const char *unit);
void fq_db_destroy(fq_db_t **self_p);

/* Connect, set the search path to the tier's schema and apply pending migrations. Returns 0,
 * or -1 with the reason in ERR (the handle stays usable for another try). */
int fq_db_connect(fq_db_t *db, char *err, size_t errlen);
bool fq_db_connected(const fq_db_t *db);

/* Run SQL with parameters P (may be NULL). SQL must be a string constant: with parameters it
 * is prepared once per connection, keyed by its address. Returns the result (caller PQclears it) when its
 * status is PGRES_COMMAND_OK or PGRES_TUPLES_OK; otherwise NULL with the reason in ERR. A lost
 * connection is noticed here and makes fq_db_connected() false. */
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

/* Name of the tier's schema: "community", "street" or "district". */
const char *fq_db_schema(const fq_db_t *db);

#endif
