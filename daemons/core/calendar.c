/* calendar.c - the working-day calendar and deadlines (时限) on it (contract in calendar.h).
 *
 * All days are China Standard Time, UTC+8 all year (no DST since 1991), whatever the process's
 * TZ says: a day is found with gmtime_r on the time shifted by eight hours, and the way back is
 * plain arithmetic (days_from_civil). Every search for a working day gives up after SEARCH_MAX
 * days and returns that bound, so a calendar with no working day at all cannot hang a daemon.
 */
#define _POSIX_C_SOURCE 200809L

#include "calendar.h"

#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <time.h>

#define CST_OFFSET_S (8 * 3600)
#define DAY_S 86400
#define DAY_MS (86400 * 1000LL)
#define SEARCH_MAX 3660       /* ten years without a working day: the calendar is wrong */
#define DEFAULT_WEEKEND 0x41u /* Sunday and Saturday */

/* ---- days ------------------------------------------------------------------------------ */

static int64_t s_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of Y-M-D in the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil). */
static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = s_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Days since 1970-01-01 of DAY (YYYYMMDD). */
static int64_t s_days(int day)
{
    return s_days_from_civil(day / 10000, day / 100 % 100, day % 100);
}

/* YYYYMMDD of the UTC day that unix time T falls in; 0 if gmtime_r cannot say. */
static int s_ymd(time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* YYYYMMDD of the day DAYS days after 1970-01-01. */
static int s_day(int64_t days)
{
    return s_ymd((time_t)(days * DAY_S));
}

/* 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
static int s_weekday(int64_t days)
{
    return (int)(days + 4 - s_floor_div(days + 4, 7) * 7);
}

static int s_cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static bool s_listed(const int *list, size_t n, int day)
{
    return n && bsearch(&day, list, n, sizeof *list, s_cmp_int);
}

/* The index of the first day in the sorted LIST that is not before DAY (N if none). */
static size_t s_lower_bound(const int *list, size_t n, int day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (list[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static unsigned s_weekend(const fq_calendar_t *cal)
{
    return cal ? cal->weekend_mask : DEFAULT_WEEKEND;
}

/* Is the day DAYS after the epoch (YYYYMMDD DAY) a working day? */
static bool s_workday(const fq_calendar_t *cal, int64_t days, int day)
{
    if (cal && s_listed(cal->workdays, cal->nworkdays, day))
        return true;
    if (cal && s_listed(cal->holidays, cal->nholidays, day))
        return false;
    return !(s_weekend(cal) & (1u << s_weekday(days)));
}

/* The first working day after DAYS (in days since the epoch) into *NEXT; false, with *NEXT the
 * bound DAYS + SEARCH_MAX, when there is none that close. */
static bool s_next_workday(const fq_calendar_t *cal, int64_t days, int64_t *next)
{
    for (*next = days + 1; *next <= days + SEARCH_MAX; (*next)++)
        if (s_workday(cal, *next, s_day(*next)))
            return true;
    *next = days + SEARCH_MAX;
    return false;
}

/* The Nth working day after DAYS (N <= 0: DAYS itself); the bound if the calendar runs dry. */
static int64_t s_add_workdays(const fq_calendar_t *cal, int64_t days, int n)
{
    for (int i = 0; i < n; i++)
        if (!s_next_workday(cal, days, &days))
            break;
    return days;
}

/* Unix ms of MINUTES after midnight CST on the day DAYS after the epoch. */
static int64_t s_at(int64_t days, int minutes)
{
    return (days * DAY_S - CST_OFFSET_S + (int64_t)minutes * 60) * 1000;
}

/* Days since the epoch of the CST day that UNIX_MS falls in. */
static int64_t s_days_of(int64_t unix_ms)
{
    return s_floor_div(unix_ms + CST_OFFSET_S * 1000LL, DAY_MS);
}

/* ---- public ---------------------------------------------------------------------------- */

/* A make-up working day is one, a holiday is not, otherwise the weekend mask decides. A NULL
 * calendar has the default weekend and no holidays. */
bool fq_cal_is_workday(const fq_calendar_t *cal, int day)
{
    return s_workday(cal, s_days(day), day);
}

/* The CST day of UNIX_MS: the UTC day of the time eight hours later. */
int fq_cal_day_of(int64_t unix_ms)
{
    return s_ymd((time_t)(s_floor_div(unix_ms, 1000) + CST_OFFSET_S));
}

int fq_cal_next_day(int day)
{
    return s_day(s_days(day) + 1);
}

int64_t fq_cal_at(int day, int minutes)
{
    return s_at(s_days(day), minutes);
}

/* Same day: this day's cut-off if it is a working day and not yet past it, else the next working
 * day's. Working days: end of the Nth working day after. Calendar days: end of the Nth day. */
int64_t fq_cal_deadline(const fq_calendar_t *cal, const fq_sla_t *sla, int64_t start_ms)
{
    int64_t days = s_days_of(start_ms);
    switch (sla->kind) {
    case FQ_SLA_SAME_DAY:
        if (!s_workday(cal, days, s_day(days)) || start_ms >= s_at(days, sla->cutoff_minutes))
            s_next_workday(cal, days, &days);
        return s_at(days, sla->cutoff_minutes);
    case FQ_SLA_WORKING_DAYS:
        return s_at(s_add_workdays(cal, days, sla->days), 24 * 60) - 1;
    case FQ_SLA_CALENDAR_DAYS:
    default:
        return s_at(days + (sla->days > 0 ? sla->days : 0), 24 * 60) - 1;
    }
}

/* Counted, not walked: working days by the weekend mask over whole weeks and the odd days, then
 * corrected by the listed days within the span (found by binary search). Exact for any span. */
int fq_cal_working_days_between(const fq_calendar_t *cal, int64_t from_ms, int64_t to_ms)
{
    int64_t lo = s_days_of(from_ms) + 1, hi = s_days_of(to_ms);
    if (hi < lo)
        return 0;
    unsigned weekend = s_weekend(cal) & 0x7fu;
    int per_week = 0;
    for (int wd = 0; wd < 7; wd++)
        per_week += !(weekend & (1u << wd));
    int64_t count = (hi - lo + 1) / 7 * per_week;
    for (int64_t d = lo + (hi - lo + 1) / 7 * 7; d <= hi; d++)
        count += !(weekend & (1u << s_weekday(d)));
    int first = s_day(lo), last = s_day(hi);
    if (!cal)
        return count > INT32_MAX ? INT32_MAX : (int)count;
    for (size_t i = s_lower_bound(cal->workdays, cal->nworkdays, first);
         i < cal->nworkdays && cal->workdays[i] <= last; i++)
        count += (weekend >> s_weekday(s_days(cal->workdays[i]))) & 1u;
    for (size_t i = s_lower_bound(cal->holidays, cal->nholidays, first);
         i < cal->nholidays && cal->holidays[i] <= last; i++) {
        int h = cal->holidays[i];
        if (!((weekend >> s_weekday(s_days(h))) & 1u) &&
            !s_listed(cal->workdays, cal->nworkdays, h))
            count--;
    }
    return count > INT32_MAX ? INT32_MAX : (int)count;
}

int64_t fq_cal_add_working_days(const fq_calendar_t *cal, int64_t from_ms, int n)
{
    return s_at(s_add_workdays(cal, s_days_of(from_ms), n), 24 * 60) - 1;
}

/* A working-day deadline moves to the same time of day, as many working days on as passed during
 * the pause (after the pause's day, up to and including the resume's). */
int64_t fq_cal_after_pause(const fq_calendar_t *cal, fq_sla_kind_t kind, int64_t deadline_ms,
                           int64_t paused_ms, int64_t resumed_ms)
{
    if (resumed_ms <= paused_ms)
        return deadline_ms;
    if (kind != FQ_SLA_WORKING_DAYS)
        return deadline_ms + (resumed_ms - paused_ms);
    int n = fq_cal_working_days_between(cal, paused_ms, resumed_ms);
    if (n == 0)
        return deadline_ms;
    int64_t days = s_days_of(deadline_ms);
    int64_t time_of_day = deadline_ms - s_at(days, 0);
    return s_at(s_add_workdays(cal, days, n), 0) + time_of_day;
}

int fq_cal_parse_day(const char *text)
{
    int y, m, d, n = 0;
    if (!text || strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
        n != 10 || text[4] != '-' || text[7] != '-' || y < 1970 || y > 2999 || m < 1 || m > 12 ||
        d < 1 || d > 31)
        return -1;
    int day = y * 10000 + m * 100 + d;
    /* a day that does not exist (2026-02-30) comes back from the arithmetic as another day */
    return s_day(s_days(day)) == day ? day : -1;
}
