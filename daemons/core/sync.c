/* sync.c - copies of a case crossing the tier link: packing this unit's copy into the outbox,
 * and checking and merging a neighbour's copy into ours. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "outbox.h"
#include "pb.h"
#include "text.h"

#define MAX_HISTORY 2000
#define MAX_DOCS 200
#define MAX_ASSIGNMENTS 50
#define MAX_NOTICES 500
#define WHY_LEN 512 /* a reason that the case number is put before */

fq_store_rc_t fq_store_send(const fq_store_t *st, const char *uuid, const char *peer, char *err,
                            size_t errlen)
{
    if (st->batch)
        return fq_store_batch_defer(st->batch, uuid, peer, err, errlen);
    Fq__Case *c = NULL;
    fq_store_rc_t rc = fq_store_load(st, uuid, &c, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc == FQ_STORE_REFUSED ? FQ_STORE_DBERR : rc;
    Fq__CaseSync sync = FQ__CASE_SYNC__INIT;
    sync.case_ = c;
    size_t len = fq__case_sync__get_packed_size(&sync);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        fq_pb_case_free(c);
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    fq__case_sync__pack(&sync, buf);
    fq_pb_case_free(c);
    int ok = fq_outbox_enqueue(st->db, st->queued, st->self->code, peer, FQ__ENVELOPE__BODY_SYNC, buf, len, err,
                               errlen);
    free(buf);
    return ok < 0 ? FQ_STORE_DBERR : FQ_STORE_OK;
}

/* The next code of a children list at *P into CODE, moving *P past it; false at the end. A
 * token too long to be a code comes back empty. */
static bool next_child(const char **p, char code[FQ_UNIT_CODE_LEN + 1])
{
    *p += strspn(*p, " ");
    if (!**p)
        return false;
    size_t len = strcspn(*p, " ");
    size_t keep = len <= FQ_UNIT_CODE_LEN ? len : 0;
    memcpy(code, *p, keep);
    code[keep] = '\0';
    *p += len;
    return true;
}

int fq_children_count(const char *children)
{
    char code[FQ_UNIT_CODE_LEN + 1];
    int n = 0;
    while (next_child(&children, code))
        n++;
    return n;
}

bool fq_children_has(const char *children, const char *code)
{
    char c[FQ_UNIT_CODE_LEN + 1];
    while (next_child(&children, c))
        if (strcmp(c, code) == 0)
            return true;
    return false;
}

fq_store_rc_t fq_store_send_children(const fq_store_t *st, const char *uuid, const char *children,
                                     const char *skip, char *err, size_t errlen)
{
    char code[FQ_UNIT_CODE_LEN + 1];
    fq_store_rc_t rc = FQ_STORE_OK;
    while (rc == FQ_STORE_OK && next_child(&children, code)) {
        const fq_unit_cfg_t *u = fq_cfg_unit(st->cfg, code);
        if (!u || strcmp(u->parent, st->self->code) != 0 || (skip && strcmp(code, skip) == 0))
            continue;
        rc = fq_store_send(st, uuid, code, err, errlen);
    }
    return rc;
}

static bool blank(const char *s, size_t max)
{
    return !s || !*s || strlen(s) > max;
}

/* History entry I of a copy: complete, and its actor and note text as intake would take them,
 * with room for what the daemon says around them (FQ_EVENT_NOTE_MAX). */
static int check_event(const Fq__Event *e, size_t i, char *err, size_t errlen)
{
    fq_state_t st;
    if (!fq_store_looks_like_uuid(e->uuid) || blank(e->action, 32) || blank(e->unit, 12) ||
        !e->hash || strlen(e->hash) > 64 || !e->prev_hash || strlen(e->prev_hash) > 64 ||
        !e->to_state || fq_state_parse(e->to_state, &st) < 0) {
        snprintf(err, errlen, "history entry %zu is incomplete or malformed", i + 1);
        return -1;
    }
    char actor[48], note[48];
    snprintf(actor, sizeof actor, "history entry %zu actor", i + 1);
    snprintf(note, sizeof note, "history entry %zu note", i + 1);
    const fq_text_field_t fields[] = {
        {.name = actor, .value = e->actor, .max = FQ_EVENT_ACTOR_MAX, .kind = FQ_TEXT_LINE},
        {.name = note, .value = e->note, .max = FQ_EVENT_NOTE_MAX, .kind = FQ_TEXT_LINES},
    };
    return fq_text_check_all(fields, sizeof fields / sizeof fields[0], err, errlen);
}

/* The copy's own text and its parties', as at intake; ERR names the case. */
static int check_copy_text(const Fq__Case *c, char *err, size_t errlen)
{
    char why[WHY_LEN];
    if (fq_store_check_case_text(c, NULL, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "case %s: %s", c->case_no, why);
    return -1;
}

/* UNIT, which record I (from 1) of kind WHAT says it was made at, is one the deployment has. */
static int check_made_at(const fq_store_t *st, const Fq__Case *c, const char *what, size_t i,
                         const char *unit, char *err, size_t errlen)
{
    if (fq_cfg_unit(st->cfg, unit))
        return 0;
    snprintf(err, errlen,
             "case %s: %s %zu was made at unit %s, which this deployment does not have", c->case_no,
             what, i, fq_or_empty(unit));
    return -1;
}

/* The documents', notices' and feedback records' units, as history entries' (below). */
static int check_record_units(const fq_store_t *st, const Fq__Case *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->n_documents; i++)
        if (check_made_at(st, c, "document", i + 1, c->documents[i]->unit, err, errlen) < 0)
            return -1;
    for (size_t i = 0; i < c->n_notices; i++)
        if (check_made_at(st, c, "notice", i + 1, c->notices[i]->unit, err, errlen) < 0)
            return -1;
    for (size_t i = 0; i < c->n_feedback; i++)
        if (check_made_at(st, c, "feedback record", i + 1, c->feedback[i]->unit, err, errlen) < 0)
            return -1;
    return 0;
}

int fq_store_check_copy(const fq_store_t *st, const Fq__Case *c, char *err, size_t errlen)
{
    fq_state_t state;
    if (!c) {
        snprintf(err, errlen, "sync without a case");
        return -1;
    }
    if (!fq_store_looks_like_uuid(c->uuid) || fq_case_no_parse(c->case_no, NULL, NULL, NULL) < 0 ||
        fq_text_blank(c->title) || !c->state || fq_state_parse(c->state, &state) < 0 ||
        state == FQ_STATE_NONE || !c->has_version || c->version < 1) {
        snprintf(err, errlen, "case copy lacks a valid uuid, case number, title, state or version");
        return -1;
    }
    if (check_copy_text(c, err, errlen) < 0)
        return -1;
    if (!c->category || !fq_cfg_category(st->cfg, c->category) || !c->holder ||
        !fq_cfg_unit(st->cfg, c->holder) || !c->origin_unit ||
        !fq_cfg_unit(st->cfg, c->origin_unit) || (c->has_risk && (c->risk < 1 || c->risk > 4))) {
        snprintf(err, errlen, "case %s names an unknown category, holder or origin unit",
                 c->case_no);
        return -1;
    }
    if (c->n_history > MAX_HISTORY || c->n_parties > FQ_MAX_PARTIES || c->n_documents > MAX_DOCS ||
        c->n_assignments > MAX_ASSIGNMENTS || c->n_notices > MAX_NOTICES ||
        c->n_feedback > MAX_NOTICES) {
        snprintf(err, errlen, "case %s carries too many history entries or parties", c->case_no);
        return -1;
    }
    const char *known = NULL; /* the last entry's unit, known: most entries share a few */
    for (size_t i = 0; i < c->n_history; i++) {
        const Fq__Event *e = c->history[i];
        if (check_event(e, i, err, errlen) < 0)
            return -1;
        if (known && strcmp(e->unit, known) == 0)
            continue;
        if (check_made_at(st, c, "history entry", i + 1, e->unit, err, errlen) < 0)
            return -1;
        known = e->unit;
    }
    return check_record_units(st, c, err, errlen);
}

void fq_store_copy_columns(const Fq__Case *c, const char *texts[FQ_COPY_TEXTS],
                           int64_t ints[FQ_COPY_INTS])
{
    const char *t[FQ_COPY_TEXTS] = {c->uuid,
                                    c->case_no,
                                    c->title,
                                    fq_or_empty(c->description),
                                    c->category,
                                    fq_or_empty(c->track),
                                    fq_or_empty(c->source),
                                    fq_or_empty(c->address),
                                    fq_or_empty(c->grid),
                                    fq_or_empty(c->reporter),
                                    c->state,
                                    c->holder,
                                    c->origin_unit,
                                    fq_or_empty(c->track_rule),
                                    c->binding ? "true" : "false"};
    const int64_t n[FQ_COPY_INTS] = {c->has_risk ? c->risk : 1,
                                     c->version,
                                     c->created_ms,
                                     c->updated_ms,
                                     c->deadline_ms,
                                     c->amount,
                                     c->bounce_count,
                                     c->clock_start_ms,
                                     c->paused_ms,
                                     c->extension_days,
                                     c->unsatisfied};
    memcpy(texts, t, sizeof t);
    memcpy(ints, n, sizeof n);
}

static fq_store_rc_t insert_copy(const fq_store_t *st, const Fq__Case *c, const char *from_child,
                                 bool sent_up, char *err, size_t errlen)
{
    const char *texts[FQ_COPY_TEXTS];
    int64_t ints[FQ_COPY_INTS];
    fq_store_copy_columns(c, texts, ints);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, from_child);
    fq_p_text(&p, sent_up ? "true" : "false");
    for (size_t i = 0; i < FQ_COPY_TEXTS; i++)
        fq_p_text(&p, texts[i]);
    for (size_t i = 0; i < FQ_COPY_INTS; i++)
        fq_p_int(&p, ints[i]);
    return fq_db_exec(
               st->db,
               "INSERT INTO cases (unit, from_child, children, sent_up, uuid, case_no, title,"
               " description, category, track, source, address, grid, reporter, state, holder,"
               " origin_unit, track_rule, binding, risk, version, created_at, updated_at,"
               " deadline, amount, bounce_count, clock_start_ms, paused_ms, extension_days,"
               " unsatisfied)"
               " VALUES ($1, $2, array_remove(ARRAY[$2::text], NULL), $3::boolean, $4, $5, $6,"
               " $7, $8, $9, $10, $11, $12, $13, $14,"
               " $15, $16, $17, $18::boolean, $19, $20, to_timestamp($21::int8 / 1000.0),"
               " to_timestamp($22::int8 / 1000.0), to_timestamp(nullif($23::int8, 0) / 1000.0),"
               " $24, $25, $26, $27, $28, $29)",
               &p, err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

static fq_store_rc_t update_copy(const fq_store_t *st, const Fq__Case *c, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, c->uuid);
    fq_p_text(&p, c->state);
    fq_p_text(&p, c->holder);
    fq_p_int(&p, c->version);
    fq_p_text(&p, fq_or_empty(c->track));
    fq_p_int(&p, c->updated_ms);
    fq_p_int(&p, c->deadline_ms);
    fq_p_int(&p, c->bounce_count);
    fq_p_text(&p, fq_or_empty(c->track_rule));
    fq_p_text(&p, c->binding ? "true" : "false");
    fq_p_int(&p, c->clock_start_ms);
    fq_p_int(&p, c->paused_ms);
    fq_p_int(&p, c->extension_days);
    fq_p_int(&p, c->unsatisfied);
    return fq_db_exec(st->db,
                      "UPDATE cases SET state = $3, holder = $4, version = $5, track = $6,"
                      " updated_at = to_timestamp($7::int8 / 1000.0),"
                      " deadline = to_timestamp(nullif($8::int8, 0) / 1000.0), bounce_count = $9,"
                      " track_rule = $10, binding = $11::boolean, clock_start_ms = $12,"
                      " paused_ms = $13, extension_days = $14, unsatisfied = $15,"
                      " resolved_on_time = CASE WHEN $3 = 'resolved' AND resolved_on_time IS NULL"
                      "   THEN $8::int8 = 0 OR $7::int8 <= $8::int8 ELSE resolved_on_time END"
                      " WHERE unit = $1 AND uuid = $2",
                      &p, err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

void fq_store_event_columns(const char *case_uuid, const Fq__Event *e,
                            const char *texts[FQ_EVENT_TEXTS])
{
    const char *t[FQ_EVENT_TEXTS] = {case_uuid,
                                     e->uuid,
                                     e->unit,
                                     e->action,
                                     fq_or_empty(e->from_state),
                                     e->to_state,
                                     fq_or_empty(e->actor),
                                     fq_or_empty(e->note),
                                     e->prev_hash,
                                     e->hash};
    memcpy(texts, t, sizeof t);
}

/* The departments as the newer copy has them. */
static fq_store_rc_t replace_assignments(const fq_store_t *st, const Fq__Case *c, char *err,
                                         size_t errlen)
{
    fq_params_t del = {0};
    fq_p_text(&del, st->self->code);
    fq_p_text(&del, c->uuid);
    if (fq_db_exec(st->db, "DELETE FROM case_departments WHERE unit = $1 AND uuid = $2", &del, err,
                   errlen) < 0)
        return FQ_STORE_DBERR;
    const bool one = true;
    return fq_store_add_departments(st, &c, 1, &one, err, errlen);
}

/* What we hold of case UUID: version, the children holding copies, whether we sent it up, and
 * who holds it as we last heard and where it was taken in. */
typedef struct {
    bool exists;
    int version;
    char children[FQ_CHILDREN_LEN];
    bool sent_up;
    char holder[FQ_UNIT_CODE_LEN + 1];
    char origin[FQ_UNIT_CODE_LEN + 1];
} s_local_t;

static fq_store_rc_t lock_local(const fq_store_t *st, const char *uuid, s_local_t *local, char *err,
                                size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, uuid);
    PGresult *res =
        fq_db_run(st->db,
                  "SELECT version, " FQ_CHILDREN_TEXT ", sent_up, holder, origin_unit FROM cases"
                  " WHERE unit = $1 AND uuid = $2 FOR UPDATE",
                  &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    memset(local, 0, sizeof *local);
    local->exists = PQntuples(res) > 0;
    if (local->exists) {
        local->version = atoi(PQgetvalue(res, 0, 0));
        snprintf(local->children, sizeof local->children, "%s", PQgetvalue(res, 0, 1));
        local->sent_up = PQgetvalue(res, 0, 2)[0] == 't';
        snprintf(local->holder, sizeof local->holder, "%s", PQgetvalue(res, 0, 3));
        snprintf(local->origin, sizeof local->origin, "%s", PQgetvalue(res, 0, 4));
    }
    PQclear(res);
    return FQ_STORE_OK;
}

/* Pass a newer copy from PEER on to every other neighbour that holds one: the children, and
 * the parent when we sent the case up. */
static fq_store_rc_t forward(const fq_store_t *st, const char *uuid, const char *peer,
                             bool from_parent, const s_local_t *local, char *err, size_t errlen)
{
    fq_store_rc_t rc = FQ_STORE_OK;
    if (!from_parent && local->sent_up && st->self->parent[0])
        rc = fq_store_send(st, uuid, st->self->parent, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_send_children(st, uuid, local->children, from_parent ? NULL : peer, err,
                                    errlen);
    return rc;
}

fq_store_rc_t fq_store_apply(const fq_store_t *st, const char *peer, const Fq__Case *c, char *err,
                             size_t errlen)
{
    if (fq_store_check_copy(st, c, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    bool from_parent = strcmp(peer, st->self->parent) == 0;
    s_local_t local;
    fq_store_rc_t rc = lock_local(st, c->uuid, &local, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    bool newer = !local.exists || c->version > local.version;
    const fq_store_held_t held = {local.holder, local.origin, local.version};
    if (newer && fq_store_check_moved(st, peer, c, local.exists ? &held : NULL, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    if (!local.exists)
        rc = insert_copy(st, c, from_parent ? NULL : peer, from_parent, err, errlen);
    else if (newer)
        rc = update_copy(st, c, err, errlen);
    if (rc == FQ_STORE_OK && !local.exists)
        rc = fq_store_insert_parties(st, c->uuid, c->parties, c->n_parties, err, errlen);
    const bool one = true; /* the set-based merges (sync_batch.c), for this copy alone */
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_events(st, peer, &c, 1, &one, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_documents(st, peer, &c, 1, &one, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_notices(st, peer, &c, 1, &one, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_feedback(st, peer, &c, 1, &one, err, errlen);
    if (rc == FQ_STORE_OK && newer)
        rc = replace_assignments(st, c, err, errlen);
    if (rc == FQ_STORE_OK && local.exists && newer)
        rc = forward(st, c->uuid, peer, from_parent, &local, err, errlen);
    return rc;
}
