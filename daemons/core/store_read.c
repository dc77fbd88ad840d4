/* store_read.c - reading a case back out of PostgreSQL into a protobuf Case: the row, its
 * parties, history, documents and departments. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_array.h"
#include "pb.h"

static char *col(const PGresult *res, int row, int c)
{
    return fq_pb_strdup(PQgetvalue(res, row, c));
}

static int64_t col_int(const PGresult *res, int row, int c)
{
    return strtoll(PQgetvalue(res, row, c), NULL, 10);
}

Fq__Case *fq_store_row_to_case(const PGresult *res, int row)
{
    Fq__Case *c = fq_pb_case_new();
    if (!c)
        return NULL;
    /* the text columns, in FQ_CASE_COLUMNS order, skipping risk (5) */
    char **texts[] = {&c->uuid,    &c->case_no, &c->title,    &c->description, &c->category,
                      NULL,        &c->track,   &c->source,   &c->address,     &c->grid,
                      &c->reporter, &c->state,  &c->holder,   &c->origin_unit};
    for (int i = 0; i < (int)(sizeof texts / sizeof texts[0]); i++)
        if (texts[i])
            *texts[i] = col(res, row, i);
    c->has_risk = c->has_version = c->has_created_ms = c->has_updated_ms = 1;
    c->has_deadline_ms = c->has_amount = c->has_bounce_count = c->has_binding = 1;
    c->risk = (int32_t)col_int(res, row, 5);
    c->version = (int32_t)col_int(res, row, 14);
    c->created_ms = col_int(res, row, 15);
    c->updated_ms = col_int(res, row, 16);
    c->deadline_ms = col_int(res, row, 17);
    c->amount = col_int(res, row, 18);
    c->bounce_count = (int32_t)col_int(res, row, 19);
    c->track_rule = col(res, row, 20);
    c->binding = PQgetvalue(res, row, 21)[0] == 't';
    c->has_clock_start_ms = c->has_paused_ms = c->has_extension_days = c->has_unsatisfied = 1;
    c->clock_start_ms = col_int(res, row, 22);
    c->paused_ms = col_int(res, row, 23);
    c->extension_days = (int32_t)col_int(res, row, 24);
    c->unsatisfied = (int32_t)col_int(res, row, 25);
    return c;
}

static int add_party(Fq__Case *c, const PGresult *res, int row)
{
    Fq__Party *party = fq_pb_party_new();
    if (!party)
        return -1;
    party->name = col(res, row, 0);
    party->phone = col(res, row, 1);
    party->role = col(res, row, 2);
    if (fq_pb_case_add_party(c, party) < 0) {
        free(party);
        return -1;
    }
    return 0;
}

static int add_event(Fq__Case *c, const PGresult *res, int row)
{
    Fq__Event *e = fq_pb_event_new();
    if (!e)
        return -1;
    char **texts[] = {&e->uuid,     NULL,      &e->unit, &e->action, &e->from_state,
                      &e->to_state, &e->actor, &e->note, &e->prev_hash, &e->hash};
    for (int i = 0; i < (int)(sizeof texts / sizeof texts[0]); i++)
        if (texts[i])
            *texts[i] = col(res, row, i);
    e->has_at_ms = 1;
    e->at_ms = col_int(res, row, 1);
    if (fq_pb_case_add_event(c, e) < 0) {
        free(e);
        return -1;
    }
    return 0;
}

static int add_document(Fq__Case *c, const PGresult *res, int row)
{
    Fq__Document *d = malloc(sizeof *d);
    if (!d)
        return -1;
    fq__document__init(d);
    char **texts[] = {&d->uuid,  &d->kind,  &d->number, &d->date,
                      &d->parties, &d->terms, &d->court, &d->unit};
    for (int i = 0; i < (int)(sizeof texts / sizeof texts[0]); i++)
        *texts[i] = col(res, row, i);
    d->has_at_ms = 1;
    d->at_ms = col_int(res, row, 8);
    if (fq_pb_case_add_document(c, d) < 0) {
        fq_pb_document_free(d);
        return -1;
    }
    return 0;
}

static int add_assignment(Fq__Case *c, const PGresult *res, int row)
{
    Fq__Assignment *a = malloc(sizeof *a);
    if (!a)
        return -1;
    fq__assignment__init(a);
    char **texts[] = {&a->dept, &a->role, &a->status, &a->reason, &a->result, &a->unit};
    for (int i = 0; i < (int)(sizeof texts / sizeof texts[0]); i++)
        *texts[i] = col(res, row, i);
    if (fq_pb_case_add_assignment(c, a) < 0) {
        fq_pb_assignment_free(a);
        return -1;
    }
    return 0;
}

static int add_notice(Fq__Case *c, const PGresult *res, int row)
{
    Fq__Notice *n = malloc(sizeof *n);
    if (!n)
        return -1;
    fq__notice__init(n);
    char **texts[] = {&n->uuid, &n->number, &n->kind, &n->addressee, &n->reason, &n->unit,
                      &n->acked_by};
    for (int i = 0; i < (int)(sizeof texts / sizeof texts[0]); i++)
        *texts[i] = col(res, row, i);
    n->case_no = fq_pb_strdup(c->case_no);
    n->has_at_ms = n->has_acked_ms = 1;
    n->at_ms = col_int(res, row, 7);
    n->acked_ms = col_int(res, row, 8);
    if (fq_pb_case_add_notice(c, n) < 0) {
        fq_pb_notice_free(n);
        return -1;
    }
    return 0;
}

static int add_feedback(Fq__Case *c, const PGresult *res, int row)
{
    Fq__Feedback *f = malloc(sizeof *f);
    if (!f)
        return -1;
    fq__feedback__init(f);
    char **texts[] = {&f->uuid,  &f->channel, &f->text, &f->answer,
                      &f->comment, &f->review_reason, &f->unit};
    for (int i = 0; i < (int)(sizeof texts / sizeof texts[0]); i++)
        *texts[i] = col(res, row, i);
    f->has_unreasonable = f->has_at_ms = 1;
    f->unreasonable = PQgetvalue(res, row, 7)[0] == 't';
    f->at_ms = col_int(res, row, 8);
    if (fq_pb_case_add_feedback(c, f) < 0) {
        fq_pb_feedback_free(f);
        return -1;
    }
    return 0;
}

/* Every part of the case files of many cases in one round trip: one branch per table, each
 * padded to ten text columns (the layout its add_* function reads), then the part's number,
 * its position in the part's own order and the case's uuid. KEYS is a FROM item of the cases'
 * uuids as k(key). Loading cases is on the path of every action and every copy sent. */
#define PART_COLUMNS 10   /* then the part's number (column 10) and position */
#define PART_CASE_UUID 12 /* the case's uuid */
#define PART_ROWS(KEYS, TABLE)                                                                     \
    " " KEYS " CROSS JOIN LATERAL (SELECT * FROM " TABLE                                           \
    " WHERE uuid = k.key AND unit = $1 OFFSET 0) t"
#define PARTS_SQL(KEYS)                                                                            \
    "SELECT * FROM ("                                                                              \
    " SELECT name, phone, role, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 AS part,"              \
    "  row_number() OVER (ORDER BY idx) AS pos, uuid::text AS case_uuid"                           \
    "  FROM" PART_ROWS(KEYS, "case_parties")                                                       \
    " UNION ALL"                                                                                   \
    " SELECT event_uuid::text, at_ms::text, at_unit, action, from_state, to_state, actor, note,"   \
    "  prev_hash, hash, 1, row_number() OVER (ORDER BY at_ms, recorded_at, event_uuid), uuid::text"\
    "  FROM" PART_ROWS(KEYS, "case_events")                                                        \
    " UNION ALL"                                                                                   \
    " SELECT doc_uuid::text, kind, number, doc_date, parties, terms, court, at_unit,"              \
    "  at_ms::text, NULL, 2, row_number() OVER (ORDER BY at_ms), uuid::text"                       \
    "  FROM" PART_ROWS(KEYS, "case_documents")                                                     \
    " UNION ALL"                                                                                   \
    " SELECT dept, role, status, reason, result, assigned_by, NULL, NULL, NULL, NULL, 3,"          \
    "  row_number() OVER (ORDER BY role DESC, dept), uuid::text"                                   \
    "  FROM" PART_ROWS(KEYS, "case_departments")                                                   \
    " UNION ALL"                                                                                   \
    " SELECT notice_uuid::text, number, kind, addressee, reason, at_unit, acked_by,"               \
    "  at_ms::text, acked_ms::text, NULL, 4, row_number() OVER (ORDER BY at_ms), uuid::text"       \
    "  FROM" PART_ROWS(KEYS, "notices")                                                            \
    " UNION ALL"                                                                                   \
    " SELECT fb_uuid::text, channel, text, answer, comment, review_reason, at_unit,"               \
    "  unreasonable::text, at_ms::text, NULL, 5, row_number() OVER (ORDER BY at_ms), uuid::text"   \
    "  FROM" PART_ROWS(KEYS, "feedback")                                                           \
    ") parts ORDER BY case_uuid, part, pos"

/* One case, or many: each table probed once per case through the index that begins with the
 * case's uuid. OFFSET 0 keeps each probe a subquery of its own, which the planner may not fold
 * into a join of the whole table, so that a plan made once per connection, even on a table
 * not yet analyzed, is right at any table size. Planning this six-way union for every list
 * cost more than running it (about 1.9 ms against 0.6 ms for 27 cases). */
static const char s_parts_one_sql[] = PARTS_SQL("(SELECT $2::uuid) AS k(key)");
static const char s_parts_many_sql[] =
    PARTS_SQL("(SELECT DISTINCT u FROM unnest((SELECT $2::uuid[])) AS a(u)) AS k(key)");

typedef int (*s_add_fn)(Fq__Case *c, const PGresult *res, int row);

/* By part number, as PARTS_SQL numbers them. */
static const s_add_fn s_add_part[] = {add_party,      add_event,  add_document,
                                      add_assignment, add_notice, add_feedback};

/* The case of CASES[0..N) whose uuid is UUID, or NULL. */
static Fq__Case *case_with_uuid(Fq__Case *const *cases, size_t n, const char *uuid)
{
    for (size_t i = 0; i < n; i++)
        if (cases[i] && strcasecmp(cases[i]->uuid, uuid) == 0)
            return cases[i];
    return NULL;
}

/* Parties, history, documents, departments, notices and feedback of CASES[0..N) (NULLs
 * skipped), with one statement for all; stops quietly when out of memory, as a smaller copy
 * is still a true one. */
static fq_store_rc_t load_parts(const fq_store_t *st, Fq__Case *const *cases, size_t n,
                                char *err, size_t errlen)
{
    fq_arr_t uuids = FQ_ARR_INIT;
    for (size_t i = 0; n > 1 && i < n; i++)
        if (cases[i])
            fq_arr_uuid(&uuids, cases[i]->uuid);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    int rc = 0;
    if (n > 1)
        rc = fq_p_array(&p, &uuids, err, errlen);
    else
        fq_p_text(&p, cases[0]->uuid);
    PGresult *res =
        rc < 0 ? NULL
               : fq_db_run(st->db, n > 1 ? s_parts_many_sql : s_parts_one_sql, &p, err, errlen);
    fq_arr_free(&uuids);
    if (!res)
        return FQ_STORE_DBERR;
    Fq__Case *c = NULL;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *uuid = PQgetvalue(res, i, PART_CASE_UUID);
        if (!c || strcasecmp(c->uuid, uuid) != 0)
            c = case_with_uuid(cases, n, uuid);
        int part = atoi(PQgetvalue(res, i, PART_COLUMNS));
        if (!c || part < 0 || part >= (int)FQ_NELEMS(s_add_part) || s_add_part[part](c, res, i) < 0)
            break;
    }
    PQclear(res);
    return FQ_STORE_OK;
}

/* Put the history in chain order: the entry with no previous first, then each entry's
 * successor. Entries off the chain (a broken chain, which verify reports) follow in time order. */
static void order_by_chain(Fq__Case *c)
{
    size_t done = 0;
    const char *prev = "";
    while (done < c->n_history) {
        size_t next = done;
        while (next < c->n_history && strcmp(c->history[next]->prev_hash, prev) != 0)
            next++;
        if (next == c->n_history || !*c->history[next]->hash)
            return;
        Fq__Event *e = c->history[next];
        memmove(&c->history[done + 1], &c->history[done], (next - done) * sizeof e);
        c->history[done++] = e;
        prev = e->hash;
    }
}

/* 8-4-4-4-12 hex digits: what PostgreSQL takes as a uuid, so a lookup by it cannot fail. */
bool fq_store_looks_like_uuid(const char *ref)
{
    if (!ref || strlen(ref) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? ref[i] != '-' : !strchr("0123456789abcdefABCDEF", ref[i]))
            return false;
    }
    return true;
}

fq_store_rc_t fq_store_load(const fq_store_t *st, const char *ref, Fq__Case **out, char *err,
                            size_t errlen)
{
    *out = NULL;
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, ref);
    const char *sql = fq_store_looks_like_uuid(ref)
                          ? "SELECT " FQ_CASE_COLUMNS " FROM cases WHERE unit = $1 AND uuid = $2"
                          : "SELECT " FQ_CASE_COLUMNS " FROM cases WHERE unit = $1 AND"
                            " case_no = $2";
    PGresult *res = fq_db_run(st->db, sql, &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    if (PQntuples(res) == 0) {
        PQclear(res);
        snprintf(err, errlen, "no case %s at unit %s", ref, st->self->code);
        return FQ_STORE_REFUSED;
    }
    Fq__Case *c = fq_store_row_to_case(res, 0);
    PQclear(res);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    fq_store_rc_t rc = load_parts(st, &c, 1, err, errlen);
    order_by_chain(c);
    if (rc != FQ_STORE_OK) {
        fq_pb_case_free(c);
        return rc;
    }
    *out = c;
    return FQ_STORE_OK;
}

bool fq_store_names(const Fq__Case *c, const char *ref)
{
    return c && (strcmp(c->case_no, ref) == 0 || strcasecmp(c->uuid, ref) == 0);
}

PGresult *fq_store_run_by_refs(const fq_store_t *st, const char *sql, const char *const *refs,
                               size_t n, char *err, size_t errlen)
{
    fq_arr_t nos = FQ_ARR_INIT, uuids = FQ_ARR_INIT;
    for (size_t i = 0; i < n; i++)
        if (fq_store_looks_like_uuid(refs[i]))
            fq_arr_uuid(&uuids, refs[i]);
        else
            fq_arr_text(&nos, refs[i]);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    PGresult *res = NULL;
    if (fq_p_array(&p, &nos, err, errlen) == 0 && fq_p_array(&p, &uuids, err, errlen) == 0)
        res = fq_db_run(st->db, sql, &p, err, errlen);
    fq_arr_free(&nos);
    fq_arr_free(&uuids);
    return res;
}

/* The rows of the cases REFS name, each parked in OUT at the first of its refs. */
static fq_store_rc_t load_rows(const fq_store_t *st, const char *const *refs, size_t n,
                               Fq__Case **out, char *err, size_t errlen)
{
    PGresult *res = fq_store_run_by_refs(st,
                                         "SELECT " FQ_CASE_COLUMNS FQ_CASES_BY_REFS(""),
                                         refs, n, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    for (int r = 0; r < PQntuples(res); r++) {
        Fq__Case *c = fq_store_row_to_case(res, r);
        size_t i = 0;
        while (c && i < n && (out[i] || !fq_store_names(c, refs[i])))
            i++;
        if (i < n)
            out[i] = c;
        else
            fq_pb_case_free(c); /* named twice: the first ref has it */
    }
    PQclear(res);
    return FQ_STORE_OK;
}

fq_store_rc_t fq_store_load_many(const fq_store_t *st, const char *const *refs, size_t n,
                                 Fq__Case **out, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    if (n == 0)
        return FQ_STORE_OK;
    fq_store_rc_t rc = load_rows(st, refs, n, out, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = load_parts(st, out, n, err, errlen);
    for (size_t i = 0; i < n; i++) {
        if (rc != FQ_STORE_OK) {
            fq_pb_case_free(out[i]);
            out[i] = NULL;
        } else if (out[i])
            order_by_chain(out[i]);
    }
    return rc;
}
