/* stats_link.c - figures up the tier link: a unit reports its own figures for the days that
 * changed to its parent (fq_stats_report_up), and keeps and passes on up what the units below
 * report (fq_stats_receive), so the district can answer for its whole area. */
#include "stats_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"

#define DAY_MS (24LL * 3600 * 1000)

/* ---- receiving ----------------------------------------------------------------------------- */

static fq_store_rc_t refuse(char *err, size_t errlen, const char *what, const char *unit,
                            const char *peer)
{
    snprintf(err, errlen, "figures from %s: %s (%s)", peer, what, unit ? unit : "no unit");
    return FQ_STORE_REFUSED;
}

fq_store_rc_t fq_stats_check_report(const fq_store_t *st, const char *peer,
                                    const Fq__StatsReport *report, char *err, size_t errlen)
{
    if (strcmp(peer, st->self->code) == 0 || !fq_cfg_within(st->cfg, peer, st->self->code))
        return refuse(err, errlen, "not a unit below this one", peer, peer);
    for (size_t i = 0; i < report->n_days; i++) {
        const Fq__DayFigures *d = report->days[i];
        if (!fq_cfg_within(st->cfg, d->unit, peer))
            return refuse(err, errlen, "figures about a unit that is not it or below it", d->unit,
                          peer);
        if (!d->has_day || !fq_stats_day_valid(d->day))
            return refuse(err, errlen, "figures without a valid day (YYYYMMDD)", d->unit, peer);
    }
    return FQ_STORE_OK;
}

/* Keep D, replacing what an earlier report said about its unit and day. */
static fq_store_rc_t keep_day(const fq_store_t *st, const Fq__DayFigures *d, char *err,
                              size_t errlen)
{
    size_t len = fq__day_figures__get_packed_size(d);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    fq__day_figures__pack(d, buf);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, d->unit);
    fq_p_int(&p, d->day);
    fq_p_bytes(&p, buf, len);
    int rc = fq_db_exec(st->db,
                        "INSERT INTO stats_reported (unit, src_unit, day, figures)"
                        " VALUES ($1, $2, $3, $4) ON CONFLICT (unit, src_unit, day)"
                        " DO UPDATE SET figures = EXCLUDED.figures",
                        &p, err, errlen);
    free(buf);
    return rc < 0 ? FQ_STORE_DBERR : FQ_STORE_OK;
}

fq_store_rc_t fq_stats_receive(const fq_store_t *st, const char *peer,
                               const Fq__StatsReport *report, char *err, size_t errlen)
{
    fq_store_rc_t rc = fq_stats_check_report(st, peer, report, err, errlen);
    for (size_t i = 0; rc == FQ_STORE_OK && i < report->n_days; i++)
        rc = keep_day(st, report->days[i], err, errlen);
    if (rc != FQ_STORE_OK || !st->self->parent[0] || report->n_days == 0)
        return rc;
    if (fq_outbox_enqueue_stats(st->db, st->queued, st->self->code, st->self->parent, report, err, errlen) < 0)
        return FQ_STORE_DBERR;
    return FQ_STORE_OK;
}

/* ---- reporting up -------------------------------------------------------------------------- */

/* The days on which the figures of a case taken in here may have changed since the last report:
 * every day any figure of such a case falls on (its intake, first resolution, first closing,
 * answers), limited to [$3, $4) (unix ms). One row per day: a moment (unix ms) on that day, by
 * China Standard Time, as fq_cal_day_of counts days.
 *
 * Those are the cases of which this unit recorded a history entry since $2, the last report's
 * time by the database's clock (recorded_at is the database's now() of the writing
 * transaction). Every write that can move a figure records one in the same transaction: an
 * intake its first entry; an action (resolution, closing, an answer or its review, a new track)
 * its own, with the action's at_ms (an answer's feedback row has the same); a copy from a
 * neighbour is the whole case file as the sender holds it, so whatever it brings that moves a
 * figure (a new state, track or resolved_on_time, an answer, a review) comes with the entry of
 * the action that made it, new here. The entries are found through case_events_recorded
 * (migration 0008). now() as an upper bound excludes nothing (what is recorded after it is the
 * next report's, whose $2 is this report's now()), but makes the condition a range, which a
 * generic plan takes as narrow.
 *
 * A case whose first entry here (from_state 'none': its intake, or the first copy of it to
 * arrive) is among the fresh ones has nothing older here: every day any of its figures falls on
 * is the day of one of its fresh entries. So the fresh entries' own days cover those cases with
 * no look at each; that they also name days of cases taken in elsewhere, or of a second
 * resolution, costs a day's figures sent again unchanged, never a change missed. After a burst
 * nearly every changed case is such a one, and the report costs a pass over the fresh entries
 * (stop 26: 0.11 s instead of 0.57 s after a burst of 100,000 cases). Only the older cases that
 * changed are looked up one by one (LATERAL, so no plan joins by reading a whole table). */
static const char s_touched_sql[] =
    "WITH fresh AS (SELECT e.uuid, e.at_ms, e.from_state FROM case_events e"
    "  WHERE e.recorded_at >= $2::timestamptz AND e.recorded_at <= now() AND e.unit = $1),"
    " older AS (SELECT o.uuid, c.created_at FROM"
    "  (SELECT uuid FROM fresh GROUP BY uuid HAVING NOT bool_or(from_state = 'none')) o"
    "  CROSS JOIN LATERAL (SELECT c.created_at FROM cases c"
    "   WHERE c.unit = $1 AND c.uuid = o.uuid AND c.origin_unit = $1 OFFSET 0) c),"
    " moments AS (SELECT at_ms FROM fresh"
    "  UNION ALL SELECT floor(extract(epoch FROM c.created_at) * 1000)::int8 FROM older c"
    "  UNION ALL SELECT m.at_ms FROM older c CROSS JOIN LATERAL (SELECT min(e.at_ms) AS at_ms"
    "   FROM case_events e WHERE e.unit = $1 AND e.uuid = c.uuid"
    "   AND e.to_state IN ('resolved', 'closed') GROUP BY e.to_state) m"
    "  UNION ALL SELECT f.at_ms FROM older c CROSS JOIN LATERAL (SELECT f.at_ms FROM feedback f"
    "   WHERE f.unit = $1 AND f.uuid = c.uuid OFFSET 0) f)"
    " SELECT min(at_ms) FROM moments WHERE at_ms >= $3::int8 AND at_ms < $4::int8"
    " GROUP BY (at_ms + 28800000) / 86400000 ORDER BY 1";

/* When this unit last reported, by two clocks: *THROUGH by the daemon's (st->now_ms then, 0
 * before the first report), which paces the reports, and SINCE by the database's (its now()
 * then, as text; "-infinity" before the first report), which history entries are compared
 * with. */
static int read_last_report(const fq_store_t *st, int64_t *through, char *since, size_t sincelen,
                            char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    PGresult *res = fq_db_run(st->db,
                              "SELECT through_ms, coalesce(recorded_through, '-infinity')::text"
                              " FROM stats_sent WHERE unit = $1",
                              &p, err, errlen);
    if (!res)
        return -1;
    *through = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    snprintf(since, sincelen, "%s", PQntuples(res) ? PQgetvalue(res, 0, 1) : "-infinity");
    PQclear(res);
    return 0;
}

/* The days touched SINCE, ascending; none when nothing changed. *DAYS is the caller's (free). */
static int touched_days(const fq_store_t *st, const char *since, int **days, size_t *n, char *err,
                        size_t errlen)
{
    int today = fq_cal_day_of(st->now_ms);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, since);
    fq_p_int(&p, fq_cal_at(fq_cal_day_of(st->now_ms - (FQ_STATS_REPORT_DAYS - 1) * DAY_MS), 0));
    fq_p_int(&p, fq_cal_at(fq_cal_next_day(today), 0));
    PGresult *res = fq_db_run(st->db, s_touched_sql, &p, err, errlen);
    if (!res)
        return -1;
    size_t rows = (size_t)PQntuples(res);
    *days = malloc((rows ? rows : 1) * sizeof **days);
    for (size_t i = 0; *days && i < rows; i++)
        (*days)[i] = fq_cal_day_of(strtoll(PQgetvalue(res, (int)i, 0), NULL, 10));
    PQclear(res);
    if (!*days) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *n = rows;
    return 0;
}

/* This unit's own figures for DAYS[0..N) (ascending), in *OWN (*NOWN of them, ascending, the
 * caller's: fq_stats_days_free). Each run of consecutive days is figured on its own, so a day
 * touched long ago costs that day, not every day since. */
static int own_figures(const fq_store_t *st, const int *days, size_t n, Fq__DayFigures ***own,
                       size_t *nown, char *err, size_t errlen)
{
    *own = NULL;
    *nown = 0;
    for (size_t first = 0, last = 0; first < n; first = ++last) {
        while (last + 1 < n && days[last + 1] == fq_cal_next_day(days[last]))
            last++;
        Fq__DayFigures **run = NULL;
        size_t nrun = 0;
        if (fq_stats_own_days(st, days[first], days[last], &run, &nrun, err, errlen) != FQ_STORE_OK)
            return -1;
        if (nrun == 0) { /* days with no figures: the report gives them zeros (pick_days) */
            free(run);
            continue;
        }
        Fq__DayFigures **grown = realloc(*own, (*nown + nrun) * sizeof **own);
        if (!grown) {
            fq_stats_days_free(run, nrun);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *own = grown;
        memcpy(*own + *nown, run, nrun * sizeof *run);
        *nown += nrun;
        free(run);
    }
    return 0;
}

/* Figures for each of DAYS: taken from OWN (which gives them up), or zero when it has none, so
 * that a day whose figures fell to nothing replaces what the parent held. */
static Fq__DayFigures **pick_days(const fq_store_t *st, const int *days, size_t n,
                                  Fq__DayFigures **own, size_t nown)
{
    Fq__DayFigures **out = calloc(n, sizeof *out);
    for (size_t i = 0, j = 0; out && i < n; i++) {
        while (j < nown && own[j]->day < days[i])
            j++;
        if (j < nown && own[j]->day == days[i]) {
            out[i] = own[j];
            own[j++] = NULL;
        } else if (!(out[i] = fq_figures_new(st->self->code, days[i]))) {
            fq_stats_days_free(out, i);
            return NULL;
        }
    }
    return out;
}

/* Compute and queue the figures of the days touched SINCE; nothing when none was. */
static int queue_report(const fq_store_t *st, const char *since, char *err, size_t errlen)
{
    int *days = NULL;
    size_t n = 0, nown = 0;
    Fq__DayFigures **own = NULL, **picked = NULL;
    int rc = touched_days(st, since, &days, &n, err, errlen);
    if (rc == 0 && n > 0 && own_figures(st, days, n, &own, &nown, err, errlen) < 0)
        rc = -1;
    if (rc == 0 && n > 0 && !(picked = pick_days(st, days, n, own, nown))) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0 && n > 0) {
        Fq__StatsReport report = FQ__STATS_REPORT__INIT;
        report.days = picked;
        report.n_days = n;
        rc =
            fq_outbox_enqueue_stats(st->db, st->queued, st->self->code, st->self->parent, &report, err, errlen);
    }
    fq_stats_days_free(picked, picked ? n : 0);
    fq_stats_days_free(own, nown);
    free(days);
    return rc;
}

static int mark_sent(const fq_store_t *st, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_int(&p, st->now_ms);
    return fq_db_exec(st->db,
                      "INSERT INTO stats_sent (unit, through_ms, recorded_through)"
                      " VALUES ($1, $2, now()) ON CONFLICT (unit) DO UPDATE"
                      " SET through_ms = EXCLUDED.through_ms,"
                      " recorded_through = EXCLUDED.recorded_through",
                      &p, err, errlen);
}

int fq_stats_report_up(const fq_store_t *st, char *err, size_t errlen)
{
    if (!st->self->parent[0])
        return 0;
    if (fq_db_begin(st->db, err, errlen) < 0)
        return -1;
    int64_t through = 0;
    char since[64];
    if (read_last_report(st, &through, since, sizeof since, err, errlen) < 0) {
        fq_db_rollback(st->db);
        return -1;
    }
    if (st->now_ms - through < st->cfg->stats_interval_ms) {
        fq_db_rollback(st->db);
        return 0;
    }
    if (queue_report(st, since, err, errlen) < 0 || mark_sent(st, err, errlen) < 0) {
        fq_db_rollback(st->db);
        return -1;
    }
    return fq_db_commit(st->db, err, errlen) < 0 ? -1 : 1;
}
