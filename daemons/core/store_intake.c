/* store_intake.c - 受理: taking new cases in, many under one commit with a few statements.
 *
 * A burst of submissions (a hotline's bulk hand-over) arrives together on the ops socket. Each
 * is checked in C first, so a refusal never touches the database; the accepted ones then cost
 * four statements in all, whatever their number: one reserves their case numbers, and one per
 * table inserts every row, each column travelling as one array parameter (db_array.h). */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_array.h"
#include "pb.h"

#define MAX_TEXT 4000 /* description, note */
#define MAX_SHORT 200 /* title, names, addresses */

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

int fq_store_check_submission(const fq_cfg_t *cfg, const Fq__Case *in, const char *actor, char *err,
                              size_t errlen)
{
    if (!in) {
        snprintf(err, errlen, "submit needs a case");
        return -1;
    }
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
        too_long(in->reporter, MAX_SHORT) || too_long(in->source, 32) ||
        too_long(actor, MAX_SHORT)) {
        snprintf(err, errlen, "a field is longer than allowed (title %d, description %d bytes)",
                 MAX_SHORT, MAX_TEXT);
        return -1;
    }
    if (in->has_amount && (in->amount < 0 || in->amount > 1000000000000LL)) {
        snprintf(err, errlen, "the amount in dispute must be 0 to 10^12 yuan");
        return -1;
    }
    if (in->n_parties > FQ_MAX_PARTIES) {
        snprintf(err, errlen, "at most %d parties", FQ_MAX_PARTIES);
        return -1;
    }
    for (size_t i = 0; i < in->n_parties; i++)
        if (check_party(in->parties[i], i, err, errlen) < 0)
            return -1;
    return 0;
}

static bool accepted(const fq_submission_t *s)
{
    return s->rc == FQ_STORE_OK;
}

/* Reserve K consecutive numbers of today's sequence; returns the last, or -1 with ERR. */
static int64_t reserve_numbers(const fq_store_t *st, int day, size_t k, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_int(&p, day);
    fq_p_int(&p, (int64_t)k);
    PGresult *res =
        fq_db_run(st->db,
                  "INSERT INTO case_counters (unit, day, last) VALUES ($1, $2, $3)"
                  " ON CONFLICT (unit, day) DO UPDATE SET last = case_counters.last + $3"
                  " RETURNING last",
                  &p, err, errlen);
    if (!res)
        return -1;
    int64_t last = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return last;
}

/* Give each accepted submission its number and uuid. */
static fq_store_rc_t number_cases(const fq_store_t *st, fq_submission_t *subs, size_t n, size_t k,
                                  char *err, size_t errlen)
{
    int day = fq_case_day(st->now_ms);
    int64_t last = reserve_numbers(st, day, k, err, errlen);
    if (last < 0)
        return FQ_STORE_DBERR;
    int64_t seq = last - (int64_t)k + 1;
    for (size_t i = 0; i < n; i++) {
        if (!accepted(&subs[i]))
            continue;
        if (fq_case_no_format(subs[i].case_no, sizeof subs[i].case_no, st->self->code, day,
                              (int)seq++) < 0) {
            snprintf(err, errlen, "cannot number a case for unit %s", st->self->code);
            return FQ_STORE_DBERR;
        }
        fq_uuid7(subs[i].uuid);
    }
    return FQ_STORE_OK;
}

/* Run SQL with the unit as $1, the time as $2 when TIMED, then the arrays COLS[0..NCOLS);
 * frees them. */
static fq_store_rc_t insert_rows(const fq_store_t *st, const char *sql, bool timed, fq_arr_t *cols,
                                 size_t ncols, char *err, size_t errlen)
{
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)st->now_ms);
    const char *head[] = {st->self->code, now};
    return fq_db_exec_arrays(st->db, sql, head, timed ? 2 : 1, cols, ncols, err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

enum {
    C_UUID,
    C_NO,
    C_TITLE,
    C_DESC,
    C_CAT,
    C_TRACK,
    C_SOURCE,
    C_ADDR,
    C_GRID,
    C_REPORTER,
    C_RISK,
    C_AMOUNT,
    C_COLS
};

static fq_store_rc_t insert_cases(const fq_store_t *st, const fq_submission_t *subs, size_t n,
                                  char *err, size_t errlen)
{
    fq_arr_t cols[C_COLS] = {0};
    for (size_t i = 0; i < n; i++) {
        const Fq__Case *in = subs[i].in;
        if (!accepted(&subs[i]))
            continue;
        const char *texts[] = {[C_UUID] = subs[i].uuid,
                               [C_NO] = subs[i].case_no,
                               [C_TITLE] = in->title,
                               [C_DESC] = fq_or_empty(in->description),
                               [C_CAT] = in->category,
                               [C_TRACK] = fq_cfg_category(st->cfg, in->category)->track,
                               [C_SOURCE] = fq_or_empty(in->source),
                               [C_ADDR] = fq_or_empty(in->address),
                               [C_GRID] = fq_or_empty(in->grid),
                               [C_REPORTER] = fq_or_empty(in->reporter)};
        for (size_t c = 0; c < C_RISK; c++)
            fq_arr_text(&cols[c], texts[c]);
        fq_arr_int(&cols[C_RISK], in->has_risk ? in->risk : 1);
        fq_arr_int(&cols[C_AMOUNT], in->has_amount ? in->amount : 0);
    }
    return insert_rows(
        st,
        "INSERT INTO cases (unit, uuid, case_no, title, description, category, track, source,"
        " address, grid, reporter, risk, amount, state, holder, origin_unit, version,"
        " created_at, updated_at)"
        " SELECT $1, r.uuid, r.case_no, r.title, r.description, r.category, r.track, r.source,"
        " r.address, r.grid, r.reporter, r.risk, r.amount, 'reported', $1, $1, 1,"
        " to_timestamp($2::int8 / 1000.0), to_timestamp($2::int8 / 1000.0)"
        " FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],"
        " $9::text[], $10::text[], $11::text[], $12::text[], $13::int4[], $14::int8[])"
        " AS r(uuid, case_no, title, description, category, track, source, address, grid,"
        " reporter, risk, amount)",
        true, cols, C_COLS, err, errlen);
}

enum { P_UUID, P_IDX, P_NAME, P_PHONE, P_ROLE, P_COLS };

static fq_store_rc_t insert_parties(const fq_store_t *st, const fq_submission_t *subs, size_t n,
                                    char *err, size_t errlen)
{
    fq_arr_t cols[P_COLS] = {0};
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; accepted(&subs[i]) && j < subs[i].in->n_parties; j++) {
            const Fq__Party *party = subs[i].in->parties[j];
            fq_arr_text(&cols[P_UUID], subs[i].uuid);
            fq_arr_int(&cols[P_IDX], (int64_t)j);
            fq_arr_text(&cols[P_NAME], fq_or_empty(party->name));
            fq_arr_text(&cols[P_PHONE], fq_or_empty(party->phone));
            fq_arr_text(&cols[P_ROLE], fq_or_empty(party->role));
        }
    }
    return insert_rows(st,
                       "INSERT INTO case_parties (unit, uuid, idx, name, phone, role)"
                       " SELECT $1, r.uuid, r.idx, r.name, r.phone, r.role"
                       " FROM unnest($2::uuid[], $3::int4[], $4::text[], $5::text[],"
                       " $6::text[]) AS r(uuid, idx, name, phone, role)",
                       false, cols, P_COLS, err, errlen);
}

enum { E_UUID, E_EVENT, E_ACTOR, E_NOTE, E_COLS };

/* The first entry of each case file: it chains to nothing, so its hash needs no lookup. */
static fq_store_rc_t insert_first_events(const fq_store_t *st, const fq_submission_t *subs,
                                         size_t n, char *err, size_t errlen)
{
    fq_arr_t cols[E_COLS] = {0};
    for (size_t i = 0; i < n; i++) {
        if (!accepted(&subs[i]))
            continue;
        char event_uuid[37];
        fq_uuid7(event_uuid);
        fq_arr_text(&cols[E_UUID], subs[i].uuid);
        fq_arr_text(&cols[E_EVENT], event_uuid);
        fq_arr_text(&cols[E_ACTOR],
                    fq_or_empty(subs[i].actor ? subs[i].actor : subs[i].in->reporter));
        fq_arr_text(&cols[E_NOTE], fq_or_empty(subs[i].in->description));
    }
    return insert_rows(
        st,
        "INSERT INTO case_events (unit, uuid, event_uuid, action, from_state, to_state, actor,"
        " note, at, at_ms, at_unit, prev_hash, hash)"
        " SELECT $1, r.uuid, r.event_uuid, 'submit', 'none', 'reported', r.actor, r.note,"
        " to_timestamp($2::int8 / 1000.0), $2::int8, $1, '',"
        " event_hash('', r.event_uuid, $2::int8, $1, 'submit', 'none', 'reported', r.actor,"
        " r.note)"
        " FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[])"
        " AS r(uuid, event_uuid, actor, note)",
        true, cols, E_COLS, err, errlen);
}

fq_store_rc_t fq_store_submit_many(const fq_store_t *st, fq_submission_t *subs, size_t n, char *err,
                                   size_t errlen)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool ok = fq_store_check_submission(st->cfg, subs[i].in, subs[i].actor, subs[i].err,
                                            sizeof subs[i].err) == 0;
        subs[i].rc = ok ? FQ_STORE_OK : FQ_STORE_REFUSED;
        k += ok;
    }
    if (k == 0)
        return FQ_STORE_OK;
    fq_store_rc_t rc = number_cases(st, subs, n, k, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = insert_cases(st, subs, n, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = insert_parties(st, subs, n, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = insert_first_events(st, subs, n, err, errlen);
    return rc;
}
