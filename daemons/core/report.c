/* report.c - the monthly report (月报) and the daily report of key disputes (重点矛盾纠纷日报):
 * checks the month or day asked for, gathers the figures (stats.c) and the key disputes from
 * the case file, and hands them to report_render.c. */
#include "report_internal.h"
#include "stats_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most key disputes one daily report lists. */
#define REPORT_MAX_CASES 500

/* Key disputes seen at $1 on the day [$2, $3) (unix ms): high-risk, overdue by the end of the
 * day, or escalated, while open that day (not finished by its end, or with history that day);
 * or with a supervision notice that day. State is as of the end of the day: the last entry
 * before it, and of entries made in the same millisecond (a satisfaction answer, the reopening
 * and the escalation it causes), the one the chain goes on from last. */
static const char s_key_sql[] =
    "SELECT case_no, title, category, track, state_then, holder, deadline_ms, high_risk,"
    "  overdue, escalated, noticed FROM ("
    " SELECT *, deadline_ms > 0 AND deadline_ms < $3::int8 AND NOT finished AS overdue FROM ("
    "  SELECT *, state_then IN ('resolved', 'closed', 'withdrawn') AS finished FROM ("
    "   SELECT c.case_no, c.title, c.category, c.track, c.holder,"
    "    coalesce((extract(epoch FROM c.deadline) * 1000)::int8, 0) AS deadline_ms,"
    "    c.track = 'high_risk' AS high_risk,"
    "    coalesce((SELECT e.to_state FROM case_events e WHERE e.unit = c.unit"
    "      AND e.uuid = c.uuid AND e.at_ms < $3::int8 ORDER BY e.at_ms DESC,"
    "      EXISTS (SELECT 1 FROM case_events f WHERE f.unit = e.unit AND f.uuid = e.uuid"
    "       AND f.prev_hash = e.hash AND f.at_ms = e.at_ms) LIMIT 1),"
    "     c.state) AS state_then,"
    "    EXISTS (SELECT 1 FROM case_events e WHERE e.unit = c.unit AND e.uuid = c.uuid"
    "     AND e.action = 'escalate' AND e.at_ms < $3::int8) AS escalated,"
    "    EXISTS (SELECT 1 FROM case_events e WHERE e.unit = c.unit AND e.uuid = c.uuid"
    "     AND e.at_ms >= $2::int8 AND e.at_ms < $3::int8) AS active,"
    "    EXISTS (SELECT 1 FROM notices n WHERE n.unit = c.unit AND n.uuid = c.uuid"
    "     AND n.at_ms >= $2::int8 AND n.at_ms < $3::int8) AS noticed"
    "   FROM cases c WHERE c.unit = $1 AND c.created_at < to_timestamp($3::int8 / 1000.0)"
    "  ) a) b) k"
    " WHERE noticed OR ((active OR NOT finished) AND (high_risk OR overdue OR escalated))"
    " ORDER BY overdue DESC, high_risk DESC, case_no LIMIT $4";

/* ---- months and days ----------------------------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* "YYYY-MM" to its first and last day (YYYYMMDD); -1 when malformed. */
static int parse_month(const char *s, int *from_day, int *to_day)
{
    if (!s || strlen(s) != 7 || s[4] != '-' || !digits(s, 4) || !digits(s + 5, 2))
        return -1;
    int first = atoi(s) * 10000 + atoi(s + 5) * 100 + 1;
    if (!fq_stats_day_valid(first))
        return -1;
    int last = first + 30;
    while (!fq_stats_day_valid(last))
        last--;
    *from_day = first;
    *to_day = last;
    return 0;
}

/* "YYYY-MM-DD" to YYYYMMDD; -1 when malformed or not a date. */
static int parse_day(const char *s, int *day)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return -1;
    *day = atoi(s) * 10000 + atoi(s + 5) * 100 + atoi(s + 8);
    return fq_stats_day_valid(*day) ? 0 : -1;
}

/* ---- figures ------------------------------------------------------------------------------- */

/* Per-unit figures of the period and their sum, filled into R. */
static fq_store_rc_t gather(const fq_store_t *st, int from_day, int to_day, fq_report_t *r,
                            Fq__DayFigures ***units, Fq__DayFigures **total, char *err,
                            size_t errlen)
{
    size_t n = 0;
    fq_store_rc_t rc = fq_stats_by_unit(st, from_day, to_day, units, &n, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    *total = fq_figures_new(st->self->code, 0);
    for (size_t i = 0; *total && i < n; i++)
        if (fq_figures_add(*total, (*units)[i]) < 0) {
            fq_figures_free(*total);
            *total = NULL;
        }
    if (!*total) {
        fq_stats_days_free(*units, n);
        *units = NULL;
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    fq_figures_sort(*total);
    *r = (fq_report_t){.cfg = st->cfg,
                       .unit = st->self->code,
                       .unit_name = st->self->name,
                       .from_day = from_day,
                       .to_day = to_day,
                       .generated_ms = st->now_ms,
                       .total = *total,
                       .units = *units,
                       .nunits = n};
    return FQ_STORE_OK;
}

static fq_store_rc_t rendered(int rc, char *err, size_t errlen)
{
    if (rc == 0)
        return FQ_STORE_OK;
    snprintf(err, errlen, "out of memory");
    return FQ_STORE_DBERR;
}

fq_store_rc_t fq_report_monthly(const fq_store_t *st, const char *month, char **md, char **csv,
                                char *err, size_t errlen)
{
    *md = *csv = NULL;
    int from_day, to_day;
    if (parse_month(month, &from_day, &to_day) < 0) {
        snprintf(err, errlen, "'%s' is not a month; write YYYY-MM", month ? month : "");
        return FQ_STORE_REFUSED;
    }
    fq_report_t r;
    Fq__DayFigures **units = NULL, *total = NULL;
    fq_store_rc_t rc = gather(st, from_day, to_day, &r, &units, &total, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    rc = rendered(fq_report_render_monthly(&r, md, csv), err, errlen);
    fq_stats_days_free(units, r.nunits);
    fq_figures_free(total);
    return rc;
}

/* ---- key disputes -------------------------------------------------------------------------- */

static bool col_bool(const PGresult *res, int row, int c)
{
    return PQgetvalue(res, row, c)[0] == 't';
}

/* The key disputes of DAY; their strings are borrowed from *RES, which the caller PQclears. */
static fq_store_rc_t key_cases(const fq_store_t *st, int day, fq_report_t *r, PGresult **res,
                               fq_report_case_t **cases, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_int(&p, fq_cal_at(day, 0));
    fq_p_int(&p, fq_cal_at(fq_cal_next_day(day), 0));
    fq_p_int(&p, REPORT_MAX_CASES + 1);
    if (!(*res = fq_db_run(st->db, s_key_sql, &p, err, errlen)))
        return FQ_STORE_DBERR;
    size_t rows = (size_t)PQntuples(*res);
    if (!(*cases = calloc(rows ? rows : 1, sizeof **cases))) {
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    r->truncated = rows > REPORT_MAX_CASES;
    r->ncases = r->truncated ? REPORT_MAX_CASES : rows;
    for (int i = 0; i < (int)r->ncases; i++) {
        const char *t[6];
        for (int k = 0; k < 6; k++)
            t[k] = PQgetvalue(*res, i, k);
        (*cases)[i] = (fq_report_case_t){.case_no = t[0],
                                         .title = t[1],
                                         .category = t[2],
                                         .track = t[3],
                                         .state = t[4],
                                         .holder = t[5],
                                         .deadline_ms = strtoll(PQgetvalue(*res, i, 6), NULL, 10),
                                         .high_risk = col_bool(*res, i, 7),
                                         .overdue = col_bool(*res, i, 8),
                                         .escalated = col_bool(*res, i, 9),
                                         .noticed = col_bool(*res, i, 10)};
    }
    r->cases = *cases;
    return FQ_STORE_OK;
}

fq_store_rc_t fq_report_daily(const fq_store_t *st, const char *day, char **md, char **csv,
                              char *err, size_t errlen)
{
    *md = *csv = NULL;
    int d;
    if (parse_day(day, &d) < 0) {
        snprintf(err, errlen, "'%s' is not a day; write YYYY-MM-DD", day ? day : "");
        return FQ_STORE_REFUSED;
    }
    fq_report_t r;
    Fq__DayFigures **units = NULL, *total = NULL;
    fq_store_rc_t rc = gather(st, d, d, &r, &units, &total, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    PGresult *res = NULL;
    fq_report_case_t *cases = NULL;
    rc = key_cases(st, d, &r, &res, &cases, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = rendered(fq_report_render_daily(&r, md, csv), err, errlen);
    free(cases);
    PQclear(res);
    fq_stats_days_free(units, r.nunits);
    fq_figures_free(total);
    return rc;
}
