/* config.c - load and validate one deployment's YAML configuration (contract in config.h).
 *
 * The file is read whole (at most FQ_CFG_FILE_MAX bytes) and parsed with libyaml's document
 * API. The tree is then walked against tables: every mapping has a schema listing its keys, and
 * every key names the setter that checks and stores its value, with its bounds and default.
 * Checks that need the whole file (duplicate codes, parents and their tiers, the categories a
 * department lists) run after the walk, while the document is still alive to give them marks.
 * Any error stops the load: "file:line:col: message" goes to the caller's buffer, lines and
 * columns 1-based, columns counted in characters as libyaml counts them.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define F_REQUIRED 1u
#define FIELDS_MAX 16 /* keys in one schema */
#define DEPTH_MAX 16  /* nested collections; the format needs 4 */

typedef struct {
    const char *path;
    yaml_document_t *doc; /* NULL before parsing and after it */
    char *err;
    size_t errlen;
} parse_t;

typedef struct field field_t;
typedef struct schema schema_t;

/* Checks the text T of scalar N (N is NULL when T is F's default) and stores it into OBJ. */
typedef int (*put_t)(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj);
/* Checks node N (NULL: the key is absent) and stores what it holds into OBJ. */
typedef int (*set_t)(parse_t *p, const field_t *f, const yaml_node_t *n, void *obj);

struct field {
    const char *key;
    put_t put;       /* scalar keys: this handler ... */
    set_t set;       /* ... or, for mappings and sequences, this one */
    size_t off;      /* where the value goes in the target struct */
    size_t cnt;      /* sequences: where the element count goes */
    long min, max;   /* numbers: value; strings: length in bytes; sequences: item count */
    unsigned flags;  /* F_REQUIRED */
    const char *def; /* default as YAML text; NULL: none (left zero) */
    const void *aux; /* choices (NULL-terminated) or the item/sub-mapping schema */
};

struct schema {
    const char *name;      /* for messages: "unit", "link" ... */
    const field_t *fields; /* ends with a NULL key */
    size_t size;           /* size of one item, when the schema describes sequence items */
    int (*check)(parse_t *p, void *obj, const yaml_node_t *map); /* whole-mapping rules */
};

static const char *const s_tiers[] = {"community", "street", "district", NULL};
static const char *const s_tracks[] = {"simple", "complex", "high_risk", "long_term", NULL};
static const char *const s_presences[] = {"resident", "rotating", "on_call", NULL};

/* ---- errors ---------------------------------------------------------------------------- */

static int s_fail(parse_t *p, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(parse_t *p, yaml_mark_t m, const char *fmt, ...)
{
    if (!p->err || p->errlen == 0)
        return -1;
    int n = snprintf(p->err, p->errlen, "%s:%zu:%zu: ", p->path, m.line + 1, m.column + 1);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static yaml_mark_t s_mark(const yaml_node_t *n)
{
    yaml_mark_t none = {0, 0, 0};
    return n ? n->start_mark : none;
}

static const char *s_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "scalar";
    case YAML_SEQUENCE_NODE:
        return "sequence";
    case YAML_MAPPING_NODE:
        return "mapping";
    default:
        return "empty node";
    }
}

/* Joins a NULL-terminated list into OUT as "a|b|c" (truncated to fit). */
static const char *s_join(const char *const *list, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; list[i] && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? "|" : "", list[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    return out;
}

/* ---- document helpers ------------------------------------------------------------------ */

static yaml_node_t *s_node(parse_t *p, int id)
{
    return yaml_document_get_node(p->doc, id);
}

/* The value under KEY in mapping MAP, or NULL. */
static const yaml_node_t *s_find(parse_t *p, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        const yaml_node_t *k = s_node(p, pr->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return s_node(p, pr->value);
    }
    return NULL;
}

static const yaml_node_t *s_item(parse_t *p, const yaml_node_t *seq, size_t i)
{
    return s_node(p, seq->data.sequence.items.start[i]);
}

/* ---- scalar setters -------------------------------------------------------------------- */

static void *s_at(void *obj, size_t off)
{
    return (char *)obj + off;
}

static char *s_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    return copy ? memcpy(copy, s, n) : NULL;
}

/* The text of scalar N, or F's default (maybe NULL) when N is absent. */
static int s_text(parse_t *p, const field_t *f, const yaml_node_t *n, const char **text)
{
    *text = f->def;
    if (!n)
        return 0;
    if (n->type != YAML_SCALAR_NODE)
        return s_fail(p, n->start_mark, "'%s' must be a scalar, not a %s", f->key, s_kind(n));
    *text = (const char *)n->data.scalar.value;
    if (strlen(*text) != n->data.scalar.length)
        return s_fail(p, n->start_mark, "'%s' contains a NUL character", f->key);
    return 0;
}

static int s_store(parse_t *p, const yaml_node_t *n, char **dst, const char *text)
{
    *dst = s_dup(text);
    return *dst ? 0 : s_fail(p, s_mark(n), "out of memory");
}

/* Length within [min, max] bytes and no control characters (these strings reach logs). */
static int s_plain(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, long max)
{
    size_t len = strlen(t);
    if (len == 0)
        return s_fail(p, s_mark(n), "'%s' must not be empty", f->key);
    if (len > (size_t)max)
        return s_fail(p, s_mark(n), "'%s' is %zu bytes long, at most %ld allowed", f->key, len,
                      max);
    for (const unsigned char *c = (const unsigned char *)t; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return s_fail(p, s_mark(n), "'%s' contains a control character", f->key);
    return 0;
}

static int s_str(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj)
{
    if (s_plain(p, f, n, t, f->max))
        return -1;
    return s_store(p, n, s_at(obj, f->off), t);
}

static int s_endpoint(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj)
{
    static const char *const schemes[] = {"tcp://", "ipc://", "inproc://"};
    if (s_plain(p, f, n, t, FQ_CFG_ENDPOINT_MAX))
        return -1;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t len = strlen(schemes[i]);
        if (strncmp(t, schemes[i], len) == 0 && t[len] && !strchr(t, ' '))
            return s_store(p, n, s_at(obj, f->off), t);
    }
    return s_fail(p, s_mark(n), "'%s' must be a ZeroMQ endpoint (tcp://, ipc:// or inproc://)",
                  f->key);
}

/* Category and department codes are ASCII identifiers, so they are safe in logs and SQL. */
static int s_ident_check(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t)
{
    size_t len = strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    if (len > 0 && len <= FQ_CFG_IDENT_MAX && t[len] == '\0')
        return 0;
    return s_fail(p, s_mark(n), "'%s' must be 1..%d of A-Z a-z 0-9 _ -", f->key, FQ_CFG_IDENT_MAX);
}

static int s_ident(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj)
{
    return s_ident_check(p, f, n, t) || s_store(p, n, s_at(obj, f->off), t) ? -1 : 0;
}

/* A 12-digit division code, into a char[FQ_UNIT_CODE_LEN + 1]. */
static int s_code(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj)
{
    if (strlen(t) != FQ_UNIT_CODE_LEN || strspn(t, "0123456789") != FQ_UNIT_CODE_LEN)
        return s_fail(p, s_mark(n), "'%s' must be exactly %d digits, got '%.40s'", f->key,
                      FQ_UNIT_CODE_LEN, t);
    memcpy(s_at(obj, f->off), t, FQ_UNIT_CODE_LEN + 1);
    return 0;
}

static int s_tier(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj)
{
    char list[64];
    if (fq_tier_parse(t, s_at(obj, f->off)) == 0)
        return 0;
    return s_fail(p, s_mark(n), "unknown tier '%.40s' (expected %s)", t,
                  s_join(s_tiers, list, sizeof list));
}

/* One of the NULL-terminated strings in F->aux, stored as a copy. */
static int s_choice(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj)
{
    const char *const *choices = f->aux;
    char list[128];
    for (size_t i = 0; choices[i]; i++)
        if (strcmp(t, choices[i]) == 0)
            return s_store(p, n, s_at(obj, f->off), t);
    return s_fail(p, s_mark(n), "unknown %s '%.40s' (expected %s)", f->key, t,
                  s_join(choices, list, sizeof list));
}

/* A decimal integer within [f->min, f->max]. */
static int s_number(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(t, &end, 10);
    if (!(*t == '-' || (*t >= '0' && *t <= '9')) || *end || errno)
        return s_fail(p, s_mark(n), "'%s' must be a decimal integer, got '%.40s'", f->key, t);
    if (v < f->min || v > f->max)
        return s_fail(p, s_mark(n), "'%s' = %ld is out of bounds (%ld..%ld)", f->key, v, f->min,
                      f->max);
    *out = v;
    return 0;
}

static int s_int(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj)
{
    long v;
    if (s_number(p, f, n, t, &v))
        return -1;
    *(int *)s_at(obj, f->off) = (int)v;
    return 0;
}

static int s_size(parse_t *p, const field_t *f, const yaml_node_t *n, const char *t, void *obj)
{
    long v;
    if (s_number(p, f, n, t, &v))
        return -1;
    *(size_t *)s_at(obj, f->off) = (size_t)v;
    return 0;
}

/* Runs F's handler on N (NULL: the key is absent). */
static int s_apply(parse_t *p, const field_t *f, const yaml_node_t *n, void *obj)
{
    const char *t;
    if (f->set)
        return f->set(p, f, n, obj);
    if (s_text(p, f, n, &t))
        return -1;
    return t ? f->put(p, f, n, t, obj) : 0;
}

/* ---- mappings and sequences ------------------------------------------------------------ */

static int s_map(parse_t *p, const schema_t *s, const yaml_node_t *map, void *obj);

static const char *s_keys(const schema_t *s, char *out, size_t size)
{
    const char *keys[FIELDS_MAX + 1];
    size_t i = 0;
    for (; s->fields[i].key; i++)
        keys[i] = s->fields[i].key;
    keys[i] = NULL;
    return s_join(keys, out, size);
}

/* One "key: value" pair of a mapping: find the key in the schema and run its setter. */
static int s_pair(parse_t *p, const schema_t *s, const yaml_node_pair_t *pr, bool *seen, void *obj)
{
    const yaml_node_t *k = s_node(p, pr->key);
    char list[256];
    if (k->type != YAML_SCALAR_NODE)
        return s_fail(p, k->start_mark, "keys in %s must be scalars", s->name);
    const char *key = (const char *)k->data.scalar.value;
    for (size_t i = 0; s->fields[i].key; i++) {
        if (strcmp(key, s->fields[i].key) != 0)
            continue;
        if (seen[i])
            return s_fail(p, k->start_mark, "duplicate key '%s' in %s", key, s->name);
        seen[i] = true;
        return s_apply(p, &s->fields[i], s_node(p, pr->value), obj);
    }
    return s_fail(p, k->start_mark, "unknown key '%.64s' in %s (expected %s)", key, s->name,
                  s_keys(s, list, sizeof list));
}

/* Keys not given: refuse the required ones, default the others. */
static int s_defaults(parse_t *p, const schema_t *s, const yaml_node_t *map, const bool *seen,
                      void *obj)
{
    for (size_t i = 0; s->fields[i].key; i++) {
        const field_t *f = &s->fields[i];
        assert(i < FIELDS_MAX); /* a schema grew past SEEN's size */
        if (seen[i])
            continue;
        if (f->flags & F_REQUIRED)
            return s_fail(p, s_mark(map), "missing required key '%s' in %s", f->key, s->name);
        if (s_apply(p, f, NULL, obj))
            return -1;
    }
    return 0;
}

/* Walks MAP (NULL: absent, defaults only) against schema S, storing into OBJ. */
static int s_map(parse_t *p, const schema_t *s, const yaml_node_t *map, void *obj)
{
    bool seen[FIELDS_MAX] = {false};
    if (map && map->type != YAML_MAPPING_NODE)
        return s_fail(p, map->start_mark, "%s must be a mapping, not a %s", s->name, s_kind(map));
    if (map)
        for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
             pr++)
            if (s_pair(p, s, pr, seen, obj))
                return -1;
    if (s_defaults(p, s, map, seen, obj))
        return -1;
    return map && s->check ? s->check(p, obj, map) : 0;
}

static int s_submap(parse_t *p, const field_t *f, const yaml_node_t *n, void *obj)
{
    return s_map(p, f->aux, n, obj);
}

/* Sequence N must hold f->min..f->max entries; returns its length or -1. */
static long s_count(parse_t *p, const field_t *f, const yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return s_fail(p, n->start_mark, "'%s' must be a sequence, not a %s", f->key, s_kind(n));
    long len = n->data.sequence.items.top - n->data.sequence.items.start;
    if (len < f->min || len > f->max)
        return s_fail(p, n->start_mark, "'%s' has %ld entries, expected %ld..%ld", f->key, len,
                      f->min, f->max);
    return len;
}

/* A sequence of mappings, each walked against the item schema F->aux, into a new array. */
static int s_seq(parse_t *p, const field_t *f, const yaml_node_t *n, void *obj)
{
    const schema_t *s = f->aux;
    long len = n ? s_count(p, f, n) : 0;
    if (len <= 0)
        return (int)len;
    char *items = calloc((size_t)len, s->size);
    if (!items)
        return s_fail(p, n->start_mark, "out of memory");
    *(void **)s_at(obj, f->off) = items;
    *(size_t *)s_at(obj, f->cnt) = (size_t)len; /* now fq_cfg_destroy frees what is filled */
    for (long i = 0; i < len; i++)
        if (s_map(p, s, s_item(p, n, (size_t)i), items + (size_t)i * s->size))
            return -1;
    return 0;
}

/* A sequence of identifiers into a new char ** array. */
static int s_idents(parse_t *p, const field_t *f, const yaml_node_t *n, void *obj)
{
    const char *t;
    long len = n ? s_count(p, f, n) : 0;
    if (len <= 0)
        return (int)len;
    char **list = calloc((size_t)len, sizeof *list);
    if (!list)
        return s_fail(p, n->start_mark, "out of memory");
    *(char ***)s_at(obj, f->off) = list;
    *(size_t *)s_at(obj, f->cnt) = (size_t)len;
    for (long i = 0; i < len; i++) {
        const yaml_node_t *item = s_item(p, n, (size_t)i);
        if (s_text(p, f, item, &t) || s_ident_check(p, f, item, t) || s_store(p, item, &list[i], t))
            return -1;
    }
    return 0;
}

/* ---- schemas --------------------------------------------------------------------------- */

static int s_unit_check(parse_t *p, void *obj, const yaml_node_t *map);
static int s_link_check(parse_t *p, void *obj, const yaml_node_t *map);

/* Designated initializers so every table row says which member each value fills. */
#define KEY(k, fn, type, member) .key = (k), .put = (fn), .off = offsetof(type, member)
#define LIST(k, fn, type, member, count)                                                           \
    .key = (k), .set = (fn), .off = offsetof(type, member), .cnt = offsetof(type, count)
#define NAME(type) KEY("name", s_str, type, name), .max = FQ_CFG_NAME_MAX, .flags = F_REQUIRED

static const field_t s_unit_fields[] = {
    {KEY("code", s_code, fq_unit_cfg_t, code), .flags = F_REQUIRED},
    {NAME(fq_unit_cfg_t)},
    {KEY("tier", s_tier, fq_unit_cfg_t, tier), .flags = F_REQUIRED},
    {KEY("parent", s_code, fq_unit_cfg_t, parent)},
    {KEY("ops", s_endpoint, fq_unit_cfg_t, ops), .flags = F_REQUIRED},
    {KEY("link", s_endpoint, fq_unit_cfg_t, link)},
    {.key = NULL},
};
static const schema_t s_unit = {"unit", s_unit_fields, sizeof(fq_unit_cfg_t), s_unit_check};

static const field_t s_category_fields[] = {
    {KEY("code", s_ident, fq_category_cfg_t, code), .flags = F_REQUIRED},
    {NAME(fq_category_cfg_t)},
    {KEY("track", s_choice, fq_category_cfg_t, track), .flags = F_REQUIRED, .aux = s_tracks},
    {.key = NULL},
};
static const schema_t s_category = {"category", s_category_fields, sizeof(fq_category_cfg_t), NULL};

static const field_t s_department_fields[] = {
    {KEY("code", s_ident, fq_department_cfg_t, code), .flags = F_REQUIRED},
    {NAME(fq_department_cfg_t)},
    {KEY("tier", s_tier, fq_department_cfg_t, tier), .flags = F_REQUIRED},
    {KEY("presence", s_choice, fq_department_cfg_t, presence), .flags = F_REQUIRED,
     .aux = s_presences},
    {LIST("categories", s_idents, fq_department_cfg_t, categories, ncategories),
     .max = FQ_CFG_LIST_MAX},
    {.key = NULL},
};
static const schema_t s_department = {"department", s_department_fields,
                                      sizeof(fq_department_cfg_t), NULL};

static const field_t s_database_fields[] = {
    {KEY("url", s_str, fq_cfg_t, database_url), .max = FQ_CFG_URL_MAX, .def = "dbname=fengqiao"},
    {.key = NULL},
};
static const schema_t s_database = {"database", s_database_fields, 0, NULL};

static const field_t s_link_fields[] = {
    {KEY("heartbeat_ms", s_int, fq_cfg_t, heartbeat_ms), .min = 50, .max = 60000, .def = "1000"},
    {KEY("link_timeout_ms", s_int, fq_cfg_t, link_timeout_ms), .min = 200, .max = 600000,
     .def = "3000"},
    {KEY("resend_ms", s_int, fq_cfg_t, resend_ms), .min = 100, .max = 600000, .def = "2000"},
    {KEY("window", s_int, fq_cfg_t, window), .min = 1, .max = 100000, .def = "256"},
    {KEY("max_message_bytes", s_size, fq_cfg_t, max_message_bytes), .min = 1024, .max = 16777216,
     .def = "262144"},
    {.key = NULL},
};
static const schema_t s_link = {"link", s_link_fields, 0, s_link_check};

static const field_t s_top_fields[] = {
    {NAME(fq_cfg_t)},
    {.key = "database", .set = s_submap, .aux = &s_database},
    {.key = "link", .set = s_submap, .aux = &s_link},
    {LIST("units", s_seq, fq_cfg_t, units, nunits), .min = 1, .max = FQ_CFG_UNITS_MAX,
     .flags = F_REQUIRED, .aux = &s_unit},
    {LIST("categories", s_seq, fq_cfg_t, categories, ncategories), .max = FQ_CFG_LIST_MAX,
     .aux = &s_category},
    {LIST("departments", s_seq, fq_cfg_t, departments, ndepartments), .max = FQ_CFG_LIST_MAX,
     .aux = &s_department},
    {.key = NULL},
};
static const schema_t s_top = {"the top level", s_top_fields, 0, NULL};

/* ---- rules that span keys or the whole file -------------------------------------------- */

/* Parent and link follow the tier: only the district lacks a parent, only communities a link. */
static int s_unit_check(parse_t *p, void *obj, const yaml_node_t *map)
{
    const fq_unit_cfg_t *u = obj;
    const char *tier = fq_tier_name(u->tier);
    if (u->tier == FQ_TIER_DISTRICT && u->parent[0])
        return s_fail(p, s_mark(s_find(p, map, "parent")), "a district has no 'parent'");
    if (u->tier != FQ_TIER_DISTRICT && !u->parent[0])
        return s_fail(p, map->start_mark, "missing required key 'parent' in %s unit %s", tier,
                      u->code);
    if (u->tier == FQ_TIER_COMMUNITY && u->link)
        return s_fail(p, s_mark(s_find(p, map, "link")),
                      "a community has no children, so no 'link' endpoint");
    if (u->tier != FQ_TIER_COMMUNITY && !u->link)
        return s_fail(p, map->start_mark,
                      "missing required key 'link' in %s unit %s (its children connect there)",
                      tier, u->code);
    return 0;
}

static int s_link_check(parse_t *p, void *obj, const yaml_node_t *map)
{
    const fq_cfg_t *c = obj;
    const yaml_node_t *n = s_find(p, map, "link_timeout_ms");
    if (c->link_timeout_ms > c->heartbeat_ms)
        return 0;
    return s_fail(p, s_mark(n ? n : map), "link_timeout_ms (%d) must exceed heartbeat_ms (%d)",
                  c->link_timeout_ms, c->heartbeat_ms);
}

typedef const char *(*code_at_t)(const fq_cfg_t *cfg, size_t i);

static const char *s_unit_code(const fq_cfg_t *cfg, size_t i)
{
    return cfg->units[i].code;
}

static const char *s_category_code(const fq_cfg_t *cfg, size_t i)
{
    return cfg->categories[i].code;
}

static const char *s_department_code(const fq_cfg_t *cfg, size_t i)
{
    return cfg->departments[i].code;
}

/* Refuses a code seen earlier in SEQ, pointing at the second occurrence. */
static int s_unique(parse_t *p, const fq_cfg_t *cfg, const yaml_node_t *seq, size_t n,
                    code_at_t code_at, const char *what)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            if (strcmp(code_at(cfg, i), code_at(cfg, j)) != 0)
                continue;
            yaml_mark_t first = s_mark(s_find(p, s_item(p, seq, j), "code"));
            return s_fail(p, s_mark(s_find(p, s_item(p, seq, i), "code")),
                          "duplicate %s code '%s' (first defined at line %zu)", what,
                          code_at(cfg, i), first.line + 1);
        }
    return 0;
}

/* Every parent is a unit of this file, one tier up. */
static int s_parents(parse_t *p, const fq_cfg_t *cfg, const yaml_node_t *seq)
{
    for (size_t i = 0; i < cfg->nunits; i++) {
        const fq_unit_cfg_t *u = &cfg->units[i];
        if (!u->parent[0])
            continue;
        const fq_unit_cfg_t *up = fq_cfg_parent(cfg, u);
        yaml_mark_t at = s_mark(s_find(p, s_item(p, seq, i), "parent"));
        if (!up)
            return s_fail(p, at, "parent '%s' of %s is not defined in this file", u->parent,
                          u->code);
        if (up->tier != u->tier + 1)
            return s_fail(p, at, "parent '%s' is a %s, but a %s's parent must be a %s", u->parent,
                          fq_tier_name(up->tier), fq_tier_name(u->tier),
                          fq_tier_name((fq_tier_t)(u->tier + 1)));
    }
    return 0;
}

static int s_by_code(const void *a, const void *b)
{
    const fq_category_cfg_t *const *x = a, *const *y = b;
    return strcmp((*x)->code, (*y)->code);
}

/* Department D (at ITEM) lists defined categories, each once; SEEN[i] == STAMP marks those
 * it already listed. */
static int s_department_ref(parse_t *p, const fq_cfg_t *cfg, const fq_department_cfg_t *d,
                            const yaml_node_t *item, const fq_category_cfg_t **sorted, size_t *seen,
                            size_t stamp)
{
    const yaml_node_t *list = s_find(p, item, "categories");
    for (size_t j = 0; j < d->ncategories; j++) {
        fq_category_cfg_t key = {.code = d->categories[j]};
        const fq_category_cfg_t *kp = &key, **hit;
        yaml_mark_t at = s_mark(s_item(p, list, j));
        hit = bsearch(&kp, sorted, cfg->ncategories, sizeof *sorted, s_by_code);
        if (!hit)
            return s_fail(p, at, "department '%s' lists unknown category '%s'", d->code,
                          d->categories[j]);
        size_t idx = (size_t)(*hit - cfg->categories);
        if (seen[idx] == stamp)
            return s_fail(p, at, "department '%s' lists category '%s' twice", d->code,
                          d->categories[j]);
        seen[idx] = stamp;
    }
    return 0;
}

/* Checks every department's categories against a sorted index: with aliases a small file can
 * list a thousand categories in each of a thousand departments. */
static int s_department_refs(parse_t *p, const fq_cfg_t *cfg, const yaml_node_t *seq)
{
    size_t n = cfg->ncategories ? cfg->ncategories : 1;
    const fq_category_cfg_t **sorted = malloc(n * sizeof *sorted);
    size_t *seen = calloc(n, sizeof *seen);
    int rc = sorted && seen ? 0 : s_fail(p, s_mark(seq), "out of memory");
    for (size_t i = 0; rc == 0 && i < cfg->ncategories; i++)
        sorted[i] = &cfg->categories[i];
    if (rc == 0)
        qsort(sorted, cfg->ncategories, sizeof *sorted, s_by_code);
    for (size_t i = 0; rc == 0 && i < cfg->ndepartments; i++)
        rc = s_department_ref(p, cfg, &cfg->departments[i], s_item(p, seq, i), sorted, seen, i + 1);
    free(sorted);
    free(seen);
    return rc;
}

static int s_cross(parse_t *p, const fq_cfg_t *cfg, const yaml_node_t *root)
{
    const yaml_node_t *units = s_find(p, root, "units");
    const yaml_node_t *cats = s_find(p, root, "categories");
    const yaml_node_t *deps = s_find(p, root, "departments");
    if (s_unique(p, cfg, units, cfg->nunits, s_unit_code, "unit") || s_parents(p, cfg, units))
        return -1;
    if (s_unique(p, cfg, cats, cfg->ncategories, s_category_code, "category"))
        return -1;
    if (s_unique(p, cfg, deps, cfg->ndepartments, s_department_code, "department"))
        return -1;
    return s_department_refs(p, cfg, deps);
}

/* ---- reading and parsing --------------------------------------------------------------- */

/* Reads F to its end into a growing buffer, refusing more than FQ_CFG_FILE_MAX bytes. */
static int s_read(parse_t *p, FILE *f, char **data, size_t *used)
{
    size_t cap = 0;
    for (;;) {
        if (*used == cap) {
            if (cap > FQ_CFG_FILE_MAX)
                return s_fail(p, s_mark(NULL), "file is larger than %ld bytes", FQ_CFG_FILE_MAX);
            cap = cap ? cap * 2 : 65536;
            cap = cap > FQ_CFG_FILE_MAX ? FQ_CFG_FILE_MAX + 1 : cap;
            char *grown = realloc(*data, cap + 1);
            if (!grown)
                return s_fail(p, s_mark(NULL), "out of memory");
            *data = grown;
        }
        size_t got = fread(*data + *used, 1, cap - *used, f);
        *used += got;
        if (got == 0)
            return ferror(f) ? s_fail(p, s_mark(NULL), "cannot read: %s", strerror(errno)) : 0;
    }
}

/* Reads PATH whole into a new NUL-terminated buffer (caller frees). */
static int s_slurp(parse_t *p, char **buf, size_t *len)
{
    char *data = NULL;
    size_t used = 0;
    FILE *f = fopen(p->path, "rb");
    if (!f)
        return s_fail(p, s_mark(NULL), "cannot open: %s", strerror(errno));
    int rc = s_read(p, f, &data, &used);
    fclose(f);
    if (rc != 0) {
        free(data);
        return -1;
    }
    if (data)
        data[used] = '\0';
    *buf = data;
    *len = used;
    return 0;
}

/* libyaml's reader reports a byte offset only; turn it into a line and a column. */
static yaml_mark_t s_offset_mark(const char *buf, size_t len, size_t off)
{
    yaml_mark_t m = {off, 0, 0};
    for (size_t i = 0; i < off && i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n') {
            m.line++;
            m.column = 0;
        } else if ((c & 0xc0) != 0x80) {
            m.column++;
        }
    }
    return m;
}

static int s_syntax(parse_t *p, const yaml_parser_t *yp, const char *buf, size_t len)
{
    yaml_mark_t m = yp->problem_mark;
    if (yp->error == YAML_READER_ERROR)
        m = s_offset_mark(buf, len, yp->problem_offset);
    if (yp->error == YAML_MEMORY_ERROR || !yp->problem)
        return s_fail(p, m, "out of memory while parsing");
    if (yp->context)
        return s_fail(p, m, "syntax error: %s (%s)", yp->problem, yp->context);
    return s_fail(p, m, "syntax error: %s", yp->problem);
}

static void s_input(yaml_parser_t *yp, const char *buf, size_t len)
{
    yaml_parser_set_input_string(yp, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(yp, YAML_UTF8_ENCODING);
}

/* Event by event, before anything is built: libyaml 0.2.5 sets no nesting limit and its scanner
 * slows down quadratically with depth. Also refuses an empty stream and a second document. */
static int s_prescan(parse_t *p, const char *buf, size_t len)
{
    yaml_parser_t yp;
    yaml_event_t ev;
    int depth = 0, docs = 0, rc = 0;
    if (!yaml_parser_initialize(&yp))
        return s_fail(p, s_mark(NULL), "out of memory");
    s_input(&yp, buf, len);
    for (bool end = false; !end && rc == 0; yaml_event_delete(&ev)) {
        if (!yaml_parser_parse(&yp, &ev)) {
            rc = s_syntax(p, &yp, buf, len);
            break;
        }
        end = ev.type == YAML_STREAM_END_EVENT;
        if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            rc = s_fail(p, ev.start_mark, "a second YAML document; the file must hold one");
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
            if (++depth > DEPTH_MAX)
                rc = s_fail(p, ev.start_mark, "nested deeper than %d levels", DEPTH_MAX);
        if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
            depth--;
    }
    yaml_parser_delete(&yp);
    return rc == 0 && docs == 0 ? s_fail(p, s_mark(NULL), "empty configuration") : rc;
}

static fq_cfg_t *s_build(parse_t *p)
{
    fq_cfg_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        s_fail(p, s_mark(NULL), "out of memory");
        return NULL;
    }
    const yaml_node_t *root = yaml_document_get_root_node(p->doc);
    cfg->path = s_dup(p->path);
    if (!cfg->path)
        s_fail(p, s_mark(NULL), "out of memory");
    if (!cfg->path || s_map(p, &s_top, root, cfg) || s_cross(p, cfg, root))
        fq_cfg_destroy(&cfg);
    return cfg;
}

static fq_cfg_t *s_parse(parse_t *p, const char *buf, size_t len)
{
    yaml_parser_t yp;
    yaml_document_t doc;
    fq_cfg_t *cfg = NULL;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) { /* a UTF-8 BOM, as Notepad writes */
        buf += 3;
        len -= 3;
    }
    if (s_prescan(p, buf, len))
        return NULL;
    if (!yaml_parser_initialize(&yp)) {
        s_fail(p, s_mark(NULL), "out of memory");
        return NULL;
    }
    s_input(&yp, buf, len);
    if (!yaml_parser_load(&yp, &doc)) { /* libyaml frees DOC when it fails */
        s_syntax(p, &yp, buf, len);
    } else {
        p->doc = &doc;
        if (yaml_document_get_root_node(&doc))
            cfg = s_build(p);
        else
            s_fail(p, s_mark(NULL), "empty configuration");
        p->doc = NULL;
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&yp);
    return cfg;
}

static int s_env(parse_t *p, fq_cfg_t *cfg)
{
    const char *url = getenv("FQ_DATABASE_URL");
    if (!url || !*url)
        return 0;
    if (strlen(url) > FQ_CFG_URL_MAX)
        return s_fail(p, s_mark(NULL), "FQ_DATABASE_URL is longer than %d bytes", FQ_CFG_URL_MAX);
    char *copy = s_dup(url);
    if (!copy)
        return s_fail(p, s_mark(NULL), "out of memory");
    free(cfg->database_url);
    cfg->database_url = copy;
    return 0;
}

/* ---- public ---------------------------------------------------------------------------- */

/* Load and validate PATH; NULL with "file:line:col: message" in ERR on any error. */
fq_cfg_t *fq_cfg_load(const char *path, char *err, size_t errlen)
{
    assert(path);
    parse_t p = {.path = path, .err = err, .errlen = errlen};
    char *buf = NULL;
    size_t len = 0;
    fq_cfg_t *cfg = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (s_slurp(&p, &buf, &len) == 0)
        cfg = s_parse(&p, buf ? buf : "", len);
    free(buf);
    if (cfg && s_env(&p, cfg))
        fq_cfg_destroy(&cfg);
    return cfg;
}

/* Free a config, however partly filled, and clear the pointer. */
void fq_cfg_destroy(fq_cfg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fq_cfg_t *c = *self_p;
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
        for (size_t j = 0; j < d->ncategories; j++)
            free(d->categories[j]);
        free(d->categories);
        free(d->code);
        free(d->name);
        free(d->presence);
    }
    free(c->units);
    free(c->categories);
    free(c->departments);
    free(c->path);
    free(c->name);
    free(c->database_url);
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
