/* store_read.c - reading a case back out of PostgreSQL into a protobuf Case: the row, its
 * parties, history, documents and departments. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Every part of a case file in one round trip: one branch per table, each padded to ten text
 * columns (the layout its add_* function reads), then the part's number and its position in
 * the part's own order. Loading a case is on the path of every action and every copy sent. */
#define PART_COLUMNS 10
static const char s_parts_sql[] =
    "SELECT * FROM ("
    " SELECT name, phone, role, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 AS part,"
    "  row_number() OVER (ORDER BY idx) AS pos"
    "  FROM case_parties WHERE unit = $1 AND uuid = $2"
    " UNION ALL"
    " SELECT event_uuid::text, at_ms::text, at_unit, action, from_state, to_state, actor, note,"
    "  prev_hash, hash, 1, row_number() OVER (ORDER BY at_ms, recorded_at, event_uuid)"
    "  FROM case_events WHERE unit = $1 AND uuid = $2"
    " UNION ALL"
    " SELECT doc_uuid::text, kind, number, doc_date, parties, terms, court, at_unit,"
    "  at_ms::text, NULL, 2, row_number() OVER (ORDER BY at_ms)"
    "  FROM case_documents WHERE unit = $1 AND uuid = $2"
    " UNION ALL"
    " SELECT dept, role, status, reason, result, assigned_by, NULL, NULL, NULL, NULL, 3,"
    "  row_number() OVER (ORDER BY role DESC, dept)"
    "  FROM case_departments WHERE unit = $1 AND uuid = $2"
    " UNION ALL"
    " SELECT notice_uuid::text, number, kind, addressee, reason, at_unit, acked_by,"
    "  at_ms::text, acked_ms::text, NULL, 4, row_number() OVER (ORDER BY at_ms)"
    "  FROM notices WHERE unit = $1 AND uuid = $2"
    " UNION ALL"
    " SELECT fb_uuid::text, channel, text, answer, comment, review_reason, at_unit,"
    "  unreasonable::text, at_ms::text, NULL, 5, row_number() OVER (ORDER BY at_ms)"
    "  FROM feedback WHERE unit = $1 AND uuid = $2"
    ") parts ORDER BY part, pos";

typedef int (*s_add_fn)(Fq__Case *c, const PGresult *res, int row);

/* By part number, as s_parts_sql numbers them. */
static const s_add_fn s_add_part[] = {add_party,      add_event,  add_document,
                                      add_assignment, add_notice, add_feedback};

/* Parties, history, documents, departments, notices and feedback; stops quietly when out of
 * memory, as a smaller copy is still a true one. */
static fq_store_rc_t load_parts(const fq_store_t *st, Fq__Case *c, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, c->uuid);
    PGresult *res = fq_db_run(st->db, s_parts_sql, &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    for (int i = 0; i < PQntuples(res); i++) {
        int part = atoi(PQgetvalue(res, i, PART_COLUMNS));
        if (part < 0 || part >= (int)FQ_NELEMS(s_add_part) || s_add_part[part](c, res, i) < 0)
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

bool fq_store_looks_like_uuid(const char *ref)
{
    return ref && strlen(ref) == 36 && ref[8] == '-' && ref[13] == '-' && ref[18] == '-' &&
           ref[23] == '-' && strspn(ref, "0123456789abcdefABCDEF-") == 36;
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
    fq_store_rc_t rc = load_parts(st, c, err, errlen);
    order_by_chain(c);
    if (rc != FQ_STORE_OK) {
        fq_pb_case_free(c);
        return rc;
    }
    *out = c;
    return FQ_STORE_OK;
}
