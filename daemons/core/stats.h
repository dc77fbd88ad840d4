/* stats.h - statistics (分析研判): each unit's own figures per day from its case file, the
 * figures of the units below as they report them up the link, summaries over a period, and the
 * monthly (月报) and daily (日报) reports.
 *
 * A case is counted once, at the unit that took it in (origin_unit), so a tier's figures for
 * its whole area are its own plus those reported by the units below it. */
#ifndef FQ_STATS_H
#define FQ_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "fengqiao.pb-c.h"
#include "store.h"

/* This unit's own figures for each day FROM_DAY..TO_DAY (YYYYMMDD, inclusive) that has any.
 * *OUT is the caller's (fq_stats_days_free). */
fq_store_rc_t fq_stats_own_days(const fq_store_t *st, int from_day, int to_day,
                                Fq__DayFigures ***out, size_t *n, char *err, size_t errlen);
void fq_stats_days_free(Fq__DayFigures **days, size_t n);

/* Keep figures reported by the unit below PEER (they may be about PEER or the units below it),
 * and pass them on up when this unit has a parent. Runs inside the link's receive transaction.
 * REFUSED for figures about a unit not below this one. */
fq_store_rc_t fq_stats_receive(const fq_store_t *st, const char *peer,
                               const Fq__StatsReport *report, char *err, size_t errlen);

/* If this unit has a parent and its report interval has passed, queue its own figures for the
 * days that changed since the last report (a StatsReport in the outbox). Returns 1 when a
 * report was queued, 0 when none was due, -1 on a database error. Own transaction. */
int fq_stats_report_up(const fq_store_t *st, char *err, size_t errlen);

/* Figures for FROM_DAY..TO_DAY summed over this unit and every unit below it that reported.
 * *OUT is the caller's (fq_stats_summary_free). */
fq_store_rc_t fq_stats_summary(const fq_store_t *st, int from_day, int to_day,
                               Fq__StatsSummary **out, char *err, size_t errlen);
void fq_stats_summary_free(Fq__StatsSummary *s);

/* The monthly report for MONTH ("YYYY-MM") or the daily report of key disputes for DAY
 * ("YYYY-MM-DD"), as Markdown and CSV with Chinese headings. *MD and *CSV are the caller's
 * (free). REFUSED for a malformed month or day. */
fq_store_rc_t fq_report_monthly(const fq_store_t *st, const char *month, char **md, char **csv,
                                char *err, size_t errlen);
fq_store_rc_t fq_report_daily(const fq_store_t *st, const char *day, char **md, char **csv,
                              char *err, size_t errlen);

#endif
