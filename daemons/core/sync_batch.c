/* sync_batch.c - a run of copies of cases this unit does not hold yet, inserted set-based.
 *
 * A drain after a link was down, or a wave of escalations, brings hundreds of new cases in one
 * run. Applied one by one that is a savepoint and a dozen single-row statements each; here the
 * whole run costs one lookup and one INSERT ... SELECT FROM unnest(...) per table. The rows are
 * the ones fq_store_apply writes for a copy it does not hold; everything else (known cases,
 * invalid copies, repeats of a uuid) is left to it. The writers of the case file's side tables
 * also serve sync_update.c, for copies of cases this unit holds. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_array.h"

#define MAX_COLS 28

/* ---- which copies to take ----------------------------------------------------------------- */

/* Valid copies whose uuid no earlier copy of the run names: later copies of a uuid are updates
 * of the first and must follow it one by one. An invalid first copy claims its uuid too, so a
 * uuid is either wholly taken here or wholly left in sequence. */
static size_t pick(const fq_store_t *st, const char *peer, const Fq__Case *const *copies, size_t n,
                   bool *taken)
{
    char err[256];
    size_t picked = 0;
    for (size_t i = 0; i < n; i++) {
        taken[i] = false;
        if (!copies[i])
            continue;
        bool first = true;
        for (size_t j = 0; first && j < i; j++)
            first = !copies[j] || !copies[j]->uuid || !copies[i]->uuid ||
                    strcasecmp(copies[j]->uuid, copies[i]->uuid) != 0;
        taken[i] = first && fq_store_check_copy(st, copies[i], err, sizeof err) == 0 &&
                   fq_store_check_moved(st, peer, copies[i], NULL, err, sizeof err) == 0;
        picked += taken[i];
    }
    return picked;
}

/* Untake every picked copy of a case this unit already holds; the rows stay locked until the
 * transaction ends, as fq_store_apply's lookup leaves them. */
static fq_store_rc_t drop_held(const fq_store_t *st, const Fq__Case *const *copies, size_t n,
                               bool *taken, char *err, size_t errlen)
{
    fq_arr_t uuids = FQ_ARR_INIT;
    for (size_t i = 0; i < n; i++)
        if (taken[i])
            fq_arr_uuid(&uuids, copies[i]->uuid);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    PGresult *res = NULL;
    if (fq_p_array(&p, &uuids, err, errlen) == 0)
        res = fq_db_run(st->db, "SELECT uuid::text" FQ_CASES_BY_UUIDS("$2", "FOR UPDATE"), &p,
                        err, errlen);
    fq_arr_free(&uuids);
    if (!res)
        return FQ_STORE_DBERR;
    for (int r = 0; r < PQntuples(res); r++)
        for (size_t i = 0; i < n; i++)
            if (taken[i] && strcasecmp(copies[i]->uuid, PQgetvalue(res, r, 0)) == 0)
                taken[i] = false;
    PQclear(res);
    return FQ_STORE_OK;
}

/* ---- one statement per table -------------------------------------------------------------- */

/* The columns of one INSERT: K arrays, one element per row. */
typedef struct {
    fq_arr_t col[MAX_COLS];
    size_t k;
} s_rows_t;

static void rows_init(s_rows_t *r, size_t k)
{
    for (size_t i = 0; i < MAX_COLS; i++)
        r->col[i] = (fq_arr_t)FQ_ARR_INIT;
    r->k = k;
}

static void rows_free(s_rows_t *r)
{
    for (size_t k = 0; k < r->k; k++)
        fq_arr_free(&r->col[k]);
}

/* Run SQL with HEAD[0..NHEAD) ($1...) and then R's columns; nothing to run when R holds no
 * rows. Frees R's columns. */
static fq_store_rc_t run_rows(const fq_store_t *st, const char *sql, const char *const *head,
                              size_t nhead, s_rows_t *r, char *err, size_t errlen)
{
    int rc = st->whole ? fq_db_async_send_arrays(st->db, sql, head, nhead, r->col, r->k, false, err,
                                                 errlen)
                       : fq_db_exec_arrays(st->db, sql, head, nhead, r->col, r->k, err, errlen);
    return rc < 0 ? FQ_STORE_DBERR : FQ_STORE_OK;
}

/* Append TEXTS[0..N) to R's first N columns, one each; the first UUIDS of them are uuids. */
static void add_texts(s_rows_t *r, const char *const *texts, size_t n, size_t uuids)
{
    for (size_t k = 0; k < n; k++)
        if (k < uuids)
            fq_arr_uuid(&r->col[k], texts[k]);
        else
            fq_arr_text(&r->col[k], texts[k]);
}

static void add_case(s_rows_t *r, const Fq__Case *c)
{
    const char *texts[FQ_COPY_TEXTS];
    int64_t ints[FQ_COPY_INTS];
    fq_store_copy_columns(c, texts, ints);
    /* the texts are the uuid, thirteen texts, and the binding as "true" or "false" */
    add_texts(r, texts, FQ_COPY_TEXTS - 1, 1);
    fq_arr_bool(&r->col[FQ_COPY_TEXTS - 1], c->binding);
    for (size_t i = 0; i < FQ_COPY_INTS; i++)
        fq_arr_int(&r->col[FQ_COPY_TEXTS + i], ints[i]);
}

/* The columns and values of sync.c's insert_copy (fq_store_copy_columns), one row per copy. */
static fq_store_rc_t insert_cases(const fq_store_t *st, const char *from_child, bool sent_up,
                                  const Fq__Case *const *copies, size_t n, const bool *taken,
                                  char *err, size_t errlen)
{
    s_rows_t r;
    rows_init(&r, FQ_COPY_TEXTS + FQ_COPY_INTS);
    for (size_t i = 0; i < n; i++)
        if (taken[i])
            add_case(&r, copies[i]);
    const char *head[] = {st->self->code, from_child, sent_up ? "true" : "false"};
    return run_rows(
        st,
        "INSERT INTO cases (unit, uuid, case_no, title, description, category, track, source,"
        " address, grid, reporter, state, holder, origin_unit, from_child, children, sent_up, risk,"
        " version, created_at, updated_at, deadline, amount, bounce_count, track_rule, binding,"
        " clock_start_ms, paused_ms, extension_days, unsatisfied)"
        " SELECT $1, c.uuid, c.case_no, c.title, c.description, c.category, c.track, c.source,"
        " c.address, c.grid, c.reporter, c.state, c.holder, c.origin_unit, $2,"
        " array_remove(ARRAY[$2::text], NULL), $3::boolean,"
        " c.risk, c.version, to_timestamp(c.created_ms / 1000.0),"
        " to_timestamp(c.updated_ms / 1000.0), to_timestamp(nullif(c.deadline_ms, 0) / 1000.0),"
        " c.amount, c.bounce_count, c.track_rule, c.binding, c.clock_start_ms, c.paused_ms,"
        " c.extension_days, c.unsatisfied"
        " FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],"
        " $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],"
        " $16::text[], $17::text[], $18::boolean[], $19::int8[], $20::int8[], $21::int8[],"
        " $22::int8[], $23::int8[], $24::int8[], $25::int8[], $26::int8[], $27::int8[],"
        " $28::int8[], $29::int8[])"
        " AS c(uuid, case_no, title, description, category, track, source, address, grid,"
        " reporter, state, holder, origin_unit, track_rule, binding, risk, version, created_ms,"
        " updated_ms, deadline_ms, amount, bounce_count, clock_start_ms, paused_ms,"
        " extension_days, unsatisfied)",
        head, FQ_NELEMS(head), &r, err, errlen);
}

/* The case is new to this unit, so none of its parties is here yet (the foreign key says so),
 * and a copy numbers its parties once each: no conflict to guard against. */
static fq_store_rc_t insert_parties(const fq_store_t *st, const Fq__Case *const *copies, size_t n,
                                    const bool *taken, char *err, size_t errlen)
{
    s_rows_t r;
    rows_init(&r, 5);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; taken[i] && j < copies[i]->n_parties; j++) {
            const Fq__Party *p = copies[i]->parties[j];
            fq_arr_uuid(&r.col[0], copies[i]->uuid);
            fq_arr_int(&r.col[1], (int64_t)j);
            fq_arr_text(&r.col[2], fq_or_empty(p->name));
            fq_arr_text(&r.col[3], fq_or_empty(p->phone));
            fq_arr_text(&r.col[4], fq_or_empty(p->role));
        }
    const char *head[] = {st->self->code};
    return run_rows(st,
                    "INSERT INTO case_parties (unit, uuid, idx, name, phone, role)"
                    " SELECT $1, p.* FROM unnest($2::uuid[], $3::int8[], $4::text[], $5::text[],"
                    " $6::text[]) AS p",
                    head, FQ_NELEMS(head), &r, err, errlen);
}

static void add_event(s_rows_t *r, const char *uuid, const Fq__Event *e)
{
    const char *texts[FQ_EVENT_TEXTS];
    fq_store_event_columns(uuid, e, texts);
    add_texts(r, texts, FQ_EVENT_TEXTS, 2);
    fq_arr_int(&r->col[FQ_EVENT_TEXTS], e->at_ms);
}

/* A history entry reaches a unit only along the tree: one made at or under child PEER comes
 * from PEER, one made outside this unit's part of the tree from its parent, and nothing else
 * brings either. Into SIDE the part of the tree the check of a copy's new entries looks at:
 * PEER's for a child (*INSIDE true: a new entry must be made there), this unit's for the parent
 * (*INSIDE false: a new entry must not be). The same holds for a document, attached by the
 * holder as an action is. */
static fq_store_rc_t entry_side(const fq_store_t *st, const char *peer, fq_arr_t *side,
                                bool *inside, char *err, size_t errlen)
{
    const char **codes = malloc((st->cfg->nunits ? st->cfg->nunits : 1) * sizeof *codes);
    if (!codes) {
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    *inside = strcmp(peer, st->self->parent) != 0;
    size_t n = fq_cfg_subtree(st->cfg, *inside ? peer : st->self->code, codes);
    for (size_t i = 0; i < n; i++)
        fq_arr_text(side, codes[i]);
    free(codes);
    return FQ_STORE_OK;
}

/* Run SQL, an insert of R's rows (from $4) as "added" and then MADE_ON_SIDE, with this unit
 * ($1), PEER ($2), and entry_side's INSIDE ($3) and SIDE (after R's columns). Frees R's
 * columns. */
static fq_store_rc_t run_rows_from(const fq_store_t *st, const char *peer, const char *sql,
                                   s_rows_t *r, char *err, size_t errlen)
{
    bool inside;
    if (entry_side(st, peer, &r->col[r->k], &inside, err, errlen) != FQ_STORE_OK) {
        rows_free(r);
        return FQ_STORE_DBERR;
    }
    r->k++;
    const char *head[] = {st->self->code, peer, inside ? "true" : "false"};
    return run_rows(st, sql, head, FQ_NELEMS(head), r, err, errlen);
}

/* The rows an insert added (RETURNING uuid, WHAT's ID, at_unit), each made on the side of the
 * tree ($3, and SIDE, the parameter after the columns) that PEER ($2) stands for, or the
 * transaction fails naming the first that is not (run_rows_from). */
#define MADE_ON_SIDE(what, id, side)                                                               \
    " RETURNING uuid, " id " AS id, at_unit)"                                                      \
    " SELECT fq_expect(false, format('case %s: " what " %s was made at %s, which is not on the"    \
    " side of the tree that %s stands for', (SELECT c.case_no FROM cases c WHERE c.unit = $1"      \
    " AND c.uuid = a.uuid), a.id, a.at_unit, $2::text))"                                           \
    " FROM added a WHERE (a.at_unit = ANY(" side "::text[])) IS DISTINCT FROM $3::boolean LIMIT 1"

#define EVENTS_INSERT                                                                              \
    "WITH added AS (INSERT INTO case_events (unit, uuid, event_uuid, at_unit, action,"             \
    " from_state, to_state, actor, note, prev_hash, hash, at_ms, at)"                              \
    " SELECT $1, e.uuid, e.event_uuid, e.at_unit, e.action, e.from_state, e.to_state,"             \
    " e.actor, e.note, e.prev_hash, e.hash, e.at_ms, to_timestamp(e.at_ms / 1000.0)"               \
    " FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[],"         \
    " $10::text[], $11::text[], $12::text[], $13::text[], $14::int8[])"                            \
    " AS e(uuid, event_uuid, at_unit, action, from_state, to_state, actor, note, prev_hash,"       \
    " hash, at_ms)"
#define EVENTS_CHECK MADE_ON_SIDE("history entry", "event_uuid", "$15")

/* Every entry goes in but those stored already (an entry uuid this unit has, or a repeat in
 * the run, is skipped as merge_history's insert skips it). Sent whole, the entries are those of
 * cases new to this unit, none of which can be here: they go in without the skip, as the skip
 * costs every row a probe of the key before its insert, a tenth of the street's work in a
 * drain. An entry that is here after all (a peer's mistake) fails the transaction, and the run
 * is applied again with the skip (link_whole.c). An entry added that PEER cannot have brought
 * (entry_side) fails the statement: a neighbour cannot write another unit's part of a case
 * file, and the copy is refused whole (link_recv.c applies it alone and quarantines it). */
fq_store_rc_t fq_store_merge_events(const fq_store_t *st, const char *peer,
                                    const Fq__Case *const *copies, size_t n, const bool *taken,
                                    char *err, size_t errlen)
{
    s_rows_t r;
    rows_init(&r, 11);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; taken[i] && j < copies[i]->n_history; j++)
            add_event(&r, copies[i]->uuid, copies[i]->history[j]);
    return run_rows_from(st, peer,
                         st->whole ? EVENTS_INSERT EVENTS_CHECK
                                   : EVENTS_INSERT " ON CONFLICT DO NOTHING" EVENTS_CHECK,
                         &r, err, errlen);
}

/* ---- what only some copies carry ---------------------------------------------------------- */

/* A document added that PEER cannot have brought fails the statement, as an entry does. */
fq_store_rc_t fq_store_merge_documents(const fq_store_t *st, const char *peer,
                                       const Fq__Case *const *copies, size_t n, const bool *taken,
                                       char *err, size_t errlen)
{
    s_rows_t r;
    rows_init(&r, 10);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; taken[i] && j < copies[i]->n_documents; j++) {
            const Fq__Document *d = copies[i]->documents[j];
            if (!fq_store_looks_like_uuid(d->uuid))
                continue; /* as merge_documents skips it */
            const char *texts[] = {copies[i]->uuid,       d->uuid,
                                   fq_or_empty(d->kind),  fq_or_empty(d->number),
                                   fq_or_empty(d->date),  fq_or_empty(d->parties),
                                   fq_or_empty(d->terms), fq_or_empty(d->court),
                                   fq_or_empty(d->unit)};
            add_texts(&r, texts, FQ_NELEMS(texts), 2);
            fq_arr_int(&r.col[FQ_NELEMS(texts)], d->at_ms);
        }
    return run_rows_from(
        st, peer,
        "WITH added AS (INSERT INTO case_documents (unit, uuid, doc_uuid, kind, number, doc_date,"
        " parties, terms, court, at_unit, at_ms)"
        " SELECT $1, d.* FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[],"
        " $9::text[], $10::text[], $11::text[], $12::text[], $13::int8[]) AS d"
        " ON CONFLICT DO NOTHING" MADE_ON_SIDE("document", "doc_uuid", "$14"),
        &r, err, errlen);
}

/* After RC, an insert's outcome: SQL, the update of what later copies changed in rows stored
 * already ($1 this unit, then U's columns). U is freed either way. */
static fq_store_rc_t update_stored(const fq_store_t *st, fq_store_rc_t rc, const char *sql,
                                   s_rows_t *u, char *err, size_t errlen)
{
    if (rc != FQ_STORE_OK) {
        rows_free(u);
        return rc;
    }
    const char *head[] = {st->self->code};
    return run_rows(st, sql, head, FQ_NELEMS(head), u, err, errlen);
}

/* Notices and feedback records go in as entries do: one added that PEER cannot have brought
 * fails the statement (the holder records them as it acts). What a later copy changes of one
 * stored, its ack or a review finding it unreasonable, is an update of its own after the
 * insert, so a run bringing a notice and then its ack keeps the ack. */
fq_store_rc_t fq_store_merge_notices(const fq_store_t *st, const char *peer,
                                     const Fq__Case *const *copies, size_t n, const bool *taken,
                                     char *err, size_t errlen)
{
    s_rows_t r, acks;
    rows_init(&r, 10);
    rows_init(&acks, 3);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; taken[i] && j < copies[i]->n_notices; j++) {
            const Fq__Notice *x = copies[i]->notices[j];
            if (!fq_store_looks_like_uuid(x->uuid))
                continue;
            const char *texts[] = {copies[i]->uuid,           x->uuid,
                                   fq_or_empty(x->number),    fq_or_empty(x->kind),
                                   fq_or_empty(x->addressee), fq_or_empty(x->reason),
                                   fq_or_empty(x->unit),      fq_or_empty(x->acked_by)};
            add_texts(&r, texts, FQ_NELEMS(texts), 2);
            fq_arr_int(&r.col[8], x->at_ms);
            fq_arr_int(&r.col[9], x->acked_ms);
            if (x->acked_ms <= 0)
                continue;
            fq_arr_uuid(&acks.col[0], x->uuid);
            fq_arr_text(&acks.col[1], fq_or_empty(x->acked_by));
            fq_arr_int(&acks.col[2], x->acked_ms);
        }
    fq_store_rc_t rc = run_rows_from(
        st, peer,
        "WITH added AS (INSERT INTO notices (unit, uuid, notice_uuid, number, kind, addressee,"
        " reason, at_unit, acked_by, at_ms, acked_ms)"
        " SELECT $1, x.* FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[],"
        " $9::text[], $10::text[], $11::text[], $12::int8[], $13::int8[]) AS x"
        " ON CONFLICT DO NOTHING" MADE_ON_SIDE("notice", "notice_uuid", "$14"),
        &r, err, errlen);
    return update_stored(
        st, rc,
        "UPDATE notices n SET acked_ms = a.acked_ms, acked_by = a.acked_by"
        " FROM (SELECT DISTINCT ON (u.id) u.* FROM unnest($2::uuid[], $3::text[],"
        " $4::int8[]) AS u(id, acked_by, acked_ms) ORDER BY u.id, u.acked_ms DESC)"
        " a WHERE n.unit = $1 AND n.notice_uuid = a.id AND a.acked_ms > n.acked_ms",
        &acks, err, errlen);
}

fq_store_rc_t fq_store_merge_feedback(const fq_store_t *st, const char *peer,
                                      const Fq__Case *const *copies, size_t n, const bool *taken,
                                      char *err, size_t errlen)
{
    s_rows_t r, reviews;
    rows_init(&r, 10);
    rows_init(&reviews, 2);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; taken[i] && j < copies[i]->n_feedback; j++) {
            const Fq__Feedback *f = copies[i]->feedback[j];
            if (!fq_store_looks_like_uuid(f->uuid))
                continue;
            const char *texts[] = {copies[i]->uuid,
                                   f->uuid,
                                   fq_or_empty(f->channel),
                                   fq_or_empty(f->text),
                                   fq_or_empty(f->answer),
                                   fq_or_empty(f->comment),
                                   fq_or_empty(f->review_reason),
                                   fq_or_empty(f->unit)};
            add_texts(&r, texts, FQ_NELEMS(texts), 2);
            fq_arr_bool(&r.col[8], f->unreasonable);
            fq_arr_int(&r.col[9], f->at_ms);
            if (!f->unreasonable)
                continue;
            fq_arr_uuid(&reviews.col[0], f->uuid);
            fq_arr_text(&reviews.col[1], fq_or_empty(f->review_reason));
        }
    fq_store_rc_t rc = run_rows_from(
        st, peer,
        "WITH added AS (INSERT INTO feedback (unit, uuid, fb_uuid, channel, text, answer,"
        " comment, review_reason, at_unit, unreasonable, at_ms)"
        " SELECT $1, f.* FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[],"
        " $9::text[], $10::text[], $11::text[], $12::boolean[], $13::int8[]) AS f"
        " ON CONFLICT DO NOTHING" MADE_ON_SIDE("feedback record", "fb_uuid", "$14"),
        &r, err, errlen);
    return update_stored(st, rc,
                         "UPDATE feedback f SET unreasonable = true, review_reason = v.reason"
                         " FROM (SELECT DISTINCT ON (u.id) u.* FROM unnest($2::uuid[], $3::text[])"
                         " AS u(id, reason)) v WHERE f.unit = $1 AND f.fb_uuid = v.id"
                         " AND (NOT f.unreasonable OR f.review_reason <> v.reason)",
                         &reviews, err, errlen);
}

fq_store_rc_t fq_store_add_departments(const fq_store_t *st, const Fq__Case *const *copies,
                                       size_t n, const bool *taken, char *err, size_t errlen)
{
    s_rows_t r;
    rows_init(&r, 7);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; taken[i] && j < copies[i]->n_assignments; j++) {
            const Fq__Assignment *a = copies[i]->assignments[j];
            const char *texts[] = {copies[i]->uuid,        fq_or_empty(a->dept),
                                   fq_or_empty(a->role),   fq_or_empty(a->status),
                                   fq_or_empty(a->reason), fq_or_empty(a->result),
                                   fq_or_empty(a->unit)};
            add_texts(&r, texts, FQ_NELEMS(texts), 1);
        }
    const char *head[] = {st->self->code};
    return run_rows(st,
                    "INSERT INTO case_departments (unit, uuid, dept, role, status, reason,"
                    " result, assigned_by)"
                    " SELECT $1, a.* FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[],"
                    " $6::text[], $7::text[], $8::text[]) AS a ON CONFLICT DO NOTHING",
                    head, FQ_NELEMS(head), &r, err, errlen);
}

/* Write the rows of the copies TAKEN marks, all of cases new to this unit, sent by PEER. */
static fq_store_rc_t write_new(const fq_store_t *st, const char *peer,
                               const Fq__Case *const *copies, size_t n, const bool *taken,
                               char *err, size_t errlen)
{
    /* as fq_store_apply marks a copy it does not hold: who sent it to us, and which way */
    bool from_parent = strcmp(peer, st->self->parent) == 0;
    fq_store_rc_t rc =
        insert_cases(st, from_parent ? NULL : peer, from_parent, copies, n, taken, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = insert_parties(st, copies, n, taken, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_events(st, peer, copies, n, taken, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_documents(st, peer, copies, n, taken, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_notices(st, peer, copies, n, taken, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_merge_feedback(st, peer, copies, n, taken, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_add_departments(st, copies, n, taken, err, errlen);
    return rc;
}

fq_store_rc_t fq_store_apply_new(const fq_store_t *st, const char *peer,
                                 const Fq__Case *const *copies, size_t n, bool *taken, char *err,
                                 size_t errlen)
{
    if (pick(st, peer, copies, n, taken) == 0)
        return FQ_STORE_OK;
    fq_store_rc_t rc = drop_held(st, copies, n, taken, err, errlen);
    bool any = false;
    for (size_t i = 0; rc == FQ_STORE_OK && i < n; i++)
        any = any || taken[i];
    if (rc != FQ_STORE_OK || !any)
        return rc;
    return write_new(st, peer, copies, n, taken, err, errlen);
}

/* True when no entry of C's history was made at this unit. */
static bool never_here(const fq_store_t *st, const Fq__Case *c)
{
    for (size_t i = 0; i < c->n_history; i++)
        if (c->history[i]->unit && strcmp(c->history[i]->unit, st->self->code) == 0)
            return false;
    return true;
}

fq_store_rc_t fq_store_send_new(const fq_store_t *st, const char *peer,
                                const Fq__Case *const *copies, size_t n, char *err, size_t errlen)
{
    bool *taken = calloc(n ? n : 1, sizeof *taken);
    if (!taken) {
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_REFUSED; /* nothing sent: the caller goes the other way */
    }
    fq_store_rc_t rc = FQ_STORE_REFUSED;
    snprintf(err, errlen, "not every copy is of a case new to this unit");
    if (pick(st, peer, copies, n, taken) == n) {
        rc = FQ_STORE_OK;
        for (size_t i = 0; rc == FQ_STORE_OK && i < n; i++)
            rc = never_here(st, copies[i]) ? FQ_STORE_OK : FQ_STORE_REFUSED;
    }
    if (rc == FQ_STORE_OK) {
        fq_store_t whole = *st;
        whole.whole = true;
        rc = write_new(&whole, peer, copies, n, taken, err, errlen);
    }
    free(taken);
    return rc;
}
