/* test_report.c - unit test of the statistics arithmetic (daemons/core/stats_figures.c) and of
 * the monthly and daily reports' rendering (daemons/core/report_render.c), without a database:
 * rates and their "-", summing figures and merging counts by key, the Chinese headings and
 * tables, per-unit rows, Markdown and CSV escaping, and the key-dispute table.
 * Exit status: 0 when every check passed. */
#include "check.h"
#include "report_internal.h"
#include "stats_internal.h"

#include <stdlib.h>
#include <string.h>

#define DISTRICT "440311000000"
#define STREET "440311001000"

static fq_unit_cfg_t s_units[] = {
    {.code = DISTRICT, .name = "光明区综治中心", .tier = FQ_TIER_DISTRICT},
    {.code = STREET, .name = "光明街道综治中心", .tier = FQ_TIER_STREET, .parent = DISTRICT}};
static fq_category_cfg_t s_categories[] = {{.code = "neighbour", .name = "邻里纠纷"},
                                           {.code = "noise", .name = "噪音扰民"}};
static fq_cfg_t s_cfg = {
    .units = s_units, .nunits = 2, .categories = s_categories, .ncategories = 2};

static bool has(const char *text, const char *needle)
{
    bool found = text && strstr(text, needle) != NULL;
    if (!found)
        fprintf(stderr, "missing: %s\n", needle);
    return found;
}

static bool starts(const char *text, const char *prefix)
{
    return text && strncmp(text, prefix, strlen(prefix)) == 0;
}

static void test_rates(void)
{
    char out[16];
    fq_report_rate(out, 0, 0);
    CHECK_STR(out, "-");
    fq_report_rate(out, 1, 3);
    CHECK_STR(out, "33.3%");
    fq_report_rate(out, 2, 3);
    CHECK_STR(out, "66.7%");
    fq_report_rate(out, 7, 7);
    CHECK_STR(out, "100.0%");
    fq_report_rate(out, 0, 4);
    CHECK_STR(out, "0.0%");
}

static void test_days(void)
{
    CHECK(fq_stats_day_valid(20240229));
    CHECK(!fq_stats_day_valid(20250229));
    CHECK(!fq_stats_day_valid(20261131));
    CHECK(!fq_stats_day_valid(20261300));
    CHECK(!fq_stats_day_valid(0));
    CHECK(fq_stats_day_valid(20261231));
}

/* Figures of UNIT: received R (all category CAT, track simple, source grid), resolved RS. */
static Fq__DayFigures *figures(const char *unit, uint32_t r, const char *cat, uint32_t rs)
{
    Fq__DayFigures *d = fq_figures_new(unit, 0);
    d->received = r;
    d->resolved = rs;
    d->on_time = rs;
    d->wd_sum = 3 * rs;
    fq_figures_count(&d->by_category, &d->n_by_category, cat, r);
    fq_figures_count(&d->by_track, &d->n_by_track, "simple", r);
    fq_figures_count(&d->by_source, &d->n_by_source, "grid", r);
    return d;
}

static void test_add(void)
{
    Fq__DayFigures *sum = fq_figures_new(DISTRICT, 0);
    Fq__DayFigures *a = figures(STREET, 2, "noise", 1), *b = figures(DISTRICT, 3, "neighbour", 2);
    Fq__DayFigures *c = figures(STREET, 1, "noise", 0);
    CHECK(fq_figures_add(sum, a) == 0 && fq_figures_add(sum, b) == 0 &&
          fq_figures_add(sum, c) == 0);
    fq_figures_sort(sum);
    CHECK(sum->received == 6 && sum->resolved == 3 && sum->on_time == 3 && sum->wd_sum == 9);
    CHECK(sum->n_by_category == 2 && sum->n_by_track == 1 && sum->n_by_source == 1);
    CHECK_STR(sum->by_category[0]->key, "neighbour");
    CHECK(sum->by_category[0]->n == 3 && sum->by_category[1]->n == 3);
    CHECK(sum->by_track[0]->n == 6);
    fq_figures_free(a);
    fq_figures_free(b);
    fq_figures_free(c);
    fq_figures_free(sum);
    fq_figures_free(NULL);
}

static void test_monthly(void)
{
    Fq__DayFigures *units[2] = {figures(DISTRICT, 0, "noise", 0),
                                figures(STREET, 4, "neighbour", 2)};
    fq_figures_count(&units[1]->by_category, &units[1]->n_by_category, "mystery", 0);
    Fq__DayFigures *total = fq_figures_new(DISTRICT, 0);
    fq_figures_add(total, units[0]);
    fq_figures_add(total, units[1]);
    fq_report_t r = {.cfg = &s_cfg,
                     .unit = DISTRICT,
                     .unit_name = "光明区综治中心",
                     .from_day = 20261101,
                     .to_day = 20261130,
                     .total = total,
                     .units = units,
                     .nunits = 2};
    char *md, *csv;
    CHECK(fq_report_render_monthly(&r, &md, &csv) == 0);
    CHECK(starts(md, "# 光明区综治中心 矛盾纠纷化解月报 (2026年11月)\n"));
    CHECK(has(md, "统计期间: 2026-11-01 至 2026-11-30"));
    CHECK(has(md, "含下辖 1 个单位上报的数据"));
    CHECK(!strstr(md, "生成时间"));
    CHECK(has(md, "## 一、总体情况"));
    CHECK(has(md, "| 受理 | 4 |\n| 化解 | 2 |\n| 办结 | 0 |"));
    CHECK(has(md, "| 化解率 | 50.0% |"));
    CHECK(has(md, "| 按期率 | 100.0% |"));
    CHECK(has(md, "| 满意率 | - |"));
    CHECK(has(md, "| 平均化解用时(工作日) | 3.0 |"));
    CHECK(has(md, "| 邻里纠纷 | 4 | 100.0% |\n| 噪音扰民 | 0 | 0.0% |"));
    CHECK(!strstr(md, "mystery")); /* an unknown key with no cases is left out */
    CHECK(has(md, "| 普通门诊 | 4 | 100.0% |"));
    CHECK(has(md, "| 特需门诊 | 0 | 0.0% |"));
    CHECK(has(md, "| 网格上报 | 4 | 100.0% |"));
    CHECK(has(md, "## 五、各单位情况"));
    CHECK(has(md, "| 光明区综治中心 (本级) | 0 | 0 | 0 | - | - | - | - |"));
    CHECK(has(md, "| 光明街道综治中心 | 4 | 2 | 0 | 50.0% | 100.0% | - | 3.0 |"));
    CHECK(has(md, "| 合计 | 4 | 2 |"));
    CHECK(starts(csv, "\xEF\xBB\xBF分组,项目,指标,数值\n"));
    CHECK(has(csv, "\n总体,光明区综治中心,化解率,50.0%\n"));
    CHECK(has(csv, "\n按类别,邻里纠纷,受理,4\n"));
    CHECK(has(csv, "\n各单位,光明街道综治中心,受理,4\n"));
    CHECK(has(csv, "\n各单位,光明区综治中心 (本级),满意率,-\n"));
    free(md);
    free(csv);

    r.nunits = 1; /* a community: no per-unit table */
    CHECK(fq_report_render_monthly(&r, &md, &csv) == 0);
    CHECK(!strstr(md, "各单位") && !strstr(csv, "各单位") && !strstr(md, "含下辖"));
    free(md);
    free(csv);
    fq_figures_free(units[0]);
    fq_figures_free(units[1]);
    fq_figures_free(total);
}

static void test_daily(void)
{
    Fq__DayFigures *total = figures(STREET, 1, "noise", 1);
    fq_report_case_t cases[] = {{.case_no = "440311001001-20261110-0001",
                                 .title = "=危房|坍塌",
                                 .category = "safety",
                                 .track = "high_risk",
                                 .state = "escalated",
                                 .holder = STREET,
                                 .deadline_ms = 1794758399000LL, /* 2026-11-15 23:59:59 CST */
                                 .high_risk = true,
                                 .overdue = true},
                                {.case_no = "440311001001-20261104-0001",
                                 .title = "欠薪, \"三人\"\n续",
                                 .category = "neighbour",
                                 .track = "",
                                 .state = "resolved",
                                 .holder = "999",
                                 .escalated = true,
                                 .noticed = true}};
    fq_report_t r = {.cfg = &s_cfg,
                     .unit = STREET,
                     .unit_name = "光明街道综治中心",
                     .from_day = 20261110,
                     .to_day = 20261110,
                     .total = total,
                     .generated_ms = 1794758399000LL,
                     .cases = cases,
                     .ncases = 2};
    char *md, *csv;
    CHECK(fq_report_render_daily(&r, &md, &csv) == 0);
    CHECK(starts(md, "# 光明街道综治中心 重点矛盾纠纷日报 (2026年11月10日)\n"));
    CHECK(has(md, "- 日期: 2026-11-10"));
    CHECK(has(md, "- 生成时间: 2026-11-15 23:59"));
    CHECK(has(md, "## 一、当日情况"));
    CHECK(has(md, "共 2 件: 高风险 1 件, 逾期 1 件, 上报 1 件, 当日督办 1 件。"));
    CHECK(has(md, "| 案件编号 | 标题 | 类别 | 分级 | 状态 | 承办单位 | 时限 | 关注原因 |"));
    CHECK(has(md, "| 440311001001-20261110-0001 | =危房\\|坍塌 | safety | 特需门诊 | "));
    CHECK(has(md, "| 光明街道综治中心 | 2026-11-15 23:59 | 高风险、逾期 |"));
    CHECK(has(md, "| 欠薪, \"三人\" 续 | 邻里纠纷 | 未分级 | "));
    CHECK(has(md, " | 999 | - | 上报、督办 |"));
    CHECK(has(csv, "\n\n案件编号,标题,类别,分级,状态,承办单位,时限,关注原因\n"));
    CHECK(has(csv, ",'=危房|坍塌,safety,特需门诊,"));
    CHECK(has(csv, ",\"欠薪, \"\"三人\"\"\n续\",邻里纠纷,未分级,"));
    CHECK(!strstr(md, "仅列出"));
    free(md);
    free(csv);

    r.truncated = true;
    CHECK(fq_report_render_daily(&r, &md, &csv) == 0);
    CHECK(has(md, "仅列出前 2 件。"));
    free(md);
    free(csv);

    r.ncases = 0;
    r.truncated = false;
    CHECK(fq_report_render_daily(&r, &md, &csv) == 0);
    CHECK(has(md, "当日无重点矛盾纠纷。"));
    CHECK(has(csv, "关注原因\n") && csv[strlen(csv) - 1] == '\n');
    free(md);
    free(csv);
    fq_figures_free(total);
}

/* No raw control character but newlines and tabs, no C1 control, no bidirectional control. */
static bool clean(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f || *p == 0xff)
            return false;
    return !strstr(text, "\xc2\x9b") && !strstr(text, "\xe2\x80\xae") &&
           !strstr(text, "\xe2\x81\xa6");
}

/* Text stored before the daemons checked it (or a name from below) reaches the files escaped,
 * as a terminal shows it: a title with escape sequences, a C1 and a bidirectional control, a
 * byte of invalid UTF-8 and a lone \r; a category code from below with an isolate. */
static void test_hostile(void)
{
    Fq__DayFigures *total = figures(STREET, 1, "x\xe2\x81\xa6y", 1);
    fq_report_case_t cases[] = {{.case_no = "440311001001-20261110-0001",
                                 .title = "欠薪\x1b[2J清屏\x1b]0;pwned\x07\xc2\x9b\xe2\x80\xae"
                                          "末尾\xff\r伪造\x7f",
                                 .category = "neighbour",
                                 .track = "simple",
                                 .state = "escalated",
                                 .holder = STREET,
                                 .escalated = true}};
    fq_report_t r = {.cfg = &s_cfg,
                     .unit = STREET,
                     .unit_name = "光明街道综治中心",
                     .from_day = 20261110,
                     .to_day = 20261110,
                     .total = total,
                     .cases = cases,
                     .ncases = 1};
    char *md, *csv;
    CHECK(fq_report_render_daily(&r, &md, &csv) == 0);
    CHECK(clean(md));
    CHECK(clean(csv));
    CHECK(has(md, "| 欠薪\\x1b\\[2J清屏\\x1b\\]0;pwned\\x07\\u009b\\u202e末尾\\xff 伪造\\x7f | "));
    CHECK(has(csv, ",\"欠薪\\x1b[2J清屏\\x1b]0;pwned\\x07\\u009b\\u202e末尾\\xff\\r伪造\\x7f\","));
    free(md);
    free(csv);
    CHECK(fq_report_render_monthly(&r, &md, &csv) == 0);
    CHECK(clean(md));
    CHECK(clean(csv));
    CHECK(has(md, "| x\\u2066y | 1 | 100.0% |"));
    CHECK(has(csv, "\n按类别,x\\u2066y,受理,1\n"));
    free(md);
    free(csv);
    fq_figures_free(total);
}

int main(void)
{
    test_rates();
    test_days();
    test_add();
    test_monthly();
    test_daily();
    test_hostile();
    CHECK_DONE();
}
