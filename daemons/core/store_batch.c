/* store_batch.c - many actions under one commit with few statements: the cases they name are
 * locked with one statement up front, and the copies they owe the neighbours are queued once
 * per case and peer, a statement per peer, just before the COMMIT. */
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

struct fq_store_batch {
    fq_caserow_t *rows; /* locked by fq_store_batch_lock */
    bool *taken;        /* rows[i] was handed to an action already */
    size_t nrows;
    s_owed_t *owed;     /* copies owed, in the order first owed */
    size_t nowed, owed_cap;
    bool late;
};

fq_store_batch_t *fq_store_batch_new(void)
{
    return calloc(1, sizeof(fq_store_batch_t));
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
    fq_arr_t nos = FQ_ARR_INIT, uuids = FQ_ARR_INIT;
    for (size_t i = 0; i < n; i++)
        fq_arr_text(fq_store_looks_like_uuid(refs[i]) ? &uuids : &nos, refs[i]);
    const char *no_list = fq_arr_value(&nos), *uuid_list = fq_arr_value(&uuids);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, no_list);
    fq_p_text(&p, uuid_list);
    /* in uuid order, as every locker of many cases should take them */
    PGresult *res = no_list && uuid_list
                        ? fq_db_run_once(st->db,
                                         FQ_CASEROW_SELECT " WHERE unit = $1 AND"
                                         " (case_no = ANY($2::text[]) OR uuid = ANY($3::uuid[]))"
                                         " ORDER BY uuid FOR UPDATE",
                                         &p, err, errlen)
                        : (snprintf(err, errlen, "out of memory"), NULL);
    fq_arr_free(&nos);
    fq_arr_free(&uuids);
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
    fq_arr_hex(bodies, buf, len);
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
static fq_store_rc_t queue_for_peer(const fq_store_t *st, const char *peer,
                                    Fq__Case *const *cases, char *err, size_t errlen)
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
    return fq_outbox_enqueue_many(st->db, st->self->code, peer, FQ__ENVELOPE__BODY_SYNC, &bodies,
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
    for (size_t i = 0; cases && i < n; i++)
        fq_pb_case_free(cases[i]);
    free(refs);
    free(cases);
    b->nowed = 0;
    return rc;
}
