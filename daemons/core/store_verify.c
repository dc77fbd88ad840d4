/* store_verify.c - checking a case file's hash chain (一案一档 is tamper-evident): every entry
 * must hash to what it says, and name its predecessor's hash. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *action, *unit, *prev, *hash, *recomputed;
    long long at_ms;
    bool used;
} s_entry_t;

static void describe(const s_entry_t *e, int index, char *out, size_t outlen)
{
    snprintf(out, outlen, "entry %d (%s at %s, at_ms %lld)", index, e->action, e->unit, e->at_ms);
}

/* The unused entry chaining to PREV, or NULL. */
static s_entry_t *successor(s_entry_t *entries, int n, const char *prev)
{
    for (int i = 0; i < n; i++)
        if (!entries[i].used && strcmp(entries[i].prev, prev) == 0)
            return &entries[i];
    return NULL;
}

/* The earliest entry not on the chain, for the report. */
static int first_unused(const s_entry_t *entries, int n)
{
    for (int i = 0; i < n; i++)
        if (!entries[i].used)
            return i;
    return -1;
}

static fq_store_rc_t walk(s_entry_t *entries, int n, fq_verify_t *found, char *message,
                          size_t msglen, char *err, size_t errlen)
{
    const char *prev = "", *case_no = found->case_no;
    char what[200];
    found->entries = n;
    for (int k = 1; k <= n; k++) {
        s_entry_t *e = successor(entries, n, prev);
        found->broken_at = k;
        if (!e) {
            describe(&entries[first_unused(entries, n)], k, what, sizeof what);
            snprintf(err, errlen, "case %s: %s does not chain to entry %d before it: the file "
                                  "was altered", case_no, what, k - 1);
            return FQ_STORE_REFUSED;
        }
        e->used = true;
        if (strcmp(e->hash, e->recomputed) != 0) {
            describe(e, k, what, sizeof what);
            snprintf(err, errlen, "case %s: %s does not match its hash: it was changed after it "
                                  "was written", case_no, what);
            return FQ_STORE_REFUSED;
        }
        prev = e->hash;
    }
    found->broken_at = 0;
    snprintf(message, msglen, "case %s: %d entries, hash chain intact", case_no, n);
    return FQ_STORE_OK;
}

fq_store_rc_t fq_store_verify(const fq_store_t *st, const char *ref, fq_verify_t *found,
                              char *message, size_t msglen, char *err, size_t errlen)
{
    *found = (fq_verify_t){.entries = 0};
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, ref);
    PGresult *res = fq_db_run(
        st->db,
        "SELECT e.action, e.at_unit, e.at_ms, e.prev_hash, e.hash, event_hash(e.prev_hash,"
        " e.event_uuid, e.at_ms, e.at_unit, e.action, e.from_state, e.to_state, e.actor, e.note),"
        " c.case_no FROM cases c JOIN case_events e ON e.unit = c.unit AND e.uuid = c.uuid"
        " WHERE c.unit = $1 AND (c.case_no = $2 OR c.uuid::text = $2)"
        " ORDER BY e.at_ms, e.recorded_at",
        &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    int n = PQntuples(res);
    s_entry_t *entries = calloc(n ? (size_t)n : 1, sizeof *entries);
    fq_store_rc_t rc = FQ_STORE_REFUSED;
    if (n == 0)
        snprintf(err, errlen, "no case %s at unit %s", ref, st->self->code);
    else if (!entries) {
        snprintf(err, errlen, "out of memory");
        rc = FQ_STORE_DBERR;
    } else {
        for (int i = 0; i < n; i++)
            entries[i] = (s_entry_t){PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                                     PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
                                     PQgetvalue(res, i, 5), strtoll(PQgetvalue(res, i, 2), NULL, 10),
                                     false};
        snprintf(found->case_no, sizeof found->case_no, "%s", PQgetvalue(res, 0, 6));
        rc = walk(entries, n, found, message, msglen, err, errlen);
    }
    free(entries);
    PQclear(res);
    return rc;
}
