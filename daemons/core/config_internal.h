/* config_internal.h - what the configuration loader's files share and nothing outside them needs.
 *
 * config_yaml.c reads and parses the file and walks the document against schema tables;
 * config.c holds the tables, the setters that check each value, the rules that span keys or the
 * whole file, and the public API of config.h; config_sla.c does the same for the calendar and
 * sla sections. Every function here returns 0 (or a value) on success and -1 on error, with
 * "file:line:col: message" already written into P's buffer.
 */
#ifndef FQ_CONFIG_INTERNAL_H
#define FQ_CONFIG_INTERNAL_H

#include "config.h"

#include <stddef.h>
#include <yaml.h>

#define FQ_CFG_REQUIRED 1u   /* fq_cfg_field_t.flags: the key must be given */
#define FQ_CFG_FIELDS_MAX 16 /* keys in one schema */

typedef struct {
    const char *path;
    yaml_document_t *doc; /* NULL before parsing and after it */
    char *err;
    size_t errlen;
} fq_cfg_parse_t;

typedef struct fq_cfg_field fq_cfg_field_t;
typedef struct fq_cfg_schema fq_cfg_schema_t;

/* Checks the text T of scalar N (N is NULL when T is F's default) and stores it into OBJ. */
typedef int (*fq_cfg_put_t)(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                            const char *t, void *obj);
/* Checks node N (NULL: the key is absent) and stores what it holds into OBJ. */
typedef int (*fq_cfg_set_t)(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                            void *obj);

struct fq_cfg_field {
    const char *key;
    fq_cfg_put_t put; /* scalar keys: this handler ... */
    fq_cfg_set_t set; /* ... or, for mappings and sequences, this one */
    size_t off;       /* where the value goes in the target struct */
    size_t cnt;       /* sequences: where the element count goes */
    long min, max;    /* numbers: value; strings: length in bytes; sequences: item count */
    unsigned flags;   /* FQ_CFG_REQUIRED */
    const char *def;  /* default as YAML text; NULL: none (left zero) */
    const void *aux;  /* choices (NULL-terminated) or the item/sub-mapping schema */
};

struct fq_cfg_schema {
    const char *name;             /* for messages: "unit", "link" ... */
    const fq_cfg_field_t *fields; /* ends with a NULL key; at most FQ_CFG_FIELDS_MAX */
    size_t size;                  /* size of one item, when the schema describes sequence items */
    int (*check)(fq_cfg_parse_t *p, void *obj, const yaml_node_t *map); /* whole-mapping rules */
};

/* Makes the configuration from the document's ROOT while P->doc is alive; NULL on error. */
typedef fq_cfg_t *(*fq_cfg_build_t)(fq_cfg_parse_t *p, const yaml_node_t *root);

/* Where a field at offset OFF lives in the target struct OBJ. */
static inline void *fq_cfg_at(void *obj, size_t off)
{
    return (char *)obj + off;
}

/* ---- config_yaml.c ---------------------------------------------------------------------- */

/* Reads P->path (at most FQ_CFG_FILE_MAX bytes), checks it holds one YAML document of sane
 * depth, loads it and returns what BUILD makes of its root (owned by the caller); NULL on error.
 */
fq_cfg_t *fq_cfg_read(fq_cfg_parse_t *p, fq_cfg_build_t build);

/* Writes "file:line:col: " and the message into P's buffer (if any); always returns -1. */
int fq_cfg_fail(fq_cfg_parse_t *p, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* N's start mark; 1:1 for NULL (errors about the file as a whole). */
yaml_mark_t fq_cfg_mark(const yaml_node_t *n);

/* Joins a NULL-terminated list into OUT as "a|b|c" (truncated to fit); returns OUT. */
const char *fq_cfg_join(const char *const *list, char *out, size_t size);

/* Borrowed: the value under KEY in mapping MAP, or NULL. */
const yaml_node_t *fq_cfg_find(fq_cfg_parse_t *p, const yaml_node_t *map, const char *key);

/* Borrowed: item I of sequence SEQ (I must be in range). */
const yaml_node_t *fq_cfg_item(fq_cfg_parse_t *p, const yaml_node_t *seq, size_t i);

/* Sets *TEXT to the text of scalar N, or to F's default (maybe NULL) when N is absent. */
int fq_cfg_text(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n,
                const char **text);

/* Sequence N must hold f->min..f->max entries; returns its length or -1. */
long fq_cfg_count(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n);

/* Walks MAP (NULL: absent, defaults only) against schema S, storing into OBJ. */
int fq_cfg_map(fq_cfg_parse_t *p, const fq_cfg_schema_t *s, const yaml_node_t *map, void *obj);

/* Setters for table rows: a sub-mapping walked against the schema F->aux, into OBJ itself ... */
int fq_cfg_submap(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj);
/* ... and a sequence of mappings, each walked against the item schema F->aux, into a new array
 * at F->off (count at F->cnt) that fq_cfg_destroy frees. */
int fq_cfg_seq(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj);

/* ---- config.c --------------------------------------------------------------------------- */

/* The tracks a case can be on: simple, complex, high_risk, long_term; NULL-terminated. */
extern const char *const fq_cfg_tracks[];

/* The decimal integer T (of scalar N, for F) within [f->min, f->max] into *OUT. */
int fq_cfg_number(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char *t,
                  long *out);

/* ---- config_cross.c --------------------------------------------------------------------- */

/* After the walk: the rules that span sections (unique codes and endpoints, parents, the
 * categories departments and rules name), then the sla section's references. */
int fq_cfg_cross(fq_cfg_parse_t *p, fq_cfg_t *cfg, const yaml_node_t *root);

/* ---- config_sla.c ----------------------------------------------------------------------- */

/* The calendar section (weekend, holidays, workdays) and the sla section (cutoff, tracks,
 * categories); both fill the fq_cfg_t itself. */
extern const fq_cfg_schema_t fq_cfg_calendar_schema;
extern const fq_cfg_schema_t fq_cfg_sla_schema;

/* After the walk: every category under sla.categories is defined; every rule gets the cut-off. */
int fq_cfg_sla_refs(fq_cfg_parse_t *p, fq_cfg_t *cfg, const yaml_node_t *root);

/* Frees what the calendar and sla sections allocated in CFG (not CFG itself). */
void fq_cfg_sla_free(fq_cfg_t *cfg);

#endif
