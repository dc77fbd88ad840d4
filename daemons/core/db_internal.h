/* db_internal.h - the connection handle, shared by db.c (statements waited for) and
 * db_async.c (transactions sent whole and finished later); nothing outside them needs it. */
#ifndef FQ_DB_INTERNAL_H
#define FQ_DB_INTERNAL_H

#include "db.h"

#define MAX_PREPARED 160       /* distinct statements a daemon runs; beyond this, unprepared */
#define FQ_DB_ASYNC_PREPARES 8 /* statements one transaction sent whole may prepare */

/* A transaction sent whole (fq_db_async_*): its statements, the one whose result its caller
 * wants, and whom to tell of its outcome. */
typedef struct {
    int sent; /* statements in it, and statements prepared in it */
    int keep; /* 1-based index of the statement whose result DONE gets; 0: none */
    fq_db_done_fn done;
    void *arg;
    size_t prepared[FQ_DB_ASYNC_PREPARES]; /* slots of db->prepared first filled in it */
    int nprepared;
} fq_db_async_t;

struct fq_db {
    char *conninfo;
    char *role; /* the user to connect as; NULL = CONNINFO's */
    fq_tier_t tier;
    char app_name[64]; /* "fengqiao UNIT": pg_stat_activity tells whose connection it is */
    PGconn *conn;
    /* statements prepared on this connection, by address; NULL: a slot given up */
    const char *prepared[MAX_PREPARED];
    size_t nprepared;
    int owed; /* statements sent ahead (fq_db_send) whose outcome is not read yet */

    /* Sent whole, oldest first, and the one being built after them (async[nasync]). */
    fq_db_async_t async[FQ_DB_MAX_ASYNC + 1];
    int nasync;
    bool building;
    /* Reading the oldest: results read, the kept one, the first failure. */
    int read;
    PGresult *kept;
    char failure[256];
};

/* Record why the last call failed in ERR; a broken connection is dropped (fq_db_connected
 * turns false) and what was in flight on it fails. RES is the failed result, or NULL. */
void fq_db_note_failure(fq_db_t *db, const PGresult *res, char *err, size_t errlen);

/* The server-side name of SQL when it is already prepared on this connection, else NULL. */
const char *fq_db_prepared_as(const fq_db_t *db, const char *sql, char *name, size_t len);

/* Queue SQL on the pipeline: as the prepared statement STMT when given, else with its text. */
bool fq_db_send_query(fq_db_t *db, const char *stmt, const char *sql, const fq_params_t *p);

/* Tell every transaction in flight (and the one being built) that it failed with WHY, and
 * forget them: the connection they were on is gone. */
void fq_db_async_fail_all(fq_db_t *db, const char *why);

#endif
