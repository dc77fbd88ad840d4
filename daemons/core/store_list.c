/* store_list.c - finding cases: filters, paging and the count behind the page. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "pb.h"

/* One WHERE clause for every filter; a NULL parameter switches its condition off. Days are
 * China Standard Time: a day starts at 00:00 +08:00. */
#define LIST_WHERE                                                                                 \
    " FROM cases c WHERE unit = $1"                                                                \
    " AND ($2::text IS NULL OR state = $2)"                                                        \
    " AND ($3::text IS NULL OR track = $3)"                                                        \
    " AND ($4::text IS NULL OR category = $4)"                                                     \
    " AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM case_departments d WHERE d.unit = c.unit"     \
    "      AND d.uuid = c.uuid AND d.dept = $5))"                                                  \
    " AND ($6::text IS NULL OR holder = $6)"                                                       \
    " AND ($7::date IS NULL OR created_at >= $7::date::timestamp AT TIME ZONE INTERVAL '+08:00')"  \
    " AND ($8::date IS NULL OR created_at < ($8::date + 1)::timestamp AT TIME ZONE"                \
    "      INTERVAL '+08:00')"                                                                     \
    " AND (NOT $9::boolean OR (deadline IS NOT NULL AND deadline < to_timestamp($10 / 1000.0)"     \
    "      AND state NOT IN ('resolved', 'closed', 'withdrawn')))"

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static int check_filter(const fq_list_filter_t *f, char *err, size_t errlen)
{
    const char *days[] = {or_null(f->from_day), or_null(f->to_day)};
    for (int i = 0; i < 2; i++)
        if (days[i] && fq_cal_parse_day(days[i]) < 0) {
            snprintf(err, errlen, "'%s' is not a day; write YYYY-MM-DD", days[i]);
            return -1;
        }
    return 0;
}

static void filter_params(const fq_store_t *st, const fq_list_filter_t *f, fq_params_t *p)
{
    fq_p_text(p, st->self->code);
    const char *texts[] = {f->state,  f->track,    f->category, f->dept,
                           f->holder, f->from_day, f->to_day};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        fq_p_text(p, or_null(texts[i]));
    fq_p_text(p, f->overdue ? "true" : "false");
    fq_p_int(p, st->now_ms);
}

static fq_store_rc_t count(const fq_store_t *st, const fq_list_filter_t *f, unsigned *total,
                           char *err, size_t errlen)
{
    fq_params_t p = {0};
    filter_params(st, f, &p);
    PGresult *res = fq_db_run(st->db, "SELECT count(*)" LIST_WHERE, &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    *total = (unsigned)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return FQ_STORE_OK;
}

static fq_store_rc_t page(const fq_store_t *st, const fq_list_filter_t *f, Fq__Case ***out,
                          size_t *n, char *err, size_t errlen)
{
    fq_params_t p = {0};
    filter_params(st, f, &p);
    fq_p_int(&p, f->limit ? f->limit : 100);
    fq_p_int(&p, f->offset);
    PGresult *res = fq_db_run(st->db,
                              "SELECT " FQ_CASE_COLUMNS LIST_WHERE
                              " ORDER BY created_at DESC, case_no DESC LIMIT $11 OFFSET $12",
                              &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    size_t rows = (size_t)PQntuples(res);
    *out = calloc(rows ? rows : 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; *out && i < rows; i++) {
        Fq__Case *c = fq_store_row_to_case(res, (int)i);
        if (!c)
            break;
        (*out)[(*n)++] = c;
    }
    PQclear(res);
    if (!*out || *n != rows) {
        fq_pb_cases_free(*out, *n);
        *out = NULL;
        *n = 0;
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    return FQ_STORE_OK;
}

fq_store_rc_t fq_store_list(const fq_store_t *st, const fq_list_filter_t *f, Fq__Case ***out,
                            size_t *n, unsigned *total, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (check_filter(f, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    fq_store_rc_t rc = count(st, f, total, err, errlen);
    return rc == FQ_STORE_OK ? page(st, f, out, n, err, errlen) : rc;
}
