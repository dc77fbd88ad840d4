/* test_calendar.c - unit test of working days and deadlines (daemons/core/calendar.c).
 *
 * The calendar is China's 2026 one, from the 国务院办公厅 notice on the 2026 holidays: 元旦 Jan
 * 1-3 (Sun Jan 4 worked), 春节 Feb 15-23 (Sat Feb 14 and Sat Feb 28 worked), 清明 Apr 4-6, 劳动节
 * May 1-5 (Sat May 9 worked), 端午 Jun 19-21, 中秋 Sep 25-27, 国庆 Oct 1-7 (Sun Sep 20 and Sat
 * Oct 10 worked). Expected times are built with timegm, independently of calendar.c, and the
 * process runs with TZ set far from China to show the process's zone does not matter. The same
 * calendar is then loaded from config/guangming.yaml. Run from the repository root.
 */
#define _DEFAULT_SOURCE

#include "calendar.h"
#include "check.h"
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static int s_holidays[] = {
    20260101, 20260102, 20260103,                                         /* 元旦 */
    20260215, 20260216, 20260217, 20260218, 20260219, 20260220, 20260221, /* 春节 */
    20260222, 20260223,                                                   /* 春节 */
    20260404, 20260405, 20260406,                                         /* 清明节 */
    20260501, 20260502, 20260503, 20260504, 20260505,                     /* 劳动节 */
    20260619, 20260620, 20260621,                                         /* 端午节 */
    20260925, 20260926, 20260927,                                         /* 中秋节 */
    20261001, 20261002, 20261003, 20261004, 20261005, 20261006, 20261007, /* 国庆节 */
};
static int s_workdays[] = {20260104, 20260214, 20260228, 20260509, 20260920, 20261010};

static const fq_calendar_t s_cal = {
    .weekend_mask = 1u << 0 | 1u << 6,
    .holidays = s_holidays,
    .nholidays = sizeof s_holidays / sizeof s_holidays[0],
    .workdays = s_workdays,
    .nworkdays = sizeof s_workdays / sizeof s_workdays[0],
};

/* Unix ms of DAY (YYYYMMDD) at H:M:S.MS China Standard Time, by way of timegm. */
static int64_t s_cst(int day, int h, int m, int s, int ms)
{
    struct tm tm = {.tm_year = day / 10000 - 1900,
                    .tm_mon = day / 100 % 100 - 1,
                    .tm_mday = day % 100,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = s};
    return ((int64_t)timegm(&tm) - 8 * 3600) * 1000 + ms;
}

/* The last millisecond of DAY in China. */
static int64_t s_end(int day)
{
    return s_cst(day, 23, 59, 59, 999);
}

static int64_t s_deadline(fq_sla_kind_t kind, int days, int64_t start)
{
    fq_sla_t sla = {kind, days, 17 * 60 + 30};
    return fq_cal_deadline(&s_cal, &sla, start);
}

static void test_days(void)
{
    CHECK(fq_cal_day_of(s_cst(20260407, 0, 0, 0, 0)) == 20260407);
    /* 2026-04-07T16:30Z is half past midnight on the 8th in China */
    CHECK(s_cst(20260408, 0, 30, 0, 0) == (int64_t)1775579400 * 1000);
    CHECK(fq_cal_day_of((int64_t)1775579400 * 1000) == 20260408);
    CHECK(fq_cal_day_of(s_cst(20260407, 23, 59, 59, 999)) == 20260407);
    CHECK(fq_cal_day_of(s_cst(20260408, 0, 0, 0, 0)) == 20260408);
    CHECK(fq_cal_day_of(0) == 19700101);
    CHECK(fq_cal_day_of(-1) == 19700101); /* 07:59:59.999 CST */
    CHECK(fq_cal_day_of(-8 * 3600 * 1000LL - 1) == 19691231);
    CHECK(fq_cal_next_day(20260228) == 20260301);
    CHECK(fq_cal_next_day(20281231) == 20290101);
    CHECK(fq_cal_next_day(20280228) == 20280229);
    CHECK(fq_cal_next_day(21000228) == 21000301);
    CHECK(fq_cal_at(20260408, 0) == s_cst(20260408, 0, 0, 0, 0));
    CHECK(fq_cal_at(20260408, 17 * 60 + 30) == s_cst(20260408, 17, 30, 0, 0));
    CHECK(fq_cal_at(20260408, 24 * 60) - 1 == s_end(20260408));
    CHECK(fq_cal_at(19691231, 0) == s_cst(19691231, 0, 0, 0, 0));
}

static void test_workdays(void)
{
    CHECK(fq_cal_is_workday(&s_cal, 20260309));  /* Monday */
    CHECK(fq_cal_is_workday(&s_cal, 20260313));  /* Friday */
    CHECK(!fq_cal_is_workday(&s_cal, 20260314)); /* Saturday */
    CHECK(!fq_cal_is_workday(&s_cal, 20260315)); /* Sunday */
    CHECK(!fq_cal_is_workday(&s_cal, 20260101)); /* 元旦, a Thursday */
    CHECK(!fq_cal_is_workday(&s_cal, 20260102));
    CHECK(fq_cal_is_workday(&s_cal, 20260104)); /* Sunday worked */
    /* the Spring Festival week: Saturday the 14th worked, nine days off, the 28th worked */
    CHECK(fq_cal_is_workday(&s_cal, 20260213));
    CHECK(fq_cal_is_workday(&s_cal, 20260214));
    for (int d = 20260215; d <= 20260223; d++)
        CHECK(!fq_cal_is_workday(&s_cal, d));
    CHECK(fq_cal_is_workday(&s_cal, 20260224));
    CHECK(fq_cal_is_workday(&s_cal, 20260228));
    CHECK(!fq_cal_is_workday(&s_cal, 20260301));
    CHECK(fq_cal_is_workday(&s_cal, 20260920));
    CHECK(!fq_cal_is_workday(&s_cal, 20261007));
    CHECK(fq_cal_is_workday(&s_cal, 20261008));
    CHECK(fq_cal_is_workday(&s_cal, 20261010));
    CHECK(!fq_cal_is_workday(&s_cal, 20261011));

    fq_calendar_t plain = {.weekend_mask = 1u << 0 | 1u << 6};
    CHECK(fq_cal_is_workday(&plain, 20260101)); /* no holidays: a Thursday like any */
    CHECK(!fq_cal_is_workday(&plain, 20260214));
    CHECK(!fq_cal_is_workday(NULL, 20260214) && fq_cal_is_workday(NULL, 20260101));
    fq_calendar_t friday_off = {.weekend_mask = 1u << 5};
    CHECK(!fq_cal_is_workday(&friday_off, 20260313) && fq_cal_is_workday(&friday_off, 20260314));

    /* 2026 has 248 working days in China: 365 - 104 weekend days - 19 holidays on weekdays + 6
     * weekend days worked. Counted from the last moment of 2025. */
    CHECK(fq_cal_working_days_between(&s_cal, s_end(20251231), s_end(20261231)) == 248);
}

/* working_days_between counts what is_workday says, for every pair of days over ~15 months. */
static void test_between_matches_days(void)
{
    int days[460], n = 0, bad = 0;
    for (int d = 20251201; n < 460; d = fq_cal_next_day(d))
        days[n++] = d;
    for (int i = 0; i < n; i += 3) {
        int count = 0;
        for (int j = i; j < n; j++) {
            count += j > i && fq_cal_is_workday(&s_cal, days[j]);
            int64_t from = s_cst(days[i], 9, 0, 0, 0), to = s_cst(days[j], 23, 0, 0, 0);
            bad += fq_cal_working_days_between(&s_cal, from, to) != count;
            bad += fq_cal_working_days_between(&s_cal, to, from) != 0;
        }
    }
    CHECK(bad == 0);
}

static void test_working_days(void)
{
    /* over a weekend: Thursday 5 March, seven working days: 6, 9, 10, 11, 12, 13, 16 */
    int64_t thu = s_cst(20260305, 10, 0, 0, 0);
    CHECK(s_deadline(FQ_SLA_WORKING_DAYS, 7, thu) == s_end(20260316));
    CHECK(fq_cal_add_working_days(&s_cal, thu, 1) == s_end(20260306));
    CHECK(fq_cal_add_working_days(&s_cal, thu, 2) == s_end(20260309));
    CHECK(fq_cal_add_working_days(&s_cal, thu, 0) == s_end(20260305));
    /* accepted late in the evening: still counted from that day */
    CHECK(s_deadline(FQ_SLA_WORKING_DAYS, 7, s_cst(20260305, 23, 59, 0, 0)) == s_end(20260316));
    /* accepted on Saturday: Monday is the first working day */
    CHECK(s_deadline(FQ_SLA_WORKING_DAYS, 1, s_cst(20260307, 11, 0, 0, 0)) == s_end(20260309));

    /* over the Spring Festival: Wednesday 11 Feb; 12, 13, 14 (Saturday worked), nine days off,
     * then 24, 25, 26, 27 */
    int64_t wed = s_cst(20260211, 15, 0, 0, 0);
    int64_t due = s_deadline(FQ_SLA_WORKING_DAYS, 7, wed);
    CHECK(due == s_end(20260227));
    CHECK(fq_cal_add_working_days(&s_cal, wed, 3) == s_end(20260214));
    CHECK(fq_cal_add_working_days(&s_cal, wed, 4) == s_end(20260224));
    /* on the eighth working day: the day after the deadline is the make-up Saturday 28 Feb */
    CHECK(fq_cal_working_days_between(&s_cal, wed, due) == 7);
    CHECK(fq_cal_working_days_between(&s_cal, wed, due + 1) == 8);
    CHECK(fq_cal_working_days_between(&s_cal, wed, s_cst(20260228, 9, 0, 0, 0)) == 8);
    CHECK(fq_cal_working_days_between(&s_cal, wed, s_cst(20260301, 9, 0, 0, 0)) == 8);
    CHECK(fq_cal_working_days_between(&s_cal, wed, s_cst(20260211, 23, 0, 0, 0)) == 0);

    /* over 中秋 and 国庆: Thursday 24 Sep; 28, 29, 30, (Oct 1-7 off) 8, 9, 10 (Saturday worked),
     * 12 */
    CHECK(s_deadline(FQ_SLA_WORKING_DAYS, 7, s_cst(20260924, 9, 0, 0, 0)) == s_end(20261012));
    /* Sunday 20 Sep is worked: Friday's next working day */
    CHECK(s_deadline(FQ_SLA_WORKING_DAYS, 1, s_cst(20260918, 9, 0, 0, 0)) == s_end(20260920));
    /* the new year: 31 Dec 2025; 1-3 Jan off, Sunday 4 Jan worked */
    CHECK(s_deadline(FQ_SLA_WORKING_DAYS, 1, s_cst(20251231, 9, 0, 0, 0)) == s_end(20260104));
}

static void test_same_day(void)
{
    int64_t due = s_cst(20260309, 17, 30, 0, 0);
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260309, 10, 0, 0, 0)) == due);
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260309, 17, 29, 59, 999)) == due);
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260309, 0, 0, 0, 0)) == due);
    /* at or after the cut-off: the next working day's */
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260309, 17, 30, 0, 0)) ==
          s_cst(20260310, 17, 30, 0, 0));
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260313, 18, 0, 0, 0)) ==
          s_cst(20260316, 17, 30, 0, 0));
    /* on a day off: a Saturday, a holiday, the last day of the Spring Festival */
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260314, 10, 0, 0, 0)) ==
          s_cst(20260316, 17, 30, 0, 0));
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260220, 10, 0, 0, 0)) ==
          s_cst(20260224, 17, 30, 0, 0));
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260223, 8, 0, 0, 0)) ==
          s_cst(20260224, 17, 30, 0, 0));
    /* on the make-up Saturday before it: that day; after its cut-off, after the holiday */
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260214, 9, 0, 0, 0)) ==
          s_cst(20260214, 17, 30, 0, 0));
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260214, 20, 0, 0, 0)) ==
          s_cst(20260224, 17, 30, 0, 0));
    /* another cut-off */
    fq_sla_t noon = {FQ_SLA_SAME_DAY, 0, 12 * 60};
    CHECK(fq_cal_deadline(&s_cal, &noon, s_cst(20260309, 12, 0, 0, 0)) ==
          s_cst(20260310, 12, 0, 0, 0));
    /* 2026-04-07T16:30Z is 00:30 on Wednesday the 8th in China: due that day, not the 7th */
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, (int64_t)1775579400 * 1000) ==
          s_cst(20260408, 17, 30, 0, 0));
    /* and 2026-04-03T10:00Z is 18:00 on Friday the 3rd; 4-6 April is 清明 */
    CHECK(s_deadline(FQ_SLA_SAME_DAY, 0, s_cst(20260403, 18, 0, 0, 0)) ==
          s_cst(20260407, 17, 30, 0, 0));
}

static void test_calendar_days(void)
{
    /* three weeks, holidays or not */
    CHECK(s_deadline(FQ_SLA_CALENDAR_DAYS, 21, s_cst(20260309, 10, 0, 0, 0)) == s_end(20260330));
    CHECK(s_deadline(FQ_SLA_CALENDAR_DAYS, 21, s_cst(20260211, 10, 0, 0, 0)) == s_end(20260304));
    CHECK(s_deadline(FQ_SLA_CALENDAR_DAYS, 90, s_cst(20260924, 10, 0, 0, 0)) == s_end(20261223));
    CHECK(s_deadline(FQ_SLA_CALENDAR_DAYS, 1, s_cst(20261231, 23, 0, 0, 0)) == s_end(20270101));
    /* the CST day counts: 2026-04-07T16:30Z is the 8th */
    CHECK(s_deadline(FQ_SLA_CALENDAR_DAYS, 1, (int64_t)1775579400 * 1000) == s_end(20260409));
}

static void test_pause(void)
{
    int64_t due = s_deadline(FQ_SLA_WORKING_DAYS, 7, s_cst(20260305, 10, 0, 0, 0));
    CHECK(due == s_end(20260316));
    /* paused Friday afternoon, resumed Tuesday morning: Monday and Tuesday passed */
    int64_t moved = fq_cal_after_pause(&s_cal, FQ_SLA_WORKING_DAYS, due,
                                       s_cst(20260306, 15, 0, 0, 0), s_cst(20260310, 9, 0, 0, 0));
    CHECK(moved == s_end(20260318));
    /* paused over the weekend only: nothing moves */
    CHECK(fq_cal_after_pause(&s_cal, FQ_SLA_WORKING_DAYS, due, s_cst(20260306, 18, 0, 0, 0),
                             s_cst(20260308, 20, 0, 0, 0)) == due);
    /* within one day: nothing moves */
    CHECK(fq_cal_after_pause(&s_cal, FQ_SLA_WORKING_DAYS, due, s_cst(20260309, 9, 0, 0, 0),
                             s_cst(20260309, 17, 0, 0, 0)) == due);
    /* resumed before it was paused: nothing moves */
    CHECK(fq_cal_after_pause(&s_cal, FQ_SLA_WORKING_DAYS, due, s_cst(20260310, 9, 0, 0, 0),
                             s_cst(20260309, 9, 0, 0, 0)) == due);
    /* a pause over the Spring Festival counts the make-up days it spans: 13, 14, 24 */
    int64_t feb = s_end(20260226);
    CHECK(fq_cal_after_pause(&s_cal, FQ_SLA_WORKING_DAYS, feb, s_cst(20260212, 9, 0, 0, 0),
                             s_cst(20260224, 9, 0, 0, 0)) == s_end(20260302));

    /* calendar days and same day: the time that passed */
    int64_t cal_due = s_end(20260330);
    int64_t paused = s_cst(20260310, 9, 0, 0, 0), resumed = s_cst(20260313, 13, 0, 0, 0);
    CHECK(fq_cal_after_pause(&s_cal, FQ_SLA_CALENDAR_DAYS, cal_due, paused, resumed) ==
          cal_due + (resumed - paused));
    CHECK(fq_cal_after_pause(&s_cal, FQ_SLA_CALENDAR_DAYS, cal_due, paused, resumed) ==
          s_cst(20260403, 3, 59, 59, 999));
    CHECK(fq_cal_after_pause(&s_cal, FQ_SLA_SAME_DAY, s_cst(20260310, 17, 30, 0, 0),
                             s_cst(20260310, 10, 0, 0, 0),
                             s_cst(20260310, 11, 0, 0, 0)) == s_cst(20260310, 18, 30, 0, 0));
}

/* A calendar without a working day returns the bound rather than hanging. */
static void test_no_working_day(void)
{
    fq_calendar_t never = {.weekend_mask = 0x7f};
    int64_t start = s_cst(20260309, 10, 0, 0, 0);
    int bound = 20260309;
    for (int i = 0; i < 3660; i++)
        bound = fq_cal_next_day(bound);
    fq_sla_t sla = {FQ_SLA_WORKING_DAYS, 7, 1050};
    CHECK(fq_cal_deadline(&never, &sla, start) == s_end(bound));
    CHECK(fq_cal_add_working_days(&never, start, 365) == s_end(bound));
    sla.kind = FQ_SLA_SAME_DAY;
    CHECK(fq_cal_deadline(&never, &sla, start) == fq_cal_at(bound, 1050));
    CHECK(fq_cal_working_days_between(&never, start, s_end(bound)) == 0);
    CHECK(fq_cal_after_pause(&never, FQ_SLA_WORKING_DAYS, start, start, s_end(bound)) == start);

    /* every day a holiday, in a file's worth of ranges, and no weekend */
    static int all[3700];
    int d = 20260309;
    for (int i = 0; i < 3700; i++, d = fq_cal_next_day(d))
        all[i] = d;
    fq_calendar_t holidays = {.weekend_mask = 0, .holidays = all, .nholidays = 3700};
    CHECK(fq_cal_add_working_days(&holidays, start, 1) == s_end(bound));
    CHECK(fq_cal_working_days_between(&holidays, start, s_end(bound)) == 0);
}

/* The example deployment carries the same 2026 calendar and the seed's deadlines. */
static void test_deployment(void)
{
    char err[512] = "";
    fq_cfg_t *cfg = fq_cfg_load("config/guangming.yaml", err, sizeof err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    const fq_calendar_t *cal = &cfg->calendar;
    CHECK(cal->weekend_mask == s_cal.weekend_mask);
    CHECK(cal->nholidays == s_cal.nholidays && cal->nworkdays == s_cal.nworkdays);
    for (size_t i = 0; i < cal->nholidays && i < s_cal.nholidays; i++)
        CHECK(cal->holidays[i] == s_holidays[i]);
    for (size_t i = 0; i < cal->nworkdays && i < s_cal.nworkdays; i++)
        CHECK(cal->workdays[i] == s_workdays[i]);

    int64_t wed = s_cst(20260211, 15, 0, 0, 0);
    fq_sla_t sla = fq_cfg_sla(cfg, "complex", "neighbour");
    CHECK(fq_cal_deadline(cal, &sla, wed) == s_end(20260227));
    sla = fq_cfg_sla(cfg, "complex", "wage_arrears"); /* five working days */
    CHECK(fq_cal_deadline(cal, &sla, wed) == s_end(20260225));
    sla = fq_cfg_sla(cfg, "high_risk", "mass_dispute");
    CHECK(fq_cal_deadline(cal, &sla, wed) == s_end(20260304));
    sla = fq_cfg_sla(cfg, "simple", "noise");
    CHECK(fq_cal_deadline(cal, &sla, s_cst(20260213, 18, 0, 0, 0)) ==
          s_cst(20260214, 17, 30, 0, 0));
    fq_cfg_destroy(&cfg);
}

int main(void)
{
    setenv("TZ", "America/Los_Angeles", 1); /* the process's zone must not matter */
    tzset();
    test_days();
    test_workdays();
    test_between_matches_days();
    test_working_days();
    test_same_day();
    test_calendar_days();
    test_pause();
    test_no_working_day();
    test_deployment();
    CHECK_DONE();
}
