/* config.c - what a deployment's YAML configuration may say (contract in config.h).
 *
 * Every mapping has a schema listing its keys, and every key names the setter that checks and
 * stores its value, with its bounds and default; config_yaml.c reads the file and walks the
 * document against these tables. Checks that need the whole file (duplicate codes and endpoints,
 * parents and their tiers, the categories a department or a triage rule lists) run after the
 * walk, in config_cross.c. The calendar and sla sections have their tables in config_sla.c.
 * Also here: fq_cfg_load, fq_cfg_destroy and the lookups.
 */
#include "config_internal.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *const s_tiers[] = {"community", "street", "district", NULL};
const char *const fq_cfg_tracks[] = {"simple", "complex", "high_risk", "long_term", NULL};
static const char *const s_presences[] = {"resident", "rotating", "on_call", NULL};

#define KEYWORD_MAX 64            /* bytes in one triage keyword */
#define AMOUNT_MAX 1000000000000L /* yuan: 一万亿, far above any dispute */
_Static_assert(LONG_MAX >= AMOUNT_MAX, "amount_min's bounds need a 64-bit long");

/* ---- value setters --------------------------------------------------------------------- */

static char *s_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    return copy ? memcpy(copy, s, n) : NULL;
}

static int s_store(fq_cfg_parse_t *p, const yaml_node_t *n, char **dst, const char *text)
{
    *dst = s_dup(text);
    return *dst ? 0 : fq_cfg_fail(p, fq_cfg_mark(n), "out of memory");
}

/* Length within [min, max] bytes and no control characters (these strings reach logs). */
static int s_plain(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                   long max)
{
    size_t len = strlen(t);
    if (len == 0)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' must not be empty", f->key);
    if (len > (size_t)max)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' is %zu bytes long, at most %ld allowed", f->key,
                           len, max);
    for (const unsigned char *c = (const unsigned char *)t; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' contains a control character", f->key);
    return 0;
}

static int s_str(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                 void *obj)
{
    if (s_plain(p, f, n, t, f->max))
        return -1;
    return s_store(p, n, fq_cfg_at(obj, f->off), t);
}

/* A tcp:// endpoint T names a host and a port 1..65535 after its last ':' (ZeroMQ would only
 * refuse it at bind or connect, after the checks said the file was fine). */
static int s_tcp_port(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                      const char *t)
{
    const char *host = t + strlen("tcp://"), *colon = strrchr(host, ':');
    if (!colon || colon == host || colon[-1] == '[')
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' must be tcp://HOST:PORT, got '%s'", f->key, t);
    const char *port = colon + 1;
    size_t digits = strspn(port, "0123456789");
    long v = digits && digits <= 5 && !port[digits] ? strtol(port, NULL, 10) : 0;
    if (v < 1 || v > 65535)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' has port '%s', not a number 1 to 65535", f->key,
                           port);
    return 0;
}

static int s_endpoint(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                      const char *t, void *obj)
{
    static const char *const schemes[] = {"tcp://", "ipc://", "inproc://"};
    if (s_plain(p, f, n, t, FQ_CFG_ENDPOINT_MAX))
        return -1;
    if (strncmp(t, "tcp://", 6) == 0 && s_tcp_port(p, f, n, t) < 0)
        return -1;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t len = strlen(schemes[i]);
        if (strncmp(t, schemes[i], len) == 0 && t[len] && !strchr(t, ' '))
            return s_store(p, n, fq_cfg_at(obj, f->off), t);
    }
    return fq_cfg_fail(p, fq_cfg_mark(n),
                       "'%s' must be a ZeroMQ endpoint (tcp://, ipc:// or inproc://)", f->key);
}

/* Category and department codes are ASCII identifiers, so they are safe in logs and SQL. */
static int s_ident_check(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                         const char *t)
{
    size_t len = strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    if (len > 0 && len <= FQ_CFG_IDENT_MAX && t[len] == '\0')
        return 0;
    return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' must be 1..%d of A-Z a-z 0-9 _ -", f->key,
                       FQ_CFG_IDENT_MAX);
}

static int s_ident(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                   void *obj)
{
    return s_ident_check(p, f, n, t) || s_store(p, n, fq_cfg_at(obj, f->off), t) ? -1 : 0;
}

/* A PostgreSQL role name a daemon connects as. Lower case only: libpq takes the name as it is,
 * while SQL folds an unquoted one, so a mixed-case name would be two different roles to the
 * daemon and to whoever made it. */
static int s_role(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                  void *obj)
{
    size_t len = strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_");
    if (len == 0 || len > FQ_CFG_ROLE_MAX || t[len] != '\0' || (t[0] >= '0' && t[0] <= '9'))
        return fq_cfg_fail(
            p, fq_cfg_mark(n),
            "'%s' must be a role name: 1..%d of a-z 0-9 _, not starting with a digit", f->key,
            FQ_CFG_ROLE_MAX);
    return s_store(p, n, fq_cfg_at(obj, f->off), t);
}

/* A 12-digit division code, into a char[FQ_UNIT_CODE_LEN + 1]. */
static int s_code(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                  void *obj)
{
    if (strlen(t) != FQ_UNIT_CODE_LEN || strspn(t, "0123456789") != FQ_UNIT_CODE_LEN)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' must be exactly %d digits, got '%.40s'", f->key,
                           FQ_UNIT_CODE_LEN, t);
    memcpy(fq_cfg_at(obj, f->off), t, FQ_UNIT_CODE_LEN + 1);
    return 0;
}

static int s_tier(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                  void *obj)
{
    char list[64];
    if (fq_tier_parse(t, fq_cfg_at(obj, f->off)) == 0)
        return 0;
    return fq_cfg_fail(p, fq_cfg_mark(n), "unknown tier '%.40s' (expected %s)", t,
                       fq_cfg_join(s_tiers, list, sizeof list));
}

/* One of the NULL-terminated CHOICES, stored as a copy; NOUN names what was expected. */
static int s_pick(fq_cfg_parse_t *p, const yaml_node_t *n, const char *t, char **dst,
                  const char *const *choices, const char *noun)
{
    char list[128];
    for (size_t i = 0; choices[i]; i++)
        if (strcmp(t, choices[i]) == 0)
            return s_store(p, n, dst, t);
    return fq_cfg_fail(p, fq_cfg_mark(n), "unknown %s '%.40s' (expected %s)", noun, t,
                       fq_cfg_join(choices, list, sizeof list));
}

/* One of the NULL-terminated strings in F->aux, stored as a copy. */
static int s_choice(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                    void *obj)
{
    return s_pick(p, n, t, fq_cfg_at(obj, f->off), f->aux, f->key);
}

/* A track code, whatever the key is called (triage.default is one too). */
static int s_track(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                   void *obj)
{
    return s_pick(p, n, t, fq_cfg_at(obj, f->off), fq_cfg_tracks, "track");
}

/* A decimal integer within [f->min, f->max]. */
int fq_cfg_number(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                  long *out)
{
    char *end;
    errno = 0;
    long v = strtol(t, &end, 10);
    if (!(*t == '-' || (*t >= '0' && *t <= '9')) || *end || errno)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' must be a decimal integer, got '%.40s'", f->key,
                           t);
    if (v < f->min || v > f->max)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' = %ld is out of bounds (%ld..%ld)", f->key, v,
                           f->min, f->max);
    *out = v;
    return 0;
}

static int s_int(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                 void *obj)
{
    long v = 0; /* set by fq_cfg_number on success; gcc -O3 cannot tell */
    if (fq_cfg_number(p, f, n, t, &v))
        return -1;
    *(int *)fq_cfg_at(obj, f->off) = (int)v;
    return 0;
}

static int s_size(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                  void *obj)
{
    long v = 0; /* set by fq_cfg_number on success; gcc -O3 cannot tell */
    if (fq_cfg_number(p, f, n, t, &v))
        return -1;
    *(size_t *)fq_cfg_at(obj, f->off) = (size_t)v;
    return 0;
}

static int s_llong(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                   void *obj)
{
    long v = 0; /* set by fq_cfg_number on success; gcc -O3 cannot tell */
    if (fq_cfg_number(p, f, n, t, &v))
        return -1;
    *(long long *)fq_cfg_at(obj, f->off) = v;
    return 0;
}

/* true or false, nothing else: a flag that changes what the centre does is spelled out. */
static int s_bool(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                  void *obj)
{
    if (strcmp(t, "true") != 0 && strcmp(t, "false") != 0)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' must be true or false, got '%.40s'", f->key, t);
    *(bool *)fq_cfg_at(obj, f->off) = t[0] == 't';
    return 0;
}

/* A plain decimal fraction strictly between 0 and 1 (no exponent, no hex, no nan). */
static int s_fraction(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                      const char *t, void *obj)
{
    char *end = NULL;
    double v = strspn(t, "0123456789.") == strlen(t) ? strtod(t, &end) : -1;
    if (v < 0 || *end)
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' must be a decimal number, got '%.40s'", f->key,
                           t);
    if (!(v > 0 && v < 1))
        return fq_cfg_fail(p, fq_cfg_mark(n), "'%s' = %s is out of range (0 < x < 1)", f->key, t);
    *(double *)fq_cfg_at(obj, f->off) = v;
    return 0;
}

typedef int (*text_check_t)(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                            const char *t);

/* A sequence of strings, each passing CHECK, into a new char ** array (count at F->cnt). */
static int s_texts(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj,
                   text_check_t check)
{
    const char *t;
    long len = n ? fq_cfg_count(p, f, n) : 0;
    if (len <= 0)
        return (int)len;
    char **list = calloc((size_t)len, sizeof *list);
    if (!list)
        return fq_cfg_fail(p, n->start_mark, "out of memory");
    *(char ***)fq_cfg_at(obj, f->off) = list;
    *(size_t *)fq_cfg_at(obj, f->cnt) = (size_t)len;
    for (long i = 0; i < len; i++) {
        const yaml_node_t *item = fq_cfg_item(p, n, (size_t)i);
        if (fq_cfg_text(p, f, item, &t) || check(p, f, item, t) || s_store(p, item, &list[i], t))
            return -1;
    }
    return 0;
}

static int s_idents(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj)
{
    return s_texts(p, f, n, obj, s_ident_check);
}

static int s_keyword_check(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                           const char *t)
{
    return s_plain(p, f, n, t, KEYWORD_MAX);
}

/* Triage keywords: free text (Chinese, mostly), matched as byte substrings. */
static int s_keywords(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj)
{
    return s_texts(p, f, n, obj, s_keyword_check);
}

/* ---- schemas --------------------------------------------------------------------------- */

static int s_unit_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map);
static int s_link_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map);
static int s_rule_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map);

/* Designated initializers so every table row says which member each value fills. */
#define KEY(k, fn, type, member) .key = (k), .put = (fn), .off = offsetof(type, member)
#define LIST(k, fn, type, member, count)                                                           \
    .key = (k), .set = (fn), .off = offsetof(type, member), .cnt = offsetof(type, count)
#define NAME(type) KEY("name", s_str, type, name), .max = FQ_CFG_NAME_MAX, .flags = FQ_CFG_REQUIRED

static const fq_cfg_field_t s_unit_fields[] = {
    {KEY("code", s_code, fq_unit_cfg_t, code), .flags = FQ_CFG_REQUIRED},
    {NAME(fq_unit_cfg_t)},
    {KEY("tier", s_tier, fq_unit_cfg_t, tier), .flags = FQ_CFG_REQUIRED},
    {KEY("parent", s_code, fq_unit_cfg_t, parent)},
    {KEY("ops", s_endpoint, fq_unit_cfg_t, ops), .flags = FQ_CFG_REQUIRED},
    {KEY("link", s_endpoint, fq_unit_cfg_t, link)},
    {.key = NULL},
};
static const fq_cfg_schema_t s_unit = {"unit", s_unit_fields, sizeof(fq_unit_cfg_t), s_unit_check};

static const fq_cfg_field_t s_category_fields[] = {
    {KEY("code", s_ident, fq_category_cfg_t, code), .flags = FQ_CFG_REQUIRED},
    {NAME(fq_category_cfg_t)},
    {KEY("track", s_choice, fq_category_cfg_t, track), .flags = FQ_CFG_REQUIRED,
     .aux = fq_cfg_tracks},
    {.key = NULL},
};
static const fq_cfg_schema_t s_category = {"category", s_category_fields, sizeof(fq_category_cfg_t),
                                           NULL};

static const fq_cfg_field_t s_department_fields[] = {
    {KEY("code", s_ident, fq_department_cfg_t, code), .flags = FQ_CFG_REQUIRED},
    {NAME(fq_department_cfg_t)},
    {KEY("tier", s_tier, fq_department_cfg_t, tier), .flags = FQ_CFG_REQUIRED},
    {KEY("presence", s_choice, fq_department_cfg_t, presence), .flags = FQ_CFG_REQUIRED,
     .aux = s_presences},
    {LIST("categories", s_idents, fq_department_cfg_t, categories, ncategories),
     .max = FQ_CFG_LIST_MAX},
    {.key = NULL},
};
static const fq_cfg_schema_t s_department = {"department", s_department_fields,
                                             sizeof(fq_department_cfg_t), NULL};

/* DESIGN.md, Security: each tier can run under a role with rights on its own schema only. */
static const fq_cfg_field_t s_roles_fields[] = {
    {KEY("community", s_role, fq_cfg_t, database_roles[FQ_TIER_COMMUNITY])},
    {KEY("street", s_role, fq_cfg_t, database_roles[FQ_TIER_STREET])},
    {KEY("district", s_role, fq_cfg_t, database_roles[FQ_TIER_DISTRICT])},
    {.key = NULL},
};
static const fq_cfg_schema_t s_roles = {"database.roles", s_roles_fields, 0, NULL};

static const fq_cfg_field_t s_database_fields[] = {
    {KEY("url", s_str, fq_cfg_t, database_url), .max = FQ_CFG_URL_MAX, .def = "dbname=fengqiao"},
    {.key = "roles", .set = fq_cfg_submap, .aux = &s_roles},
    {KEY("replan_interval_ms", s_int, fq_cfg_t, replan_interval_ms), .min = 1000, .max = 86400000,
     .def = "10000"},
    {.key = NULL},
};
static const fq_cfg_schema_t s_database = {"database", s_database_fields, 0, NULL};

static const fq_cfg_field_t s_link_fields[] = {
    {KEY("heartbeat_ms", s_int, fq_cfg_t, heartbeat_ms), .min = 50, .max = 60000, .def = "1000"},
    {KEY("link_timeout_ms", s_int, fq_cfg_t, link_timeout_ms), .min = 200, .max = 600000,
     .def = "3000"},
    {KEY("resend_ms", s_int, fq_cfg_t, resend_ms), .min = 100, .max = 600000, .def = "2000"},
    {KEY("window", s_int, fq_cfg_t, window), .min = 1, .max = 100000, .def = "1024"},
    {KEY("max_message_bytes", s_size, fq_cfg_t, max_message_bytes), .min = 1024, .max = 16777216,
     .def = "262144"},
    {KEY("keys", s_str, fq_cfg_t, keys_dir), .max = FQ_CFG_PATH_MAX, .def = "keys"},
    {.key = NULL},
};
static const fq_cfg_schema_t s_link = {"link", s_link_fields, 0, s_link_check};

static const fq_cfg_field_t s_casework_fields[] = {
    {KEY("max_returns", s_int, fq_cfg_t, max_returns), .min = 0, .max = 20, .def = "2"},
    {.key = NULL},
};
static const fq_cfg_schema_t s_casework = {"casework", s_casework_fields, 0, NULL};

/* Conditions left out stay 0, which fq_triage reads as "no condition". */
static const fq_cfg_field_t s_rule_fields[] = {
    {NAME(fq_triage_rule_cfg_t)},
    {KEY("track", s_track, fq_triage_rule_cfg_t, track), .flags = FQ_CFG_REQUIRED},
    {LIST("categories", s_idents, fq_triage_rule_cfg_t, categories, ncategories), .min = 1,
     .max = FQ_CFG_LIST_MAX},
    {KEY("risk_min", s_int, fq_triage_rule_cfg_t, risk_min), .min = 1, .max = 4},
    {KEY("risk_max", s_int, fq_triage_rule_cfg_t, risk_max), .min = 1, .max = 4},
    {KEY("parties_min", s_int, fq_triage_rule_cfg_t, parties_min), .min = 1, .max = 100000},
    {KEY("amount_min", s_llong, fq_triage_rule_cfg_t, amount_min), .min = 1, .max = AMOUNT_MAX},
    {LIST("keywords", s_keywords, fq_triage_rule_cfg_t, keywords, nkeywords), .min = 1,
     .max = FQ_CFG_LIST_MAX},
    {.key = NULL},
};
static const fq_cfg_schema_t s_rule = {"rule", s_rule_fields, sizeof(fq_triage_rule_cfg_t),
                                       s_rule_check};

static const fq_cfg_field_t s_triage_fields[] = {
    {KEY("default", s_track, fq_cfg_t, triage_default), .def = "complex"},
    {LIST("rules", fq_cfg_seq, fq_cfg_t, triage_rules, ntriage_rules), .max = FQ_CFG_LIST_MAX,
     .aux = &s_rule},
    {.key = NULL},
};
static const fq_cfg_schema_t s_triage = {"triage", s_triage_fields, 0, NULL};

/* Seed 003's 提醒、督促、催办: a reminder when this share of the time is gone, a 风险预警函 this
 * many working days past the deadline. */
static const fq_cfg_field_t s_notices_fields[] = {
    {KEY("reminder_at", s_fraction, fq_cfg_t, reminder_fraction), .def = "0.5"},
    {KEY("warning_after_working_days", s_int, fq_cfg_t, warning_after_days), .min = 1, .max = 60,
     .def = "2"},
    {KEY("auto_escalate", s_bool, fq_cfg_t, auto_escalate), .def = "false"},
    {.key = NULL},
};
static const fq_cfg_schema_t s_notices = {"notices", s_notices_fields, 0, NULL};

static const fq_cfg_field_t s_stats_fields[] = {
    {KEY("report_interval_ms", s_int, fq_cfg_t, stats_interval_ms), .min = 100, .max = 86400000,
     .def = "60000"},
    {.key = NULL},
};
static const fq_cfg_schema_t s_stats = {"stats", s_stats_fields, 0, NULL};

static const fq_cfg_field_t s_top_fields[] = {
    {NAME(fq_cfg_t)},
    {.key = "database", .set = fq_cfg_submap, .aux = &s_database},
    {.key = "link", .set = fq_cfg_submap, .aux = &s_link},
    {LIST("units", fq_cfg_seq, fq_cfg_t, units, nunits), .min = 1, .max = FQ_CFG_UNITS_MAX,
     .flags = FQ_CFG_REQUIRED, .aux = &s_unit},
    {LIST("categories", fq_cfg_seq, fq_cfg_t, categories, ncategories), .max = FQ_CFG_LIST_MAX,
     .aux = &s_category},
    {LIST("departments", fq_cfg_seq, fq_cfg_t, departments, ndepartments), .max = FQ_CFG_LIST_MAX,
     .aux = &s_department},
    {.key = "casework", .set = fq_cfg_submap, .aux = &s_casework},
    {.key = "triage", .set = fq_cfg_submap, .aux = &s_triage},
    {.key = "calendar", .set = fq_cfg_submap, .aux = &fq_cfg_calendar_schema},
    {.key = "sla", .set = fq_cfg_submap, .aux = &fq_cfg_sla_schema},
    {.key = "notices", .set = fq_cfg_submap, .aux = &s_notices},
    {.key = "stats", .set = fq_cfg_submap, .aux = &s_stats},
    {.key = NULL},
};
static const fq_cfg_schema_t s_top = {"the top level", s_top_fields, 0, NULL};

/* ---- rules that span the keys of one mapping (the whole file: config_cross.c) ----------- */

/* Parent and link follow the tier: only the district lacks a parent, only communities a link. */
static int s_unit_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map)
{
    const fq_unit_cfg_t *u = obj;
    const char *tier = fq_tier_name(u->tier);
    if (u->tier == FQ_TIER_DISTRICT && u->parent[0])
        return fq_cfg_fail(p, fq_cfg_mark(fq_cfg_find(p, map, "parent")),
                           "a district has no 'parent'");
    if (u->tier != FQ_TIER_DISTRICT && !u->parent[0])
        return fq_cfg_fail(p, map->start_mark, "missing required key 'parent' in %s unit %s", tier,
                           u->code);
    if (u->tier == FQ_TIER_COMMUNITY && u->link)
        return fq_cfg_fail(p, fq_cfg_mark(fq_cfg_find(p, map, "link")),
                           "a community has no children, so no 'link' endpoint");
    if (u->tier != FQ_TIER_COMMUNITY && !u->link)
        return fq_cfg_fail(p, map->start_mark,
                           "missing required key 'link' in %s unit %s (its children connect there)",
                           tier, u->code);
    return 0;
}

static int s_link_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map)
{
    const fq_cfg_t *c = obj;
    const yaml_node_t *n = fq_cfg_find(p, map, "link_timeout_ms");
    if (c->link_timeout_ms > c->heartbeat_ms)
        return 0;
    return fq_cfg_fail(p, fq_cfg_mark(n ? n : map),
                       "link_timeout_ms (%d) must exceed heartbeat_ms (%d)", c->link_timeout_ms,
                       c->heartbeat_ms);
}

/* A rule that tests nothing would swallow every case below it: that is what the default is for. */
static int s_rule_check(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map)
{
    const fq_triage_rule_cfg_t *r = obj;
    if (r->risk_min && r->risk_max && r->risk_max < r->risk_min)
        return fq_cfg_fail(p, fq_cfg_mark(fq_cfg_find(p, map, "risk_max")),
                           "risk_max (%d) is below risk_min (%d) in rule %s", r->risk_max,
                           r->risk_min, r->name);
    if (r->ncategories || r->risk_min || r->risk_max || r->parties_min || r->amount_min ||
        r->nkeywords)
        return 0;
    return fq_cfg_fail(p, map->start_mark, "rule %s has no condition; use triage.default instead",
                       r->name);
}

/* ---- loading --------------------------------------------------------------------------- */

/* The configuration in ROOT: walked against s_top, then checked as a whole. */
static fq_cfg_t *s_build(fq_cfg_parse_t *p, const yaml_node_t *root)
{
    fq_cfg_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        fq_cfg_fail(p, fq_cfg_mark(NULL), "out of memory");
        return NULL;
    }
    cfg->path = s_dup(p->path);
    if (!cfg->path)
        fq_cfg_fail(p, fq_cfg_mark(NULL), "out of memory");
    if (!cfg->path || fq_cfg_map(p, &s_top, root, cfg) || fq_cfg_cross(p, cfg, root))
        fq_cfg_destroy(&cfg);
    return cfg;
}

static int s_env(fq_cfg_parse_t *p, fq_cfg_t *cfg)
{
    const char *url = getenv("FQ_DATABASE_URL");
    if (!url || !*url)
        return 0;
    if (strlen(url) > FQ_CFG_URL_MAX)
        return fq_cfg_fail(p, fq_cfg_mark(NULL), "FQ_DATABASE_URL is longer than %d bytes",
                           FQ_CFG_URL_MAX);
    char *copy = s_dup(url);
    if (!copy)
        return fq_cfg_fail(p, fq_cfg_mark(NULL), "out of memory");
    free(cfg->database_url);
    cfg->database_url = copy;
    return 0;
}

/* link.keys names a directory relative to the config file, as a deployment is moved whole:
 * made absolute here, so it does not depend on where a daemon is started from. */
static int s_keys_dir(fq_cfg_parse_t *p, fq_cfg_t *cfg)
{
    if (!cfg->keys_dir || cfg->keys_dir[0] == '/')
        return 0;
    const char *slash = strrchr(cfg->path, '/');
    int dirlen = slash ? (int)(slash - cfg->path) : 1;
    const char *dir = slash ? cfg->path : ".";
    size_t len = (size_t)dirlen + 1 + strlen(cfg->keys_dir) + 1;
    if (len > FQ_CFG_PATH_MAX)
        return fq_cfg_fail(p, fq_cfg_mark(NULL),
                           "link.keys is longer than %d bytes once "
                           "joined to the config file's directory",
                           FQ_CFG_PATH_MAX);
    char *joined = malloc(len);
    if (!joined)
        return fq_cfg_fail(p, fq_cfg_mark(NULL), "out of memory");
    snprintf(joined, len, "%.*s/%s", dirlen, dir, cfg->keys_dir);
    free(cfg->keys_dir);
    cfg->keys_dir = joined;
    return 0;
}

/* ---- public ---------------------------------------------------------------------------- */

/* Load and validate PATH; NULL with "file:line:col: message" in ERR on any error. */
fq_cfg_t *fq_cfg_load(const char *path, char *err, size_t errlen)
{
    assert(path);
    fq_cfg_parse_t p = {.path = path, .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    fq_cfg_t *cfg = fq_cfg_read(&p, s_build);
    if (cfg && (s_env(&p, cfg) || s_keys_dir(&p, cfg)))
        fq_cfg_destroy(&cfg);
    return cfg;
}

static void s_free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static void s_free_lists(fq_cfg_t *c)
{
    for (size_t i = 0; i < c->nunits; i++) {
        free(c->units[i].name);
        free(c->units[i].ops);
        free(c->units[i].link);
    }
    for (size_t i = 0; i < c->ncategories; i++) {
        free(c->categories[i].code);
        free(c->categories[i].name);
        free(c->categories[i].track);
    }
    for (size_t i = 0; i < c->ndepartments; i++) {
        fq_department_cfg_t *d = &c->departments[i];
        s_free_strings(d->categories, d->ncategories);
        free(d->code);
        free(d->name);
        free(d->presence);
    }
    for (size_t i = 0; i < c->ntriage_rules; i++) {
        fq_triage_rule_cfg_t *r = &c->triage_rules[i];
        s_free_strings(r->categories, r->ncategories);
        s_free_strings(r->keywords, r->nkeywords);
        free(r->name);
        free(r->track);
    }
}

/* Free a config, however partly filled, and clear the pointer. */
void fq_cfg_destroy(fq_cfg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fq_cfg_t *c = *self_p;
    s_free_lists(c);
    fq_cfg_sla_free(c);
    free(c->units);
    free(c->categories);
    free(c->departments);
    free(c->triage_rules);
    free(c->triage_default);
    free(c->path);
    free(c->name);
    free(c->database_url);
    for (int t = 0; t < FQ_TIER_COUNT; t++)
        free(c->database_roles[t]);
    free(c->keys_dir);
    free(c);
    *self_p = NULL;
}

/* Borrowed: the unit with CODE, or NULL. */
const fq_unit_cfg_t *fq_cfg_unit(const fq_cfg_t *cfg, const char *code)
{
    for (size_t i = 0; cfg && code && i < cfg->nunits; i++)
        if (strcmp(cfg->units[i].code, code) == 0)
            return &cfg->units[i];
    return NULL;
}

/* Borrowed: UNIT's parent, or NULL for the district (or a parent not in CFG). */
const fq_unit_cfg_t *fq_cfg_parent(const fq_cfg_t *cfg, const fq_unit_cfg_t *unit)
{
    return unit && unit->parent[0] ? fq_cfg_unit(cfg, unit->parent) : NULL;
}

bool fq_cfg_within(const fq_cfg_t *cfg, const char *code, const char *top)
{
    /* a parent is one tier up (config_cross.c), so the walk takes at most FQ_TIER_COUNT steps */
    const fq_unit_cfg_t *u = code ? fq_cfg_unit(cfg, code) : NULL;
    for (int step = 0; u && step < FQ_TIER_COUNT; step++, u = fq_cfg_parent(cfg, u))
        if (strcmp(u->code, top) == 0)
            return true;
    return false;
}

size_t fq_cfg_subtree(const fq_cfg_t *cfg, const char *top, const char **codes)
{
    const fq_unit_cfg_t *u = fq_cfg_unit(cfg, top);
    if (!u)
        return 0;
    size_t n = 0;
    codes[n++] = u->code;
    /* breadth first: each unit found adds its children, so a street costs its size times the
     * file's, not the file's squared */
    for (size_t next = 0; next < n; next++)
        for (size_t i = 0; i < cfg->nunits && n < cfg->nunits; i++)
            if (strcmp(cfg->units[i].parent, codes[next]) == 0)
                codes[n++] = cfg->units[i].code;
    return n;
}

/* Borrowed: the category with CODE, or NULL. */
const fq_category_cfg_t *fq_cfg_category(const fq_cfg_t *cfg, const char *code)
{
    for (size_t i = 0; cfg && code && i < cfg->ncategories; i++)
        if (strcmp(cfg->categories[i].code, code) == 0)
            return &cfg->categories[i];
    return NULL;
}

/* Borrowed: the department with CODE, or NULL. */
const fq_department_cfg_t *fq_cfg_department(const fq_cfg_t *cfg, const char *code)
{
    for (size_t i = 0; cfg && code && i < cfg->ndepartments; i++)
        if (strcmp(cfg->departments[i].code, code) == 0)
            return &cfg->departments[i];
    return NULL;
}

/* "community", "street", "district"; "unknown" for anything else. */
const char *fq_tier_name(fq_tier_t tier)
{
    return (unsigned)tier <= FQ_TIER_DISTRICT ? s_tiers[tier] : "unknown";
}

/* Parses a tier name into *TIER; -1 (TIER untouched) when NAME is NULL or unknown. */
int fq_tier_parse(const char *name, fq_tier_t *tier)
{
    for (int i = 0; name && s_tiers[i]; i++)
        if (strcmp(name, s_tiers[i]) == 0) {
            *tier = (fq_tier_t)i;
            return 0;
        }
    return -1;
}
