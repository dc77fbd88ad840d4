/* store_read.c - reading cases back out of PostgreSQL into protobuf Case messages. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"

#define CASE_COLUMNS                                                                            \
    "uuid, case_no, title, description, category, risk, track, source, address, grid, "        \
    "reporter, state, holder, origin_unit, version, "                                           \
    "(extract(epoch FROM created_at) * 1000)::int8, (extract(epoch FROM updated_at) * 1000)::int8," \
    " coalesce((extract(epoch FROM deadline) * 1000)::int8, 0)"

static char *col(const PGresult *res, int row, int c)
{
    return fq_pb_strdup(PQgetvalue(res, row, c));
}

static Fq__Case *row_to_case(const PGresult *res, int row)
{
    Fq__Case *c = fq_pb_case_new();
    if (!c)
        return NULL;
    char **strings[] = {&c->uuid,    &c->case_no, &c->title, &c->description, &c->category};
    for (int i = 0; i < 5; i++)
        *strings[i] = col(res, row, i);
    c->has_risk = 1;
    c->risk = atoi(PQgetvalue(res, row, 5));
    char **rest[] = {&c->track, &c->source,      &c->address, &c->grid,
                     &c->reporter, &c->state,    &c->holder,  &c->origin_unit};
    for (int i = 0; i < 8; i++)
        *rest[i] = col(res, row, 6 + i);
    c->has_version = c->has_created_ms = c->has_updated_ms = c->has_deadline_ms = 1;
    c->version = atoi(PQgetvalue(res, row, 14));
    c->created_ms = strtoll(PQgetvalue(res, row, 15), NULL, 10);
    c->updated_ms = strtoll(PQgetvalue(res, row, 16), NULL, 10);
    c->deadline_ms = strtoll(PQgetvalue(res, row, 17), NULL, 10);
    return c;
}

static fq_store_rc_t load_parties(const fq_store_t *st, Fq__Case *c, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, c->uuid);
    PGresult *res = fq_db_run(st->db,
                              "SELECT name, phone, role FROM case_parties WHERE unit = $1 AND "
                              "uuid = $2 ORDER BY idx",
                              &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    for (int i = 0; i < PQntuples(res); i++) {
        Fq__Party *party = fq_pb_party_new();
        if (!party)
            break;
        party->name = col(res, i, 0);
        party->phone = col(res, i, 1);
        party->role = col(res, i, 2);
        if (fq_pb_case_add_party(c, party) < 0) {
            free(party);
            break;
        }
    }
    PQclear(res);
    return FQ_STORE_OK;
}

static Fq__Event *row_to_event(const PGresult *res, int row)
{
    Fq__Event *e = fq_pb_event_new();
    if (!e)
        return NULL;
    e->uuid = col(res, row, 0);
    e->has_at_ms = 1;
    e->at_ms = strtoll(PQgetvalue(res, row, 1), NULL, 10);
    e->unit = col(res, row, 2);
    e->action = col(res, row, 3);
    e->from_state = col(res, row, 4);
    e->to_state = col(res, row, 5);
    e->actor = col(res, row, 6);
    e->note = col(res, row, 7);
    return e;
}

static fq_store_rc_t load_history(const fq_store_t *st, Fq__Case *c, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, c->uuid);
    PGresult *res = fq_db_run(st->db,
                              "SELECT event_uuid, (extract(epoch FROM at) * 1000)::int8, at_unit,"
                              " action, from_state, to_state, actor, note FROM case_events"
                              " WHERE unit = $1 AND uuid = $2 ORDER BY at, recorded_at, event_uuid",
                              &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    for (int i = 0; i < PQntuples(res); i++) {
        Fq__Event *e = row_to_event(res, i);
        if (!e || fq_pb_case_add_event(c, e) < 0) {
            free(e);
            break;
        }
    }
    PQclear(res);
    return FQ_STORE_OK;
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
                          ? "SELECT " CASE_COLUMNS " FROM cases WHERE unit = $1 AND uuid = $2"
                          : "SELECT " CASE_COLUMNS " FROM cases WHERE unit = $1 AND case_no = $2";
    PGresult *res = fq_db_run(st->db, sql, &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    if (PQntuples(res) == 0) {
        PQclear(res);
        snprintf(err, errlen, "no case %s at unit %s", ref, st->self->code);
        return FQ_STORE_REFUSED;
    }
    Fq__Case *c = row_to_case(res, 0);
    PQclear(res);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    fq_store_rc_t rc = load_parties(st, c, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = load_history(st, c, err, errlen);
    if (rc != FQ_STORE_OK) {
        fq_pb_case_free(c);
        return rc;
    }
    *out = c;
    return FQ_STORE_OK;
}

fq_store_rc_t fq_store_list(const fq_store_t *st, const char *state, unsigned limit,
                            Fq__Case ***out, size_t *n, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, state && *state ? state : NULL);
    fq_p_int(&p, limit ? limit : 100);
    PGresult *res = fq_db_run(st->db,
                              "SELECT " CASE_COLUMNS " FROM cases WHERE unit = $1 AND"
                              " ($2::text IS NULL OR state = $2) ORDER BY created_at DESC,"
                              " case_no DESC LIMIT $3",
                              &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    size_t rows = (size_t)PQntuples(res);
    *out = calloc(rows ? rows : 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; *out && i < rows; i++) {
        Fq__Case *c = row_to_case(res, (int)i);
        if (!c)
            break;
        (*out)[(*n)++] = c;
    }
    PQclear(res);
    if (!*out || *n != rows) {
        fq_pb_cases_free(*out, *n);
        *out = NULL;
        *n = 0;
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    return FQ_STORE_OK;
}
