/* store_list.c - finding cases: filters, paging and the count behind the page. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "triage.h"
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

/* Every state's name, "reported|accepted|...", for the refusal of an unknown one. */
static void state_names(char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int s = FQ_STATE_NONE + 1; s < FQ_STATE_COUNT && used < len; s++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "|" : "",
                                 fq_state_name((fq_state_t)s));
}

/* A filter naming something that does not exist is a mistake, not a question whose answer is
 * "nothing": say so instead of listing no cases. */
static int check_names(const fq_store_t *st, const fq_list_filter_t *f, char *err, size_t errlen)
{
    fq_state_t state;
    char names[200];
    if (or_null(f->state) && fq_state_parse(f->state, &state) < 0) {
        state_names(names, sizeof names);
        snprintf(err, errlen, "unknown state '%s' (expected %s)", f->state, names);
    } else if (or_null(f->track) && !fq_track_valid(f->track))
        snprintf(err, errlen, "unknown track '%s' (expected simple|complex|high_risk|long_term)",
                 f->track);
    else if (or_null(f->category) && !fq_cfg_category(st->cfg, f->category))
        snprintf(err, errlen, "unknown category '%s'; see the deployment's categories",
                 f->category);
    else if (or_null(f->dept) && !fq_cfg_department(st->cfg, f->dept))
        snprintf(err, errlen, "unknown department '%s'; see the deployment's departments",
                 f->dept);
    else if (or_null(f->holder) && !fq_cfg_unit(st->cfg, f->holder))
        snprintf(err, errlen, "unknown unit '%s'; see the deployment's units", f->holder);
    else
        return 0;
    return -1;
}

static int check_filter(const fq_store_t *st, const fq_list_filter_t *f, char *err,
                        size_t errlen)
{
    if (check_names(st, f, err, errlen) < 0)
        return -1;
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
    if (check_filter(st, f, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    fq_store_rc_t rc = count(st, f, total, err, errlen);
    return rc == FQ_STORE_OK ? page(st, f, out, n, err, errlen) : rc;
}
