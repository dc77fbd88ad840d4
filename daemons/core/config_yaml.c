/* config_yaml.c - the YAML half of the configuration loader: reading, parsing, walking tables.
 *
 * The file is read whole (at most FQ_CFG_FILE_MAX bytes), scanned once event by event to refuse
 * deep nesting, an empty stream and a second document, then loaded with libyaml's document API.
 * The tree is walked against the schema tables config.c defines: each mapping key is looked up
 * in its schema and handed to that row's setter; keys not given are defaulted or refused.
 * Any error stops the load: "file:line:col: message" goes to the caller's buffer, lines and
 * columns 1-based, columns counted in characters as libyaml counts them.
 */
#include "config_internal.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define DEPTH_MAX 16 /* nested collections; the format needs 5 (triage.rules[].keywords) */

/* ---- errors ---------------------------------------------------------------------------- */

/* Writes "file:line:col: message" into P's buffer; always -1. */
int fq_cfg_fail(fq_cfg_parse_t *p, yaml_mark_t m, const char *fmt, ...)
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

/* N's start mark; 1:1 when there is no node to point at. */
yaml_mark_t fq_cfg_mark(const yaml_node_t *n)
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
const char *fq_cfg_join(const char *const *list, char *out, size_t size)
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

static yaml_node_t *s_node(fq_cfg_parse_t *p, int id)
{
    return yaml_document_get_node(p->doc, id);
}

/* The value under KEY in mapping MAP, or NULL. */
const yaml_node_t *fq_cfg_find(fq_cfg_parse_t *p, const yaml_node_t *map, const char *key)
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

/* Item I of sequence SEQ. */
const yaml_node_t *fq_cfg_item(fq_cfg_parse_t *p, const yaml_node_t *seq, size_t i)
{
    return s_node(p, seq->data.sequence.items.start[i]);
}

/* ---- keys ------------------------------------------------------------------------------ */

/* The text of scalar N, or F's default (maybe NULL) when N is absent. */
int fq_cfg_text(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, const char **text)
{
    *text = f->def;
    if (!n)
        return 0;
    if (n->type != YAML_SCALAR_NODE)
        return fq_cfg_fail(p, n->start_mark, "'%s' must be a scalar, not a %s", f->key, s_kind(n));
    *text = (const char *)n->data.scalar.value;
    if (strlen(*text) != n->data.scalar.length)
        return fq_cfg_fail(p, n->start_mark, "'%s' contains a NUL character", f->key);
    return 0;
}

/* Runs F's handler on N (NULL: the key is absent). */
static int s_apply(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj)
{
    const char *t;
    if (f->set)
        return f->set(p, f, n, obj);
    if (fq_cfg_text(p, f, n, &t))
        return -1;
    return t ? f->put(p, f, n, t, obj) : 0;
}

/* ---- mappings and sequences ------------------------------------------------------------ */

static const char *s_keys(const fq_cfg_schema_t *s, char *out, size_t size)
{
    const char *keys[FQ_CFG_FIELDS_MAX + 1];
    size_t i = 0;
    for (; s->fields[i].key; i++)
        keys[i] = s->fields[i].key;
    keys[i] = NULL;
    return fq_cfg_join(keys, out, size);
}

/* One "key: value" pair of a mapping: find the key in the schema and run its setter. */
static int s_pair(fq_cfg_parse_t *p, const fq_cfg_schema_t *s, const yaml_node_pair_t *pr,
                  bool *seen, void *obj)
{
    const yaml_node_t *k = s_node(p, pr->key);
    char list[256];
    if (k->type != YAML_SCALAR_NODE)
        return fq_cfg_fail(p, k->start_mark, "keys in %s must be scalars", s->name);
    const char *key = (const char *)k->data.scalar.value;
    for (size_t i = 0; s->fields[i].key; i++) {
        if (strcmp(key, s->fields[i].key) != 0)
            continue;
        if (seen[i])
            return fq_cfg_fail(p, k->start_mark, "duplicate key '%s' in %s", key, s->name);
        seen[i] = true;
        return s_apply(p, &s->fields[i], s_node(p, pr->value), obj);
    }
    return fq_cfg_fail(p, k->start_mark, "unknown key '%.64s' in %s (expected %s)", key, s->name,
                       s_keys(s, list, sizeof list));
}

/* Keys not given: refuse the required ones, default the others. */
static int s_defaults(fq_cfg_parse_t *p, const fq_cfg_schema_t *s, const yaml_node_t *map,
                      const bool *seen, void *obj)
{
    for (size_t i = 0; s->fields[i].key; i++) {
        const fq_cfg_field_t *f = &s->fields[i];
        assert(i < FQ_CFG_FIELDS_MAX); /* a schema grew past SEEN's size */
        if (seen[i])
            continue;
        if (f->flags & FQ_CFG_REQUIRED)
            return fq_cfg_fail(p, fq_cfg_mark(map), "missing required key '%s' in %s", f->key,
                               s->name);
        if (s_apply(p, f, NULL, obj))
            return -1;
    }
    return 0;
}

/* Walks MAP (NULL: absent, defaults only) against schema S, storing into OBJ. */
int fq_cfg_map(fq_cfg_parse_t *p, const fq_cfg_schema_t *s, const yaml_node_t *map, void *obj)
{
    bool seen[FQ_CFG_FIELDS_MAX] = {false};
    if (map && map->type != YAML_MAPPING_NODE)
        return fq_cfg_fail(p, map->start_mark, "%s must be a mapping, not a %s", s->name,
                           s_kind(map));
    if (map)
        for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
             pr++)
            if (s_pair(p, s, pr, seen, obj))
                return -1;
    if (s_defaults(p, s, map, seen, obj))
        return -1;
    return map && s->check ? s->check(p, obj, map) : 0;
}

/* A sub-mapping whose keys fill OBJ itself. */
int fq_cfg_submap(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj)
{
    return fq_cfg_map(p, f->aux, n, obj);
}

/* Sequence N must hold f->min..f->max entries; returns its length or -1. */
long fq_cfg_count(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fq_cfg_fail(p, n->start_mark, "'%s' must be a sequence, not a %s", f->key,
                           s_kind(n));
    long len = n->data.sequence.items.top - n->data.sequence.items.start;
    if (len < f->min || len > f->max)
        return fq_cfg_fail(p, n->start_mark, "'%s' has %ld entries, expected %ld..%ld", f->key, len,
                           f->min, f->max);
    return len;
}

/* A sequence of mappings, each walked against the item schema F->aux, into a new array. */
int fq_cfg_seq(fq_cfg_parse_t *p, const fq_cfg_field_t *f, const yaml_node_t *n, void *obj)
{
    const fq_cfg_schema_t *s = f->aux;
    long len = n ? fq_cfg_count(p, f, n) : 0;
    if (len <= 0)
        return (int)len;
    char *items = calloc((size_t)len, s->size);
    if (!items)
        return fq_cfg_fail(p, n->start_mark, "out of memory");
    *(void **)fq_cfg_at(obj, f->off) = items;
    *(size_t *)fq_cfg_at(obj, f->cnt) = (size_t)len; /* now fq_cfg_destroy frees what is filled */
    for (long i = 0; i < len; i++)
        if (fq_cfg_map(p, s, fq_cfg_item(p, n, (size_t)i), items + (size_t)i * s->size))
            return -1;
    return 0;
}

/* ---- reading and parsing --------------------------------------------------------------- */

/* Reads F to its end into a growing buffer, refusing more than FQ_CFG_FILE_MAX bytes. */
static int s_read(fq_cfg_parse_t *p, FILE *f, char **data, size_t *used)
{
    size_t cap = 0;
    for (;;) {
        if (*used == cap) {
            if (cap > FQ_CFG_FILE_MAX)
                return fq_cfg_fail(p, fq_cfg_mark(NULL), "file is larger than %ld bytes",
                                   FQ_CFG_FILE_MAX);
            cap = cap ? cap * 2 : 65536;
            cap = cap > FQ_CFG_FILE_MAX ? FQ_CFG_FILE_MAX + 1 : cap;
            char *grown = realloc(*data, cap + 1);
            if (!grown)
                return fq_cfg_fail(p, fq_cfg_mark(NULL), "out of memory");
            *data = grown;
        }
        size_t got = fread(*data + *used, 1, cap - *used, f);
        *used += got;
        if (got == 0)
            return ferror(f) ? fq_cfg_fail(p, fq_cfg_mark(NULL), "cannot read: %s", strerror(errno))
                             : 0;
    }
}

/* Reads PATH whole into a new NUL-terminated buffer (caller frees). */
static int s_slurp(fq_cfg_parse_t *p, char **buf, size_t *len)
{
    char *data = NULL;
    size_t used = 0;
    FILE *f = fopen(p->path, "rb");
    if (!f)
        return fq_cfg_fail(p, fq_cfg_mark(NULL), "cannot open: %s", strerror(errno));
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

static int s_syntax(fq_cfg_parse_t *p, const yaml_parser_t *yp, const char *buf, size_t len)
{
    yaml_mark_t m = yp->problem_mark;
    if (yp->error == YAML_READER_ERROR)
        m = s_offset_mark(buf, len, yp->problem_offset);
    if (yp->error == YAML_MEMORY_ERROR || !yp->problem)
        return fq_cfg_fail(p, m, "out of memory while parsing");
    if (yp->context)
        return fq_cfg_fail(p, m, "syntax error: %s (%s)", yp->problem, yp->context);
    return fq_cfg_fail(p, m, "syntax error: %s", yp->problem);
}

static void s_input(yaml_parser_t *yp, const char *buf, size_t len)
{
    yaml_parser_set_input_string(yp, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(yp, YAML_UTF8_ENCODING);
}

/* Event by event, before anything is built: libyaml 0.2.5 sets no nesting limit and its scanner
 * slows down quadratically with depth. Also refuses an empty stream and a second document. */
static int s_prescan(fq_cfg_parse_t *p, const char *buf, size_t len)
{
    yaml_parser_t yp;
    yaml_event_t ev;
    int depth = 0, docs = 0, rc = 0;
    if (!yaml_parser_initialize(&yp))
        return fq_cfg_fail(p, fq_cfg_mark(NULL), "out of memory");
    s_input(&yp, buf, len);
    for (bool end = false; !end && rc == 0; yaml_event_delete(&ev)) {
        if (!yaml_parser_parse(&yp, &ev)) {
            rc = s_syntax(p, &yp, buf, len);
            break;
        }
        end = ev.type == YAML_STREAM_END_EVENT;
        if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            rc = fq_cfg_fail(p, ev.start_mark, "a second YAML document; the file must hold one");
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
            if (++depth > DEPTH_MAX)
                rc = fq_cfg_fail(p, ev.start_mark, "nested deeper than %d levels", DEPTH_MAX);
        if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
            depth--;
    }
    yaml_parser_delete(&yp);
    return rc == 0 && docs == 0 ? fq_cfg_fail(p, fq_cfg_mark(NULL), "empty configuration") : rc;
}

/* Parses BUF (LEN bytes, NUL-terminated) and runs BUILD on the document's root. */
static fq_cfg_t *s_parse(fq_cfg_parse_t *p, const char *buf, size_t len, fq_cfg_build_t build)
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
        fq_cfg_fail(p, fq_cfg_mark(NULL), "out of memory");
        return NULL;
    }
    s_input(&yp, buf, len);
    if (!yaml_parser_load(&yp, &doc)) { /* libyaml frees DOC when it fails */
        s_syntax(p, &yp, buf, len);
    } else {
        p->doc = &doc;
        const yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root)
            cfg = build(p, root);
        else
            fq_cfg_fail(p, fq_cfg_mark(NULL), "empty configuration");
        p->doc = NULL;
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&yp);
    return cfg;
}

/* Reads P->path and returns what BUILD makes of it (caller owns it), or NULL. */
fq_cfg_t *fq_cfg_read(fq_cfg_parse_t *p, fq_cfg_build_t build)
{
    char *buf = NULL;
    size_t len = 0;
    fq_cfg_t *cfg = NULL;
    if (s_slurp(p, &buf, &len) == 0)
        cfg = s_parse(p, buf ? buf : "", len, build);
    free(buf);
    return cfg;
}
