/* config_sla.c - the calendar and sla sections of a deployment file (contract in config.h).
 *
 * calendar: names the weekend days and lists holidays and make-up working days (调休), each a
 * date or an inclusive range; the lists are expanded, sorted and de-duplicated so calendar.c can
 * bsearch them. sla: the same-day cut-off and the deadline rules, keyed by track or by category.
 * The tables follow config.c's pattern; a category named under sla.categories is checked against
 * the categories after the walk, since the sections may come in any order.
 */
#define _POSIX_C_SOURCE 200809L

#include "config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define RANGE_MAX 366  /* days in one range A..B */
#define DAYS_MAX 36600 /* days in one list once its ranges are expanded: a century */
#define YEAR_MIN 1970
#define YEAR_MAX 2999
#define DEFAULT_WEEKEND 0x41u /* Sunday and Saturday */

/* As in config.c: designated initializers so every row says which member each value fills. */
#define KEY(k, fn, type, member) .key = (k), .put = (fn), .off = offsetof(type, member)
#define SET(k, fn, type, member) .key = (k), .set = (fn), .off = offsetof(type, member)
#define LIST(k, fn, type, member, count)                                                           \
    .key = (k), .set = (fn), .off = offsetof(type, member), .cnt = offsetof(type, count)

static const char *const s_weekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

/* ---- dates ----------------------------------------------------------------------------- */

static int s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD" (exactly) into YYYYMMDD: 0, or -1 when it is not in that form, -2 when it is but
 * names no day (2026-02-30). */
static int s_date(const char *t, size_t len, int *day)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (len != 10 || t[4] != '-' || t[7] != '-')
        return -1;
    for (size_t i = 0; i < len; i++)
        if (i != 4 && i != 7 && (t[i] < '0' || t[i] > '9'))
            return -1;
    int y = atoi(t), m = atoi(t + 5), d = atoi(t + 8);
    if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1] + (m == 2 && s_leap(y)))
        return -2;
    *day = y * 10000 + m * 100 + d;
    return 0;
}

/* An entry of a day list: a date, or an inclusive range "A..B" of at most RANGE_MAX days; its
 * first and last day go to *FIRST and *LAST, its length to *DAYS. */
static int s_entry(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, int *first,
                   int *last, long *days)
{
    const char *t;
    if (fq_cfg_text(p, f, n, &t))
        return -1;
    const char *dots = strstr(t, "..");
    size_t len = dots ? (size_t)(dots - t) : strlen(t);
    int rc = s_date(t, len, first);
    if (rc == 0)
        rc = dots ? s_date(dots + 2, strlen(dots + 2), last) : (*last = *first, 0);
    if (rc == -1)
        return fq_cfg_fail(p, fq_cfg_mark(n),
                           "'%s' entry '%.40s' is not a date YYYY-MM-DD or a range "
                           "YYYY-MM-DD..YYYY-MM-DD",
                           f->key, t);
    if (rc == -2)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' entry '%.40s' names no such day (years %d..%d)",
                           f->key, t, YEAR_MIN, YEAR_MAX);
    if (*last < *first)
        return fq_cfg_fail(p, fq_cfg_mark(n), "range '%.40s' in '%s' ends before it starts", t,
                           f->key);
    *days = 1;
    for (int d = *first; d != *last; d = fq_cal_next_day(d))
        if (++*days > RANGE_MAX)
            return fq_cfg_fail(p, fq_cfg_mark(n), "range '%.40s' in '%s' is longer than %d days", t,
                               f->key, RANGE_MAX);
    return 0;
}

static int s_cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Expands the entries of sequence N (already checked) into LIST, sorted, without repeats;
 * returns how many days it holds. */
static size_t s_expand(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, long len,
                       int *list)
{
    size_t used = 0, kept = 0;
    int first, last;
    long days;
    for (long i = 0; i < len; i++) {
        s_entry(p, f, fq_cfg_item(p, n, (size_t)i), &first, &last, &days);
        for (int d = first;; d = fq_cal_next_day(d)) {
            list[used++] = d;
            if (d == last)
                break;
        }
    }
    qsort(list, used, sizeof *list, s_cmp_int);
    for (size_t i = 0; i < used; i++)
        if (kept == 0 || list[i] != list[kept - 1])
            list[kept++] = list[i];
    return kept;
}

/* calendar.holidays and calendar.workdays: dates and ranges into a sorted int array at F->off
 * (count at F->cnt) that fq_cfg_destroy frees. */
static int s_days(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj)
{
    long len = n ? fq_cfg_count(p, f, n) : 0, total = 0, days;
    int first, last;
    if (len <= 0)
        return (int)len;
    for (long i = 0; i < len; i++) {
        if (s_entry(p, f, fq_cfg_item(p, n, (size_t)i), &first, &last, &days))
            return -1;
        if ((total += days) > DAYS_MAX)
            return fq_cfg_fail(p, n->start_mark, "'%s' covers more than %d days", f->key, DAYS_MAX);
    }
    int *list = malloc((size_t)total * sizeof *list);
    if (!list)
        return fq_cfg_fail(p, n->start_mark, "out of memory");
    *(int **)fq_cfg_at(obj, f->off) = list;
    *(size_t *)fq_cfg_at(obj, f->cnt) = s_expand(p, f, n, len, list);
    return 0;
}

/* calendar.weekend: weekday names into a bit mask; absent: Saturday and Sunday. */
static int s_weekend(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj)
{
    unsigned *mask = fq_cfg_at(obj, f->off);
    long len = n ? fq_cfg_count(p, f, n) : 0;
    char list[64];
    *mask = n ? 0 : DEFAULT_WEEKEND;
    for (long i = 0; i < len; i++) {
        const yaml_node_t *item = fq_cfg_item(p, n, (size_t)i);
        const char *t;
        int wd = 0;
        if (fq_cfg_text(p, f, item, &t))
            return -1;
        while (s_weekdays[wd] && strcmp(t, s_weekdays[wd]) != 0)
            wd++;
        if (!s_weekdays[wd])
            return fq_cfg_fail(p, fq_cfg_mark(item), "unknown weekday '%.40s' (expected %s)", t,
                               fq_cfg_join(s_weekdays, list, sizeof list));
        if (*mask & (1u << wd))
            return fq_cfg_fail(p, fq_cfg_mark(item), "weekday '%s' given twice in 'weekend'", t);
        *mask |= 1u << wd;
    }
    return len < 0 ? -1 : 0;
}

/* No day is both a holiday and a make-up working day; the error points at the workday entry. */
static int s_calendar_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map)
{
    const fq_calendar_t *cal = &((fq_cfg_t *)obj)->calendar;
    const yaml_node_t *n = fq_cfg_find(p, map, "workdays");
    const fq_cfg_field_t f = {.key = "workdays"};
    size_t len = n ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;
    int first, last;
    long days;
    for (size_t i = 0; cal->nholidays && i < len; i++) {
        const yaml_node_t *item = fq_cfg_item(p, n, i);
        s_entry(p, &f, item, &first, &last, &days);
        for (int d = first;; d = fq_cal_next_day(d)) {
            if (bsearch(&d, cal->holidays, cal->nholidays, sizeof d, s_cmp_int))
                return fq_cfg_fail(p, fq_cfg_mark(item),
                                   "%04d-%02d-%02d is both a holiday and a workday", d / 10000,
                                   d / 100 % 100, d % 100);
            if (d == last)
                break;
        }
    }
    return 0;
}

/* ---- deadline rules -------------------------------------------------------------------- */

/* "HH:MM", 00:00..23:59, into minutes after midnight. */
static int s_cutoff(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                    void *obj)
{
    int ok = strlen(t) == 5 && t[2] == ':' && strspn(t, "0123456789") == 2 &&
             strspn(t + 3, "0123456789") == 2;
    int h = ok ? atoi(t) : 0, m = ok ? atoi(t + 3) : 0;
    if (!ok || h > 23 || m > 59)
        return fq_cfg_fail(p, fq_cfg_mark(n),
                           "'%s' must be a time HH:MM (00:00..23:59), got '%.40s'", f->key, t);
    *(int *)fq_cfg_at(obj, f->off) = h * 60 + m;
    return 0;
}

static int s_same_day(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                      const char *t, void *obj)
{
    fq_sla_cfg_t *rule = obj;
    if (strcmp(t, "true") != 0)
        return fq_cfg_fail(p, fq_cfg_mark(n),
                           "'same_day' can only be true (else give working_days or "
                           "calendar_days), got '%.40s'",
                           t);
    rule->sla.kind = FQ_SLA_SAME_DAY;
    rule->sla.days = 0;
    return 0;
}

static const fq_sla_kind_t s_working = FQ_SLA_WORKING_DAYS;
static const fq_sla_kind_t s_calendar = FQ_SLA_CALENDAR_DAYS;

/* working_days or calendar_days (F->aux says which): N within F's bounds. */
static int s_rule_days(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                       const char *t, void *obj)
{
    fq_sla_cfg_t *rule = obj;
    long v = 0; /* set by fq_cfg_number on success; gcc -O3 cannot tell */
    if (fq_cfg_number(p, f, n, t, &v))
        return -1;
    rule->sla.kind = *(const fq_sla_kind_t *)f->aux;
    rule->sla.days = (int)v;
    return 0;
}

static int s_rule_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map);

static const fq_cfg_field_t s_rule_fields[] = {
    {KEY("same_day", s_same_day, fq_sla_cfg_t, sla.kind)},
    {KEY("working_days", s_rule_days, fq_sla_cfg_t, sla.days), .min = 1, .max = 365,
     .aux = &s_working},
    {KEY("calendar_days", s_rule_days, fq_sla_cfg_t, sla.days), .min = 1, .max = 3650,
     .aux = &s_calendar},
    {.key = NULL},
};
static const fq_cfg_schema_t s_rule = {"deadline rule", s_rule_fields, sizeof(fq_sla_cfg_t),
                                       s_rule_check};

/* Exactly one kind of deadline in a rule. */
static int s_rule_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map)
{
    const fq_sla_cfg_t *rule = obj;
    int kinds = 0;
    for (size_t i = 0; s_rule_fields[i].key; i++)
        kinds += fq_cfg_find(p, map, s_rule_fields[i].key) != NULL;
    if (kinds == 1)
        return 0;
    return fq_cfg_fail(p, map->start_mark,
                       "the rule for '%s' must give exactly one of same_day: true, working_days, "
                       "calendar_days (it gives %d)",
                       rule->code, kinds);
}

/* Borrowed: the key node of pair I of mapping MAP. */
static const yaml_node_t *s_key(fq_cfg_parse_t *p, const yaml_node_t *map, size_t i)
{
    return yaml_document_get_node(p->doc, map->data.mapping.pairs.start[i].key);
}

/* The code K of a rule: one of F->aux's tracks, or (no aux) an identifier, not given before. */
static int s_rule_code(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *k,
                       const fq_sla_cfg_t *rules, size_t i)
{
    const char *const *tracks = f->aux;
    const char *t = (const char *)k->data.scalar.value;
    char list[128];
    size_t j = 0;
    while (tracks && tracks[j] && strcmp(t, tracks[j]) != 0)
        j++;
    if (tracks && !tracks[j])
        return fq_cfg_fail(p, k->start_mark, "unknown track '%.40s' in sla.%s (expected %s)", t,
                           f->key, fq_cfg_join(tracks, list, sizeof list));
    size_t len = strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    if (!tracks && (len == 0 || len > FQ_CFG_IDENT_MAX || t[len]))
        return fq_cfg_fail(p, k->start_mark,
                           "category code '%.40s' in sla.%s must be 1..%d of "
                           "A-Z a-z 0-9 _ -",
                           t, f->key, FQ_CFG_IDENT_MAX);
    for (j = 0; j < i; j++)
        if (strcmp(rules[j].code, t) == 0)
            return fq_cfg_fail(p, k->start_mark, "duplicate key '%s' in sla.%s", t, f->key);
    return 0;
}

/* sla.tracks and sla.categories: a mapping of code to rule, into a new array at F->off (count
 * at F->cnt) that fq_cfg_destroy frees. */
static int s_rules(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj)
{
    if (!n)
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return fq_cfg_fail(p, n->start_mark, "'%s' must be a mapping of code to deadline rule",
                           f->key);
    size_t len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (len > (size_t)f->max)
        return fq_cfg_fail(p, n->start_mark, "'%s' has %zu entries, at most %ld allowed", f->key,
                           len, f->max);
    fq_sla_cfg_t *rules = len ? calloc(len, sizeof *rules) : NULL;
    if (len && !rules)
        return fq_cfg_fail(p, n->start_mark, "out of memory");
    *(fq_sla_cfg_t **)fq_cfg_at(obj, f->off) = rules;
    *(size_t *)fq_cfg_at(obj, f->cnt) = len; /* fq_cfg_destroy frees what is filled */
    for (size_t i = 0; i < len; i++) {
        const yaml_node_t *k = s_key(p, n, i);
        if (k->type != YAML_SCALAR_NODE)
            return fq_cfg_fail(p, k->start_mark, "keys in sla.%s must be scalars", f->key);
        if (s_rule_code(p, f, k, rules, i))
            return -1;
        rules[i].code = strdup((const char *)k->data.scalar.value);
        if (!rules[i].code)
            return fq_cfg_fail(p, k->start_mark, "out of memory");
        const yaml_node_t *v = yaml_document_get_node(p->doc, n->data.mapping.pairs.start[i].value);
        if (fq_cfg_map(p, &s_rule, v, &rules[i]))
            return -1;
    }
    return 0;
}

/* ---- schemas --------------------------------------------------------------------------- */

static const fq_cfg_field_t s_calendar_fields[] = {
    {SET("weekend", s_weekend, fq_cfg_t, calendar.weekend_mask), .max = 6},
    {LIST("holidays", s_days, fq_cfg_t, calendar.holidays, calendar.nholidays),
     .max = FQ_CFG_LIST_MAX},
    {LIST("workdays", s_days, fq_cfg_t, calendar.workdays, calendar.nworkdays),
     .max = FQ_CFG_LIST_MAX},
    {.key = NULL},
};
const fq_cfg_schema_t fq_cfg_calendar_schema = {"calendar", s_calendar_fields, 0, s_calendar_check};

static const fq_cfg_field_t s_sla_fields[] = {
    {KEY("cutoff", s_cutoff, fq_cfg_t, sla_cutoff_minutes), .def = "17:30"},
    {LIST("tracks", s_rules, fq_cfg_t, sla_tracks, nsla_tracks), .max = FQ_CFG_LIST_MAX,
     .aux = fq_cfg_tracks},
    {LIST("categories", s_rules, fq_cfg_t, sla_categories, nsla_categories),
     .max = FQ_CFG_LIST_MAX},
    {.key = NULL},
};
const fq_cfg_schema_t fq_cfg_sla_schema = {"sla", s_sla_fields, 0, NULL};

/* ---- after the walk -------------------------------------------------------------------- */

/* Every category under sla.categories is defined; every rule gets the deployment's cut-off. */
int fq_cfg_sla_refs(fq_cfg_parse_t *p, fq_cfg_t *cfg, const yaml_node_t *root)
{
    const yaml_node_t *cats = fq_cfg_find(p, fq_cfg_find(p, root, "sla"), "categories");
    for (size_t i = 0; i < cfg->nsla_categories; i++) {
        if (!fq_cfg_category(cfg, cfg->sla_categories[i].code))
            return fq_cfg_fail(p, fq_cfg_mark(s_key(p, cats, i)),
                               "sla.categories names unknown category '%s'",
                               cfg->sla_categories[i].code);
        cfg->sla_categories[i].sla.cutoff_minutes = cfg->sla_cutoff_minutes;
    }
    for (size_t i = 0; i < cfg->nsla_tracks; i++)
        cfg->sla_tracks[i].sla.cutoff_minutes = cfg->sla_cutoff_minutes;
    return 0;
}

static void s_free_rules(fq_sla_cfg_t *rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rules[i].code);
    free(rules);
}

/* What the calendar and sla sections allocated, however partly filled. */
void fq_cfg_sla_free(fq_cfg_t *cfg)
{
    free(cfg->calendar.holidays);
    free(cfg->calendar.workdays);
    s_free_rules(cfg->sla_tracks, cfg->nsla_tracks);
    s_free_rules(cfg->sla_categories, cfg->nsla_categories);
}

static const fq_sla_cfg_t *s_find(const fq_sla_cfg_t *rules, size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(rules[i].code, code) == 0)
            return &rules[i];
    return NULL;
}

/* The category's rule, else the track's, else 7 working days; the deployment's cut-off. */
fq_sla_t fq_cfg_sla(const fq_cfg_t *cfg, const char *track, const char *category)
{
    fq_sla_t sla = {FQ_SLA_WORKING_DAYS, 7, cfg ? cfg->sla_cutoff_minutes : 17 * 60 + 30};
    if (!cfg)
        return sla;
    const fq_sla_cfg_t *rule = s_find(cfg->sla_categories, cfg->nsla_categories, category);
    if (!rule)
        rule = s_find(cfg->sla_tracks, cfg->nsla_tracks, track);
    if (rule) {
        sla.kind = rule->sla.kind;
        sla.days = rule->sla.days;
    }
    return sla;
}
