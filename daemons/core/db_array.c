/* db_array.c - PostgreSQL arrays in the binary format, for set-based writes.
 *
 * The format (array_recv in PostgreSQL's arrayfuncs.c): the number of dimensions, a flag saying
 * whether any element is NULL, the element type's oid, then for each dimension its length and
 * lower bound; then each element as a length (-1 for NULL) and that many bytes, in the element
 * type's own binary form. Every integer is big-endian. */
#include "db_array.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HEADER = 20 }; /* one dimension: ndim, flags, oid, length, lower bound */

/* The oids of the element types (pg_type.dat); they are fixed across PostgreSQL versions. */
static const uint32_t s_oid[] = {
    [FQ_ARR_TEXT] = 25, [FQ_ARR_INT8] = 20, [FQ_ARR_UUID] = 2950,
    [FQ_ARR_BOOL] = 16, [FQ_ARR_BYTEA] = 17,
};

static void put32(unsigned char *at, uint32_t v)
{
    at[0] = (unsigned char)(v >> 24);
    at[1] = (unsigned char)(v >> 16);
    at[2] = (unsigned char)(v >> 8);
    at[3] = (unsigned char)v;
}

static bool reserve(fq_arr_t *a, size_t more)
{
    if (a->failed)
        return false;
    if (a->len + more <= a->cap)
        return true;
    size_t cap = a->cap ? a->cap : 256;
    while (a->len + more > cap)
        cap *= 2;
    unsigned char *grown = realloc(a->buf, cap);
    if (!grown) {
        a->failed = "out of memory";
        return false;
    }
    a->buf = grown;
    a->cap = cap;
    return true;
}

/* Room for an element of TYPE holding LEN bytes, its length written: where the bytes go, or
 * NULL when the array failed. */
static unsigned char *element(fq_arr_t *a, fq_arr_type_t type, size_t len)
{
    if (a->type != FQ_ARR_UNTYPED && a->type != type && !a->failed)
        a->failed = "an array's elements must all be of one type";
    if (!a->failed && (len > INT32_MAX || a->n >= INT32_MAX))
        a->failed = "an array or one of its elements is too large";
    if (!reserve(a, (a->len ? 0 : HEADER) + 4 + len))
        return NULL;
    a->type = type;
    a->len = a->len ? a->len : HEADER;
    put32(a->buf + a->len, (uint32_t)len);
    a->len += 4 + len;
    a->n++;
    return a->buf + a->len - len;
}

static void null_element(fq_arr_t *a, fq_arr_type_t type)
{
    if (element(a, type, 0)) {
        put32(a->buf + a->len - 4, UINT32_MAX); /* the length -1 */
        a->nulls = true;
    }
}

static void copy_element(fq_arr_t *a, fq_arr_type_t type, const void *data, size_t len)
{
    unsigned char *at = element(a, type, len);
    if (at && len)
        memcpy(at, data, len);
}

void fq_arr_text(fq_arr_t *a, const char *value)
{
    if (value)
        copy_element(a, FQ_ARR_TEXT, value, strlen(value));
    else
        null_element(a, FQ_ARR_TEXT);
}

void fq_arr_int(fq_arr_t *a, int64_t value)
{
    unsigned char *at = element(a, FQ_ARR_INT8, 8);
    if (at) {
        put32(at, (uint32_t)((uint64_t)value >> 32));
        put32(at + 4, (uint32_t)value);
    }
}

void fq_arr_bool(fq_arr_t *a, bool value)
{
    unsigned char byte = value ? 1 : 0;
    copy_element(a, FQ_ARR_BOOL, &byte, 1);
}

void fq_arr_bytes(fq_arr_t *a, const void *data, size_t len)
{
    if (data)
        copy_element(a, FQ_ARR_BYTEA, data, len);
    else
        null_element(a, FQ_ARR_BYTEA);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* TEXT as the 16 bytes of a uuid, read as PostgreSQL's uuid_in reads it. */
static bool parse_uuid(const char *text, unsigned char out[16])
{
    const char *s = text;
    bool braced = *s == '{';
    s += braced;
    for (int i = 0; i < 16; i++) {
        int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
        if (lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
        s += 2;
        if (i % 2 == 1 && i < 15 && *s == '-')
            s++;
    }
    if (braced && *s++ != '}')
        return false;
    return *s == '\0';
}

void fq_arr_uuid(fq_arr_t *a, const char *value)
{
    unsigned char bytes[16];
    if (!value) {
        null_element(a, FQ_ARR_UUID);
    } else if (parse_uuid(value, bytes)) {
        copy_element(a, FQ_ARR_UUID, bytes, sizeof bytes);
    } else if (!a->failed) {
        a->failed = "not a uuid";
        snprintf(a->bad, sizeof a->bad, "%s", value);
    }
}

int fq_p_array(fq_params_t *p, fq_arr_t *a, char *err, size_t errlen)
{
    if (a->failed) {
        if (a->bad[0])
            snprintf(err, errlen, "%s: \"%s\"", a->failed, a->bad);
        else
            snprintf(err, errlen, "%s", a->failed);
        return -1;
    }
    if (a->n == 0) {
        fq_p_text(p, "{}");
        return 0;
    }
    put32(a->buf, 1);
    put32(a->buf + 4, a->nulls ? 1 : 0);
    put32(a->buf + 8, s_oid[a->type]);
    put32(a->buf + 12, (uint32_t)a->n);
    put32(a->buf + 16, 1);
    fq_p_bytes(p, a->buf, a->len);
    return 0;
}

void fq_arr_free(fq_arr_t *a)
{
    free(a->buf);
    *a = (fq_arr_t)FQ_ARR_INIT;
}

/* How a set-based write runs: waited for (prepared once, or planned for its values), its
 * rows returned, or sent into a transaction sent whole (its result kept or not). */
typedef enum { A_EXEC, A_ONCE, A_RUN, A_ASYNC, A_ASYNC_KEEP } s_how_t;

/* Fill P with HEAD[0..NHEAD) and then the arrays COLS[0..NCOLS). */
static int array_params(fq_params_t *p, const char *const *head, size_t nhead, fq_arr_t *cols,
                        size_t ncols, char *err, size_t errlen)
{
    for (size_t i = 0; i < nhead; i++)
        fq_p_text(p, head[i]);
    for (size_t c = 0; c < ncols; c++)
        if (fq_p_array(p, &cols[c], err, errlen) < 0)
            return -1;
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
    bool async = how == A_ASYNC || how == A_ASYNC_KEEP;
    if (rc < 0 && async) { /* the transaction being built fails whole, as callers expect */
        free_all(cols, ncols);
        return fq_db_async_send_failure(db, err, err, errlen);
    }
    PGresult *res = NULL;
    if (rc == 0 && how == A_EXEC)
        rc = fq_db_exec(db, sql, &p, err, errlen);
    else if (rc == 0 && async)
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
