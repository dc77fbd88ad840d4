/* stats.c - `casectl stats` (统计, 分析研判: figures over a period for this unit and the units
 * below it) and `casectl report` (月报 monthly / 日报 daily report of key disputes, written as
 * Markdown and CSV files). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "casectl.h"
#include "print.h"
#include "report_internal.h"
#include "text.h"
#include "triage.h"

/* ---- days and months (China Standard Time) ------------------------------------------------- */

static struct tm china_now(void)
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm;
}

static int days_in_month(int y, int m)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : mdays[m - 1];
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool is_month(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-' || !digits(s, 4) || !digits(s + 5, 2))
        return false;
    int m = atoi(s + 5);
    return atoi(s) >= 1970 && m >= 1 && m <= 12;
}

static bool is_day(const char *s)
{
    if (!s || strlen(s) != 10 || s[7] != '-' || !digits(s + 8, 2))
        return false;
    char month[8];
    memcpy(month, s, 7);
    month[7] = '\0';
    int d = atoi(s + 8);
    return is_month(month) && d >= 1 && d <= days_in_month(atoi(s), atoi(s + 5));
}

/* ---- stats --------------------------------------------------------------------------------- */

static int stats_parse(int argc, char **argv, Fq__OpsRequest *req)
{
    static const struct option opts[] = {{"from", required_argument, 0, 'f'},
                                         {"to", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    casectl_seen_t seen = {0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h')
            return casectl_verb_usage("stats", stdout, 0);
        if (c == '?' || c == ':') {
            casectl_opt_refused("stats", opts, argv, c);
            return casectl_verb_usage("stats", stderr, 2);
        }
        if (!casectl_opt_once(&seen, opts, c, "stats"))
            return 2;
        if (!is_day(optarg))
            return casectl_usage_error("stats", "--%s needs a day as YYYY-MM-DD, not '%s'",
                                       c == 'f' ? "from" : "to", optarg);
        *(c == 'f' ? &req->from_day : &req->to_day) = optarg;
    }
    if (optind != argc)
        return casectl_usage_error("stats", "unexpected argument '%s'", argv[optind]);
    return -1;
}

/* Text width of S on a terminal: CJK characters take two columns. */
static int text_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w += *p >= 0xE0 ? 2 : 1;
    return w;
}

/* LABEL (a category, track or source: a code from below when it has no name here, so escaped)
 * padded to 24 columns, then VALUE. */
static void line(const char *label, const char *value)
{
    char shown[256];
    fq_text_escape(shown, sizeof shown, label);
    int pad = 24 - text_width(shown);
    printf("  %s%*s%s\n", shown, pad > 1 ? pad : 1, "", value);
}

static void line_n(const char *label, uint32_t n)
{
    char v[16];
    snprintf(v, sizeof v, "%u", n);
    line(label, v);
}

static const char *category_name(const fq_cfg_t *cfg, const char *code)
{
    const fq_category_cfg_t *c = cfg && code ? fq_cfg_category(cfg, code) : NULL;
    return c ? c->name : code && *code ? code : "未分类";
}

static const char *track_name(const fq_cfg_t *cfg, const char *code)
{
    return code && *fq_track_label(code) ? fq_track_label(code) : code && *code ? code : "未分级";
}

static const char *source_name(const fq_cfg_t *cfg, const char *code)
{
    return fq_report_source_label(code);
}

static int by_count(const void *a, const void *b)
{
    const Fq__Count *x = *(Fq__Count *const *)a, *y = *(Fq__Count *const *)b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* HEADING and one line per key, most cases first. */
static void text_counts(const char *heading, Fq__Count *const *c, size_t n, const fq_cfg_t *cfg,
                        const char *(*name)(const fq_cfg_t *, const char *))
{
    Fq__Count **sorted = n ? malloc(n * sizeof *sorted) : NULL;
    if (sorted) {
        memcpy(sorted, c, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, by_count);
        c = sorted;
    }
    printf("%s:%s\n", heading, n ? "" : " -");
    for (size_t i = 0; i < n; i++)
        line_n(name(cfg, c[i]->key), c[i]->n);
    free(sorted);
}

static void stats_text(const Fq__OpsReply *rep, const Fq__StatsSummary *s, const fq_cfg_t *cfg)
{
    const Fq__DayFigures *d = s->total;
    const fq_unit_cfg_t *u = cfg && s->unit ? fq_cfg_unit(cfg, s->unit) : NULL;
    char v[16];
    const char *name = rep->unit_name ? rep->unit_name : u ? u->name : "";
    casectl_text(stdout, name);
    fputs(" (", stdout);
    casectl_text(stdout, s->unit);
    fputs(") ", stdout);
    casectl_text(stdout, s->from_day);
    fputs(" 至 ", stdout);
    casectl_text(stdout, s->to_day);
    printf(", 含 %u 个单位\n", s->units);
    line_n("受理", d->received);
    line_n("化解", d->resolved);
    line_n("办结", d->closed);
    line_n("按期化解", d->on_time);
    line_n("有效评价", d->answered);
    line_n("满意(含基本满意)", d->satisfied);
    fq_report_rate(v, d->resolved, d->received);
    line("化解率", v);
    fq_report_rate(v, d->on_time, d->resolved);
    line("按期率", v);
    fq_report_rate(v, d->satisfied, d->answered);
    line("满意率", v);
    if (d->resolved)
        snprintf(v, sizeof v, "%.1f", (double)d->wd_sum / d->resolved);
    line("平均化解用时(工作日)", d->resolved ? v : "-");
    text_counts("按类别", d->by_category, d->n_by_category, cfg, category_name);
    text_counts("按分级", d->by_track, d->n_by_track, cfg, track_name);
    text_counts("按来源", d->by_source, d->n_by_source, cfg, source_name);
}

/* A percentage with one decimal, or null. */
static void json_ratio(const char *key, uint32_t num, uint32_t den, double scale)
{
    if (den == 0)
        printf(",\"%s\":null", key);
    else
        printf(",\"%s\":%.1f", key, scale * num / den);
}

static void json_counts(const char *key, Fq__Count *const *c, size_t n)
{
    printf(",\"%s\":{", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putchar(',');
        casectl_json_string(stdout, c[i]->key ? c[i]->key : "");
        printf(":%u", c[i]->n);
    }
    putchar('}');
}

static void stats_json(const Fq__StatsSummary *s)
{
    const Fq__DayFigures *d = s->total;
    printf("{\"unit\":");
    casectl_json_string(stdout, s->unit);
    printf(",\"from\":");
    casectl_json_string(stdout, s->from_day);
    printf(",\"to\":");
    casectl_json_string(stdout, s->to_day);
    printf(",\"units\":%u,\"received\":%u,\"resolved\":%u,\"closed\":%u,\"on_time\":%u,"
           "\"answered\":%u,\"satisfied\":%u,\"wd_sum\":%u",
           s->units, d->received, d->resolved, d->closed, d->on_time, d->answered, d->satisfied,
           d->wd_sum);
    json_ratio("resolution_rate", d->resolved, d->received, 100);
    json_ratio("on_time_rate", d->on_time, d->resolved, 100);
    json_ratio("satisfaction_rate", d->satisfied, d->answered, 100);
    json_ratio("avg_working_days", d->wd_sum, d->resolved, 1);
    json_counts("by_category", d->by_category, d->n_by_category);
    json_counts("by_track", d->by_track, d->n_by_track);
    json_counts("by_source", d->by_source, d->n_by_source);
    printf("}\n");
}

int casectl_cmd_stats(casectl_t *g, int argc, char **argv)
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "stats";
    int rc = stats_parse(argc, argv, &req);
    if (rc >= 0)
        return rc;
    struct tm now = china_now();
    char from[40], to[40];
    snprintf(from, sizeof from, "%04d-%02d-01", now.tm_year + 1900, now.tm_mon + 1);
    snprintf(to, sizeof to, "%04d-%02d-%02d", now.tm_year + 1900, now.tm_mon + 1,
             days_in_month(now.tm_year + 1900, now.tm_mon + 1));
    req.from_day = req.from_day ? req.from_day : from;
    req.to_day = req.to_day ? req.to_day : to;
    if (strcmp(req.from_day, req.to_day) > 0) {
        casectl_complain("stats", "--from %s is after --to %s", req.from_day, req.to_day);
        return 2;
    }
    Fq__OpsReply *rep = casectl_request(g, &req, &rc);
    if (!rep)
        return rc;
    if (!rep->stats || !rep->stats->total) {
        casectl_complain("stats", "the reply carries no figures");
        rc = 1;
    } else if (g->json)
        stats_json(rep->stats);
    else
        stats_text(rep, rep->stats, g->cfg);
    fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}

/* ---- report -------------------------------------------------------------------------------- */

typedef struct {
    bool daily;
    const char *period; /* YYYY-MM or YYYY-MM-DD */
    const char *dir;    /* "-" for standard output */
} s_report_args_t;

static int report_parse(int argc, char **argv, s_report_args_t *a)
{
    static const struct option opts[] = {{"month", required_argument, 0, 'm'},
                                         {"day", required_argument, 0, 'd'},
                                         {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    if (argc < 2)
        return casectl_usage_error("report", "say which report: monthly or daily");
    if (strcmp(argv[1], "monthly") != 0 && strcmp(argv[1], "daily") != 0)
        return casectl_usage_error("report", "no report '%s': monthly or daily", argv[1]);
    a->daily = strcmp(argv[1], "daily") == 0;
    casectl_seen_t seen = {0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc - 1, argv + 1, ":h", opts, NULL)) != -1) {
        if (c == 'h')
            return casectl_verb_usage("report", stdout, 0);
        if (c == '?' || c == ':') {
            casectl_opt_refused("report", opts, argv + 1, c);
            return casectl_verb_usage("report", stderr, 2);
        }
        if (!casectl_opt_once(&seen, opts, c, "report"))
            return 2;
        if (c == 'o' && !*optarg)
            return casectl_usage_error("report", "--out needs a directory (- for the terminal)");
        if (c == 'o')
            a->dir = optarg;
        else if ((c == 'm') == a->daily)
            return casectl_usage_error("report", "the %s report takes --%s, not --%s",
                                       a->daily ? "daily" : "monthly", a->daily ? "day" : "month",
                                       a->daily ? "month" : "day");
        else if (c == 'm' ? !is_month(optarg) : !is_day(optarg))
            return casectl_usage_error("report", "--%s needs %s, not '%s'",
                                       c == 'm' ? "month" : "day",
                                       c == 'm' ? "YYYY-MM" : "YYYY-MM-DD", optarg);
        else
            a->period = optarg;
    }
    if (optind != argc - 1)
        return casectl_usage_error("report", "unexpected argument '%s'", argv[1 + optind]);
    return -1;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    int bad = fputs(text, f) == EOF;
    bad |= fclose(f) != 0;
    if (bad)
        perror(path);
    return bad ? -1 : 0;
}

/* The unit code for file names: the daemon's answer when it is a plain code. */
static const char *file_unit(const Fq__OpsReply *rep, const casectl_t *g)
{
    const char *u = rep->unit;
    if (!u || !*u ||
        strspn(u, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") != strlen(u))
        u = g->unit ? g->unit : "unit";
    return u;
}

/* Write DIR/<unit>-月报-<period>.md and .csv (日报 for daily) and print their paths. */
static int report_write(const casectl_t *g, const s_report_args_t *a, const Fq__OpsReply *rep)
{
    const char *kind = a->daily ? "日报" : "月报";
    const char *texts[2] = {rep->report_markdown, rep->report_csv};
    const char *exts[2] = {"md", "csv"};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        int len = snprintf(path, sizeof path, "%s/%s-%s-%s.%s", a->dir, file_unit(rep, g), kind,
                           a->period, exts[i]);
        if (len < 0 || (size_t)len >= sizeof path) {
            casectl_complain("report", "--out %s is too long a path", a->dir);
            return 1;
        }
        if (write_file(path, texts[i]) < 0)
            return 1;
        printf("%s\n", path);
    }
    return 0;
}

int casectl_cmd_report(casectl_t *g, int argc, char **argv)
{
    s_report_args_t a = {.dir = "."};
    int rc = report_parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    struct tm now = china_now();
    char period[16];
    if (a.daily)
        strftime(period, sizeof period, "%Y-%m-%d", &now);
    else
        strftime(period, sizeof period, "%Y-%m", &now);
    a.period = a.period ? a.period : period;
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "report";
    if (a.daily)
        req.day = (char *)a.period;
    else
        req.month = (char *)a.period;
    Fq__OpsReply *rep = casectl_request(g, &req, &rc);
    if (!rep)
        return rc;
    if (!rep->report_markdown || !rep->report_csv) {
        casectl_complain("report", "the reply carries no report");
        rc = 1;
    } else if (strcmp(a.dir, "-") == 0) /* to a terminal: its lines kept, the rest escaped */
        fq_text_print(stdout, rep->report_markdown, FQ_TEXT_LINES, NULL);
    else
        rc = report_write(g, &a, rep);
    fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}
