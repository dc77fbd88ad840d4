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

/* fq_db_exec_arrays, prepared once or (ONCE) planned for these values. */
static int exec_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                       fq_arr_t *cols, size_t ncols, bool once, char *err, size_t errlen)
{
    int rc = 0;
    if (ncols > 0 && cols[0].n > 0) {
        fq_params_t p = {0};
        for (size_t i = 0; i < nhead; i++)
            fq_p_text(&p, head[i]);
        for (size_t c = 0; rc == 0 && c < ncols; c++) {
            const char *value = fq_arr_value(&cols[c]);
            if (!value) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            }
            fq_p_text(&p, value);
        }
        if (rc == 0 && once) {
            PGresult *res = fq_db_run_once(db, sql, &p, err, errlen);
            rc = res ? 0 : -1;
            PQclear(res);
        } else if (rc == 0)
            rc = fq_db_exec(db, sql, &p, err, errlen);
    }
    for (size_t c = 0; c < ncols; c++)
        fq_arr_free(&cols[c]);
    return rc;
}

int fq_db_exec_arrays(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                      fq_arr_t *cols, size_t ncols, char *err, size_t errlen)
{
    return exec_arrays(db, sql, head, nhead, cols, ncols, false, err, errlen);
}

int fq_db_exec_arrays_once(fq_db_t *db, const char *sql, const char *const *head, size_t nhead,
                           fq_arr_t *cols, size_t ncols, char *err, size_t errlen)
{
    return exec_arrays(db, sql, head, nhead, cols, ncols, true, err, errlen);
}
