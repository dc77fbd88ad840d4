/* db_async.c - transactions sent whole and finished later (see db.h).
 *
 * Each is a run of statements and a sync point on libpq's pipeline; the server commits the
 * implicit transaction at the sync point, or rolls it back whole after a failure and skips
 * what is left of it. The outcomes come back in the order the transactions were sent; they are
 * read without waiting when the socket is readable, or waited for by any other db call. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "db_internal.h"

bool fq_db_async_room(const fq_db_t *db)
{
    return db->conn && !db->building && db->nasync < FQ_DB_MAX_ASYNC;
}

int fq_db_async_in_flight(const fq_db_t *db)
{
    return db->nasync;
}

int fq_db_async_socket(const fq_db_t *db)
{
    return db->conn && db->nasync > 0 ? PQsocket(db->conn) : -1;
}

/* Drop the connection after a failure on it (a failure without a result always does): what is
 * in flight is lost with it. */
static int lost(fq_db_t *db, char *err, size_t errlen)
{
    fq_db_note_failure(db, NULL, err, errlen);
    return -1;
}

/* Prepare SQL in the pipeline, ahead of its first use in T, as the statements waited for are
 * prepared on theirs: parsing and planning a statement costs the server more than running
 * it. *STMT is its name; it stays NULL (run unprepared) when the table of statements or T's
 * record of them is full. */
static int prepare(fq_db_t *db, fq_db_async_t *t, const char *sql, const fq_params_t *p, char *name,
                   size_t len, const char **stmt)
{
    if (db->nprepared == MAX_PREPARED || t->nprepared == FQ_DB_ASYNC_PREPARES)
        return 0;
    snprintf(name, len, "fq%zu", db->nprepared);
    if (PQsendPrepare(db->conn, name, sql, p->n, NULL) != 1)
        return -1;
    t->prepared[t->nprepared++] = db->nprepared;
    db->prepared[db->nprepared++] = sql;
    t->sent++; /* its outcome comes back as a result of its own */
    *stmt = name;
    return 0;
}

int fq_db_async_send(fq_db_t *db, const char *sql, const fq_params_t *p, bool keep, char *err,
                     size_t errlen)
{
    assert(db->owed == 0); /* not inside a transaction of statements waited for */
    if (!db->building && !fq_db_async_room(db)) {
        snprintf(err, errlen,
                 db->conn ? "too many transactions in flight" : "database unavailable");
        return -1;
    }
    if (PQpipelineStatus(db->conn) == PQ_PIPELINE_OFF && PQenterPipelineMode(db->conn) != 1)
        return lost(db, err, errlen);
    fq_db_async_t *t = &db->async[db->nasync];
    if (!db->building)
        *t = (fq_db_async_t){0};
    db->building = true;
    char name[16];
    const char *stmt = p ? fq_db_prepared_as(db, sql, name, sizeof name) : NULL;
    if (p && !stmt && prepare(db, t, sql, p, name, sizeof name, &stmt) < 0)
        return lost(db, err, errlen);
    if (!fq_db_send_query(db, stmt, sql, p))
        return lost(db, err, errlen);
    t->sent++;
    if (keep)
        t->keep = t->sent;
    return 0;
}

int fq_db_async_send_failure(fq_db_t *db, const char *why, char *err, size_t errlen)
{
    char problem[512]; /* WHY may be ERR itself, which a failure to send overwrites */
    snprintf(problem, sizeof problem, "%s", why);
    fq_params_t p = {0};
    fq_p_text(&p, problem);
    return fq_db_async_send(db, "SELECT fq_expect(false, $1)", &p, false, err, errlen);
}

int fq_db_async_end(fq_db_t *db, fq_db_done_fn done, void *arg, char *err, size_t errlen)
{
    assert(db->building);
    fq_db_async_t *t = &db->async[db->nasync];
    t->done = done;
    t->arg = arg;
    if (PQpipelineSync(db->conn) != 1) {
        t->done = NULL; /* the caller hears of it from the return value, not from DONE */
        return lost(db, err, errlen);
    }
    db->building = false;
    db->nasync++;
    return 0;
}

/* Tell the oldest transaction its outcome and move the others up. A statement first prepared
 * in a transaction that failed may not have been (the server skips what follows a failure):
 * its slot is given up, and it is prepared again on its next use. */
static void finish_oldest(fq_db_t *db, const char *why)
{
    char reason[sizeof db->failure + 64];
    if (why) /* it may be db->failure, cleared below */
        snprintf(reason, sizeof reason, "%s", why);
    fq_db_async_t t = db->async[0];
    for (int i = 0; why && i < t.nprepared; i++)
        db->prepared[t.prepared[i]] = NULL;
    PGresult *kept = why ? NULL : db->kept;
    if (why)
        PQclear(db->kept);
    db->kept = NULL;
    db->read = 0;
    db->failure[0] = '\0';
    memmove(&db->async[0], &db->async[1], sizeof db->async - sizeof db->async[0]);
    db->nasync--;
    if (t.done)
        t.done(t.arg, kept, why ? reason : NULL);
    else
        PQclear(kept);
}

void fq_db_async_fail_all(fq_db_t *db, const char *why)
{
    char reason[300];
    snprintf(reason, sizeof reason, "%s; the outcome of what was sent is unknown", why);
    while (db->nasync > 0)
        finish_oldest(db, reason);
    db->building = false;
}

/* Take one result of the oldest transaction. Returns true when it was its sync point. */
static bool take_result(fq_db_t *db, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_PIPELINE_SYNC) {
        PQclear(res);
        bool ok = !db->failure[0] && db->read == db->async[0].sent;
        finish_oldest(db, ok ? NULL : db->failure[0] ? db->failure : "a statement went missing");
        return true;
    }
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (++db->read == db->async[0].keep) {
            db->kept = res;
            return false;
        }
    } else if (!db->failure[0]) { /* the first failure; those after it are the skipped ones */
        snprintf(db->failure, sizeof db->failure, "%s",
                 st == PGRES_PIPELINE_ABORTED ? "aborted" : PQresultErrorMessage(res));
        for (char *c = db->failure; *c; c++)
            if (*c == '\n')
                *c = ' ';
    }
    PQclear(res);
    return false;
}

/* Read results until the transactions in flight are done, or (unless WAIT) until the next
 * result has not arrived. A statement's results end with a NULL; two NULLs in a row mean
 * nothing more is coming (when waiting: the connection is gone). */
static void read_results(fq_db_t *db, bool wait)
{
    int nulls = 0;
    while (db->nasync > 0 && db->conn) {
        if (!wait && PQisBusy(db->conn))
            return;
        PGresult *res = PQgetResult(db->conn);
        if (res) {
            nulls = 0;
            take_result(db, res);
        } else if (++nulls == 2) {
            if (!wait)
                return;
            char err[256];
            lost(db, err, sizeof err);
        }
    }
    if (db->conn && db->nasync == 0 && !db->building && db->owed == 0)
        PQexitPipelineMode(db->conn);
}

void fq_db_async_on_readable(fq_db_t *db)
{
    if (!db->conn || db->nasync == 0)
        return;
    if (PQconsumeInput(db->conn) != 1) {
        char err[256];
        lost(db, err, sizeof err);
        return;
    }
    read_results(db, false);
}

void fq_db_async_settle(fq_db_t *db)
{
    assert(!db->building); /* a transaction is sent whole before anything else runs */
    if (db->nasync > 0)
        read_results(db, true);
}
