/* stats.c - statistics (分析研判) from the case file: a unit's own figures per day, per-unit
 * totals with what the units below reported, and the summary over a period.
 *
 * A case counts at the unit that took it in (origin_unit): only that unit's copy is read, so the
 * copies the tiers above keep of an escalated case are never counted twice. Days are China
 * Standard Time. */
#include "stats_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* $1 unit, $2/$3 the period as unix ms [start, end). Days are China Standard Time (+08:00). */
static const char s_received_sql[] =
    "SELECT to_char(created_at AT TIME ZONE INTERVAL '+08:00', 'YYYYMMDD')::int,"
    " category, track, source, count(*) FROM cases"
    " WHERE unit = $1 AND origin_unit = $1 AND created_at >= to_timestamp($2::int8 / 1000.0)"
    " AND created_at < to_timestamp($3::int8 / 1000.0) GROUP BY 1, 2, 3, 4";

/* Each case's first resolution and first closing; the row when either falls in the period.
 * The cases are found through the resolutions and closings in the period (the partial index
 * case_events_outcome, migration 0014), so the cost follows the period, not the whole history;
 * each is then looked up by its case (LATERAL, fenced, so no plan reads a whole table to join
 * them) for its first resolution and closing ever, which may fall before the period. */
static const char s_outcome_sql[] =
    "SELECT floor(extract(epoch FROM c.created_at) * 1000)::int8,"
    " CASE WHEN coalesce(c.resolved_on_time, true) THEN 1 ELSE 0 END, r.resolved_ms,"
    " r.closed_ms"
    " FROM (SELECT DISTINCT uuid FROM case_events WHERE unit = $1"
    "   AND to_state IN ('resolved', 'closed') AND at_ms >= $2::int8 AND at_ms < $3::int8) p"
    " CROSS JOIN LATERAL (SELECT c.created_at, c.resolved_on_time FROM cases c"
    "   WHERE c.unit = $1 AND c.uuid = p.uuid AND c.origin_unit = $1 OFFSET 0) c"
    " CROSS JOIN LATERAL (SELECT"
    "   min(e.at_ms) FILTER (WHERE e.to_state = 'resolved') AS resolved_ms,"
    "   min(e.at_ms) FILTER (WHERE e.to_state = 'closed') AS closed_ms"
    "   FROM case_events e WHERE e.unit = $1 AND e.uuid = p.uuid"
    "   AND e.to_state IN ('resolved', 'closed')) r"
    " WHERE r.resolved_ms >= $2::int8 AND r.resolved_ms < $3::int8"
    "  OR r.closed_ms >= $2::int8 AND r.closed_ms < $3::int8";

/* Answers that count: given, and not found unreasonable on review. */
static const char s_feedback_sql[] =
    "SELECT to_char(to_timestamp(f.at_ms / 1000.0) AT TIME ZONE INTERVAL '+08:00',"
    " 'YYYYMMDD')::int, count(*),"
    " count(*) FILTER (WHERE f.answer IN ('satisfied', 'basically_satisfied'))"
    " FROM feedback f JOIN cases c ON c.unit = f.unit AND c.uuid = f.uuid"
    " WHERE f.unit = $1 AND c.origin_unit = $1 AND f.answer <> '' AND NOT f.unreasonable"
    " AND f.at_ms >= $2::int8 AND f.at_ms < $3::int8 GROUP BY 1";

static const char s_reported_sql[] =
    "SELECT src_unit, figures FROM stats_reported"
    " WHERE unit = $1 AND day BETWEEN $2::int AND $3::int AND src_unit <> $1"
    " ORDER BY src_unit, day";

/* The days of the period [START, END) (unix ms) being filled, each created on first use. */
typedef struct {
    const char *unit;
    int64_t start, end;
    Fq__DayFigures **days;
    size_t n;
} s_days_t;

static Fq__DayFigures *day_get(s_days_t *t, int day)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->days[i]->day == day)
            return t->days[i];
    Fq__DayFigures **grown = realloc(t->days, (t->n + 1) * sizeof *t->days);
    if (!grown)
        return NULL;
    t->days = grown;
    Fq__DayFigures *d = fq_figures_new(t->unit, day);
    if (d)
        t->days[t->n++] = d;
    return d;
}

static int64_t col_int(const PGresult *res, int row, int c)
{
    return PQgetisnull(res, row, c) ? 0 : strtoll(PQgetvalue(res, row, c), NULL, 10);
}

/* Run SQL with (unit, start, end) and hand each row to ADD; -1 on a database error, -2 when
 * out of memory. */
static int each_row(const fq_store_t *st, const char *sql,
                    int (*add)(const fq_store_t *, s_days_t *, const PGresult *, int), s_days_t *t,
                    char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_int(&p, t->start);
    fq_p_int(&p, t->end);
    PGresult *res = fq_db_run(st->db, sql, &p, err, errlen);
    if (!res)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        rc = add(st, t, res, i);
    PQclear(res);
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    return rc < 0 ? -2 : 0;
}

static int add_received(const fq_store_t *st, s_days_t *t, const PGresult *res, int row)
{
    Fq__DayFigures *d = day_get(t, (int)col_int(res, row, 0));
    uint32_t k = (uint32_t)col_int(res, row, 4);
    if (!d)
        return -1;
    d->received += k;
    if (fq_figures_count(&d->by_category, &d->n_by_category, PQgetvalue(res, row, 1), k) < 0 ||
        fq_figures_count(&d->by_track, &d->n_by_track, PQgetvalue(res, row, 2), k) < 0 ||
        fq_figures_count(&d->by_source, &d->n_by_source, PQgetvalue(res, row, 3), k) < 0)
        return -1;
    return 0;
}

/* Does WHEN (0: never) fall in the period? */
static bool in_span(const s_days_t *t, int64_t when)
{
    return when > 0 && when >= t->start && when < t->end;
}

static int add_outcome(const fq_store_t *st, s_days_t *t, const PGresult *res, int row)
{
    int64_t created = col_int(res, row, 0), on_time = col_int(res, row, 1);
    int64_t resolved = col_int(res, row, 2), closed = col_int(res, row, 3);
    if (in_span(t, resolved)) {
        Fq__DayFigures *d = day_get(t, fq_cal_day_of(resolved));
        if (!d)
            return -1;
        d->resolved++;
        d->on_time += on_time != 0; /* judged against the deadline it had when resolved */
        d->wd_sum += (uint32_t)fq_cal_working_days_between(&st->cfg->calendar, created, resolved);
    }
    if (in_span(t, closed)) {
        Fq__DayFigures *d = day_get(t, fq_cal_day_of(closed));
        if (!d)
            return -1;
        d->closed++;
    }
    return 0;
}

static int add_feedback(const fq_store_t *st, s_days_t *t, const PGresult *res, int row)
{
    Fq__DayFigures *d = day_get(t, (int)col_int(res, row, 0));
    if (!d)
        return -1;
    d->answered += (uint32_t)col_int(res, row, 1);
    d->satisfied += (uint32_t)col_int(res, row, 2);
    return 0;
}

static int by_day(const void *a, const void *b)
{
    int x = (*(Fq__DayFigures *const *)a)->day, y = (*(Fq__DayFigures *const *)b)->day;
    return (x > y) - (x < y);
}

static fq_store_rc_t check_period(int from_day, int to_day, char *err, size_t errlen)
{
    if (fq_stats_day_valid(from_day) && fq_stats_day_valid(to_day) && from_day <= to_day)
        return FQ_STORE_OK;
    snprintf(err, errlen, "%d..%d is not a period of days (YYYYMMDD, first day first)", from_day,
             to_day);
    return FQ_STORE_REFUSED;
}

fq_store_rc_t fq_stats_own_days(const fq_store_t *st, int from_day, int to_day,
                                Fq__DayFigures ***out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    fq_store_rc_t rc = check_period(from_day, to_day, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    s_days_t t = {.unit = st->self->code,
                  .start = fq_cal_at(from_day, 0),
                  .end = fq_cal_at(fq_cal_next_day(to_day), 0)};
    int ok = each_row(st, s_received_sql, add_received, &t, err, errlen);
    if (ok == 0)
        ok = each_row(st, s_outcome_sql, add_outcome, &t, err, errlen);
    if (ok == 0)
        ok = each_row(st, s_feedback_sql, add_feedback, &t, err, errlen);
    if (ok < 0) {
        fq_stats_days_free(t.days, t.n);
        return FQ_STORE_DBERR;
    }
    for (size_t i = 0; i < t.n; i++)
        fq_figures_sort(t.days[i]);
    if (t.n > 1)
        qsort(t.days, t.n, sizeof *t.days, by_day);
    *out = t.days;
    *n = t.n;
    return FQ_STORE_OK;
}

/* ---- per-unit totals ----------------------------------------------------------------------- */

/* Append a total for UNIT to *LIST; the new entry, or NULL when out of memory. */
static Fq__DayFigures *push_unit(Fq__DayFigures ***list, size_t *n, const char *unit)
{
    Fq__DayFigures **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return NULL;
    *list = grown;
    Fq__DayFigures *d = fq_figures_new(unit, 0);
    if (d)
        grown[(*n)++] = d;
    return d;
}

static fq_store_rc_t add_own(const fq_store_t *st, int from_day, int to_day, Fq__DayFigures *total,
                             char *err, size_t errlen)
{
    Fq__DayFigures **days;
    size_t ndays;
    fq_store_rc_t rc = fq_stats_own_days(st, from_day, to_day, &days, &ndays, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    for (size_t i = 0; i < ndays && rc == FQ_STORE_OK; i++)
        if (fq_figures_add(total, days[i]) < 0) {
            snprintf(err, errlen, "out of memory");
            rc = FQ_STORE_DBERR;
        }
    fq_stats_days_free(days, ndays);
    return rc;
}

/* Add one stats_reported row to the list (rows come ordered by unit). Rows that no longer
 * decode are skipped: they were checked when received, so only damage makes them so. */
static int add_reported(const PGresult *res, int row, Fq__DayFigures ***list, size_t *n)
{
    const char *src = PQgetvalue(res, row, 0);
    size_t len;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, 1), &len);
    if (!bytes)
        return -1;
    Fq__DayFigures *d = fq__day_figures__unpack(NULL, len, bytes);
    PQfreemem(bytes);
    if (!d)
        return 0;
    Fq__DayFigures *total =
        strcmp((*list)[*n - 1]->unit, src) == 0 ? (*list)[*n - 1] : push_unit(list, n, src);
    int rc = total ? fq_figures_add(total, d) : -1;
    fq__day_figures__free_unpacked(d, NULL);
    return rc;
}

static fq_store_rc_t add_below(const fq_store_t *st, int from_day, int to_day,
                               Fq__DayFigures ***list, size_t *n, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_int(&p, from_day);
    fq_p_int(&p, to_day);
    PGresult *res = fq_db_run(st->db, s_reported_sql, &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    int ok = 0;
    for (int i = 0; i < PQntuples(res) && ok == 0; i++)
        ok = add_reported(res, i, list, n);
    PQclear(res);
    if (ok == 0)
        return FQ_STORE_OK;
    snprintf(err, errlen, "out of memory");
    return FQ_STORE_DBERR;
}

fq_store_rc_t fq_stats_by_unit(const fq_store_t *st, int from_day, int to_day,
                               Fq__DayFigures ***out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    fq_store_rc_t rc = check_period(from_day, to_day, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    Fq__DayFigures *own = push_unit(out, n, st->self->code);
    if (!own) {
        snprintf(err, errlen, "out of memory");
        rc = FQ_STORE_DBERR;
    }
    if (rc == FQ_STORE_OK)
        rc = add_own(st, from_day, to_day, own, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = add_below(st, from_day, to_day, out, n, err, errlen);
    if (rc != FQ_STORE_OK) {
        fq_stats_days_free(*out, *n);
        *out = NULL;
        *n = 0;
        return rc;
    }
    for (size_t i = 0; i < *n; i++)
        fq_figures_sort((*out)[i]);
    return FQ_STORE_OK;
}

/* ---- summary ------------------------------------------------------------------------------- */

static char *day_text(int day)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
    return strdup(buf);
}

void fq_stats_summary_free(Fq__StatsSummary *s)
{
    if (!s)
        return;
    free(s->unit);
    free(s->from_day);
    free(s->to_day);
    fq_figures_free(s->total);
    free(s);
}

static Fq__StatsSummary *summary_new(const fq_store_t *st, int from_day, int to_day,
                                     Fq__DayFigures *const *units, size_t n)
{
    Fq__StatsSummary *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    fq__stats_summary__init(s);
    s->unit = strdup(st->self->code);
    s->from_day = day_text(from_day);
    s->to_day = day_text(to_day);
    s->total = fq_figures_new(st->self->code, 0);
    s->has_units = 1;
    s->units = (uint32_t)n;
    bool ok = s->unit && s->from_day && s->to_day && s->total;
    for (size_t i = 0; ok && i < n; i++)
        ok = fq_figures_add(s->total, units[i]) == 0;
    if (!ok) {
        fq_stats_summary_free(s);
        return NULL;
    }
    fq_figures_sort(s->total);
    return s;
}

fq_store_rc_t fq_stats_summary(const fq_store_t *st, int from_day, int to_day,
                               Fq__StatsSummary **out, char *err, size_t errlen)
{
    *out = NULL;
    Fq__DayFigures **units;
    size_t n;
    fq_store_rc_t rc = fq_stats_by_unit(st, from_day, to_day, &units, &n, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    *out = summary_new(st, from_day, to_day, units, n);
    fq_stats_days_free(units, n);
    if (*out)
        return FQ_STORE_OK;
    snprintf(err, errlen, "out of memory");
    return FQ_STORE_DBERR;
}
