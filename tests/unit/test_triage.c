/* test_triage.c - unit test of 分流 into the four tracks (daemons/core/triage.c).
 *
 * Each condition of a rule is tried alone on both sides of its boundary, then rules in order
 * (the first match wins), the default (built-in and configured), and finally rules loaded from
 * YAML: a generated file and the example deployment config/guangming.yaml with cases like those
 * in the articles. Run from the repository root. Exit status: 0 when every check passed.
 */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "config.h"
#include "triage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef fq_triage_case_t case_t;
typedef fq_triage_rule_cfg_t rule_t;

static char *s_neighbourly[] = {"neighbour", "noise"};
static char *s_alarming[] = {"跳楼", "群体"};

/* The result of triaging C by CFG. */
static fq_triage_result_t s_run(const fq_cfg_t *cfg, case_t c)
{
    fq_triage_result_t out = {"unset", "unset", -1};
    fq_triage(cfg, &c, &out);
    return out;
}

/* 1 when the single rule R takes C; otherwise the default must have applied. */
static int s_takes(rule_t r, case_t c)
{
    fq_cfg_t cfg = {.triage_rules = &r, .ntriage_rules = 1};
    fq_triage_result_t out = s_run(&cfg, c);
    if (out.index == 0)
        CHECK(out.rule == NULL && strcmp(out.track, "complex") == 0);
    return out.index == 1 && out.rule == r.name && out.track == r.track;
}

static void test_tracks(void)
{
    CHECK(fq_track_valid("simple") && fq_track_valid("complex"));
    CHECK(fq_track_valid("high_risk") && fq_track_valid("long_term"));
    CHECK(!fq_track_valid("urgent") && !fq_track_valid("") && !fq_track_valid(NULL));
    CHECK(!fq_track_valid("Simple") && !fq_track_valid("simple "));
    CHECK_STR(fq_track_label("simple"), "普通门诊");
    CHECK_STR(fq_track_label("complex"), "专科门诊");
    CHECK_STR(fq_track_label("high_risk"), "特需门诊");
    CHECK_STR(fq_track_label("long_term"), "社区门诊");
    CHECK_STR(fq_track_label("urgent"), "");
    CHECK_STR(fq_track_label(NULL), "");
}

static void test_category(void)
{
    rule_t r = {.name = "邻里", .track = "simple", .categories = s_neighbourly, .ncategories = 2};
    CHECK(s_takes(r, (case_t){.category = "neighbour"}));
    CHECK(s_takes(r, (case_t){.category = "noise"}));
    CHECK(!s_takes(r, (case_t){.category = "family"}));
    CHECK(!s_takes(r, (case_t){.category = "neighbours"}));
    CHECK(!s_takes(r, (case_t){.category = NULL}));
}

static void test_risk(void)
{
    rule_t from3 = {.name = "三级以上", .track = "high_risk", .risk_min = 3};
    CHECK(s_takes(from3, (case_t){.risk = 3}));
    CHECK(s_takes(from3, (case_t){.risk = 4}));
    CHECK(!s_takes(from3, (case_t){.risk = 2}));

    rule_t upto2 = {.name = "二级以下", .track = "simple", .risk_max = 2};
    CHECK(s_takes(upto2, (case_t){.risk = 2}));
    CHECK(s_takes(upto2, (case_t){.risk = 1}));
    CHECK(!s_takes(upto2, (case_t){.risk = 3}));

    rule_t just3 = {.name = "恰三级", .track = "complex", .risk_min = 3, .risk_max = 3};
    CHECK(s_takes(just3, (case_t){.risk = 3}));
    CHECK(!s_takes(just3, (case_t){.risk = 2}));
    CHECK(!s_takes(just3, (case_t){.risk = 4}));
}

static void test_parties_and_amount(void)
{
    rule_t many = {.name = "多人", .track = "high_risk", .parties_min = 10};
    CHECK(s_takes(many, (case_t){.parties = 10}));
    CHECK(s_takes(many, (case_t){.parties = 500}));
    CHECK(!s_takes(many, (case_t){.parties = 9}));
    CHECK(!s_takes(many, (case_t){.parties = 0}));

    rule_t big = {.name = "大额", .track = "high_risk", .amount_min = 1000000};
    CHECK(s_takes(big, (case_t){.amount = 1000000}));
    CHECK(s_takes(big, (case_t){.amount = 1000000000000LL}));
    CHECK(!s_takes(big, (case_t){.amount = 999999}));
    CHECK(!s_takes(big, (case_t){.amount = 0}));
}

static void test_keywords(void)
{
    rule_t r = {.name = "涉稳", .track = "high_risk", .keywords = s_alarming, .nkeywords = 2};
    CHECK(s_takes(r, (case_t){.title = "员工扬言跳楼", .description = "在园区楼顶"}));
    CHECK(s_takes(r, (case_t){.title = "工资纠纷", .description = "工人说要到楼顶跳楼"}));
    CHECK(s_takes(r, (case_t){.title = "工厂门前群体聚集"})); /* the second keyword */
    CHECK(!s_takes(r, (case_t){.title = "楼上噪音", .description = "晚上十点以后还在装修"}));
    CHECK(!s_takes(r, (case_t){.title = NULL, .description = NULL}));
    CHECK(!s_takes(r, (case_t){.title = "扬言跳", .description = "楼"})); /* not across the two */
}

/* Every condition a rule gives must hold, not just one of them. */
static void test_all_conditions(void)
{
    static char *wages[] = {"wage_arrears"};
    rule_t r = {.name = "多人欠薪聚集",
                .track = "high_risk",
                .categories = wages,
                .ncategories = 1,
                .parties_min = 10,
                .keywords = s_alarming,
                .nkeywords = 2};
    case_t c = {.category = "wage_arrears", .risk = 3, .parties = 40, .title = "欠薪工人群体聚集"};
    CHECK(s_takes(r, c));
    c.parties = 9;
    CHECK(!s_takes(r, c));
    c.parties = 40;
    c.category = "labour";
    CHECK(!s_takes(r, c));
    c.category = "wage_arrears";
    c.title = "欠薪";
    CHECK(!s_takes(r, c));
}

static void test_order_and_default(void)
{
    rule_t rules[] = {
        {.name = "高风险", .track = "high_risk", .risk_min = 3},
        {.name = "邻里", .track = "simple", .categories = s_neighbourly, .ncategories = 2},
    };
    fq_cfg_t cfg = {.triage_rules = rules, .ntriage_rules = 2};
    fq_triage_result_t out = s_run(&cfg, (case_t){.category = "neighbour", .risk = 4});
    CHECK(out.index == 1 && out.rule == rules[0].name);
    CHECK_STR(out.track, "high_risk");
    out = s_run(&cfg, (case_t){.category = "neighbour", .risk = 1});
    CHECK(out.index == 2 && out.rule == rules[1].name);
    CHECK_STR(out.track, "simple");

    out = s_run(&cfg, (case_t){.category = "family", .risk = 1});
    CHECK(out.index == 0 && out.rule == NULL);
    CHECK_STR(out.track, "complex"); /* built in: no default configured */
    cfg.triage_default = "long_term";
    out = s_run(&cfg, (case_t){.category = "family", .risk = 1});
    CHECK(out.index == 0 && out.rule == NULL && out.track == cfg.triage_default);

    fq_cfg_t empty = {.triage_rules = NULL};
    out = s_run(&empty, (case_t){.category = "neighbour", .risk = 4});
    CHECK(out.index == 0 && out.rule == NULL);
    CHECK_STR(out.track, "complex");
    out = s_run(NULL, (case_t){.risk = 4});
    CHECK(out.index == 0 && out.rule == NULL);
    CHECK_STR(out.track, "complex");
}

/* Loads TEXT through a temporary file; NULL (and the error printed) when it does not load. */
static fq_cfg_t *s_load_text(const char *text)
{
    char path[] = "/tmp/fq_test_triage_XXXXXX", err[512] = "";
    size_t len = strlen(text);
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
        perror("test_triage: temporary file");
        exit(1);
    }
    close(fd);
    fq_cfg_t *cfg = fq_cfg_load(path, err, sizeof err);
    if (!cfg)
        fprintf(stderr, "  %s\n", err);
    unlink(path);
    return cfg;
}

static void test_yaml(void)
{
    fq_cfg_t *cfg =
        s_load_text("name: test\n"
                    "units:\n"
                    "  - {code: \"440311000000\", name: 区, tier: district,\n"
                    "     ops: \"tcp://127.0.0.1:7100\", link: \"tcp://127.0.0.1:7101\"}\n"
                    "categories:\n"
                    "  - {code: neighbour, name: 邻里纠纷, track: simple}\n"
                    "  - {code: investment, name: 投资理财纠纷, track: complex}\n"
                    "triage:\n"
                    "  default: long_term\n"
                    "  rules:\n"
                    "    - {name: 大额, track: high_risk, amount_min: 500000}\n"
                    "    - {name: 投资, track: complex, categories: [investment]}\n"
                    "    - {name: 轻微, track: simple, risk_max: 1}\n");
    CHECK(cfg != NULL);
    if (!cfg)
        return;
    fq_triage_result_t out = s_run(cfg, (case_t){.category = "investment", .amount = 600000});
    CHECK(out.index == 1);
    CHECK_STR(out.rule, "大额");
    CHECK_STR(out.track, "high_risk");
    out = s_run(cfg, (case_t){.category = "investment", .risk = 1, .amount = 50000});
    CHECK(out.index == 2);
    CHECK_STR(out.track, "complex");
    out = s_run(cfg, (case_t){.category = "neighbour", .risk = 1});
    CHECK(out.index == 3);
    CHECK_STR(out.track, "simple");
    out = s_run(cfg, (case_t){.category = "neighbour", .risk = 2});
    CHECK(out.index == 0 && out.rule == NULL);
    CHECK_STR(out.track, "long_term");
    fq_cfg_destroy(&cfg);
}

/* Triages C by CFG and checks the track and the rule (NULL: the default). */
static void s_expect(const fq_cfg_t *cfg, case_t c, const char *track, const char *rule)
{
    fq_triage_result_t out = s_run(cfg, c);
    CHECK_STR(out.track, track);
    if (rule)
        CHECK_STR(out.rule, rule);
    else
        CHECK(out.rule == NULL && out.index == 0);
}

/* Cases like those in the articles, against the example deployment's rules. */
static void test_guangming(void)
{
    char err[512] = "";
    fq_cfg_t *cfg = fq_cfg_load("config/guangming.yaml", err, sizeof err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    /* {category, risk, parties, amount, title, description} */
    s_expect(cfg, (case_t){"labour", 2, 1, 0, "员工与企业发生纠纷", "在园区楼顶打算跳楼轻生"},
             "high_risk", "人身安全风险");
    s_expect(cfg, (case_t){"wage_arrears", 3, 40, 300000, "口罩设备厂欠薪", "多人在工厂门前聚集"},
             "high_risk", "多人聚集");
    s_expect(cfg, (case_t){"wage_arrears", 2, 12, 180000, "物流公司拖欠货柜车司机工资", NULL},
             "complex", "多人欠薪");
    s_expect(cfg, (case_t){"investment", 2, 2, 2000000, "合伙投资纠纷", NULL}, "high_risk",
             "大额投资理财纠纷");
    s_expect(cfg, (case_t){"investment", 2, 2, 80000, "合伙投资纠纷", "协商无果"}, "complex", NULL);
    s_expect(cfg, (case_t){"safety_hazard", 3, 5, 0, "危房", "墙体出现明显裂缝和坍塌迹象"},
             "high_risk", "危房等重大安全隐患");
    s_expect(cfg, (case_t){"historical", 2, 6, 0, "宅基地历史遗留问题", NULL}, "long_term",
             "历史遗留与土地房屋");
    s_expect(cfg, (case_t){"noise", 1, 2, 0, "小区噪音扰民", "晚上装修"}, "simple",
             "低风险邻里家庭噪音设施");
    s_expect(cfg, (case_t){"public_facility", 1, 1, 0, "碧园路窨井盖松动", NULL}, "simple",
             "低风险邻里家庭噪音设施");
    s_expect(cfg, (case_t){"neighbour", 3, 2, 0, "邻里漏水纠纷", "双方情绪激动"}, "complex", NULL);
    s_expect(cfg, (case_t){"mass_dispute", 2, 8, 0, "业主维权", NULL}, "high_risk",
             "群体性与极端风险类");
    s_expect(cfg, (case_t){"neighbour", 4, 2, 0, "邻里纠纷", NULL}, "high_risk", "研判为最高风险");
    fq_cfg_destroy(&cfg);
}

int main(void)
{
    test_tracks();
    test_category();
    test_risk();
    test_parties_and_amount();
    test_keywords();
    test_all_conditions();
    test_order_and_default();
    test_yaml();
    test_guangming();
    CHECK_DONE();
}
