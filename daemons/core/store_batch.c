/* store_batch.c - many actions under one commit with few statements: the cases they name are
 * locked with one statement up front, their changes and history entries are written together
 * (a statement per table), and the copies they owe the neighbours are queued once per case and
 * peer, a statement per peer, just before the COMMIT. */
#include "casework.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_array.h"
#include "outbox.h"
#include "pb.h"

typedef struct {
    char uuid[37];
    char peer[FQ_UNIT_CODE_LEN + 1];
} s_owed_t;

/* History entries waiting for their statement, a column each, and the cases they are of. */
enum { EV_UUID, EV_EVENT, EV_ACTION, EV_FROM, EV_TO, EV_ACTOR, EV_NOTE, EV_AT, EV_COLS };
typedef struct {
    fq_arr_t cols[EV_COLS];
    char (*cases)[37];
    size_t n, cap;
} s_events_t;

/* Changes of `cases` waiting for their statement, a column each (see write_updates). */
enum {
    UP_UUID,
    UP_STATE,
    UP_HOLDER,
    UP_SENT_UP,
    UP_TRACK,
    UP_TRACK_RULE,
    UP_BOUNCE,
    UP_BINDING,
    UP_CHILD,
    UP_SET_CLOCK,
    UP_DEADLINE,
    UP_CLOCK_START,
    UP_SET_PAUSED,
    UP_PAUSED,
    UP_EXTENSION,
    UP_UNSATISFIED,
    UP_COLS
};

struct fq_store_batch {
    fq_caserow_t *rows; /* locked by fq_store_batch_lock */
    bool *taken;        /* rows[i] was handed to an action already */
    size_t nrows;
    s_owed_t *owed;     /* copies owed, in the order first owed */
    size_t nowed, owed_cap;
    s_events_t events;
    fq_arr_t updates[UP_COLS];
    Fq__Case **flushed; /* the cases as their copies were queued, kept for the replies */
    size_t nflushed;
    bool late;
};

fq_store_batch_t *fq_store_batch_new(void)
{
    fq_store_batch_t *b = calloc(1, sizeof *b);
    for (int c = 0; b && c < EV_COLS; c++)
        b->events.cols[c] = (fq_arr_t)FQ_ARR_INIT;
    for (int c = 0; b && c < UP_COLS; c++)
        b->updates[c] = (fq_arr_t)FQ_ARR_INIT;
    return b;
}

static void forget_flushed(fq_store_batch_t *b)
{
    for (size_t i = 0; i < b->nflushed; i++)
        fq_pb_case_free(b->flushed[i]);
    free(b->flushed);
    b->flushed = NULL;
    b->nflushed = 0;
}

static void forget_rows(fq_store_batch_t *b)
{
    free(b->rows);
    free(b->taken);
    b->rows = NULL;
    b->taken = NULL;
    b->nrows = 0;
}

void fq_store_batch_destroy(fq_store_batch_t **self_p)
{
    fq_store_batch_t *b = *self_p;
    if (!b)
        return;
    forget_rows(b);
    free(b->owed);
    for (int c = 0; c < EV_COLS; c++)
        fq_arr_free(&b->events.cols[c]);
    free(b->events.cases);
    for (int c = 0; c < UP_COLS; c++)
        fq_arr_free(&b->updates[c]);
    forget_flushed(b);
    free(b);
    *self_p = NULL;
}

bool fq_store_batch_late(const fq_store_batch_t *b)
{
    return b->late;
}

void fq_store_batch_mark_late(fq_store_batch_t *b)
{
    b->late = true;
}

/* ---- the cases, locked together ---------------------------------------------------------- */

fq_store_rc_t fq_store_batch_lock(const fq_store_t *st, const char *const *refs, size_t n,
                                  char *err, size_t errlen)
{
    fq_store_batch_t *b = st->batch;
    forget_rows(b);
    /* in uuid order, as every locker of many cases should take them */
    PGresult *res = fq_store_run_by_refs(st,
                                         "SELECT " FQ_CASEROW_COLUMNS
                                         FQ_CASES_BY_REFS("FOR UPDATE") " ORDER BY k.key",
                                         refs, n, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    size_t rows = (size_t)PQntuples(res);
    b->rows = calloc(rows ? rows : 1, sizeof *b->rows);
    b->taken = calloc(rows ? rows : 1, sizeof *b->taken);
    if (!b->rows || !b->taken) {
        PQclear(res);
        forget_rows(b);
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    for (size_t r = 0; r < rows; r++)
        fq_caserow_fill(res, (int)r, &b->rows[r]);
    b->nrows = rows;
    PQclear(res);
    return FQ_STORE_OK;
}

bool fq_store_batch_take(fq_store_batch_t *b, const char *ref, fq_caserow_t *row)
{
    for (size_t i = 0; i < b->nrows; i++) {
        const fq_caserow_t *r = &b->rows[i];
        if (strcmp(r->case_no, ref) != 0 && strcasecmp(r->uuid, ref) != 0)
            continue;
        if (b->taken[i])
            return false;
        b->taken[i] = true;
        *row = *r;
        return true;
    }
    return false;
}

/* ---- changes of `cases`, written together ------------------------------------------------ */

/* A case is changed at most once between two writes: its second action reads the row back
 * (lock_case), which settles the batch first. Right-hand columns are the old row's, as in
 * store_act.c's update of one case. */
static fq_store_rc_t write_updates(const fq_store_t *st, char *err, size_t errlen)
{
    fq_arr_t *cols = st->batch->updates;
    if (cols[UP_UUID].n == 0)
        return FQ_STORE_OK;
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)st->now_ms);
    const char *head[] = {st->self->code, now};
    int rc = fq_db_exec_arrays_once(
        st->db,
        "UPDATE cases c SET state = r.state, holder = r.holder, sent_up = r.sent_up,"
        " version = c.version + 1, updated_at = to_timestamp($2::int8 / 1000.0),"
        " track = coalesce(r.track, c.track), track_rule = coalesce(r.track_rule, c.track_rule),"
        " bounce_count = c.bounce_count + r.bounce, binding = c.binding OR r.binding,"
        " from_child = coalesce(r.child, c.from_child),"
        " children = CASE WHEN r.child IS NULL OR r.child = ANY(c.children) THEN c.children"
        "   ELSE c.children || r.child END,"
        " deadline = CASE WHEN r.set_clock THEN to_timestamp(r.deadline_ms / 1000.0)"
        "   ELSE c.deadline END,"
        " clock_start_ms = CASE WHEN r.set_clock THEN r.clock_start_ms ELSE c.clock_start_ms END,"
        " paused_ms = CASE WHEN r.set_paused THEN r.paused_ms ELSE c.paused_ms END,"
        " extension_days = CASE WHEN r.ext >= 0 THEN r.ext ELSE c.extension_days END,"
        " unsatisfied = c.unsatisfied + r.unsat,"
        " resolved_on_time = CASE WHEN r.state = 'resolved' AND c.resolved_on_time IS NULL"
        "   THEN c.deadline IS NULL OR to_timestamp($2::int8 / 1000.0) <= c.deadline"
        "   ELSE c.resolved_on_time END"
        " FROM unnest($3::uuid[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[],"
        " $9::int8[], $10::boolean[], $11::text[], $12::boolean[], $13::int8[], $14::int8[],"
        " $15::boolean[], $16::int8[], $17::int8[], $18::int8[])"
        " AS r(uuid, state, holder, sent_up, track, track_rule, bounce, binding, child,"
        " set_clock, deadline_ms, clock_start_ms, set_paused, paused_ms, ext, unsat)"
        FQ_UPDATE_CASES_AT("r.uuid"),
        head, FQ_NELEMS(head), cols, UP_COLS, err, errlen);
    for (int c = 0; c < UP_COLS; c++)
        cols[c] = (fq_arr_t)FQ_ARR_INIT; /* exec_arrays freed them */
    return rc < 0 ? FQ_STORE_DBERR : FQ_STORE_OK;
}

fq_store_rc_t fq_store_batch_update(const fq_store_t *st, const char *uuid, fq_state_t to,
                                    const char *holder, bool sent_up, const fq_plan_t *plan,
                                    char *err, size_t errlen)
{
    fq_arr_t *cols = st->batch->updates;
    fq_arr_uuid(&cols[UP_UUID], uuid);
    fq_arr_text(&cols[UP_STATE], fq_state_name(to));
    fq_arr_text(&cols[UP_HOLDER], holder);
    fq_arr_bool(&cols[UP_SENT_UP], sent_up);
    fq_arr_text(&cols[UP_TRACK], plan->track);
    fq_arr_text(&cols[UP_TRACK_RULE], plan->track ? plan->track_rule : NULL);
    fq_arr_int(&cols[UP_BOUNCE], plan->bounce_delta);
    fq_arr_bool(&cols[UP_BINDING], plan->set_binding);
    fq_arr_text(&cols[UP_CHILD], plan->child);
    fq_arr_bool(&cols[UP_SET_CLOCK], plan->set_clock);
    fq_arr_int(&cols[UP_DEADLINE], plan->deadline_ms);
    fq_arr_int(&cols[UP_CLOCK_START], plan->clock_start_ms);
    fq_arr_bool(&cols[UP_SET_PAUSED], plan->set_paused);
    fq_arr_int(&cols[UP_PAUSED], plan->paused_ms);
    fq_arr_int(&cols[UP_EXTENSION], plan->extension_days);
    fq_arr_int(&cols[UP_UNSATISFIED], plan->unsatisfied_delta);
    for (int c = 0; c < UP_COLS; c++)
        if (cols[c].failed) {
            snprintf(err, errlen, "out of memory");
            return FQ_STORE_DBERR;
        }
    return FQ_STORE_OK;
}

fq_store_rc_t fq_store_batch_settle(const fq_store_t *st, char *err, size_t errlen)
{
    return write_updates(st, err, errlen);
}

/* ---- history entries, written together --------------------------------------------------- */

/* Write the entries kept so far with one statement, each chained to its case's tip. */
static fq_store_rc_t write_events(const fq_store_t *st, char *err, size_t errlen)
{
    s_events_t *ev = &st->batch->events;
    if (ev->n == 0)
        return FQ_STORE_OK;
    const char *head[] = {st->self->code};
    int rc = fq_db_exec_arrays(
        st->db,
        "INSERT INTO case_events (unit, uuid, event_uuid, action, from_state, to_state, actor,"
        " note, at, at_ms, at_unit, prev_hash, hash)"
        " SELECT $1, r.uuid, r.event_uuid, r.action, r.from_state, r.to_state, r.actor, r.note,"
        " to_timestamp(r.at_ms / 1000.0), r.at_ms, $1, t.prev, event_hash(t.prev, r.event_uuid,"
        " r.at_ms, $1, r.action, r.from_state, r.to_state, r.actor, r.note)"
        " FROM unnest((SELECT $2::uuid[]), $3::uuid[], $4::text[], $5::text[], $6::text[],"
        " $7::text[], $8::text[], $9::int8[])"
        " AS r(uuid, event_uuid, action, from_state, to_state, actor, note, at_ms)"
        " CROSS JOIN LATERAL (SELECT " FQ_CHAIN_TIP("r.uuid") " AS prev OFFSET 0) t",
        head, FQ_NELEMS(head), ev->cols, EV_COLS, err, errlen);
    for (int c = 0; c < EV_COLS; c++)
        ev->cols[c] = (fq_arr_t)FQ_ARR_INIT; /* exec_arrays freed them */
    ev->n = 0;
    return rc < 0 ? FQ_STORE_DBERR : FQ_STORE_OK;
}

static bool has_entry_of(const s_events_t *ev, const char *uuid)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcasecmp(ev->cases[i], uuid) == 0)
            return true;
    return false;
}

fq_store_rc_t fq_store_batch_add_event(const fq_store_t *st, const char *uuid, const char *action,
                                       const char *from, const char *to, const char *actor,
                                       const char *note, char *err, size_t errlen)
{
    s_events_t *ev = &st->batch->events;
    if (has_entry_of(ev, uuid) && write_events(st, err, errlen) != FQ_STORE_OK)
        return FQ_STORE_DBERR;
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? 2 * ev->cap : 64;
        char(*grown)[37] = realloc(ev->cases, cap * sizeof *grown);
        if (!grown) {
            snprintf(err, errlen, "out of memory");
            return FQ_STORE_DBERR;
        }
        ev->cases = grown;
        ev->cap = cap;
    }
    snprintf(ev->cases[ev->n++], sizeof ev->cases[0], "%s", uuid);
    char event_uuid[37];
    fq_uuid7(event_uuid);
    fq_arr_uuid(&ev->cols[EV_UUID], uuid);
    fq_arr_uuid(&ev->cols[EV_EVENT], event_uuid);
    fq_arr_text(&ev->cols[EV_ACTION], action);
    fq_arr_text(&ev->cols[EV_FROM], from);
    fq_arr_text(&ev->cols[EV_TO], to);
    fq_arr_text(&ev->cols[EV_ACTOR], fq_or_empty(actor));
    fq_arr_text(&ev->cols[EV_NOTE], fq_or_empty(note));
    fq_arr_int(&ev->cols[EV_AT], st->now_ms);
    return FQ_STORE_OK;
}

/* ---- the copies owed, queued together ---------------------------------------------------- */

fq_store_rc_t fq_store_batch_defer(fq_store_batch_t *b, const char *uuid, const char *peer,
                                   char *err, size_t errlen)
{
    for (size_t i = 0; i < b->nowed; i++)
        if (strcasecmp(b->owed[i].uuid, uuid) == 0 && strcmp(b->owed[i].peer, peer) == 0)
            return FQ_STORE_OK; /* the copy queued at the end will carry this change too */
    if (b->nowed == b->owed_cap) {
        size_t cap = b->owed_cap ? 2 * b->owed_cap : 64;
        s_owed_t *grown = realloc(b->owed, cap * sizeof *grown);
        if (!grown) {
            snprintf(err, errlen, "out of memory");
            return FQ_STORE_DBERR;
        }
        b->owed = grown;
        b->owed_cap = cap;
    }
    s_owed_t *o = &b->owed[b->nowed++];
    snprintf(o->uuid, sizeof o->uuid, "%s", uuid);
    snprintf(o->peer, sizeof o->peer, "%s", peer);
    return FQ_STORE_OK;
}

/* Append case C, packed as a CaseSync, to BODIES; false when out of memory. */
static bool add_copy(fq_arr_t *bodies, Fq__Case *c)
{
    Fq__CaseSync sync = FQ__CASE_SYNC__INIT;
    sync.case_ = c;
    size_t len = fq__case_sync__get_packed_size(&sync);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return false;
    fq__case_sync__pack(&sync, buf);
    fq_arr_bytes(bodies, buf, len);
    free(buf);
    return !bodies->failed;
}

/* The loaded case owed copy I is of: load_many gave a case owed to two peers to its first
 * ref only. */
static Fq__Case *case_of(const fq_store_batch_t *b, Fq__Case *const *cases, size_t i)
{
    for (size_t j = 0; j <= i; j++)
        if (cases[j] && strcasecmp(b->owed[j].uuid, b->owed[i].uuid) == 0)
            return cases[j];
    return NULL;
}

/* Queue for PEER, in the order owed, the copies it is owed; CASES is parallel to the owed
 * list. */
static fq_store_rc_t queue_for_peer(const fq_store_t *st, const char *peer, Fq__Case *const *cases,
                                    char *err, size_t errlen)
{
    const fq_store_batch_t *b = st->batch;
    fq_arr_t bodies = FQ_ARR_INIT;
    for (size_t i = 0; i < b->nowed; i++) {
        if (strcmp(b->owed[i].peer, peer) != 0)
            continue;
        Fq__Case *c = case_of(b, cases, i);
        if (!c) {
            fq_arr_free(&bodies);
            snprintf(err, errlen, "case %s vanished before its copy for %s was queued",
                     b->owed[i].uuid, peer);
            return FQ_STORE_DBERR;
        }
        if (!add_copy(&bodies, c)) {
            fq_arr_free(&bodies);
            snprintf(err, errlen, "out of memory");
            return FQ_STORE_DBERR;
        }
    }
    return fq_outbox_enqueue_many(st->db, st->queued, st->self->code, peer, FQ__ENVELOPE__BODY_SYNC, &bodies,
                                  err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

/* Is the peer of owed copy I the first of its kind in the list? */
static bool first_for_peer(const fq_store_batch_t *b, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(b->owed[j].peer, b->owed[i].peer) == 0)
            return false;
    return true;
}

fq_store_rc_t fq_store_batch_flush(const fq_store_t *st, char *err, size_t errlen)
{
    fq_store_batch_t *b = st->batch;
    if (write_updates(st, err, errlen) != FQ_STORE_OK ||
        write_events(st, err, errlen) != FQ_STORE_OK)
        return FQ_STORE_DBERR;
    size_t n = b->nowed;
    if (n == 0)
        return FQ_STORE_OK;
    const char **refs = calloc(n, sizeof *refs);
    Fq__Case **cases = calloc(n, sizeof *cases);
    fq_store_rc_t rc = FQ_STORE_DBERR;
    snprintf(err, errlen, "out of memory");
    if (refs && cases) {
        for (size_t i = 0; i < n; i++)
            refs[i] = b->owed[i].uuid;
        rc = fq_store_load_many(st, refs, n, cases, err, errlen);
    }
    for (size_t i = 0; rc == FQ_STORE_OK && i < n; i++)
        if (first_for_peer(b, i))
            rc = queue_for_peer(st, b->owed[i].peer, cases, err, errlen);
    forget_flushed(b);
    if (rc == FQ_STORE_OK) {
        b->flushed = cases; /* as the COMMIT will leave them: nothing is written after this */
        b->nflushed = n;
    } else {
        for (size_t i = 0; cases && i < n; i++)
            fq_pb_case_free(cases[i]);
        free(cases);
    }
    free(refs);
    b->nowed = 0;
    return rc;
}

Fq__Case *fq_store_batch_take_flushed(fq_store_batch_t *b, const char *ref)
{
    for (size_t i = 0; b && i < b->nflushed; i++)
        if (b->flushed[i] && fq_store_names(b->flushed[i], ref)) {
            Fq__Case *c = b->flushed[i];
            b->flushed[i] = NULL;
            return c;
        }
    return NULL;
}
