/* db_array.h - a PostgreSQL array built in memory, passed as ONE query parameter.
 *
 * Set-based writes send a column of many rows as one text[] / int8[] / uuid[] parameter and
 * unnest it in SQL ("INSERT ... SELECT ... FROM unnest($1::text[], $2::int8[])"), so a batch
 * of N rows costs one statement, not N. The values travel as parameter data; no SQL is built
 * from them.
 *
 * The arrays go in PostgreSQL's binary format. A text literal ("{...}") makes the server parse
 * every element: a uuid, an integer or a quoted string costs it 0.2-0.7 us, and a run of 256
 * copies carries some 20,000 elements, about a fifth of what the street's backend spends per
 * case in a drain. In binary an element is a length and its bytes, copied as they are. The
 * element type is part of the format, and the server refuses an array whose elements are not of
 * the type its SQL casts it to: each append below says its type, and a column's appends must
 * all be of the type its "$N::type[]" names.
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

/* The element type of an array: set by its first append. */
typedef enum {
    FQ_ARR_UNTYPED = 0,
    FQ_ARR_TEXT,
    FQ_ARR_INT8,
    FQ_ARR_UUID,
    FQ_ARR_BOOL,
    FQ_ARR_BYTEA
} fq_arr_type_t;

typedef struct fq_arr {
    unsigned char *buf; /* the header's room, then each element: its length and its bytes */
    size_t len, cap;
    size_t n;           /* elements appended */
    fq_arr_type_t type;
    bool nulls;         /* some element is NULL */
    const char *failed; /* why the array cannot be sent (static text); NULL while it can */
    char bad[48];       /* the start of a value that was not of the type, for the message */
} fq_arr_t;

/* All zeros, so "fq_arr_t cols[N] = {0}" is N empty arrays too. */
#define FQ_ARR_INIT {0}

/* Append one element; a NULL string or DATA is SQL NULL. */
void fq_arr_text(fq_arr_t *a, const char *value);
void fq_arr_int(fq_arr_t *a, int64_t value);
void fq_arr_bool(fq_arr_t *a, bool value);
void fq_arr_bytes(fq_arr_t *a, const void *data, size_t len);

/* A uuid in any form PostgreSQL reads (hex digits, a hyphen after any group of four, braces
 * around); anything else fails the array, which then is not sent. */
void fq_arr_uuid(fq_arr_t *a, const char *value);

/* Add A to P as one parameter, borrowed until the query has run (A is finished: append no
 * more). An empty array goes as the literal "{}", which fits any array type. Returns 0, or -1
 * with ERR when A failed (out of memory, a value not of its type, elements of two types). */
int fq_p_array(fq_params_t *p, fq_arr_t *a, char *err, size_t errlen);

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
 * when the first array holds no element. An array that cannot be sent (fq_p_array) fails the
 * transaction at the server in the statement's place (fq_db_async_send_failure). */
int fq_db_async_send_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                            fq_arr_t *cols, size_t ncols, bool keep, char *err, size_t errlen);

#endif
