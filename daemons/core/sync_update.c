/* sync_update.c - a run of copies of cases this unit holds already, applied set-based.
 *
 * On the way back down (the street accepts or escalates a case and sends the community its
 * copy, the district sends its results to the street) a run is mostly updates of cases the
 * receiver holds. One by one, each costs a savepoint and six to ten statements. Here the run
 * costs one lock for all of them, then a few statements per round, where round k applies the
 * k-th copy of each case in the run: a case's copies still go in one after the other, as
 * fq_store_apply would apply them, and cases do not depend on each other. The copies owed to
 * the neighbour on the other side are queued once per case and peer, as the case stands at the
 * end of the run (store_batch.c). */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_array.h"

/* What happens to each copy of the run here. */
enum { S_OUT, S_WAIT, S_DONE }; /* not ours / to apply / applied */

/* What this unit holds of a case: its version and holder as the row stands after the copies
 * applied so far, where it was taken in, the children holding copies, whether we sent it up. */
typedef struct {
    int64_t version;
    char holder[FQ_UNIT_CODE_LEN + 1];
    char origin[FQ_UNIT_CODE_LEN + 1];
    char children[FQ_CHILDREN_LEN];
    bool sent_up;
} s_local_t;

typedef struct {
    const fq_store_t *st;
    const char *peer; /* who sent the run */
    const Fq__Case *const *copies;
    size_t n;
    bool from_parent;
    unsigned char *mark; /* S_* per copy */
    size_t *head;        /* the run's first candidate copy of the same case, whose LOCAL it uses */
    s_local_t *local;    /* by head */
    bool *claimed;       /* by head: the case has a copy in the round being picked */
    bool *round;         /* the copies of the round */
    bool *newer;         /* ... that are newer than the row, and update it */
} s_run_t;

static void run_free(s_run_t *r)
{
    free(r->mark);
    free(r->head);
    free(r->local);
    free(r->claimed);
    free(r->round);
    free(r->newer);
}

static bool run_init(s_run_t *r, const fq_store_t *st, const char *peer,
                     const Fq__Case *const *copies, size_t n)
{
    size_t k = n ? n : 1;
    *r = (s_run_t){.st = st, .peer = peer, .copies = copies, .n = n};
    r->from_parent = strcmp(peer, st->self->parent) == 0;
    r->mark = calloc(k, sizeof *r->mark);
    r->head = calloc(k, sizeof *r->head);
    r->local = calloc(k, sizeof *r->local);
    r->claimed = calloc(k, sizeof *r->claimed);
    r->round = calloc(k, sizeof *r->round);
    r->newer = calloc(k, sizeof *r->newer);
    return r->mark && r->head && r->local && r->claimed && r->round && r->newer;
}

/* ---- which copies to take ----------------------------------------------------------------- */

/* Every valid copy the set-based apply of new copies did not take is a candidate. An invalid
 * copy is refused later without writing anything, so the valid ones of its case may go ahead
 * of it. */
static size_t candidates(s_run_t *r, const bool *taken)
{
    char err[256];
    size_t m = 0;
    for (size_t i = 0; i < r->n; i++) {
        r->mark[i] = S_OUT;
        if (!r->copies[i] || taken[i] ||
            fq_store_check_copy(r->st, r->copies[i], err, sizeof err) < 0)
            continue;
        r->mark[i] = S_WAIT;
        r->head[i] = i;
        for (size_t j = 0; j < i; j++)
            if (r->mark[j] == S_WAIT && strcasecmp(r->copies[j]->uuid, r->copies[i]->uuid) == 0) {
                r->head[i] = r->head[j];
                break;
            }
        m++;
    }
    return m;
}

/* Lock, in one statement and in uuid order, the rows of the candidates' cases, and keep what
 * fq_store_apply's lock_local reads. A case this unit does not hold is left wholly to the one by
 * one apply, whose first copy of it inserts it. */
static fq_store_rc_t lock_held(s_run_t *r, char *err, size_t errlen)
{
    fq_arr_t uuids = FQ_ARR_INIT;
    for (size_t i = 0; i < r->n; i++)
        if (r->mark[i] == S_WAIT && r->head[i] == i)
            fq_arr_uuid(&uuids, r->copies[i]->uuid);
    fq_params_t p = {0};
    fq_p_text(&p, r->st->self->code);
    PGresult *res = NULL;
    if (fq_p_array(&p, &uuids, err, errlen) == 0)
        res = fq_db_run(r->st->db,
                        "SELECT uuid::text, version, " FQ_CHILDREN_TEXT
                        ", sent_up, holder, origin_unit" FQ_CASES_BY_UUIDS(
                            "$2", "FOR UPDATE") " ORDER BY k.key",
                        &p, err, errlen);
    fq_arr_free(&uuids);
    if (!res)
        return FQ_STORE_DBERR;
    /* claimed serves as "held" until the rounds begin */
    for (int row = 0; row < PQntuples(res); row++)
        for (size_t i = 0; i < r->n; i++) {
            if (r->mark[i] != S_WAIT || r->head[i] != i ||
                strcasecmp(r->copies[i]->uuid, PQgetvalue(res, row, 0)) != 0)
                continue;
            s_local_t *l = &r->local[i];
            l->version = strtoll(PQgetvalue(res, row, 1), NULL, 10);
            snprintf(l->children, sizeof l->children, "%s", PQgetvalue(res, row, 2));
            l->sent_up = PQgetvalue(res, row, 3)[0] == 't';
            snprintf(l->holder, sizeof l->holder, "%s", PQgetvalue(res, row, 4));
            snprintf(l->origin, sizeof l->origin, "%s", PQgetvalue(res, row, 5));
            r->claimed[i] = true;
        }
    PQclear(res);
    for (size_t i = 0; i < r->n; i++)
        if (r->mark[i] == S_WAIT && !r->claimed[r->head[i]])
            r->mark[i] = S_OUT;
    return FQ_STORE_OK;
}

/* Leave copy I, and the copies of its case after it, to the one by one apply, which refuses I
 * with its reason and then applies the rest in order. */
static void leave_case(s_run_t *r, size_t i)
{
    for (size_t j = i; j < r->n; j++)
        if (r->mark[j] == S_WAIT && r->head[j] == r->head[i])
            r->mark[j] = S_OUT;
}

/* Whether copy I, newer than the row, comes from where the case can have moved. */
static bool moved_rightly(const s_run_t *r, size_t i)
{
    char err[256];
    const s_local_t *l = &r->local[r->head[i]];
    const fq_store_held_t held = {l->holder, l->origin, l->version};
    return fq_store_check_moved(r->st, r->peer, r->copies[i], &held, err, sizeof err) == 0;
}

/* The next round: the first copy still waiting of each case. */
static size_t pick_round(s_run_t *r)
{
    size_t m = 0;
    memset(r->claimed, 0, r->n * sizeof *r->claimed);
    for (size_t i = 0; i < r->n; i++) {
        r->round[i] = r->mark[i] == S_WAIT && !r->claimed[r->head[i]];
        r->newer[i] = r->round[i] && (int64_t)r->copies[i]->version > r->local[r->head[i]].version;
        if (r->newer[i] && !moved_rightly(r, i)) {
            leave_case(r, i);
            r->round[i] = r->newer[i] = false;
        }
        r->claimed[r->head[i]] = r->claimed[r->head[i]] || r->mark[i] == S_WAIT;
        m += r->round[i];
    }
    return m;
}

/* ---- one statement per table -------------------------------------------------------------- */

enum { UPDATE_COLS = 14 };

/* The columns sync.c's update_copy sets, one row per newer copy of the round. */
static fq_store_rc_t update_cases(const s_run_t *r, char *err, size_t errlen)
{
    fq_arr_t col[UPDATE_COLS];
    for (size_t k = 0; k < UPDATE_COLS; k++)
        col[k] = (fq_arr_t)FQ_ARR_INIT;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->newer[i])
            continue;
        const Fq__Case *c = r->copies[i];
        fq_arr_uuid(&col[0], c->uuid);
        fq_arr_text(&col[1], c->state);
        fq_arr_text(&col[2], c->holder);
        fq_arr_int(&col[3], c->version);
        fq_arr_text(&col[4], fq_or_empty(c->track));
        fq_arr_int(&col[5], c->updated_ms);
        fq_arr_int(&col[6], c->deadline_ms);
        fq_arr_int(&col[7], c->bounce_count);
        fq_arr_text(&col[8], fq_or_empty(c->track_rule));
        fq_arr_bool(&col[9], c->binding);
        fq_arr_int(&col[10], c->clock_start_ms);
        fq_arr_int(&col[11], c->paused_ms);
        fq_arr_int(&col[12], c->extension_days);
        fq_arr_int(&col[13], c->unsatisfied);
    }
    const char *head[] = {r->st->self->code};
    return fq_db_exec_arrays_once(
               r->st->db,
               "UPDATE cases c SET state = u.state, holder = u.holder, version = u.version,"
               " track = u.track, updated_at = to_timestamp(u.updated_ms / 1000.0),"
               " deadline = to_timestamp(nullif(u.deadline_ms, 0) / 1000.0),"
               " bounce_count = u.bounce_count, track_rule = u.track_rule, binding = u.binding,"
               " clock_start_ms = u.clock_start_ms, paused_ms = u.paused_ms,"
               " extension_days = u.extension_days, unsatisfied = u.unsatisfied,"
               " resolved_on_time = CASE WHEN u.state = 'resolved'"
               "   AND c.resolved_on_time IS NULL"
               "   THEN u.deadline_ms = 0 OR u.updated_ms <= u.deadline_ms"
               "   ELSE c.resolved_on_time END"
               " FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int8[], $6::text[],"
               " $7::int8[], $8::int8[], $9::int8[], $10::text[], $11::boolean[], $12::int8[],"
               " $13::int8[], $14::int8[], $15::int8[])"
               " AS u(uuid, state, holder, version, track, updated_ms, deadline_ms, bounce_count,"
               " track_rule, binding, clock_start_ms, paused_ms, extension_days, unsatisfied)"
               FQ_UPDATE_CASES_AT("u.uuid"),
               head, FQ_NELEMS(head), col, UPDATE_COLS, err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

/* The departments as the newer copies have them: the old ones go, the copies' go in. */
static fq_store_rc_t replace_departments(const s_run_t *r, char *err, size_t errlen)
{
    fq_arr_t uuids = FQ_ARR_INIT;
    for (size_t i = 0; i < r->n; i++)
        if (r->newer[i])
            fq_arr_uuid(&uuids, r->copies[i]->uuid);
    const char *head[] = {r->st->self->code};
    if (fq_db_exec_arrays(r->st->db,
                          "DELETE FROM case_departments WHERE unit = $1"
                          " AND uuid = ANY((SELECT $2::uuid[])::uuid[])",
                          head, FQ_NELEMS(head), &uuids, 1, err, errlen) < 0)
        return FQ_STORE_DBERR;
    return fq_store_add_departments(r->st, r->copies, r->n, r->newer, err, errlen);
}

/* Owe every other neighbour that also holds the case (as sync.c's forward) the copy of each
 * case a newer copy updated. */
static fq_store_rc_t owe_forwards(const s_run_t *r, fq_store_batch_t *batch, char *err,
                                  size_t errlen)
{
    fq_store_t owing = *r->st;
    owing.batch = batch;
    fq_store_rc_t rc = FQ_STORE_OK;
    for (size_t i = 0; rc == FQ_STORE_OK && i < r->n; i++) {
        if (!r->newer[i])
            continue; /* copies[i] may be NULL (not a copy) only then */
        const s_local_t *l = &r->local[r->head[i]];
        const char *uuid = r->copies[i]->uuid;
        if (!r->from_parent && l->sent_up && owing.self->parent[0])
            rc = fq_store_send(&owing, uuid, owing.self->parent, err, errlen);
        if (rc == FQ_STORE_OK)
            rc = fq_store_send_children(&owing, uuid, l->children, r->from_parent ? NULL : r->peer,
                                        err, errlen);
    }
    return rc;
}

/* The round's copies, each as fq_store_apply applies a copy of a case it holds. */
static fq_store_rc_t apply_round(s_run_t *r, fq_store_batch_t *batch, bool *taken, char *err,
                                 size_t errlen)
{
    const fq_store_t *st = r->st;
    fq_store_rc_t rc = update_cases(r, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_events(st, r->peer, r->copies, r->n, r->round, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_documents(st, r->peer, r->copies, r->n, r->round, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_notices(st, r->peer, r->copies, r->n, r->round, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_feedback(st, r->peer, r->copies, r->n, r->round, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = replace_departments(r, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = owe_forwards(r, batch, err, errlen);
    for (size_t i = 0; rc == FQ_STORE_OK && i < r->n; i++) {
        if (r->newer[i]) {
            s_local_t *l = &r->local[r->head[i]];
            l->version = (int64_t)r->copies[i]->version;
            snprintf(l->holder, sizeof l->holder, "%s", r->copies[i]->holder);
        }
        if (r->round[i]) {
            r->mark[i] = S_DONE;
            taken[i] = true;
        }
    }
    return rc;
}

/* The rounds, from the one picked already; the forwards they owe are queued at the end. */
static fq_store_rc_t apply_rounds(s_run_t *r, bool *taken, char *err, size_t errlen)
{
    fq_store_t own = *r->st;
    own.batch = fq_store_batch_new();
    if (!own.batch) {
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    fq_store_rc_t rc;
    do
        rc = apply_round(r, own.batch, taken, err, errlen);
    while (rc == FQ_STORE_OK && pick_round(r) > 0);
    if (rc == FQ_STORE_OK)
        rc = fq_store_batch_flush(&own, err, errlen);
    fq_store_batch_destroy(&own.batch);
    return rc;
}

fq_store_rc_t fq_store_apply_known(const fq_store_t *st, const char *peer,
                                   const Fq__Case *const *copies, size_t n, bool *taken, char *err,
                                   size_t errlen)
{
    s_run_t r;
    fq_store_rc_t rc = FQ_STORE_OK;
    if (!run_init(&r, st, peer, copies, n)) {
        snprintf(err, errlen, "out of memory");
        rc = FQ_STORE_DBERR;
    } else if (candidates(&r, taken) > 0)
        rc = lock_held(&r, err, errlen);
    if (rc == FQ_STORE_OK && pick_round(&r) > 0)
        rc = apply_rounds(&r, taken, err, errlen);
    run_free(&r);
    return rc;
}
