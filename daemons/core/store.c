/* store.c - what every change to a case file shares: parties, history entries, commit. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "pb.h"

fq_store_rc_t fq_store_insert_parties(const fq_store_t *st, const char *uuid,
                                      Fq__Party *const *parties, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        fq_params_t p = {0};
        fq_p_text(&p, st->self->code);
        fq_p_text(&p, uuid);
        fq_p_int(&p, (int64_t)i);
        fq_p_text(&p, fq_or_empty(parties[i]->name));
        fq_p_text(&p, fq_or_empty(parties[i]->phone));
        fq_p_text(&p, fq_or_empty(parties[i]->role));
        if (fq_db_exec(st->db,
                       "INSERT INTO case_parties (unit, uuid, idx, name, phone, role) VALUES"
                       " ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                       &p, err, errlen) < 0)
            return FQ_STORE_DBERR;
    }
    return FQ_STORE_OK;
}

fq_store_rc_t fq_store_add_event(const fq_store_t *st, const char *uuid, const char *action,
                                 const char *from, const char *to, const char *actor,
                                 const char *note, char *err, size_t errlen)
{
    if (st->batch)
        return fq_store_batch_add_event(st, uuid, action, from, to, actor, note, err, errlen);
    char event_uuid[37];
    fq_uuid7(event_uuid);
    const char *texts[] = {st->self->code, uuid, event_uuid,      action,
                           from,           to,   fq_or_empty(actor), fq_or_empty(note)};
    const int64_t ints[] = {st->now_ms};
    return fq_db_send_values(
               st->db,
               "INSERT INTO case_events (unit, uuid, event_uuid, action, from_state,"
               " to_state, actor, note, at, at_ms, at_unit, prev_hash, hash)"
               " SELECT $1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9::int8 / 1000.0),"
               " $9::int8,"
               " $1, t.prev, event_hash(t.prev, $3::uuid, $9::int8, $1, $4, $5, $6, $7,"
               " $8) FROM (SELECT " FQ_CHAIN_TIP("$2") " AS prev OFFSET 0) t",
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
