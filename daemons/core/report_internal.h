/* report_internal.h - the monthly (月报) and daily (日报) reports as data, and their rendering
 * to Markdown and CSV. Rendering is pure (report_render.c), so it is tested without a database;
 * report.c gathers the data. */
#ifndef FQ_REPORT_INTERNAL_H
#define FQ_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fengqiao.pb-c.h"

/* A key dispute (重点矛盾纠纷) of the daily report; strings borrowed. */
typedef struct {
    const char *case_no;
    const char *title;
    const char *category; /* code */
    const char *track;    /* code */
    const char *state;    /* code */
    const char *holder;   /* unit code */
    int64_t deadline_ms;  /* 0: none */
    bool high_risk;       /* 高风险 (track high_risk) */
    bool overdue;         /* past its deadline by the end of the day, not finished */
    bool escalated;       /* went up a tier (上报) */
    bool noticed;         /* a supervision notice (督办) that day */
} fq_report_case_t;

/* Everything a report shows; all borrowed. */
typedef struct {
    const fq_cfg_t *cfg;          /* names of units and categories; may be NULL */
    const char *unit;             /* code of the unit reporting */
    const char *unit_name;        /* its Chinese name */
    int from_day, to_day;         /* YYYYMMDD; equal for a daily report */
    int64_t generated_ms;         /* shown as 生成时间; 0 leaves it out */
    const Fq__DayFigures *total;  /* summed over the period and the units */
    Fq__DayFigures *const *units; /* per unit, [0] this unit's own; may be NULL */
    size_t nunits;
    const fq_report_case_t *cases; /* daily: the key disputes */
    size_t ncases;
    bool truncated; /* daily: more key disputes than listed */
} fq_report_t;

/* Render R as the monthly report (月报) / the daily report of key disputes (日报). *MD and *CSV
 * are the caller's (free); the CSV starts with a UTF-8 byte order mark so that spreadsheet
 * programs read the Chinese. Returns 0, or -1 when out of memory (nothing returned). */
int fq_report_render_monthly(const fq_report_t *r, char **md, char **csv);
int fq_report_render_daily(const fq_report_t *r, char **md, char **csv);

/* The Chinese name of a source (channel) code, e.g. 来访 for walk_in; the code itself when
 * unknown, 未填写 for "" or NULL. */
const char *fq_report_source_label(const char *code);

/* "83.3%" for NUM/DEN with one decimal, "-" when DEN is 0. */
void fq_report_rate(char out[16], uint32_t num, uint32_t den);

#endif
