/* test_config.c - unit test of the configuration loader (daemons/core/config.c).
 *
 * Loads the example deployment config/guangming.yaml and checks a few values, then loads every
 * broken fixture in tests/fixtures/config/ and a few generated files, and asserts the exact
 * "file:line:col: " prefix of each error and a key word of its message. Lines and columns were
 * counted by hand (columns in characters, so 邻里纠纷 counts four). Run from the repository root.
 * Exit status: 0 when every check passed, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
static int checks;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)
#define EXPECT_ERROR(path, line, col, word) expect_error((path), (line), (col), (word), __LINE__)

#define FIXTURES "tests/fixtures/config/"

static void check(int ok, const char *what, const char *file, int line)
{
    checks++;
    if (ok)
        return;
    failures++;
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
}

/* Loading PATH must fail with "PATH:LINE:COL: " and a message containing WORD. */
static void expect_error(const char *path, int line, int col, const char *word, int at)
{
    char err[512] = "";
    char prefix[300];
    fq_cfg_t *cfg = fq_cfg_load(path, err, sizeof err);
    snprintf(prefix, sizeof prefix, "%s:%d:%d: ", path, line, col);
    checks++;
    if (!cfg && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, word)) {
        printf("ok    %s\n", err);
        return;
    }
    failures++;
    fprintf(stderr, "%s:%d: expected \"%s...%s...\", got %s\"%s\"\n", __FILE__, at, prefix, word,
            cfg ? "a config and " : "", err);
    fq_cfg_destroy(&cfg);
}

/* Writes TEXT (LEN bytes) to a new temporary file; its name goes to PATH. */
static void write_temp(const char *text, size_t len, char *path, size_t size)
{
    snprintf(path, size, "/tmp/fq_test_config_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
        perror("test_config: temporary file");
        exit(1);
    }
    close(fd);
}

/* Like EXPECT_ERROR for a configuration given as text. */
#define EXPECT_TEXT_ERROR(text, line, col, word)                                                   \
    do {                                                                                           \
        char tmp_[64];                                                                             \
        write_temp((text), strlen(text), tmp_, sizeof tmp_);                                       \
        expect_error(tmp_, (line), (col), (word), __LINE__);                                       \
        unlink(tmp_);                                                                              \
    } while (0)

/* A district on its own, line 1..6, to which the generated cases add lines. */
#define DISTRICT                                                                                   \
    "name: test\n"                                                                                 \
    "units:\n"                                                                                     \
    "  - code: \"440311000000\"\n"                                                                 \
    "    name: 光明区综治中心\n"                                                            \
    "    tier: district\n"                                                                         \
    "    ops: \"tcp://127.0.0.1:7100\"\n"
#define DISTRICT_LINK "    link: \"tcp://127.0.0.1:7101\"\n"
#define CATEGORY "categories:\n  - {code: neighbour, name: 邻里纠纷, track: simple}\n"

static int same_sla(fq_sla_t sla, fq_sla_kind_t kind, int days, int cutoff)
{
    return sla.kind == kind && sla.days == days && sla.cutoff_minutes == cutoff;
}

/* The 2026 calendar, Haizhou's deadlines (seed 003) and the notices of the example file. */
static void test_example_sla(const fq_cfg_t *cfg)
{
    const fq_calendar_t *cal = &cfg->calendar;
    CHECK(cal->weekend_mask == (1u << 0 | 1u << 6));
    CHECK(cal->nholidays == 33 && cal->nworkdays == 6);
    CHECK(cal->nholidays == 33 && cal->holidays[0] == 20260101 && cal->holidays[3] == 20260215);
    CHECK(cal->nholidays == 33 && cal->holidays[32] == 20261007);
    for (size_t i = 1; i < cal->nholidays; i++)
        CHECK(cal->holidays[i - 1] < cal->holidays[i]);
    CHECK(cal->nworkdays == 6 && cal->workdays[0] == 20260104 && cal->workdays[5] == 20261010);
    CHECK(cfg->sla_cutoff_minutes == 17 * 60 + 30);
    CHECK(cfg->nsla_tracks == 4 && cfg->nsla_categories == 1);
    CHECK(same_sla(fq_cfg_sla(cfg, "simple", "neighbour"), FQ_SLA_SAME_DAY, 0, 1050));
    CHECK(same_sla(fq_cfg_sla(cfg, "complex", "labour"), FQ_SLA_WORKING_DAYS, 7, 1050));
    CHECK(same_sla(fq_cfg_sla(cfg, "high_risk", "mass_dispute"), FQ_SLA_CALENDAR_DAYS, 21, 1050));
    CHECK(same_sla(fq_cfg_sla(cfg, "long_term", "historical"), FQ_SLA_CALENDAR_DAYS, 90, 1050));
    CHECK(same_sla(fq_cfg_sla(cfg, "complex", "wage_arrears"), FQ_SLA_WORKING_DAYS, 5, 1050));
    CHECK(same_sla(fq_cfg_sla(cfg, "high_risk", "wage_arrears"), FQ_SLA_WORKING_DAYS, 5, 1050));
    CHECK(cfg->nsla_categories == 1 && cfg->sla_categories[0].sla.cutoff_minutes == 1050);
    CHECK(cfg->reminder_fraction == 0.5 && cfg->warning_after_days == 2 && !cfg->auto_escalate);
    CHECK(cfg->stats_interval_ms == 5000);
}

static void test_example(void)
{
    char err[512] = "";
    fq_cfg_t *cfg = fq_cfg_load("config/guangming.yaml", err, sizeof err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK(strcmp(cfg->name, "光明区综治中心三级联动") == 0);
    CHECK(strcmp(cfg->path, "config/guangming.yaml") == 0);
    CHECK(strcmp(cfg->database_url, "dbname=fengqiao") == 0 && cfg->replan_interval_ms == 10000);
    CHECK(strcmp(cfg->database_roles[FQ_TIER_COMMUNITY], "fq_community") == 0);
    CHECK(strcmp(cfg->database_roles[FQ_TIER_STREET], "fq_street") == 0);
    CHECK(strcmp(cfg->database_roles[FQ_TIER_DISTRICT], "fq_district") == 0);
    CHECK(cfg->heartbeat_ms == 1000 && cfg->link_timeout_ms == 3000 && cfg->resend_ms == 2000);
    CHECK(cfg->window == 1024 && cfg->max_message_bytes == 262144);
    CHECK(cfg->nunits == 9);

    const fq_unit_cfg_t *dz = fq_cfg_unit(cfg, "440311001001");
    CHECK(dz && strcmp(dz->name, "东周社区综治中心") == 0);
    CHECK(dz && dz->tier == FQ_TIER_COMMUNITY && dz->link == NULL);
    const fq_unit_cfg_t *street = fq_cfg_parent(cfg, dz);
    CHECK(street && strcmp(street->code, "440311001000") == 0);
    CHECK(street && strcmp(street->name, "光明街道综治中心") == 0 && street->link);
    const fq_unit_cfg_t *district = fq_cfg_parent(cfg, street);
    CHECK(district && district->tier == FQ_TIER_DISTRICT && district->parent[0] == '\0');
    CHECK(fq_cfg_parent(cfg, district) == NULL);
    CHECK(fq_cfg_unit(cfg, "440311009999") == NULL);

    /* the tree: a unit is within itself and its ancestors, never a sibling's or a stranger's */
    CHECK(fq_cfg_within(cfg, "440311001001", "440311001001"));
    CHECK(fq_cfg_within(cfg, "440311001001", "440311001000"));
    CHECK(fq_cfg_within(cfg, "440311001001", "440311000000"));
    CHECK(!fq_cfg_within(cfg, "440311001001", "440311001002"));
    CHECK(!fq_cfg_within(cfg, "440311001001", "440311002000"));
    CHECK(!fq_cfg_within(cfg, "440311001000", "440311001001"));
    CHECK(!fq_cfg_within(cfg, "440311009999", "440311000000"));
    CHECK(!fq_cfg_within(cfg, NULL, "440311000000"));
    const char *codes[9];
    size_t n = fq_cfg_subtree(cfg, "440311002000", codes);
    CHECK(n == 4 && strcmp(codes[0], "440311002000") == 0);
    for (size_t i = 1; i < n; i++)
        CHECK(fq_cfg_within(cfg, codes[i], "440311002000") && strcmp(codes[i], codes[0]) != 0);
    CHECK(fq_cfg_subtree(cfg, "440311000000", codes) == 9);
    CHECK(fq_cfg_subtree(cfg, "440311001003", codes) == 1);
    CHECK(fq_cfg_subtree(cfg, "440311009999", codes) == 0);

    /* every endpoint distinct, so the whole tree can run on one machine */
    for (size_t i = 0; i < cfg->nunits; i++)
        for (size_t j = 0; j < cfg->nunits; j++) {
            const fq_unit_cfg_t *a = &cfg->units[i], *b = &cfg->units[j];
            CHECK(i == j || strcmp(a->ops, b->ops) != 0);
            CHECK(!a->link || strcmp(a->link, b->ops) != 0);
            CHECK(i == j || !a->link || !b->link || strcmp(a->link, b->link) != 0);
        }

    CHECK(cfg->ncategories >= 10);
    const fq_category_cfg_t *cat = fq_cfg_category(cfg, "wage_arrears");
    CHECK(cat && strcmp(cat->name, "劳资欠薪纠纷") == 0 && strcmp(cat->track, "complex") == 0);
    CHECK(fq_cfg_category(cfg, "gambling") == NULL);

    const fq_department_cfg_t *dep = fq_cfg_department(cfg, "justice_office");
    CHECK(dep && strcmp(dep->name, "司法所") == 0 && dep->tier == FQ_TIER_STREET);
    CHECK(dep && strcmp(dep->presence, "resident") == 0 && dep->ncategories >= 2);
    CHECK(dep && strcmp(dep->categories[0], "neighbour") == 0);

    CHECK(cfg->max_returns == 2);
    CHECK(strcmp(cfg->triage_default, "complex") == 0);
    test_example_sla(cfg);
    CHECK(cfg->ntriage_rules == 9);
    if (cfg->ntriage_rules == 9) {
        const fq_triage_rule_cfg_t *r = &cfg->triage_rules[0];
        CHECK(strcmp(r->name, "人身安全风险") == 0 && strcmp(r->track, "high_risk") == 0);
        CHECK(r->nkeywords >= 3 && strcmp(r->keywords[0], "跳楼") == 0 && r->ncategories == 0);
        CHECK(r->risk_min == 0 && r->risk_max == 0 && r->parties_min == 0 && r->amount_min == 0);
        r = &cfg->triage_rules[4];
        CHECK(strcmp(r->name, "大额投资理财纠纷") == 0 && r->amount_min == 1000000);
        CHECK(r->ncategories == 1 && strcmp(r->categories[0], "investment") == 0);
        r = &cfg->triage_rules[8];
        CHECK(strcmp(r->track, "simple") == 0 && r->risk_min == 0 && r->risk_max == 2);
    }
    fq_cfg_destroy(&cfg);
    CHECK(cfg == NULL);
}

static void test_fixtures(void)
{
    EXPECT_ERROR(FIXTURES "syntax_error.yaml", 6, 19, "syntax error: mapping values");
    EXPECT_ERROR(FIXTURES "unknown_key.yaml", 7, 5, "unknown key 'colour' in unit");
    EXPECT_ERROR(FIXTURES "duplicate_unit.yaml", 15, 11, "duplicate unit code '440311001000'");
    EXPECT_ERROR(FIXTURES "missing_parent.yaml", 12, 13, "'440311009000'");
    EXPECT_ERROR(FIXTURES "missing_parent.yaml", 12, 13, "not defined");
    EXPECT_ERROR(FIXTURES "bad_code.yaml", 4, 11, "exactly 12 digits");
    EXPECT_ERROR(FIXTURES "wrong_parent_tier.yaml", 12, 13, "parent must be a street");
    EXPECT_ERROR(FIXTURES "missing_link.yaml", 9, 5, "missing required key 'link'");
    EXPECT_ERROR(FIXTURES "bad_track.yaml", 10, 42, "unknown track 'urgent'");
    EXPECT_ERROR(FIXTURES "unknown_department_category.yaml", 16, 29,
                 "unknown category 'gambling'");
    EXPECT_ERROR(FIXTURES "out_of_bounds.yaml", 4, 17, "out of bounds");
    EXPECT_ERROR(FIXTURES "wrong_type.yaml", 5, 11, "must be a scalar, not a sequence");
    EXPECT_ERROR(FIXTURES "port_out_of_range.yaml", 7, 10,
                 "'ops' has port '99999', not a number 1 to 65535");
    EXPECT_ERROR(FIXTURES "port_not_a_number.yaml", 8, 11,
                 "'link' has port 'abc', not a number 1 to 65535");
    EXPECT_ERROR(FIXTURES "port_missing.yaml", 7, 10, "'ops' must be tcp://HOST:PORT");
    EXPECT_ERROR(FIXTURES "duplicate_endpoint.yaml", 14, 11,
                 "duplicate endpoint 'tcp://127.0.0.1:7100': link of unit 440311001000 is "
                 "already ops of unit 440311000000 (line 7)");
    EXPECT_ERROR(FIXTURES "duplicate_ops.yaml", 13, 10,
                 "duplicate endpoint 'tcp://127.0.0.1:7100': ops of unit 440311001000 is already "
                 "ops of unit 440311000000 (line 7)");
}

static void test_triage_fixtures(void)
{
    EXPECT_ERROR(FIXTURES "triage_unknown_key.yaml", 17, 7, "unknown key 'colour' in rule");
    EXPECT_ERROR(FIXTURES "triage_bad_track.yaml", 15, 14, "unknown track 'urgent'");
    EXPECT_ERROR(FIXTURES "triage_unknown_category.yaml", 16, 32,
                 "rule '大额投资' lists unknown category 'gambling'");
    EXPECT_ERROR(FIXTURES "triage_risk_range.yaml", 17, 17,
                 "risk_max (2) is below risk_min (3) in rule 中等风险");
    EXPECT_ERROR(FIXTURES "triage_no_condition.yaml", 17, 7,
                 "rule 其余一律 has no condition; use triage.default instead");
    EXPECT_ERROR(FIXTURES "triage_duplicate_rule.yaml", 20, 13,
                 "duplicate rule name '涉稳高风险' (first defined at line 14)");
}

static void test_sla_fixtures(void)
{
    EXPECT_ERROR(FIXTURES "calendar_bad_date.yaml", 13, 50,
                 "'holidays' entry '2026-02-30' names no such day");
    EXPECT_ERROR(FIXTURES "calendar_range_backwards.yaml", 15, 7,
                 "range '2026-02-23..2026-02-15' in 'holidays' ends before it starts");
    EXPECT_ERROR(FIXTURES "calendar_holiday_workday.yaml", 15, 26,
                 "2026-02-21 is both a holiday and a workday");
    EXPECT_ERROR(FIXTURES "calendar_unknown_weekday.yaml", 13, 18,
                 "unknown weekday 'sunday' (expected sun|mon|tue|wed|thu|fri|sat)");
    EXPECT_ERROR(
        FIXTURES "sla_unknown_track.yaml", 15, 5,
        "unknown track 'urgent' in sla.tracks (expected simple|complex|high_risk|long_term)");
    EXPECT_ERROR(FIXTURES "sla_unknown_category.yaml", 12, 5,
                 "sla.categories names unknown category 'gambling'");
    EXPECT_ERROR(FIXTURES "sla_two_kinds.yaml", 15, 7,
                 "the rule for 'complex' must give exactly one of same_day: true, working_days, "
                 "calendar_days (it gives 2)");
    EXPECT_ERROR(FIXTURES "notices_reminder_range.yaml", 13, 16,
                 "'reminder_at' = 1.5 is out of range (0 < x < 1)");
}

/* A district, lines 1..7, then the section on line 8 and its keys from line 9. */
#define SECTION(name) DISTRICT DISTRICT_LINK name ":\n"

static void test_calendar(void)
{
    EXPECT_TEXT_ERROR(SECTION("calendar") "  holidays: [2026-2-1]\n", 9, 14,
                      "'holidays' entry '2026-2-1' is not a date YYYY-MM-DD or a range");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  holidays: [2026-01-01..]\n", 9, 14, "is not a date");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  holidays: [\"2026-01-01 \"]\n", 9, 14,
                      "is not a date");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  workdays: [2025-02-29]\n", 9, 14, "no such day");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  workdays: [2026-13-01]\n", 9, 14, "no such day");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  holidays: [2026-01-01..2027-01-02]\n", 9, 14,
                      "range '2026-01-01..2027-01-02' in 'holidays' is longer than 366 days");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  holidays: 2026-01-01\n", 9, 13,
                      "'holidays' must be a sequence, not a scalar");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  holidays: [[2026-01-01]]\n", 9, 14,
                      "'holidays' must be a scalar, not a sequence");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  weekend: [sat, sat]\n", 9, 18,
                      "weekday 'sat' given twice in 'weekend'");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  weekend: [sun, mon, tue, wed, thu, fri, sat]\n", 9, 12,
                      "'weekend' has 7 entries, expected 0..6");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  weekend: [Sat]\n", 9, 13, "unknown weekday 'Sat'");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  holiday: [2026-01-01]\n", 9, 3,
                      "unknown key 'holiday' in calendar (expected weekend|holidays|workdays)");
    EXPECT_TEXT_ERROR(SECTION("calendar") "  holidays: [2026-10-01..2026-10-07]\n"
                                          "  workdays: [2026-09-20..2026-10-01]\n",
                      10, 14, "2026-10-01 is both a holiday and a workday");
}

static void test_sla(void)
{
    EXPECT_TEXT_ERROR(SECTION("sla") "  cutoff: \"25:00\"\n", 9, 11,
                      "'cutoff' must be a time HH:MM (00:00..23:59), got '25:00'");
    EXPECT_TEXT_ERROR(SECTION("sla") "  cutoff: 7\n", 9, 11, "got '7'");
    EXPECT_TEXT_ERROR(SECTION("sla") "  cutoff: \"17:60\"\n", 9, 11, "HH:MM");
    EXPECT_TEXT_ERROR(SECTION("sla") "  cutoff: \"7:30\"\n", 9, 11, "HH:MM");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    complex: {}\n", 10, 14,
                      "the rule for 'complex' must give exactly one of same_day: true, "
                      "working_days, calendar_days (it gives 0)");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    simple: {same_day: true, working_days: 1}\n",
                      10, 13, "(it gives 2)");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    simple: {same_day: false}\n", 10, 24,
                      "'same_day' can only be true");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    complex: {working_days: 366}\n", 10, 29,
                      "'working_days' = 366 is out of bounds (1..365)");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    long_term: {calendar_days: 0}\n", 10, 32,
                      "'calendar_days' = 0 is out of bounds (1..3650)");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    long_term: {calendar_days: 3651}\n", 10, 32,
                      "out of bounds (1..3650)");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    complex: {hours: 4}\n", 10, 15,
                      "unknown key 'hours' in deadline rule "
                      "(expected same_day|working_days|calendar_days)");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    complex: 7\n", 10, 14,
                      "deadline rule must be a mapping, not a scalar");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks: [complex]\n", 9, 11,
                      "'tracks' must be a mapping of code to deadline rule");
    EXPECT_TEXT_ERROR(SECTION("sla") "  tracks:\n    complex: {working_days: 7}\n"
                                     "    complex: {working_days: 5}\n",
                      11, 5, "duplicate key 'complex' in sla.tracks");
    EXPECT_TEXT_ERROR(SECTION("sla") "  categories:\n    邻里: {working_days: 3}\n", 10, 5,
                      "category code '邻里' in sla.categories must be 1..64");
    EXPECT_TEXT_ERROR(SECTION("sla") "  categories:\n    neighbour: {working_days: 3}\n", 10, 5,
                      "sla.categories names unknown category 'neighbour'");
    EXPECT_TEXT_ERROR(SECTION("sla") "  deadline: 7\n", 9, 3,
                      "unknown key 'deadline' in sla (expected cutoff|tracks|categories)");
}

static void test_notices_stats(void)
{
    EXPECT_TEXT_ERROR(SECTION("notices") "  reminder_at: 0\n", 9, 16, "out of range (0 < x < 1)");
    EXPECT_TEXT_ERROR(SECTION("notices") "  reminder_at: 1.0\n", 9, 16, "'reminder_at' = 1.0 is");
    EXPECT_TEXT_ERROR(SECTION("notices") "  reminder_at: 5e-1\n", 9, 16,
                      "'reminder_at' must be a decimal number, got '5e-1'");
    EXPECT_TEXT_ERROR(SECTION("notices") "  reminder_at: 0.5.1\n", 9, 16, "decimal number");
    EXPECT_TEXT_ERROR(SECTION("notices") "  reminder_at: nan\n", 9, 16, "decimal number");
    EXPECT_TEXT_ERROR(SECTION("notices") "  warning_after_working_days: 61\n", 9, 31,
                      "'warning_after_working_days' = 61 is out of bounds (1..60)");
    EXPECT_TEXT_ERROR(SECTION("notices") "  warning_after_working_days: 0\n", 9, 31,
                      "out of bounds (1..60)");
    EXPECT_TEXT_ERROR(SECTION("notices") "  auto_escalate: yes\n", 9, 18,
                      "'auto_escalate' must be true or false, got 'yes'");
    EXPECT_TEXT_ERROR(SECTION("stats") "  report_interval_ms: 99\n", 9, 23,
                      "'report_interval_ms' = 99 is out of bounds (100..86400000)");
    EXPECT_TEXT_ERROR(SECTION("stats") "  report_interval_ms: 86400001\n", 9, 23,
                      "out of bounds (100..86400000)");
    EXPECT_TEXT_ERROR(SECTION("stats") "  interval: 5\n", 9, 3,
                      "unknown key 'interval' in stats (expected report_interval_ms)");
    EXPECT_TEXT_ERROR(SECTION("database") "  replan_interval_ms: 999\n", 9, 23,
                      "'replan_interval_ms' = 999 is out of bounds (1000..86400000)");
    EXPECT_TEXT_ERROR(SECTION("database") "  replan_interval_ms: 86400001\n", 9, 23,
                      "out of bounds (1000..86400000)");
}

/* Lists out of order and overlapping, a Friday weekend, every bound that is allowed. */
static void test_sla_values(void)
{
    char path[64], err[512] = "";
    const char *text = DISTRICT DISTRICT_LINK CATEGORY
        "calendar:\n"
        "  weekend: [fri]\n"
        "  holidays: [2026-10-01..2026-10-07, 2026-01-01, 2026-10-03, 2026-10-05..2026-10-08]\n"
        "  workdays: [2026-10-10, 2026-09-20, 2026-10-10]\n"
        "sla:\n"
        "  cutoff: \"09:00\"\n"
        "  tracks:\n"
        "    complex: {calendar_days: 3650}\n"
        "    simple: {working_days: 365}\n"
        "  categories:\n"
        "    neighbour: {same_day: true}\n"
        "notices: {reminder_at: 0.75, warning_after_working_days: 60, auto_escalate: true}\n"
        "stats: {report_interval_ms: 100}\n"
        "database: {replan_interval_ms: 1000}\n";
    write_temp(text, strlen(text), path, sizeof path);
    fq_cfg_t *cfg = fq_cfg_load(path, err, sizeof err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "  %s\n", err);
        unlink(path);
        return;
    }
    static const int holidays[] = {20260101, 20261001, 20261002, 20261003, 20261004,
                                   20261005, 20261006, 20261007, 20261008};
    const fq_calendar_t *cal = &cfg->calendar;
    CHECK(cal->weekend_mask == 1u << 5);
    CHECK(cal->nholidays == 9);
    for (size_t i = 0; i < 9 && i < cal->nholidays; i++)
        CHECK(cal->holidays[i] == holidays[i]);
    CHECK(cal->nworkdays == 2 && cal->workdays[0] == 20260920 && cal->workdays[1] == 20261010);
    CHECK(cfg->sla_cutoff_minutes == 540);
    CHECK(same_sla(fq_cfg_sla(cfg, "complex", "other"), FQ_SLA_CALENDAR_DAYS, 3650, 540));
    CHECK(same_sla(fq_cfg_sla(cfg, "simple", NULL), FQ_SLA_WORKING_DAYS, 365, 540));
    CHECK(same_sla(fq_cfg_sla(cfg, "complex", "neighbour"), FQ_SLA_SAME_DAY, 0, 540));
    CHECK(same_sla(fq_cfg_sla(cfg, "high_risk", "other"), FQ_SLA_WORKING_DAYS, 7, 540));
    CHECK(same_sla(fq_cfg_sla(cfg, NULL, NULL), FQ_SLA_WORKING_DAYS, 7, 540));
    CHECK(cfg->reminder_fraction == 0.75 && cfg->warning_after_days == 60 && cfg->auto_escalate);
    CHECK(cfg->stats_interval_ms == 100 && cfg->replan_interval_ms == 1000);
    fq_cfg_destroy(&cfg);
    unlink(path);

    /* no weekend at all, a range of exactly 366 days, an empty list, a cut-off at midnight */
    text = DISTRICT DISTRICT_LINK "calendar:\n"
                                  "  weekend: []\n"
                                  "  holidays: [2028-01-01..2028-12-31]\n"
                                  "  workdays: []\n"
                                  "sla: {cutoff: \"00:00\"}\n";
    write_temp(text, strlen(text), path, sizeof path);
    cfg = fq_cfg_load(path, err, sizeof err);
    CHECK(cfg != NULL);
    if (!cfg)
        fprintf(stderr, "  %s\n", err);
    CHECK(cfg && cfg->calendar.weekend_mask == 0 && cfg->calendar.nholidays == 366);
    CHECK(cfg && cfg->calendar.nholidays == 366 && cfg->calendar.holidays[59] == 20280229);
    CHECK(cfg && cfg->calendar.nworkdays == 0 && cfg->sla_cutoff_minutes == 0);
    fq_cfg_destroy(&cfg);
    unlink(path);
}

/* A district with one category, line 1..9, then "triage:\n  rules:\n" on lines 10..11. */
#define RULES DISTRICT DISTRICT_LINK CATEGORY "triage:\n  rules:\n"

static void test_triage(void)
{
    char word[80];
    memset(word, 'x', 65);
    word[65] = '\0';
    char text[600];
    snprintf(text, sizeof text, RULES "    - {name: 长, track: simple, keywords: [%s]}\n", word);
    EXPECT_TEXT_ERROR(text, 12, 43, "'keywords' is 65 bytes long, at most 64");
    EXPECT_TEXT_ERROR(RULES "    - {name: 空, track: simple, keywords: [\"\"]}\n", 12, 43,
                      "'keywords' must not be empty");
    EXPECT_TEXT_ERROR(RULES "    - {name: 空, track: simple, categories: []}\n", 12, 44,
                      "'categories' has 0 entries, expected 1..1024");
    EXPECT_TEXT_ERROR(RULES
                      "    - {name: 两次, track: simple, categories: [neighbour, neighbour]}\n",
                      12, 57, "rule '两次' lists category 'neighbour' twice");
    EXPECT_TEXT_ERROR(RULES "    - {name: 风险, track: simple, risk_min: 5}\n", 12, 43,
                      "'risk_min' = 5 is out of bounds (1..4)");
    EXPECT_TEXT_ERROR(RULES "    - {name: 风险, track: simple, risk_max: 0}\n", 12, 43,
                      "'risk_max' = 0 is out of bounds (1..4)");
    EXPECT_TEXT_ERROR(RULES "    - {name: 人多, track: complex, parties_min: 100001}\n", 12, 47,
                      "'parties_min' = 100001 is out of bounds (1..100000)");
    EXPECT_TEXT_ERROR(RULES "    - {name: 钱, track: complex, amount_min: 1000000000001}\n", 12, 45,
                      "out of bounds (1..1000000000000)");
    EXPECT_TEXT_ERROR(RULES "    - {name: 钱, track: complex, amount_min: 0}\n", 12, 45,
                      "'amount_min' = 0 is out of bounds");
    EXPECT_TEXT_ERROR(RULES "    - {track: complex, risk_min: 3}\n", 12, 7,
                      "missing required key 'name' in rule");
    EXPECT_TEXT_ERROR(RULES "    - {name: 无通道, risk_min: 3}\n", 12, 7,
                      "missing required key 'track' in rule");
    EXPECT_TEXT_ERROR(RULES "    - {name: 无条件, track: complex}\n", 12, 7,
                      "rule 无条件 has no condition");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "triage:\n  default: urgent\n", 9, 12,
                      "unknown track 'urgent' (expected simple|complex|high_risk|long_term)");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "triage:\n  rules: {name: x}\n", 9, 10,
                      "'rules' must be a sequence, not a mapping");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "triage:\n  order: first\n", 9, 3,
                      "unknown key 'order' in triage (expected default|rules)");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "casework:\n  max_returns: 21\n", 9, 16,
                      "'max_returns' = 21 is out of bounds (0..20)");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "casework:\n  max_returns: -1\n", 9, 16,
                      "out of bounds (0..20)");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "casework:\n  returns: 2\n", 9, 3,
                      "unknown key 'returns' in casework");
}

/* Bounds that are allowed, and a triage section with a default but no rules. */
static void test_triage_values(void)
{
    char path[64], err[512] = "";
    const char *text = DISTRICT DISTRICT_LINK CATEGORY "casework: {max_returns: 0}\n"
                                                       "triage:\n"
                                                       "  default: long_term\n"
                                                       "  rules:\n"
                                                       "    - name: 顶格\n"
                                                       "      track: high_risk\n"
                                                       "      risk_min: 4\n"
                                                       "      risk_max: 4\n"
                                                       "      parties_min: 100000\n"
                                                       "      amount_min: 1000000000000\n"
                                                       "      categories: [neighbour]\n"
                                                       "      keywords: [跳楼, 群体]\n";
    write_temp(text, strlen(text), path, sizeof path);
    fq_cfg_t *cfg = fq_cfg_load(path, err, sizeof err);
    CHECK(cfg != NULL);
    if (!cfg)
        fprintf(stderr, "  %s\n", err);
    CHECK(cfg && cfg->max_returns == 0 && strcmp(cfg->triage_default, "long_term") == 0);
    const fq_triage_rule_cfg_t *r = cfg && cfg->ntriage_rules == 1 ? cfg->triage_rules : NULL;
    CHECK(r && strcmp(r->name, "顶格") == 0 && strcmp(r->track, "high_risk") == 0);
    CHECK(r && r->risk_min == 4 && r->risk_max == 4 && r->parties_min == 100000);
    CHECK(r && r->amount_min == 1000000000000LL);
    CHECK(r && r->ncategories == 1 && strcmp(r->categories[0], "neighbour") == 0);
    CHECK(r && r->nkeywords == 2 && strcmp(r->keywords[1], "群体") == 0);
    fq_cfg_destroy(&cfg);
    unlink(path);

    text = DISTRICT DISTRICT_LINK "triage:\n  default: simple\n";
    write_temp(text, strlen(text), path, sizeof path);
    cfg = fq_cfg_load(path, err, sizeof err);
    CHECK(cfg && strcmp(cfg->triage_default, "simple") == 0 && cfg->ntriage_rules == 0);
    CHECK(cfg && cfg->max_returns == 2);
    fq_cfg_destroy(&cfg);
    unlink(path);
}

static void test_units(void)
{
    EXPECT_TEXT_ERROR("name: test\nunits:\n  - code: \"440311000000\"\n    name: 区\n"
                      "    ops: \"tcp://127.0.0.1:7100\"\n",
                      3, 5, "missing required key 'tier' in unit");
    EXPECT_TEXT_ERROR("name: test\n", 1, 1, "missing required key 'units'");
    EXPECT_TEXT_ERROR("name: test\nunits: []\n", 2, 8, "'units' has 0 entries");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "    parent: \"440311000000\"\n", 8, 13,
                      "a district has no 'parent'");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "  - code: \"440311001001\"\n    name: 东周\n"
                                             "    tier: community\n"
                                             "    ops: \"tcp://127.0.0.1:7112\"\n",
                      8, 5, "missing required key 'parent'");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "  - code: \"440311001000\"\n    name: 光明街道\n"
                                             "    tier: street\n    parent: \"440311000000\"\n"
                                             "    ops: \"tcp://127.0.0.1:7110\"\n"
                                             "    link: \"tcp://127.0.0.1:7111\"\n"
                                             "  - code: \"440311001001\"\n    name: 东周\n"
                                             "    tier: community\n"
                                             "    parent: \"440311001000\"\n"
                                             "    ops: \"tcp://127.0.0.1:7112\"\n"
                                             "    link: \"tcp://127.0.0.1:7113\"\n",
                      19, 11, "a community has no children");
    EXPECT_TEXT_ERROR(DISTRICT, 3, 5, "missing required key 'link' in district");
    EXPECT_TEXT_ERROR("name: test\nunits:\n  - code: \"440311000000\"\n    name: 区\n"
                      "    tier: county\n",
                      5, 11, "unknown tier 'county'");
    EXPECT_TEXT_ERROR(DISTRICT "    link: \"http://127.0.0.1:7101\"\n", 7, 11, "ZeroMQ endpoint");
    EXPECT_TEXT_ERROR("name: test\nunits:\n  - code: 4403110000001\n", 3, 11, "12 digits");
    EXPECT_TEXT_ERROR("name: test\nunits:\n  - code: 44031100000a\n", 3, 11, "12 digits");
    EXPECT_TEXT_ERROR("name: test\nunits:\n  - just a string\n", 3, 5,
                      "unit must be a mapping, not a scalar");
}

static void test_lists(void)
{
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK CATEGORY
                      "  - {code: neighbour, name: 又一个, track: complex}\n",
                      10, 12, "duplicate category code 'neighbour' (first defined at line 9)");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK CATEGORY "departments:\n"
                                                      "  - {code: court, name: 法庭, tier: "
                                                      "district, presence: on_call}\n"
                                                      "  - {code: court, name: 法庭, tier: "
                                                      "district, presence: resident}\n",
                      12, 12, "duplicate department code 'court'");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK CATEGORY "departments:\n"
                                                      "  - {code: court, name: 法庭, tier: "
                                                      "district, presence: sometimes}\n",
                      11, 55, "unknown presence 'sometimes'");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK CATEGORY "departments:\n"
                                                      "  - {code: court, name: 法庭, tier: "
                                                      "district, presence: on_call,\n"
                                                      "     categories: [neighbour, neighbour]}\n",
                      12, 30, "lists category 'neighbour' twice");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "categories:\n  - {code: 邻里, name: 邻里纠纷, "
                                             "track: simple}\n",
                      9, 12, "'code' must be 1..64");
    EXPECT_TEXT_ERROR(DISTRICT DISTRICT_LINK "categories:\n  - {code: x, name: 邻里纠纷}\n", 9, 5,
                      "missing required key 'track' in category");
}

static void test_values(void)
{
    char name[260];
    char text[400];
    memset(name, 'a', 201);
    name[201] = '\0';
    snprintf(text, sizeof text, "name: %s\n", name);
    EXPECT_TEXT_ERROR(text, 1, 7, "201 bytes long, at most 200");
    EXPECT_TEXT_ERROR("name: \"\"\n", 1, 7, "'name' must not be empty");
    EXPECT_TEXT_ERROR("name: \"a\\tb\"\n", 1, 7, "control character");
    EXPECT_TEXT_ERROR("name: test\nname: again\n", 2, 1, "duplicate key 'name'");
    EXPECT_TEXT_ERROR("name: test\nlink:\n  window: 0x10\n", 3, 11, "decimal integer");
    EXPECT_TEXT_ERROR("name: test\nlink:\n  window: 100001\n", 3, 11, "out of bounds (1..100000)");
    EXPECT_TEXT_ERROR("name: test\nlink: 5\n", 2, 7, "link must be a mapping, not a scalar");
    EXPECT_TEXT_ERROR("name: test\nlink:\n  heartbeat_ms: 5000\n", 3, 3,
                      "link_timeout_ms (3000) must exceed heartbeat_ms (5000)");
    EXPECT_TEXT_ERROR("name: test\ndatabase:\n  host: x\n", 3, 3, "unknown key 'host' in database");
    EXPECT_TEXT_ERROR("name: test\ndatabase:\n  roles: {city: fq_city}\n", 3, 11,
                      "unknown key 'city' in database.roles");
    EXPECT_TEXT_ERROR("name: test\ndatabase:\n  roles: [fq]\n", 3, 10,
                      "database.roles must be a mapping, not a sequence");
    EXPECT_TEXT_ERROR("name: test\ndatabase:\n  roles: {street: Fq}\n", 3, 19,
                      "'street' must be a role name");
    EXPECT_TEXT_ERROR("name: test\ndatabase:\n  roles: {street: 9fq}\n", 3, 19, "role name");
    EXPECT_TEXT_ERROR("name: test\ndatabase:\n  roles: {street: \"fq; DROP\"}\n", 3, 19,
                      "role name");
    EXPECT_TEXT_ERROR("name: test\ndatabase:\n  roles: {street: \"\"}\n", 3, 19, "role name");
    EXPECT_TEXT_ERROR("name: test\ndatabase:\n  roles: {street: a, street: b}\n", 3, 22,
                      "duplicate key 'street'");
    memset(name, 'r', 64);
    name[64] = '\0';
    snprintf(text, sizeof text, "name: test\ndatabase:\n  roles: {district: %s}\n", name);
    EXPECT_TEXT_ERROR(text, 3, 21, "1..63 of a-z 0-9 _");
    EXPECT_TEXT_ERROR("- a\n- b\n", 1, 1, "the top level must be a mapping, not a sequence");
    EXPECT_TEXT_ERROR("name: test\n---\nname: other\n", 2, 1, "second YAML document");
    EXPECT_TEXT_ERROR("name: [[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]\n", 1, 22,
                      "nested deeper than 16");
    EXPECT_TEXT_ERROR("", 1, 1, "empty configuration");
    EXPECT_TEXT_ERROR("# nothing\n", 1, 1, "empty configuration");
    EXPECT_TEXT_ERROR("name: 光明\nunits: [\n", 3, 1, "syntax error");
    EXPECT_TEXT_ERROR("name: 光明\xff\n", 1, 9, "syntax error: invalid leading UTF-8 octet");
    EXPECT_TEXT_ERROR("\xef\xbb\xbfname: [x]\n", 1, 7, "'name' must be a scalar"); /* BOM */
    EXPECT_TEXT_ERROR("name: a\nunits: *nowhere\n", 2, 8, "undefined alias");
}

static void test_files(void)
{
    char path[64];
    size_t size = (size_t)FQ_CFG_FILE_MAX + 1;
    char *big = malloc(size);
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, '#', size);
    write_temp(big, size, path, sizeof path);
    free(big);
    expect_error(path, 1, 1, "larger than 4194304 bytes", __LINE__);
    unlink(path);
    EXPECT_ERROR("tests/fixtures/config/no_such_file.yaml", 1, 1, "cannot open");
    EXPECT_ERROR("tests/fixtures/config", 1, 1, "cannot read");
}

static void test_defaults_and_env(void)
{
    char path[64], err[512] = "";
    const char *text = DISTRICT DISTRICT_LINK;
    write_temp(text, strlen(text), path, sizeof path);

    unsetenv("FQ_DATABASE_URL");
    fq_cfg_t *cfg = fq_cfg_load(path, err, sizeof err);
    CHECK(cfg && strcmp(cfg->database_url, "dbname=fengqiao") == 0);
    CHECK(cfg && !cfg->database_roles[FQ_TIER_COMMUNITY] && !cfg->database_roles[FQ_TIER_STREET] &&
          !cfg->database_roles[FQ_TIER_DISTRICT]); /* every tier connects as the url's user */
    CHECK(cfg && cfg->heartbeat_ms == 1000 && cfg->link_timeout_ms == 3000);
    CHECK(cfg && cfg->resend_ms == 2000 && cfg->window == 1024);
    CHECK(cfg && cfg->max_message_bytes == 262144);
    CHECK(cfg && cfg->ncategories == 0 && cfg->ndepartments == 0 && cfg->nunits == 1);
    CHECK(cfg && cfg->max_returns == 2 && cfg->ntriage_rules == 0 && !cfg->triage_rules);
    CHECK(cfg && strcmp(cfg->triage_default, "complex") == 0);
    CHECK(cfg && cfg->calendar.weekend_mask == (1u << 0 | 1u << 6));
    CHECK(cfg && cfg->calendar.nholidays == 0 && cfg->calendar.nworkdays == 0);
    CHECK(cfg && cfg->sla_cutoff_minutes == 1050 && cfg->nsla_tracks == 0);
    CHECK(cfg && cfg->nsla_categories == 0 && cfg->reminder_fraction == 0.5);
    CHECK(cfg && cfg->warning_after_days == 2 && !cfg->auto_escalate);
    CHECK(cfg && cfg->stats_interval_ms == 60000);
    CHECK(cfg && same_sla(fq_cfg_sla(cfg, "simple", "neighbour"), FQ_SLA_WORKING_DAYS, 7, 1050));
    fq_cfg_destroy(&cfg);

    setenv("FQ_DATABASE_URL", "host=/tmp/pg port=5999 dbname=fq_test", 1);
    cfg = fq_cfg_load(path, err, sizeof err);
    CHECK(cfg && strcmp(cfg->database_url, "host=/tmp/pg port=5999 dbname=fq_test") == 0);
    fq_cfg_destroy(&cfg);
    cfg = fq_cfg_load("config/guangming.yaml", err, sizeof err);
    CHECK(cfg && strcmp(cfg->database_url, "host=/tmp/pg port=5999 dbname=fq_test") == 0);
    fq_cfg_destroy(&cfg);

    setenv("FQ_DATABASE_URL", "", 1); /* set but empty: the file's value stands */
    cfg = fq_cfg_load("config/guangming.yaml", err, sizeof err);
    CHECK(cfg && strcmp(cfg->database_url, "dbname=fengqiao") == 0);
    fq_cfg_destroy(&cfg);
    unsetenv("FQ_DATABASE_URL");
    unlink(path);

    char bom[512] = "\xef\xbb\xbf"; /* a UTF-8 byte order mark, as Windows editors write */
    strcat(bom, text);
    write_temp(bom, strlen(bom), path, sizeof path);
    cfg = fq_cfg_load(path, err, sizeof err);
    CHECK(cfg && strcmp(cfg->name, "test") == 0);
    fq_cfg_destroy(&cfg);
    unlink(path);
}

static void test_api(void)
{
    fq_tier_t tier = FQ_TIER_COMMUNITY;
    fq_cfg_t *none = NULL;
    CHECK(fq_tier_parse("street", &tier) == 0 && tier == FQ_TIER_STREET);
    CHECK(fq_tier_parse("district", &tier) == 0 && tier == FQ_TIER_DISTRICT);
    CHECK(fq_tier_parse("county", &tier) == -1 && tier == FQ_TIER_DISTRICT);
    CHECK(fq_tier_parse(NULL, &tier) == -1);
    CHECK(strcmp(fq_tier_name(FQ_TIER_COMMUNITY), "community") == 0);
    CHECK(strcmp(fq_tier_name((fq_tier_t)7), "unknown") == 0);
    fq_cfg_destroy(NULL);
    fq_cfg_destroy(&none);
    CHECK(fq_cfg_unit(NULL, "440311000000") == NULL);
    CHECK(fq_cfg_load("tests/fixtures/config/no_such_file.yaml", NULL, 0) == NULL);
    CHECK(same_sla(fq_cfg_sla(NULL, "simple", NULL), FQ_SLA_WORKING_DAYS, 7, 1050));
}

int main(void)
{
    test_example();
    test_fixtures();
    test_triage_fixtures();
    test_triage();
    test_triage_values();
    test_sla_fixtures();
    test_calendar();
    test_sla();
    test_notices_stats();
    test_sla_values();
    test_units();
    test_lists();
    test_values();
    test_files();
    test_defaults_and_env();
    test_api();
    printf("test_config: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
