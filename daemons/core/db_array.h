/* db_array.h - a PostgreSQL array literal built in memory, passed as ONE query parameter.
 *
 * Set-based writes send a column of many rows as one text[] / int8[] / uuid[] parameter and
 * unnest it in SQL ("INSERT ... SELECT ... FROM unnest($1::text[], $2::int8[])"), so a batch
 * of N rows costs one statement, not N. The values are escaped here and travel as parameter
 * data; no SQL is built from them.
 *
 * Prepared statements that look cases up by a list, or write one history entry per case, read
 * (one of) their arrays through a scalar subquery: "unnest((SELECT $1::uuid[]), ...)", or
 * "= ANY((SELECT $1::uuid[])::uuid[])" (the cast keeps ANY from taking the subquery for a set of
 * rows). Then no plan sees how long the list is. PostgreSQL plans a prepared statement for its
 * values five times, then keeps the generic plan only if it costs no more than those did; a
 * plan that saw a list of one or two rows always looked cheaper than the generic plan's guess,
 * so every run of these statements was planned again: at a light load, for longer than it ran.
 * Their generic plans are right at any table size: each probes an index that begins with the
 * case.
 */
#ifndef FQ_DB_ARRAY_H
#define FQ_DB_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

typedef struct fq_arr {
    char *buf;   /* "{elem,elem" while building, "{...}" after fq_arr_text_value */
    size_t len, cap;
    size_t n;    /* elements appended */
    bool failed; /* out of memory: fq_arr_value returns NULL */
} fq_arr_t;

#define FQ_ARR_INIT {NULL, 0, 0, 0, false}

/* Append one element; a NULL string is SQL NULL. */
void fq_arr_text(fq_arr_t *a, const char *value);
void fq_arr_int(fq_arr_t *a, int64_t value);

/* Append LEN bytes of DATA as one element in hex, for a text[] read with decode(x, 'hex'). */
void fq_arr_hex(fq_arr_t *a, const void *data, size_t len);

/* The finished literal, owned by A (valid until fq_arr_free or the next append); NULL when
 * memory ran out on the way. */
const char *fq_arr_value(fq_arr_t *a);

void fq_arr_free(fq_arr_t *a);

/* Run SQL with the texts HEAD[0..NHEAD) as $1.. and then the arrays COLS[0..NCOLS), one
 * parameter each, as one set-based write; frees the arrays either way. Nothing runs when the
 * first array holds no element. Returns 0, or -1 with ERR. */
int fq_db_exec_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                      fq_arr_t *cols, size_t ncols, char *err, size_t errlen);

/* fq_db_exec_arrays planned for its values each time (fq_db_run_once): for a write that joins
 * the arrays to a table, whose plan made while the table was young would scan it. */
int fq_db_exec_arrays_once(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                           fq_arr_t *cols, size_t ncols, char *err, size_t errlen);

/* fq_db_exec_arrays returning its rows (the caller PQclears them); NULL with ERR on failure,
 * and NULL with ERR "no rows" when the first array holds no element. */
PGresult *fq_db_run_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                           fq_arr_t *cols, size_t ncols, char *err, size_t errlen);

/* fq_db_exec_arrays sent into the transaction being built (fq_db_async_send); nothing is sent
 * when the first array holds no element. */
int fq_db_async_send_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                            fq_arr_t *cols, size_t ncols, bool keep, char *err, size_t errlen);

#endif
