/* calendar.h - the working-day calendar and deadlines (时限) on it, in China Standard Time.
 *
 * Weekends, public holidays and the make-up working days (调休) on which a Saturday or Sunday is
 * worked all come from the deployment file. Times are unix milliseconds; days are YYYYMMDD
 * integers in China Standard Time (UTC+8). Pure functions, no I/O.
 */
#ifndef FQ_CALENDAR_H
#define FQ_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned weekend_mask;  /* bit d set: weekday d (0 = Sunday … 6 = Saturday) is a day off;
                               default Saturday and Sunday */
    int *holidays;          /* YYYYMMDD, sorted, no duplicates */
    size_t nholidays;
    int *workdays;          /* 调休: YYYYMMDD worked although a weekend day, sorted */
    size_t nworkdays;
} fq_calendar_t;

typedef enum {
    FQ_SLA_SAME_DAY = 0,    /* by the cut-off time of the day it was accepted (next working
                               day's cut-off when accepted after it or on a day off) */
    FQ_SLA_WORKING_DAYS,    /* by the end of the Nth working day after the day it was accepted */
    FQ_SLA_CALENDAR_DAYS    /* by the end of the Nth calendar day after the day it was accepted */
} fq_sla_kind_t;

typedef struct {
    fq_sla_kind_t kind;
    int days;               /* N; ignored for same-day */
    int cutoff_minutes;     /* same-day cut-off, minutes after midnight, e.g. 17:30 = 1050 */
} fq_sla_t;

/* Is DAY (YYYYMMDD) a working day? A make-up working day is, a holiday is not, otherwise a
 * weekday is unless it is in the weekend mask. */
bool fq_cal_is_workday(const fq_calendar_t *cal, int day);

/* "YYYY-MM-DD" as YYYYMMDD when it names a day that exists (years 1970..2999), else -1. */
int fq_cal_parse_day(const char *text);

/* The day (YYYYMMDD, China Standard Time) of a unix time in ms, and the day after/before DAY. */
int fq_cal_day_of(int64_t unix_ms);
int fq_cal_next_day(int day);

/* Unix ms of HH:MM (minutes after midnight) on DAY, China Standard Time; end of day is
 * fq_cal_at(day, 24 * 60) - 1. */
int64_t fq_cal_at(int day, int minutes);

/* The deadline of work accepted at START_MS under SLA. */
int64_t fq_cal_deadline(const fq_calendar_t *cal, const fq_sla_t *sla, int64_t start_ms);

/* Working days after the day of FROM_MS up to and including the day of TO_MS (0 when TO is on
 * or before FROM's day). "On the eighth working day" after acceptance: the result is 8. */
int fq_cal_working_days_between(const fq_calendar_t *cal, int64_t from_ms, int64_t to_ms);

/* The end (23:59:59.999) of the Nth working day after the day of FROM_MS. */
int64_t fq_cal_add_working_days(const fq_calendar_t *cal, int64_t from_ms, int n);

/* A deadline after the clock stood still from PAUSED_MS to RESUMED_MS: for a working-day SLA it
 * moves by the working days that passed while paused, otherwise by the time that passed. */
int64_t fq_cal_after_pause(const fq_calendar_t *cal, fq_sla_kind_t kind, int64_t deadline_ms,
                           int64_t paused_ms, int64_t resumed_ms);

#endif
