/* config_cross.c - the rules of a deployment file that span its sections, checked once the
 * walk has filled the fq_cfg_t and while the document is still alive to give marks: unique unit,
 * category, department and rule codes, unique endpoints, parents and their tiers, and the
 * categories that departments and triage rules name. */
#include "config_internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

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

static const char *s_rule_name(const fq_cfg_t *cfg, size_t i)
{
    return cfg->triage_rules[i].name;
}

/* Refuses a KEY ("code", "name") seen earlier in SEQ, pointing at the second occurrence. */
static int s_unique(fq_cfg_parse_t *p, const fq_cfg_t *cfg, const yaml_node_t *seq, size_t n,
                    code_at_t code_at, const char *what, const char *key)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            if (strcmp(code_at(cfg, i), code_at(cfg, j)) != 0)
                continue;
            yaml_mark_t first = fq_cfg_mark(fq_cfg_find(p, fq_cfg_item(p, seq, j), key));
            return fq_cfg_fail(p, fq_cfg_mark(fq_cfg_find(p, fq_cfg_item(p, seq, i), key)),
                               "duplicate %s %s '%s' (first defined at line %zu)", what, key,
                               code_at(cfg, i), first.line + 1);
        }
    return 0;
}

/* The units' endpoints numbered E: unit E / 2's ops (E even) or link (E odd, NULL for none). */
static const char *const s_endpoint_keys[] = {"ops", "link"};

static const char *s_endpoint_at(const fq_cfg_t *cfg, size_t e)
{
    const fq_unit_cfg_t *u = &cfg->units[e / 2];
    return e % 2 ? u->link : u->ops;
}

static yaml_mark_t s_endpoint_mark(fq_cfg_parse_t *p, const yaml_node_t *units, size_t e)
{
    return fq_cfg_mark(fq_cfg_find(p, fq_cfg_item(p, units, e / 2), s_endpoint_keys[e % 2]));
}

/* No two sockets of the deployment bind the same endpoint (the same text): the second daemon
 * would fail at start-up, or casectl would reach the wrong unit. */
static int s_endpoints_unique(fq_cfg_parse_t *p, const fq_cfg_t *cfg, const yaml_node_t *units)
{
    for (size_t e = 1; e < 2 * cfg->nunits; e++)
        for (size_t f = 0; s_endpoint_at(cfg, e) && f < e; f++) {
            const char *ep = s_endpoint_at(cfg, e), *other = s_endpoint_at(cfg, f);
            if (!other || strcmp(ep, other) != 0)
                continue;
            return fq_cfg_fail(p, s_endpoint_mark(p, units, e),
                               "duplicate endpoint '%s': %s of unit %s is already %s of unit %s "
                               "(line %zu)",
                               ep, s_endpoint_keys[e % 2], cfg->units[e / 2].code,
                               s_endpoint_keys[f % 2], cfg->units[f / 2].code,
                               s_endpoint_mark(p, units, f).line + 1);
        }
    return 0;
}

/* Every parent is a unit of this file, one tier up. */
static int s_parents(fq_cfg_parse_t *p, const fq_cfg_t *cfg, const yaml_node_t *seq)
{
    for (size_t i = 0; i < cfg->nunits; i++) {
        const fq_unit_cfg_t *u = &cfg->units[i];
        if (!u->parent[0])
            continue;
        const fq_unit_cfg_t *up = fq_cfg_parent(cfg, u);
        yaml_mark_t at = fq_cfg_mark(fq_cfg_find(p, fq_cfg_item(p, seq, i), "parent"));
        if (!up)
            return fq_cfg_fail(p, at, "parent '%s' of %s is not defined in this file", u->parent,
                               u->code);
        if (up->tier != u->tier + 1)
            return fq_cfg_fail(p, at, "parent '%s' is a %s, but a %s's parent must be a %s",
                               u->parent, fq_tier_name(up->tier), fq_tier_name(u->tier),
                               fq_tier_name((fq_tier_t)(u->tier + 1)));
    }
    return 0;
}

static int s_by_code(const void *a, const void *b)
{
    const fq_category_cfg_t *const *x = a, *const *y = b;
    return strcmp((*x)->code, (*y)->code);
}

/* The categories sorted by code: with aliases a small file can list a thousand categories in
 * each of a thousand departments or rules. */
typedef struct {
    const fq_cfg_t *cfg;
    const fq_category_cfg_t **sorted;
    size_t *seen; /* seen[i] == stamp: the list being checked named category i already */
    size_t stamp; /* one per list */
} cat_index_t;

/* WHAT 'NAME' (a department or a rule, at ITEM) lists CODES[0..N): defined categories, each
 * once. */
static int s_category_ref(fq_cfg_parse_t *p, cat_index_t *ix, const yaml_node_t *item,
                          const char *what, const char *name, char *const *codes, size_t n)
{
    const yaml_node_t *list = fq_cfg_find(p, item, "categories");
    ix->stamp++;
    for (size_t j = 0; j < n; j++) {
        fq_category_cfg_t key = {.code = codes[j]};
        const fq_category_cfg_t *kp = &key, **hit;
        yaml_mark_t at = fq_cfg_mark(fq_cfg_item(p, list, j));
        hit = bsearch(&kp, ix->sorted, ix->cfg->ncategories, sizeof *ix->sorted, s_by_code);
        if (!hit)
            return fq_cfg_fail(p, at, "%s '%s' lists unknown category '%s'", what, name, codes[j]);
        size_t idx = (size_t)(*hit - ix->cfg->categories);
        if (ix->seen[idx] == ix->stamp)
            return fq_cfg_fail(p, at, "%s '%s' lists category '%s' twice", what, name, codes[j]);
        ix->seen[idx] = ix->stamp;
    }
    return 0;
}

/* Every department's and every triage rule's categories, against one sorted index. */
static int s_category_refs(fq_cfg_parse_t *p, const fq_cfg_t *cfg, const yaml_node_t *deps,
                           const yaml_node_t *rules)
{
    size_t n = cfg->ncategories ? cfg->ncategories : 1;
    cat_index_t ix = {cfg, malloc(n * sizeof *ix.sorted), calloc(n, sizeof *ix.seen), 0};
    int rc = ix.sorted && ix.seen ? 0 : fq_cfg_fail(p, fq_cfg_mark(NULL), "out of memory");
    for (size_t i = 0; rc == 0 && i < cfg->ncategories; i++)
        ix.sorted[i] = &cfg->categories[i];
    if (rc == 0)
        qsort(ix.sorted, cfg->ncategories, sizeof *ix.sorted, s_by_code);
    for (size_t i = 0; rc == 0 && i < cfg->ndepartments; i++) {
        const fq_department_cfg_t *d = &cfg->departments[i];
        rc = s_category_ref(p, &ix, fq_cfg_item(p, deps, i), "department", d->code, d->categories,
                            d->ncategories);
    }
    for (size_t i = 0; rc == 0 && i < cfg->ntriage_rules; i++) {
        const fq_triage_rule_cfg_t *r = &cfg->triage_rules[i];
        rc = s_category_ref(p, &ix, fq_cfg_item(p, rules, i), "rule", r->name, r->categories,
                            r->ncategories);
    }
    free(ix.sorted);
    free(ix.seen);
    return rc;
}

int fq_cfg_cross(fq_cfg_parse_t *p, fq_cfg_t *cfg, const yaml_node_t *root)
{
    const yaml_node_t *units = fq_cfg_find(p, root, "units");
    const yaml_node_t *cats = fq_cfg_find(p, root, "categories");
    const yaml_node_t *deps = fq_cfg_find(p, root, "departments");
    const yaml_node_t *rules = fq_cfg_find(p, fq_cfg_find(p, root, "triage"), "rules");
    if (s_unique(p, cfg, units, cfg->nunits, s_unit_code, "unit", "code") ||
        s_parents(p, cfg, units) || s_endpoints_unique(p, cfg, units))
        return -1;
    if (s_unique(p, cfg, cats, cfg->ncategories, s_category_code, "category", "code"))
        return -1;
    if (s_unique(p, cfg, deps, cfg->ndepartments, s_department_code, "department", "code"))
        return -1;
    if (s_unique(p, cfg, rules, cfg->ntriage_rules, s_rule_name, "rule", "name"))
        return -1;
    if (s_category_refs(p, cfg, deps, rules))
        return -1;
    return fq_cfg_sla_refs(p, cfg, root);
}
