/* store_list.c - finding cases: filters, paging and the count behind the page. */
#include "store_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "triage.h"
#include "pb.h"
#include "text.h"

/* The query is written with the conditions of the filters given and no others. (One statement
 * for all, with "$2::text IS NULL OR state = $2" for each filter, kept a plan that could pick
 * no rows through an index: every list and its count read all of the unit's cases.) Each
 * condition is a fixed fragment around its parameter's number; values only ever travel as
 * parameters. Days are China Standard Time: a day starts at 00:00 +08:00. */
typedef struct {
    const char *before; /* the condition up to "$n" */
    const char *after;  /* and after it */
} cond_t;

static const cond_t s_state = {" AND state = $", ""};
static const cond_t s_track = {" AND track = $", ""};
static const cond_t s_category = {" AND category = $", ""};
static const cond_t s_dept = {" AND EXISTS (SELECT 1 FROM case_departments d"
                              " WHERE d.unit = c.unit AND d.uuid = c.uuid AND d.dept = $",
                              ")"};
static const cond_t s_holder = {" AND holder = $", ""};
static const cond_t s_from = {" AND created_at >= $",
                              "::date::timestamp AT TIME ZONE INTERVAL '+08:00'"};
static const cond_t s_to = {" AND created_at < ($",
                            "::date + 1)::timestamp AT TIME ZONE INTERVAL '+08:00'"};
static const cond_t s_overdue = {" AND deadline IS NOT NULL AND deadline < to_timestamp($",
                                 " / 1000.0) AND state NOT IN ('resolved', 'closed', 'withdrawn')"};

/* Longer than the head of a page, every condition and the tail together. */
#define LIST_SQL_MAX 2048

/* A statement being written and its parameters, numbered in the order they are added. */
typedef struct {
    char sql[LIST_SQL_MAX];
    size_t len;
    fq_params_t p;
} query_t;

static void put(query_t *q, const char *text)
{
    int n = snprintf(q->sql + q->len, sizeof q->sql - q->len, "%s", text);
    assert(n >= 0 && (size_t)n < sizeof q->sql - q->len); /* see LIST_SQL_MAX */
    q->len += (size_t)n;
}

/* Condition C around the number of the parameter added last. */
static void put_cond(query_t *q, const cond_t *c)
{
    int n =
        snprintf(q->sql + q->len, sizeof q->sql - q->len, "%s%d%s", c->before, q->p.n, c->after);
    assert(n >= 0 && (size_t)n < sizeof q->sql - q->len);
    q->len += (size_t)n;
}

/* VALUE's condition, when VALUE is given. */
static void add_text(query_t *q, const cond_t *c, const char *value)
{
    if (!value)
        return;
    fq_p_text(&q->p, value);
    put_cond(q, c);
}

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
    /* One line each before a refusal repeats them. */
    const fq_text_field_t text[] = {
        {.name = "state", .value = f->state, .max = FQ_TEXT_CODE},
        {.name = "track", .value = f->track, .max = FQ_TEXT_CODE},
        {.name = "category", .value = f->category, .max = FQ_TEXT_CODE},
        {.name = "dept", .value = f->dept, .max = FQ_TEXT_CODE},
        {.name = "unit", .value = f->holder, .max = FQ_TEXT_CODE},
        {.name = "from", .value = f->from_day, .max = FQ_TEXT_CODE},
        {.name = "to", .value = f->to_day, .max = FQ_TEXT_CODE},
    };
    if (fq_text_check_all(text, sizeof text / sizeof text[0], err, errlen) < 0 ||
        check_names(st, f, err, errlen) < 0)
        return -1;
    const char *days[] = {or_null(f->from_day), or_null(f->to_day)};
    for (int i = 0; i < 2; i++)
        if (days[i] && fq_cal_parse_day(days[i]) < 0) {
            snprintf(err, errlen, "'%s' is not a day; write YYYY-MM-DD", days[i]);
            return -1;
        }
    return 0;
}

/* HEAD, then this unit's cases that match F, into Q. */
static void query_where(query_t *q, const fq_store_t *st, const fq_list_filter_t *f,
                        const char *head)
{
    static const cond_t unit = {" FROM cases c WHERE unit = $", ""};
    put(q, head);
    add_text(q, &unit, st->self->code);
    add_text(q, &s_state, or_null(f->state));
    add_text(q, &s_track, or_null(f->track));
    add_text(q, &s_category, or_null(f->category));
    add_text(q, &s_dept, or_null(f->dept));
    add_text(q, &s_holder, or_null(f->holder));
    add_text(q, &s_from, or_null(f->from_day));
    add_text(q, &s_to, or_null(f->to_day));
    if (f->overdue) {
        fq_p_int(&q->p, st->now_ms);
        put_cond(q, &s_overdue);
    }
}

/* The text differs with the filters given: up to 2^8 statements each for the count and the
 * page. db.c prepares a statement once per string constant, by its address, in a table of 160
 * shared with the daemon's other statements; a text written into a buffer has no address of
 * its own, and 512 would not fit. So these are planned afresh for their values
 * (fq_db_run_once), which also lets the planner see how common the state asked for is: a
 * common one is found walking the newest days, a rare one through its index. */
static fq_store_rc_t count(const fq_store_t *st, const fq_list_filter_t *f, unsigned *total,
                           char *err, size_t errlen)
{
    query_t q = {0};
    query_where(&q, st, f, "SELECT count(*)");
    PGresult *res = fq_db_run_once(st->db, q.sql, &q.p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    *total = (unsigned)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return FQ_STORE_OK;
}

/* Which rows a page reads: LIMIT and OFFSET, newest first or oldest first. */
typedef struct {
    unsigned limit;
    unsigned offset;
    bool oldest_first;
} span_t;

/* A page past the middle of TOTAL is counted from the oldest end and turned around afterwards:
 * the oldest 1000 of 60,000 are then the first 1000 read from the index, not the last of
 * 60,000 (an OFFSET walks every row it skips). */
static span_t page_span(const fq_list_filter_t *f, unsigned total)
{
    span_t s = {f->limit ? f->limit : 100, f->offset, false};
    if (s.offset <= total / 2 || s.offset >= total)
        return s;
    unsigned end = s.limit >= total - s.offset ? total : s.offset + s.limit;
    return (span_t){end - s.offset, total - end, true};
}

static const char *const s_order[] = {
    [false] = " ORDER BY created_at DESC, case_no DESC LIMIT $",
    [true] = " ORDER BY created_at, case_no LIMIT $",
};

static fq_store_rc_t page(const fq_store_t *st, const fq_list_filter_t *f, unsigned total,
                          Fq__Case ***out, size_t *n, char *err, size_t errlen)
{
    span_t span = page_span(f, total);
    const cond_t limit = {s_order[span.oldest_first], ""}, offset = {" OFFSET $", ""};
    query_t q = {0};
    query_where(&q, st, f, "SELECT " FQ_CASE_COLUMNS);
    fq_p_int(&q.p, span.limit);
    put_cond(&q, &limit);
    fq_p_int(&q.p, span.offset);
    put_cond(&q, &offset);
    PGresult *res = fq_db_run_once(st->db, q.sql, &q.p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    size_t rows = (size_t)PQntuples(res);
    *out = calloc(rows ? rows : 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; *out && i < rows; i++) {
        Fq__Case *c = fq_store_row_to_case(res, (int)(span.oldest_first ? rows - 1 - i : i));
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
    return rc == FQ_STORE_OK ? page(st, f, *total, out, n, err, errlen) : rc;
}
