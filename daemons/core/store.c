/* store.c - intake and transitions: the two ways a unit itself changes a case. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "pb.h"

#define MAX_TEXT 4000 /* description, note */
#define MAX_SHORT 200 /* title, names, addresses */
#define MAX_PARTIES 50

static bool too_long(const char *s, size_t max)
{
    return s && strlen(s) > max;
}

static int check_party(const Fq__Party *p, size_t i, char *err, size_t errlen)
{
    if (too_long(p->name, MAX_SHORT) || too_long(p->phone, 32) || too_long(p->role, 64)) {
        snprintf(err, errlen, "party %zu: name, phone or role too long", i + 1);
        return -1;
    }
    if (p->phone && strspn(p->phone, "0123456789+- ") != strlen(p->phone)) {
        snprintf(err, errlen, "party %zu: a phone number has only digits, '+', '-' and spaces",
                 i + 1);
        return -1;
    }
    return 0;
}

/* Refuse a submission that is incomplete, oversized or names an unknown category. */
static int check_new_case(const fq_cfg_t *cfg, const Fq__Case *in, char *err, size_t errlen)
{
    if (!in->title || !*in->title) {
        snprintf(err, errlen, "a case needs a title");
        return -1;
    }
    if (!in->category || !fq_cfg_category(cfg, in->category)) {
        snprintf(err, errlen, "unknown category '%s'; see the deployment's categories",
                 in->category ? in->category : "");
        return -1;
    }
    if (in->has_risk && (in->risk < 1 || in->risk > 4)) {
        snprintf(err, errlen, "risk must be 1 to 4, not %d", in->risk);
        return -1;
    }
    if (too_long(in->title, MAX_SHORT) || too_long(in->description, MAX_TEXT) ||
        too_long(in->address, MAX_SHORT) || too_long(in->grid, 64) ||
        too_long(in->reporter, MAX_SHORT) || too_long(in->source, 32)) {
        snprintf(err, errlen, "a field is longer than allowed (title %d, description %d bytes)",
                 MAX_SHORT, MAX_TEXT);
        return -1;
    }
    if (in->has_amount && (in->amount < 0 || in->amount > 1000000000000LL)) {
        snprintf(err, errlen, "the amount in dispute must be 0 to 10^12 yuan");
        return -1;
    }
    if (in->n_parties > MAX_PARTIES) {
        snprintf(err, errlen, "at most %d parties", MAX_PARTIES);
        return -1;
    }
    for (size_t i = 0; i < in->n_parties; i++)
        if (check_party(in->parties[i], i, err, errlen) < 0)
            return -1;
    return 0;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static fq_store_rc_t next_case_no(const fq_store_t *st, char case_no[40], char *err, size_t errlen)
{
    int day = fq_case_day(st->now_ms);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_int(&p, day);
    PGresult *res = fq_db_run(st->db,
                              "INSERT INTO case_counters (unit, day, last) VALUES ($1, $2, 1)"
                              " ON CONFLICT (unit, day) DO UPDATE SET last = case_counters.last + 1"
                              " RETURNING last",
                              &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    int seq = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (fq_case_no_format(case_no, 40, st->self->code, day, seq) < 0) {
        snprintf(err, errlen, "cannot number a case for unit %s", st->self->code);
        return FQ_STORE_REFUSED;
    }
    return FQ_STORE_OK;
}

static fq_store_rc_t insert_case(const fq_store_t *st, const Fq__Case *in, const char *case_no,
                                 char uuid[37], char *err, size_t errlen)
{
    const fq_category_cfg_t *cat = fq_cfg_category(st->cfg, in->category);
    fq_uuid4(uuid);
    const char *texts[] = {st->self->code,
                           uuid,
                           case_no,
                           in->title,
                           or_empty(in->description),
                           in->category,
                           cat->track,
                           or_empty(in->source),
                           or_empty(in->address),
                           or_empty(in->grid),
                           or_empty(in->reporter)};
    const int64_t ints[] = {in->has_risk ? in->risk : 1, st->now_ms,
                            in->has_amount ? in->amount : 0};
    return fq_db_exec_values(
               st->db,
               "INSERT INTO cases (unit, uuid, case_no, title, description, category,"
               " track, source, address, grid, reporter, risk, state, holder, origin_unit,"
               " version, created_at, updated_at, amount) VALUES ($1, $2, $3, $4, $5, $6,"
               " $7, $8, $9, $10, $11, $12, 'reported', $1, $1, 1,"
               " to_timestamp($13 / 1000.0), to_timestamp($13 / 1000.0), $14)",
               texts, FQ_NELEMS(texts), ints, FQ_NELEMS(ints), err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

fq_store_rc_t fq_store_insert_parties(const fq_store_t *st, const char *uuid,
                                      Fq__Party *const *parties, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        fq_params_t p = {0};
        fq_p_text(&p, st->self->code);
        fq_p_text(&p, uuid);
        fq_p_int(&p, (int64_t)i);
        fq_p_text(&p, or_empty(parties[i]->name));
        fq_p_text(&p, or_empty(parties[i]->phone));
        fq_p_text(&p, or_empty(parties[i]->role));
        if (fq_db_exec(st->db,
                       "INSERT INTO case_parties (unit, uuid, idx, name, phone, role) VALUES"
                       " ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                       &p, err, errlen) < 0)
            return FQ_STORE_DBERR;
    }
    return FQ_STORE_OK;
}

/* The entry a new one chains to: the case's one entry that no other entry names as previous. */
#define CHAIN_TIP                                                                                  \
    "(SELECT coalesce((SELECT e.hash FROM case_events e WHERE e.unit = $1 AND e.uuid = $2"         \
    " AND NOT EXISTS (SELECT 1 FROM case_events f WHERE f.unit = e.unit AND f.uuid = e.uuid"       \
    " AND f.prev_hash = e.hash) ORDER BY e.at_ms DESC LIMIT 1), '') AS prev)"

fq_store_rc_t fq_store_add_event(const fq_store_t *st, const char *uuid, const char *action,
                                 const char *from, const char *to, const char *actor,
                                 const char *note, char *err, size_t errlen)
{
    char event_uuid[37];
    fq_uuid4(event_uuid);
    const char *texts[] = {st->self->code, uuid, event_uuid,      action,
                           from,           to,   or_empty(actor), or_empty(note)};
    const int64_t ints[] = {st->now_ms};
    return fq_db_exec_values(
               st->db,
               "INSERT INTO case_events (unit, uuid, event_uuid, action, from_state,"
               " to_state, actor, note, at, at_ms, at_unit, prev_hash, hash)"
               " SELECT $1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9::int8 / 1000.0),"
               " $9::int8,"
               " $1, t.prev, event_hash(t.prev, $3::uuid, $9::int8, $1, $4, $5, $6, $7,"
               " $8) FROM " CHAIN_TIP " t",
               texts, FQ_NELEMS(texts), ints, FQ_NELEMS(ints), err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

fq_store_rc_t fq_store_finish(const fq_store_t *st, fq_store_rc_t rc, char *err, size_t errlen)
{
    if (rc == FQ_STORE_OK && fq_db_commit(st->db, err, errlen) < 0)
        rc = FQ_STORE_DBERR;
    if (rc != FQ_STORE_OK)
        fq_db_rollback(st->db);
    return rc;
}

fq_store_rc_t fq_store_submit_tx(const fq_store_t *st, const Fq__Case *in, const char *actor,
                                 char case_no[40], char uuid[37], char *err, size_t errlen)
{
    /* every check comes before the first write, so a refusal leaves the transaction usable */
    if (check_new_case(st->cfg, in, err, errlen) < 0 || too_long(actor, MAX_SHORT))
        return FQ_STORE_REFUSED;
    fq_store_rc_t rc = next_case_no(st, case_no, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = insert_case(st, in, case_no, uuid, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_insert_parties(st, uuid, in->parties, in->n_parties, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_add_event(st, uuid, "submit", "none", "reported",
                                actor ? actor : in->reporter, in->description, err, errlen);
    return rc;
}

fq_store_rc_t fq_store_submit(const fq_store_t *st, const Fq__Case *in, const char *actor,
                              char case_no[40], char *err, size_t errlen)
{
    char uuid[37];
    if (fq_db_begin(st->db, err, errlen) < 0)
        return FQ_STORE_DBERR;
    return fq_store_finish(st, fq_store_submit_tx(st, in, actor, case_no, uuid, err, errlen), err,
                           errlen);
}
