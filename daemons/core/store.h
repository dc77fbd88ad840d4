/* store.h - the case file in PostgreSQL: intake, lookup, listing, transitions, and applying a
 * neighbour's copy. Every change and the link messages it causes commit together. */
#ifndef FQ_STORE_H
#define FQ_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "fengqiao.pb-c.h"

/* Outcome of a store call: done, refused because of the request (ERR says why, nothing
 * changed), or the database failed (nothing acknowledged). */
typedef enum { FQ_STORE_OK = 0, FQ_STORE_REFUSED = -1, FQ_STORE_DBERR = -2 } fq_store_rc_t;

/* Who is asking: this unit, its configuration (borrowed) and the time of the request. */
typedef struct {
    fq_db_t *db;
    const fq_cfg_t *cfg;
    const fq_unit_cfg_t *self;
    int64_t now_ms;
} fq_store_t;

/* Take in a new case from IN (borrowed). Writes its number into CASE_NO. */
fq_store_rc_t fq_store_submit(const fq_store_t *st, const Fq__Case *in, const char *actor,
                              char case_no[40], char *err, size_t errlen);

/* Load the case REF (case number or uuid) as this unit knows it, with parties and history.
 * *OUT belongs to the caller (fq_pb_case_free). */
fq_store_rc_t fq_store_load(const fq_store_t *st, const char *ref, Fq__Case **out, char *err,
                            size_t errlen);

/* Cases of this unit, newest first, optionally only in STATE (NULL for all), at most LIMIT.
 * *OUT is the caller's (fq_pb_cases_free); history is not loaded. */
fq_store_rc_t fq_store_list(const fq_store_t *st, const char *state, unsigned limit,
                            Fq__Case ***out, size_t *n, char *err, size_t errlen);

/* Apply ACTION (accept, resolve, escalate, close) to REF on behalf of ACTOR with NOTE, in one
 * transaction with the messages that tell the neighbours. */
fq_store_rc_t fq_store_act(const fq_store_t *st, const char *ref, const char *action,
                           const char *actor, const char *note, char *err, size_t errlen);

/* Apply a neighbour's copy C received from PEER, inside the caller's transaction, and queue it
 * on to the other neighbour that knows the case. REFUSED means C is invalid (quarantine it). */
fq_store_rc_t fq_store_apply(const fq_store_t *st, const char *peer, const Fq__Case *c,
                             char *err, size_t errlen);

#endif
