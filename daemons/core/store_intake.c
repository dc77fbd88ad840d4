/* store_intake.c - 受理: taking new cases in, many under one commit with a few statements.
 *
 * A burst of submissions (a hotline's bulk hand-over) arrives together on the ops socket. Each
 * is checked in C first, so a refusal never touches the database; the accepted ones then cost
 * four statements in all, whatever their number: one reserves their case numbers, and one per
 * table inserts every row, each column travelling as one array parameter (db_array.h). The
 * insert of the cases numbers them itself from the reserved range and returns the numbers, so
 * no statement waits for another: the four can go to the server at once, as a transaction of
 * their own sent whole (fq_store_submit_whole), while the daemon reads the next requests. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_array.h"
#include "pb.h"
#include "text.h"

/* A party's name, phone and role: one line each. */
static int check_party(const Fq__Party *p, size_t i, char *err, size_t errlen)
{
    char name[48], phone[48], role[48]; /* "party N phone" for any N */
    snprintf(name, sizeof name, "party %zu name", i + 1);
    snprintf(phone, sizeof phone, "party %zu phone", i + 1);
    snprintf(role, sizeof role, "party %zu role", i + 1);
    const fq_text_field_t fields[] = {
        {.name = name, .value = p->name, .max = FQ_TEXT_SHORT, .kind = FQ_TEXT_LINE},
        {.name = phone, .value = p->phone, .max = 32, .kind = FQ_TEXT_LINE},
        {.name = role, .value = p->role, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
    };
    if (fq_text_check_all(fields, sizeof fields / sizeof fields[0], err, errlen) < 0)
        return -1;
    if (p->phone && strspn(p->phone, "0123456789+- ") != strlen(p->phone)) {
        snprintf(err, errlen, "%s: a phone number has only digits, '+', '-' and spaces", phone);
        return -1;
    }
    return 0;
}

int fq_store_check_case_text(const Fq__Case *c, const char *actor, char *err, size_t errlen)
{
    const fq_text_field_t fields[] = {
        {.name = "title", .value = c->title, .max = FQ_TEXT_SHORT, .kind = FQ_TEXT_LINE},
        {.name = "description",
         .value = c->description,
         .max = FQ_TEXT_LONG,
         .kind = FQ_TEXT_LINES},
        {.name = "category", .value = c->category, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "source", .value = c->source, .max = 32, .kind = FQ_TEXT_LINE},
        {.name = "address", .value = c->address, .max = FQ_TEXT_SHORT, .kind = FQ_TEXT_LINE},
        {.name = "grid", .value = c->grid, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "reporter", .value = c->reporter, .max = FQ_TEXT_SHORT, .kind = FQ_TEXT_LINE},
        {.name = "actor", .value = actor, .max = FQ_TEXT_SHORT, .kind = FQ_TEXT_LINE},
    };
    if (fq_text_check_all(fields, sizeof fields / sizeof fields[0], err, errlen) < 0)
        return -1;
    if (c->n_parties > FQ_MAX_PARTIES) {
        snprintf(err, errlen, "at most %d parties", FQ_MAX_PARTIES);
        return -1;
    }
    for (size_t i = 0; i < c->n_parties; i++)
        if (check_party(c->parties[i], i, err, errlen) < 0)
            return -1;
    return 0;
}

int fq_store_check_submission(const fq_cfg_t *cfg, const Fq__Case *in, const char *actor, char *err,
                              size_t errlen)
{
    if (!in) {
        snprintf(err, errlen, "submit needs a case");
        return -1;
    }
    if (fq_text_blank(in->title)) {
        snprintf(err, errlen, "a case needs a title: it is empty or only spaces");
        return -1;
    }
    /* Before the category is named in a message: it may be anything. */
    if (fq_store_check_case_text(in, actor, err, errlen) < 0)
        return -1;
    if (!in->category || !fq_cfg_category(cfg, in->category)) {
        snprintf(err, errlen, "unknown category '%s'; see the deployment's categories",
                 in->category ? in->category : "");
        return -1;
    }
    if (in->has_risk && (in->risk < 1 || in->risk > 4)) {
        snprintf(err, errlen, "risk must be 1 to 4, not %d", in->risk);
        return -1;
    }
    if (in->has_amount && (in->amount < 0 || in->amount > 1000000000000LL)) {
        snprintf(err, errlen, "the amount in dispute must be 0 to 10^12 yuan");
        return -1;
    }
    return 0;
}

static bool accepted(const fq_submission_t *s)
{
    return s->rc == FQ_STORE_OK;
}

/* How an intake's statements travel: each waited for inside the caller's transaction, or sent
 * whole as a transaction of their own (fq_db_async_send). */
typedef enum { S_WAITED, S_WHOLE } s_mode_t;

/* Check every submission; returns how many are accepted. */
static size_t check_all(const fq_store_t *st, fq_submission_t *subs, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool ok = fq_store_check_submission(st->cfg, subs[i].in, subs[i].actor, subs[i].err,
                                            sizeof subs[i].err) == 0;
        subs[i].rc = ok ? FQ_STORE_OK : FQ_STORE_REFUSED;
        subs[i].case_no[0] = '\0';
        k += ok;
    }
    return k;
}

/* Reserve K consecutive numbers of the day DAY; the insert of the cases reads where they end,
 * in the same transaction, so nothing waits for them here. */
static int reserve_numbers(const fq_store_t *st, s_mode_t mode, int day, size_t k, char *err,
                           size_t errlen)
{
    static const char sql[] =
        "INSERT INTO case_counters (unit, day, last) VALUES ($1, $2, $3)"
        " ON CONFLICT (unit, day) DO UPDATE SET last = case_counters.last + $3";
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_int(&p, day);
    fq_p_int(&p, (int64_t)k);
    return mode == S_WHOLE ? fq_db_async_send(st->db, sql, &p, false, err, errlen)
                           : fq_db_send(st->db, sql, &p, err, errlen);
}

/* Run or send SQL over HEAD[0..NHEAD) and then the arrays COLS[0..NCOLS), which it frees.
 * Waited for, the rows go to *OUT when OUT is given; sent whole, KEEP marks the result the
 * transaction's outcome carries. */
static fq_store_rc_t insert_rows(const fq_store_t *st, s_mode_t mode, const char *sql,
                                 const char *const *head, size_t nhead, fq_arr_t *cols,
                                 size_t ncols, bool keep, PGresult **out, char *err, size_t errlen)
{
    int rc;
    if (mode == S_WHOLE)
        rc = fq_db_async_send_arrays(st->db, sql, head, nhead, cols, ncols, keep, err, errlen);
    else if (out)
        rc = (*out = fq_db_run_arrays(st->db, sql, head, nhead, cols, ncols, err, errlen)) ? 0 : -1;
    else
        rc = fq_db_exec_arrays(st->db, sql, head, nhead, cols, ncols, err, errlen);
    return rc < 0 ? FQ_STORE_DBERR : FQ_STORE_OK;
}

/* What the statements of one intake share: this unit, the time, the day's numbers. */
typedef struct {
    s_mode_t mode;
    char now[24];
    char day[12];
    char prefix[40]; /* what the day's case numbers begin with */
    char count[24];  /* numbers reserved */
} s_intake_t;

enum {
    C_UUID,
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

/* The cases, numbered in their order from the end of the reserved range; their numbers come
 * back as rows (uuid, case_no). */
static fq_store_rc_t insert_cases(const fq_store_t *st, const s_intake_t *in,
                                  const fq_submission_t *subs, size_t n, PGresult **numbered,
                                  char *err, size_t errlen)
{
    fq_arr_t cols[C_COLS] = {0};
    for (size_t i = 0; i < n; i++) {
        const Fq__Case *c = subs[i].in;
        if (!accepted(&subs[i]))
            continue;
        const char *texts[] = {[C_TITLE] = c->title,
                               [C_DESC] = fq_or_empty(c->description),
                               [C_CAT] = c->category,
                               [C_TRACK] = fq_cfg_category(st->cfg, c->category)->track,
                               [C_SOURCE] = fq_or_empty(c->source),
                               [C_ADDR] = fq_or_empty(c->address),
                               [C_GRID] = fq_or_empty(c->grid),
                               [C_REPORTER] = fq_or_empty(c->reporter)};
        fq_arr_uuid(&cols[C_UUID], subs[i].uuid);
        for (size_t col = C_TITLE; col < C_RISK; col++)
            fq_arr_text(&cols[col], texts[col]);
        fq_arr_int(&cols[C_RISK], c->has_risk ? c->risk : 1);
        fq_arr_int(&cols[C_AMOUNT], c->has_amount ? c->amount : 0);
    }
    const char *head[] = {st->self->code, in->now, in->prefix, in->count, in->day};
    return insert_rows(
        st, in->mode,
        "INSERT INTO cases (unit, uuid, case_no, title, description, category, track, source,"
        " address, grid, reporter, risk, amount, state, holder, origin_unit, version,"
        " created_at, updated_at)"
        " SELECT $1, r.uuid, $3 || lpad(s.seq::text, greatest(4, length(s.seq::text)), '0'),"
        " r.title, r.description, r.category, r.track, r.source, r.address, r.grid,"
        " r.reporter, r.risk, r.amount, 'reported', $1, $1, 1,"
        " to_timestamp($2::int8 / 1000.0), to_timestamp($2::int8 / 1000.0)"
        " FROM (SELECT last - $4::int8 AS base FROM case_counters"
        " WHERE unit = $1 AND day = $5::int4) AS k,"
        " unnest($6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],"
        " $12::text[], $13::text[], $14::text[], $15::int8[], $16::int8[]) WITH ORDINALITY"
        " AS r(uuid, title, description, category, track, source, address, grid, reporter,"
        " risk, amount, ord),"
        " LATERAL (SELECT k.base + r.ord AS seq) AS s"
        " RETURNING uuid::text, case_no",
        head, FQ_NELEMS(head), cols, C_COLS, true, numbered, err, errlen);
}

enum { P_UUID, P_IDX, P_NAME, P_PHONE, P_ROLE, P_COLS };

static fq_store_rc_t insert_parties(const fq_store_t *st, const s_intake_t *in,
                                    const fq_submission_t *subs, size_t n, char *err, size_t errlen)
{
    fq_arr_t cols[P_COLS] = {0};
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; accepted(&subs[i]) && j < subs[i].in->n_parties; j++) {
            const Fq__Party *party = subs[i].in->parties[j];
            fq_arr_uuid(&cols[P_UUID], subs[i].uuid);
            fq_arr_int(&cols[P_IDX], (int64_t)j);
            fq_arr_text(&cols[P_NAME], fq_or_empty(party->name));
            fq_arr_text(&cols[P_PHONE], fq_or_empty(party->phone));
            fq_arr_text(&cols[P_ROLE], fq_or_empty(party->role));
        }
    }
    const char *head[] = {st->self->code};
    return insert_rows(st, in->mode,
                       "INSERT INTO case_parties (unit, uuid, idx, name, phone, role)"
                       " SELECT $1, r.uuid, r.idx, r.name, r.phone, r.role"
                       " FROM unnest($2::uuid[], $3::int8[], $4::text[], $5::text[],"
                       " $6::text[]) AS r(uuid, idx, name, phone, role)",
                       head, FQ_NELEMS(head), cols, P_COLS, false, NULL, err, errlen);
}

enum { E_UUID, E_EVENT, E_ACTOR, E_NOTE, E_COLS };

/* The first entry of each case file: it chains to nothing, so its hash needs no lookup. */
static fq_store_rc_t insert_first_events(const fq_store_t *st, const s_intake_t *in,
                                         const fq_submission_t *subs, size_t n, char *err,
                                         size_t errlen)
{
    fq_arr_t cols[E_COLS] = {0};
    for (size_t i = 0; i < n; i++) {
        if (!accepted(&subs[i]))
            continue;
        char event_uuid[37];
        fq_uuid7(event_uuid);
        fq_arr_uuid(&cols[E_UUID], subs[i].uuid);
        fq_arr_uuid(&cols[E_EVENT], event_uuid);
        fq_arr_text(&cols[E_ACTOR],
                    fq_or_empty(subs[i].actor ? subs[i].actor : subs[i].in->reporter));
        fq_arr_text(&cols[E_NOTE], fq_or_empty(subs[i].in->description));
    }
    const char *head[] = {st->self->code, in->now};
    return insert_rows(
        st, in->mode,
        "INSERT INTO case_events (unit, uuid, event_uuid, action, from_state, to_state, actor,"
        " note, at, at_ms, at_unit, prev_hash, hash)"
        " SELECT $1, r.uuid, r.event_uuid, 'submit', 'none', 'reported', r.actor, r.note,"
        " to_timestamp($2::int8 / 1000.0), $2::int8, $1, '',"
        " event_hash('', r.event_uuid, $2::int8, $1, 'submit', 'none', 'reported', r.actor,"
        " r.note)"
        " FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[])"
        " AS r(uuid, event_uuid, actor, note)",
        head, FQ_NELEMS(head), cols, E_COLS, false, NULL, err, errlen);
}

/* The statements taking in the K accepted ones of SUBS[0..N), as MODE says; waited for, the
 * cases' numbers come back in *NUMBERED. */
static fq_store_rc_t write_intake(const fq_store_t *st, s_mode_t mode, fq_submission_t *subs,
                                  size_t n, size_t k, PGresult **numbered, char *err, size_t errlen)
{
    s_intake_t in = {.mode = mode};
    int day = fq_case_day(st->now_ms);
    if (fq_case_no_prefix(in.prefix, sizeof in.prefix, st->self->code, day) < 0) {
        snprintf(err, errlen, "cannot number a case for unit %s", st->self->code);
        return FQ_STORE_DBERR;
    }
    snprintf(in.now, sizeof in.now, "%lld", (long long)st->now_ms);
    snprintf(in.day, sizeof in.day, "%d", day);
    snprintf(in.count, sizeof in.count, "%zu", k);
    for (size_t i = 0; i < n; i++)
        if (accepted(&subs[i]))
            fq_uuid7(subs[i].uuid);
    fq_store_rc_t rc =
        reserve_numbers(st, mode, day, k, err, errlen) < 0 ? FQ_STORE_DBERR : FQ_STORE_OK;
    if (rc == FQ_STORE_OK)
        rc = insert_cases(st, &in, subs, n, numbered, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = insert_parties(st, &in, subs, n, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = insert_first_events(st, &in, subs, n, err, errlen);
    return rc;
}

int fq_store_take_numbers(fq_submission_t *subs, size_t n, const PGresult *numbered)
{
    int rows = numbered ? PQntuples(numbered) : 0, row = 0;
    for (size_t i = 0; i < n; i++) {
        if (!accepted(&subs[i]))
            continue;
        /* the rows come in the order the cases went in; look further only if they do not */
        int at = row < rows && strcmp(PQgetvalue(numbered, row, 0), subs[i].uuid) == 0 ? row : -1;
        for (int r = 0; at < 0 && r < rows; r++)
            if (strcmp(PQgetvalue(numbered, r, 0), subs[i].uuid) == 0)
                at = r;
        if (at < 0)
            return -1;
        snprintf(subs[i].case_no, sizeof subs[i].case_no, "%s", PQgetvalue(numbered, at, 1));
        row = at + 1;
    }
    return 0;
}

fq_store_rc_t fq_store_submit_many(const fq_store_t *st, fq_submission_t *subs, size_t n, char *err,
                                   size_t errlen)
{
    size_t k = check_all(st, subs, n);
    if (k == 0)
        return FQ_STORE_OK;
    PGresult *numbered = NULL;
    fq_store_rc_t rc = write_intake(st, S_WAITED, subs, n, k, &numbered, err, errlen);
    if (rc == FQ_STORE_OK && fq_store_take_numbers(subs, n, numbered) < 0) {
        snprintf(err, errlen, "the new cases came back without their numbers");
        rc = FQ_STORE_DBERR;
    }
    PQclear(numbered);
    return rc;
}

fq_store_rc_t fq_store_submit_whole(const fq_store_t *st, fq_submission_t *subs, size_t n,
                                    fq_db_done_fn done, void *arg, char *err, size_t errlen)
{
    size_t k = check_all(st, subs, n);
    if (k == 0)
        return FQ_STORE_REFUSED;
    fq_store_rc_t rc = write_intake(st, S_WHOLE, subs, n, k, NULL, err, errlen);
    if (rc == FQ_STORE_OK && fq_db_async_end(st->db, done, arg, err, errlen) < 0)
        rc = FQ_STORE_DBERR;
    return rc;
}
