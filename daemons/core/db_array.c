/* db_array.c - PostgreSQL array literals for set-based writes. */
#include "db_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(fq_arr_t *a, size_t more)
{
    if (a->failed)
        return false;
    if (a->len + more + 2 <= a->cap) /* room for the closing brace and NUL */
        return true;
    size_t cap = a->cap ? a->cap : 256;
    while (a->len + more + 2 > cap)
        cap *= 2;
    char *grown = realloc(a->buf, cap);
    if (!grown) {
        a->failed = true;
        return false;
    }
    a->buf = grown;
    a->cap = cap;
    return true;
}

static void put(fq_arr_t *a, char c)
{
    a->buf[a->len++] = c;
}

/* The separator before an element: the opening brace before the first. */
static void open_element(fq_arr_t *a)
{
    put(a, a->n++ == 0 ? '{' : ',');
}

void fq_arr_text(fq_arr_t *a, const char *value)
{
    if (!value) {
        if (reserve(a, 5)) {
            open_element(a);
            memcpy(a->buf + a->len, "NULL", 4);
            a->len += 4;
        }
        return;
    }
    /* quoted, with '"' and '\' escaped: at most twice the length plus the quotes */
    size_t len = strlen(value);
    if (!reserve(a, 2 * len + 3))
        return;
    open_element(a);
    put(a, '"');
    for (size_t i = 0; i < len; i++) {
        if (value[i] == '"' || value[i] == '\\')
            put(a, '\\');
        put(a, value[i]);
    }
    put(a, '"');
}

void fq_arr_int(fq_arr_t *a, int64_t value)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%lld", (long long)value);
    if (!reserve(a, (size_t)n + 1))
        return;
    open_element(a);
    memcpy(a->buf + a->len, text, (size_t)n);
    a->len += (size_t)n;
}

void fq_arr_hex(fq_arr_t *a, const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *bytes = data;
    if (!reserve(a, 2 * len + 3))
        return;
    open_element(a);
    put(a, '"'); /* quoted, so that no bytes at all still make an element */
    for (size_t i = 0; i < len; i++) {
        put(a, digits[bytes[i] >> 4]);
        put(a, digits[bytes[i] & 15]);
    }
    put(a, '"');
}

const char *fq_arr_value(fq_arr_t *a)
{
    if (!reserve(a, 1))
        return NULL;
    /* the empty array is "{}"; LEN stays 0 then, so a later append starts afresh */
    size_t end = a->n ? a->len : 1;
    a->buf[0] = a->n ? a->buf[0] : '{';
    a->buf[end] = '}';
    a->buf[end + 1] = '\0';
    return a->buf;
}

void fq_arr_free(fq_arr_t *a)
{
    free(a->buf);
    *a = (fq_arr_t)FQ_ARR_INIT;
}

/* How a set-based write runs: waited for (prepared once, or planned for its values), its
 * rows returned, or sent into a transaction sent whole (its result kept or not). */
typedef enum { A_EXEC, A_ONCE, A_RUN, A_ASYNC, A_ASYNC_KEEP } s_how_t;

/* Fill P with HEAD[0..NHEAD) and then the literals of COLS[0..NCOLS). */
static int array_params(fq_params_t *p, const char *const *head, size_t nhead, fq_arr_t *cols,
                        size_t ncols, char *err, size_t errlen)
{
    for (size_t i = 0; i < nhead; i++)
        fq_p_text(p, head[i]);
    for (size_t c = 0; c < ncols; c++) {
        const char *value = fq_arr_value(&cols[c]);
        if (!value) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        fq_p_text(p, value);
    }
    return 0;
}

static void free_all(fq_arr_t *cols, size_t ncols)
{
    for (size_t c = 0; c < ncols; c++)
        fq_arr_free(&cols[c]);
}

/* Run or send SQL over the arrays as HOW says, and free them; *OUT gets the rows for A_RUN.
 * Nothing runs when the first array holds no element. */
static int arrays(fq_db_t *db, s_how_t how, const char *sql, const char *const *head, size_t nhead,
                  fq_arr_t *cols, size_t ncols, PGresult **out, char *err, size_t errlen)
{
    fq_params_t p = {0};
    if (ncols == 0 || cols[0].n == 0) {
        snprintf(err, errlen, "no rows");
        free_all(cols, ncols);
        return 0;
    }
    int rc = array_params(&p, head, nhead, cols, ncols, err, errlen);
    PGresult *res = NULL;
    if (rc == 0 && how == A_EXEC)
        rc = fq_db_exec(db, sql, &p, err, errlen);
    else if (rc == 0 && (how == A_ASYNC || how == A_ASYNC_KEEP))
        rc = fq_db_async_send(db, sql, &p, how == A_ASYNC_KEEP, err, errlen);
    else if (rc == 0) {
        res = how == A_ONCE ? fq_db_run_once(db, sql, &p, err, errlen)
                            : fq_db_run(db, sql, &p, err, errlen);
        rc = res ? 0 : -1;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    free_all(cols, ncols);
    return rc;
}

int fq_db_exec_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                      fq_arr_t *cols, size_t ncols, char *err, size_t errlen)
{
    return arrays(db, A_EXEC, sql, head, nhead, cols, ncols, NULL, err, errlen);
}

int fq_db_exec_arrays_once(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                           fq_arr_t *cols, size_t ncols, char *err, size_t errlen)
{
    return arrays(db, A_ONCE, sql, head, nhead, cols, ncols, NULL, err, errlen);
}

PGresult *fq_db_run_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                           fq_arr_t *cols, size_t ncols, char *err, size_t errlen)
{
    PGresult *res = NULL;
    arrays(db, A_RUN, sql, head, nhead, cols, ncols, &res, err, errlen);
    return res;
}

int fq_db_async_send_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                            fq_arr_t *cols, size_t ncols, bool keep, char *err, size_t errlen)
{
    return arrays(db, keep ? A_ASYNC_KEEP : A_ASYNC, sql, head, nhead, cols, ncols, NULL, err,
                  errlen);
}
