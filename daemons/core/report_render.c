/* report_render.c - the monthly report (矛盾纠纷化解月报) and the daily report of key disputes
 * (重点矛盾纠纷日报) rendered as Markdown and CSV with Chinese headings. Pure: the figures and
 * cases come in an fq_report_t, the text goes out in malloc'd strings. */
#include "report_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case.h"
#include "text.h"
#include "triage.h"

#define CSV_BOM "\xEF\xBB\xBF"

/* ---- output buffers ------------------------------------------------------------------------ */

typedef struct {
    FILE *f;
    char *buf;
    size_t len;
} s_out_t;

static int out_open(s_out_t *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
    return o->f ? 0 : -1;
}

/* Close O; its text, or NULL (freed) when anything failed. */
static char *out_close(s_out_t *o)
{
    if (!o->f)
        return NULL;
    int bad = ferror(o->f);
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    if (bad) {
        free(o->buf);
        return NULL;
    }
    return o->buf;
}

/* ---- labels -------------------------------------------------------------------------------- */

static const struct {
    const char *code, *label;
} s_sources[] = {{"grid", "网格上报"}, {"walk_in", "来访"}, {"phone", "来电"},
                 {"wechat", "微信"},   {"sms", "短信"},     {"hotline_12345", "12345热线"},
                 {"app", "移动端"}};

static const char *const s_tracks[] = {"simple", "complex", "high_risk", "long_term"};

typedef enum { BY_CATEGORY = 0, BY_TRACK, BY_SOURCE } s_by_t;

static const char *unit_label(const fq_cfg_t *cfg, const char *code)
{
    const fq_unit_cfg_t *u = cfg && code ? fq_cfg_unit(cfg, code) : NULL;
    return u ? u->name : code ? code : "";
}

static const char *key_label(const fq_cfg_t *cfg, s_by_t by, const char *key)
{
    if (!key || !*key)
        return by == BY_CATEGORY ? "未分类" : by == BY_TRACK ? "未分级" : "未填写";
    if (by == BY_CATEGORY) {
        const fq_category_cfg_t *c = cfg ? fq_cfg_category(cfg, key) : NULL;
        return c ? c->name : key;
    }
    if (by == BY_TRACK)
        return *fq_track_label(key) ? fq_track_label(key) : key;
    for (size_t i = 0; i < sizeof s_sources / sizeof s_sources[0]; i++)
        if (strcmp(s_sources[i].code, key) == 0)
            return s_sources[i].label;
    return key;
}

const char *fq_report_source_label(const char *code)
{
    return key_label(NULL, BY_SOURCE, code);
}

static const char *state_label(const char *code)
{
    fq_state_t st;
    return code && fq_state_parse(code, &st) == 0 ? fq_state_label(st) : code ? code : "";
}

/* ---- numbers and times --------------------------------------------------------------------- */

void fq_report_rate(char out[16], uint32_t num, uint32_t den)
{
    if (den == 0)
        snprintf(out, 16, "-");
    else
        snprintf(out, 16, "%.1f%%", 100.0 * num / den);
}

static void average(char out[16], uint32_t sum, uint32_t n)
{
    if (n == 0)
        snprintf(out, 16, "-");
    else
        snprintf(out, 16, "%.1f", (double)sum / n);
}

/* "2026-11-22 17:30" in China Standard Time; "-" for 0. */
static void format_time(char out[32], int64_t ms)
{
    if (ms <= 0) {
        snprintf(out, 32, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

static void day_text(char out[16], int day)
{
    snprintf(out, 16, "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
}

/* The overall figures, in the order every table shows them. */
typedef struct {
    const char *label;
    char value[16];
} s_metric_t;

#define NMETRICS 10

static void metrics(const Fq__DayFigures *d, s_metric_t m[NMETRICS])
{
    static const char *const labels[NMETRICS] = {"受理",     "化解",
                                                 "办结",     "按期化解",
                                                 "有效评价", "满意(含基本满意)",
                                                 "化解率",   "按期率",
                                                 "满意率",   "平均化解用时(工作日)"};
    const uint32_t counts[6] = {d->received, d->resolved, d->closed,
                                d->on_time,  d->answered, d->satisfied};
    for (int i = 0; i < NMETRICS; i++)
        m[i].label = labels[i];
    for (int i = 0; i < 6; i++)
        snprintf(m[i].value, sizeof m[i].value, "%u", counts[i]);
    fq_report_rate(m[6].value, d->resolved, d->received);
    fq_report_rate(m[7].value, d->on_time, d->resolved);
    fq_report_rate(m[8].value, d->satisfied, d->answered);
    average(m[9].value, d->wd_sum, d->resolved);
}

/* ---- breakdown rows ------------------------------------------------------------------------ */

typedef struct {
    const char *key;
    uint32_t n;
} s_row_t;

static uint32_t count_of(Fq__Count *const *c, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i]->key ? c[i]->key : "", key) == 0)
            return c[i]->n;
    return 0;
}

static const char *known_key(const fq_cfg_t *cfg, s_by_t by, size_t i, size_t *nknown)
{
    *nknown = by == BY_CATEGORY ? (cfg ? cfg->ncategories : 0)
              : by == BY_TRACK  ? sizeof s_tracks / sizeof s_tracks[0]
                                : sizeof s_sources / sizeof s_sources[0];
    if (i >= *nknown)
        return NULL;
    return by == BY_CATEGORY ? cfg->categories[i].code
           : by == BY_TRACK  ? s_tracks[i]
                             : s_sources[i].code;
}

/* Rows of a breakdown: every configured or known key (zero or not) in its usual order, then
 * any other key that has a count. The caller frees the array (not the keys). */
static s_row_t *breakdown(const fq_cfg_t *cfg, s_by_t by, Fq__Count *const *c, size_t n,
                          size_t *nrows)
{
    size_t nknown;
    known_key(cfg, by, 0, &nknown);
    s_row_t *rows = malloc((nknown + n + 1) * sizeof *rows);
    if (!rows)
        return NULL;
    *nrows = 0;
    for (size_t i = 0; i < nknown; i++) {
        const char *key = known_key(cfg, by, i, &nknown);
        rows[(*nrows)++] = (s_row_t){key, count_of(c, n, key)};
    }
    for (size_t i = 0; i < n; i++) {
        const char *key = c[i]->key ? c[i]->key : "";
        bool known = false;
        for (size_t j = 0; j < nknown && !known; j++)
            known = strcmp(rows[j].key, key) == 0;
        if (!known && c[i]->n > 0)
            rows[(*nrows)++] = (s_row_t){key, c[i]->n};
    }
    return rows;
}

static void by_lists(const Fq__DayFigures *d, s_by_t by, Fq__Count *const **c, size_t *n)
{
    *c = by == BY_CATEGORY ? d->by_category : by == BY_TRACK ? d->by_track : d->by_source;
    *n = by == BY_CATEGORY ? d->n_by_category : by == BY_TRACK ? d->n_by_track : d->n_by_source;
}

/* ---- Markdown ------------------------------------------------------------------------------ */

/* Free text in a table cell: backslash before what Markdown would read, lines joined, and any
 * other control character, bidirectional control or byte of invalid UTF-8 escaped as on a
 * terminal (\x1b, \u202e): a title stored before the daemons checked text, or a name from
 * below, must not drive the terminal of whoever reads the file. */
static void md_text(FILE *f, const char *s)
{
    while (s && *s) {
        char esc[12];
        size_t len;
        const char *piece = fq_text_escape_next(s, FQ_TEXT_LINES, &len, esc);
        if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else if (piece)
            fputs(piece, f);
        else {
            if (strchr("\\`*_[]<>|#", *s))
                fputc('\\', f);
            fwrite(s, 1, len, f);
        }
        s += *s == '\r' ? 1 : len; /* \r\n is two spaces, as it was */
    }
}

static void md_header(FILE *f, const fq_report_t *r, const char *kind, bool daily)
{
    int y = r->from_day / 10000, m = r->from_day / 100 % 100, d = r->from_day % 100;
    char from[16], to[16], at[32];
    day_text(from, r->from_day);
    day_text(to, r->to_day);
    fputs("# ", f);
    md_text(f, r->unit_name);
    if (daily)
        fprintf(f, " %s (%d年%d月%d日)\n\n- 统计单位: ", kind, y, m, d);
    else
        fprintf(f, " %s (%d年%d月)\n\n- 统计单位: ", kind, y, m);
    md_text(f, r->unit_name);
    fprintf(f, " (%s)", r->unit);
    if (r->nunits > 1)
        fprintf(f, ", 含下辖 %zu 个单位上报的数据", r->nunits - 1);
    if (daily)
        fprintf(f, "\n- 日期: %s (北京时间)\n", from);
    else
        fprintf(f, "\n- 统计期间: %s 至 %s (北京时间)\n", from, to);
    if (r->generated_ms > 0) {
        format_time(at, r->generated_ms);
        fprintf(f, "- 生成时间: %s\n", at);
    }
}

static void md_overall(FILE *f, const Fq__DayFigures *d, const char *heading)
{
    s_metric_t m[NMETRICS];
    metrics(d, m);
    fprintf(f, "\n## %s\n\n| 指标 | 数值 |\n| --- | ---: |\n", heading);
    for (int i = 0; i < NMETRICS; i++)
        fprintf(f, "| %s | %s |\n", m[i].label, m[i].value);
    fputs("\n化解率 = 化解 / 受理; 按期率 = 按期化解 / 化解; 满意率 = 满意(含基本满意) / 有效评价"
          " (经复核不合理的不满意不计入); 平均化解用时 = 受理至化解的工作日数 / 化解。"
          "每件案件只计入受理它的单位。\n",
          f);
}

static int md_breakdown(FILE *f, const fq_report_t *r, s_by_t by, const char *heading,
                        const char *column)
{
    Fq__Count *const *c;
    size_t n, nrows;
    by_lists(r->total, by, &c, &n);
    s_row_t *rows = breakdown(r->cfg, by, c, n, &nrows);
    if (!rows)
        return -1;
    fprintf(f, "\n## %s\n\n| %s | 受理 | 占比 |\n| --- | ---: | ---: |\n", heading, column);
    for (size_t i = 0; i < nrows; i++) {
        char share[16];
        fq_report_rate(share, rows[i].n, r->total->received);
        fputs("| ", f);
        md_text(f, key_label(r->cfg, by, rows[i].key));
        fprintf(f, " | %u | %s |\n", rows[i].n, share);
    }
    free(rows);
    return 0;
}

static void md_unit_row(FILE *f, const Fq__DayFigures *d, const char *name, const char *tag)
{
    s_metric_t m[NMETRICS];
    metrics(d, m);
    fputs("| ", f);
    md_text(f, name);
    fprintf(f, "%s | %s | %s | %s | %s | %s | %s | %s |\n", tag, m[0].value, m[1].value, m[2].value,
            m[6].value, m[7].value, m[8].value, m[9].value);
}

static void md_units(FILE *f, const fq_report_t *r, const char *heading)
{
    fprintf(f,
            "\n## %s\n\n| 单位 | 受理 | 化解 | 办结 | 化解率 | 按期率 | 满意率 |"
            " 平均化解用时(工作日) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
            heading);
    for (size_t i = 0; i < r->nunits; i++)
        md_unit_row(f, r->units[i], unit_label(r->cfg, r->units[i]->unit), i == 0 ? " (本级)" : "");
    md_unit_row(f, r->total, "合计", "");
}

/* ---- CSV ----------------------------------------------------------------------------------- */

/* One CSV field: quoted when it holds a separator, quote or line break; with GUARD, text that a
 * spreadsheet would take for a formula is prefixed with an apostrophe. Line breaks (\n, \r\n)
 * and tabs, which a quoted field carries, are kept; any other control character, bidirectional
 * control or byte of invalid UTF-8 is escaped as on a terminal (\x1b, \u202e). */
static void csv_text(FILE *f, const char *s, bool guard)
{
    s = s ? s : "";
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (guard && *s && strchr("=+-@\t", *s))
        fputc('\'', f);
    while (*s) {
        char esc[12];
        size_t len;
        const char *piece = fq_text_escape_next(s, FQ_TEXT_LINES, &len, esc);
        if (piece)
            fputs(piece, f);
        else {
            if (*s == '"')
                fputc('"', f);
            fwrite(s, 1, len, f);
        }
        s += len;
    }
    if (quote)
        fputc('"', f);
}

static void csv_metrics(FILE *f, const char *group, const char *name, const char *tag,
                        const Fq__DayFigures *d)
{
    s_metric_t m[NMETRICS];
    char label[FQ_CFG_NAME_MAX + 32];
    metrics(d, m);
    snprintf(label, sizeof label, "%s%s", name ? name : "", tag);
    for (int i = 0; i < NMETRICS; i++) {
        fprintf(f, "%s,", group);
        csv_text(f, label, false);
        fprintf(f, ",%s,%s\n", m[i].label, m[i].value);
    }
}

static int csv_breakdown(FILE *f, const fq_report_t *r, s_by_t by, const char *group)
{
    Fq__Count *const *c;
    size_t n, nrows;
    by_lists(r->total, by, &c, &n);
    s_row_t *rows = breakdown(r->cfg, by, c, n, &nrows);
    if (!rows)
        return -1;
    for (size_t i = 0; i < nrows; i++) {
        fprintf(f, "%s,", group);
        csv_text(f, key_label(r->cfg, by, rows[i].key), false);
        fprintf(f, ",受理,%u\n", rows[i].n);
    }
    free(rows);
    return 0;
}

/* The figures as one long table: 分组,项目,指标,数值. */
static int csv_figures(FILE *f, const fq_report_t *r, bool full)
{
    fputs(CSV_BOM "分组,项目,指标,数值\n", f);
    csv_metrics(f, "总体", r->unit_name, "", r->total);
    if (!full)
        return 0;
    if (csv_breakdown(f, r, BY_CATEGORY, "按类别") < 0 ||
        csv_breakdown(f, r, BY_TRACK, "按分级") < 0 || csv_breakdown(f, r, BY_SOURCE, "按来源") < 0)
        return -1;
    for (size_t i = 0; r->nunits > 1 && i < r->nunits; i++)
        csv_metrics(f, "各单位", unit_label(r->cfg, r->units[i]->unit), i == 0 ? " (本级)" : "",
                    r->units[i]);
    return 0;
}

/* ---- the monthly report -------------------------------------------------------------------- */

static int monthly_md(FILE *f, const fq_report_t *r)
{
    md_header(f, r, "矛盾纠纷化解月报", false);
    md_overall(f, r->total, "一、总体情况");
    if (md_breakdown(f, r, BY_CATEGORY, "二、按类别", "类别") < 0 ||
        md_breakdown(f, r, BY_TRACK, "三、按分级", "分级") < 0 ||
        md_breakdown(f, r, BY_SOURCE, "四、按来源", "来源") < 0)
        return -1;
    if (r->nunits > 1)
        md_units(f, r, "五、各单位情况");
    return 0;
}

/* Render into two buffers with MD_FN and CSV_FN; 0 and both strings, or -1 and neither. */
static int render(const fq_report_t *r, int (*md_fn)(FILE *, const fq_report_t *),
                  int (*csv_fn)(FILE *, const fq_report_t *), char **md, char **csv)
{
    s_out_t m = {0}, c = {0};
    int rc = out_open(&m) == 0 && out_open(&c) == 0 ? 0 : -1;
    if (rc == 0)
        rc = md_fn(m.f, r);
    if (rc == 0)
        rc = csv_fn(c.f, r);
    *md = out_close(&m);
    *csv = out_close(&c);
    if (rc == 0 && *md && *csv)
        return 0;
    free(*md);
    free(*csv);
    *md = *csv = NULL;
    return -1;
}

static int monthly_csv(FILE *f, const fq_report_t *r)
{
    return csv_figures(f, r, true);
}

int fq_report_render_monthly(const fq_report_t *r, char **md, char **csv)
{
    return render(r, monthly_md, monthly_csv, md, csv);
}

/* ---- the daily report ---------------------------------------------------------------------- */

/* Why the case is a key dispute, e.g. "高风险、逾期". */
static void reasons(char out[64], const fq_report_case_t *c)
{
    const bool flags[] = {c->high_risk, c->overdue, c->escalated, c->noticed};
    static const char *const names[] = {"高风险", "逾期", "上报", "督办"};
    out[0] = '\0';
    for (int i = 0; i < 4; i++)
        if (flags[i]) {
            if (out[0])
                strcat(out, "、");
            strcat(out, names[i]);
        }
}

/* The cells of a key dispute, in column order. */
static void case_cells(const fq_report_t *r, const fq_report_case_t *c, const char *cells[8],
                       char deadline[32], char why[64])
{
    format_time(deadline, c->deadline_ms);
    reasons(why, c);
    cells[0] = c->case_no;
    cells[1] = c->title;
    cells[2] = key_label(r->cfg, BY_CATEGORY, c->category);
    cells[3] = key_label(r->cfg, BY_TRACK, c->track);
    cells[4] = state_label(c->state);
    cells[5] = unit_label(r->cfg, c->holder);
    cells[6] = deadline;
    cells[7] = why;
}

#define CASE_COLUMNS "案件编号,标题,类别,分级,状态,承办单位,时限,关注原因"

static void md_cases(FILE *f, const fq_report_t *r)
{
    unsigned n[4] = {0};
    for (size_t i = 0; i < r->ncases; i++) {
        n[0] += r->cases[i].high_risk;
        n[1] += r->cases[i].overdue;
        n[2] += r->cases[i].escalated;
        n[3] += r->cases[i].noticed;
    }
    fputs("\n## 二、重点矛盾纠纷\n\n", f);
    if (r->ncases == 0) {
        fputs("当日无重点矛盾纠纷。\n", f);
        return;
    }
    fprintf(f,
            "共 %zu 件: 高风险 %u 件, 逾期 %u 件, 上报 %u 件, 当日督办 %u 件。\n\n"
            "| 案件编号 | 标题 | 类别 | 分级 | 状态 | 承办单位 | 时限 | 关注原因 |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
            r->ncases, n[0], n[1], n[2], n[3]);
    for (size_t i = 0; i < r->ncases; i++) {
        const char *cells[8];
        char deadline[32], why[64];
        case_cells(r, &r->cases[i], cells, deadline, why);
        for (int k = 0; k < 8; k++) {
            fputs(k ? " | " : "| ", f);
            md_text(f, cells[k]);
        }
        fputs(" |\n", f);
    }
    if (r->truncated)
        fprintf(f, "\n仅列出前 %zu 件。\n", r->ncases);
}

static int daily_md(FILE *f, const fq_report_t *r)
{
    md_header(f, r, "重点矛盾纠纷日报", true);
    md_overall(f, r->total, "一、当日情况");
    md_cases(f, r);
    return 0;
}

/* The day's figures, an empty line, then the key disputes with their own header. */
static int daily_csv(FILE *f, const fq_report_t *r)
{
    if (csv_figures(f, r, false) < 0)
        return -1;
    fputs("\n" CASE_COLUMNS "\n", f);
    for (size_t i = 0; i < r->ncases; i++) {
        const char *cells[8];
        char deadline[32], why[64];
        case_cells(r, &r->cases[i], cells, deadline, why);
        for (int k = 0; k < 8; k++) {
            if (k)
                fputc(',', f);
            csv_text(f, cells[k], k == 1);
        }
        fputc('\n', f);
    }
    return 0;
}

int fq_report_render_daily(const fq_report_t *r, char **md, char **csv)
{
    return render(r, daily_md, daily_csv, md, csv);
}
