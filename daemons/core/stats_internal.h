/* stats_internal.h - what the statistics files (stats.c, stats_figures.c, stats_link.c,
 * report.c) share: hand-built DayFigures and their arithmetic, and per-unit totals. */
#ifndef FQ_STATS_INTERNAL_H
#define FQ_STATS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* Furthest back a report up the link looks, in days including today. */
#define FQ_STATS_REPORT_DAYS 62

/* A new zeroed DayFigures about UNIT (copied) for DAY (0: a total over several days); NULL when
 * out of memory. Free with fq_figures_free. */
Fq__DayFigures *fq_figures_new(const char *unit, int day);

/* Free a hand-built DayFigures with its counts; accepts NULL. Never for unpacked ones. */
void fq_figures_free(Fq__DayFigures *d);

/* Add K to the count of KEY (NULL counts as "") in the list *LIST of *N, appending it when
 * absent. Returns 0, or -1 when out of memory (the list is unchanged). */
int fq_figures_count(Fq__Count ***list, size_t *n, const char *key, uint32_t k);

/* SUM += D: every counter, and the three count lists merged by key. D may be unpacked or
 * hand-built and is only read. Returns 0 or -1 when out of memory (SUM is then partly added). */
int fq_figures_add(Fq__DayFigures *sum, const Fq__DayFigures *d);

/* Sort D's three count lists by key, so that output does not depend on arrival order. */
void fq_figures_sort(Fq__DayFigures *d);

/* Is DAY a real date written YYYYMMDD (years 1970..9999)? */
bool fq_stats_day_valid(int day);

/* A report of figures from the child PEER must be about PEER or units below it, each for a
 * valid day: OK, or REFUSED with the reason in ERR. Pure; checked before anything is kept. */
fq_store_rc_t fq_stats_check_report(const fq_store_t *st, const char *peer,
                                    const Fq__StatsReport *report, char *err, size_t errlen);

/* Totals over FROM_DAY..TO_DAY per unit: (*OUT)[0] is this unit's own figures (always there,
 * possibly all zero), then one per unit below that reported any day of the period, by code.
 * Each has day 0. *OUT is the caller's (fq_stats_days_free). */
fq_store_rc_t fq_stats_by_unit(const fq_store_t *st, int from_day, int to_day,
                               Fq__DayFigures ***out, size_t *n, char *err, size_t errlen);

#endif
