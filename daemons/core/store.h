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

/* Which cases to list; NULL/0 fields do not filter. */
typedef struct {
    const char *state;
    const char *track;
    const char *category;
    const char *dept;        /* a department working on it at this unit */
    const char *holder;      /* the unit holding it */
    const char *from_day;    /* created on or after, YYYY-MM-DD (China Standard Time) */
    const char *to_day;      /* created on or before */
    bool overdue;            /* past its deadline and not yet resolved */
    unsigned offset;
    unsigned limit;          /* 0: 100 */
} fq_list_filter_t;

/* This unit's cases matching F, newest first, one page. *OUT is the caller's
 * (fq_pb_cases_free); history is not loaded. *TOTAL is the number matching in all. */
fq_store_rc_t fq_store_list(const fq_store_t *st, const fq_list_filter_t *f, Fq__Case ***out,
                            size_t *n, unsigned *total, char *err, size_t errlen);

/* What a request to act on a case says besides the action; all borrowed, NULL when absent. */
typedef struct {
    const char *actor;
    const char *note;        /* resolve, dept-result (the result), visit (what was found) */
    const char *reason;      /* triage override, dept-return, return, withdraw, reopen */
    const char *track;       /* triage override */
    const char *dept;        /* dept-accept, dept-return, dept-result */
    const char *lead;        /* assign */
    char *const *co;         /* assign: co-handlers */
    size_t nco;
    const char *to_unit;     /* dispatch */
    const char *visit_date;  /* visit, YYYY-MM-DD */
    const char *visit_by;    /* visit */
    const Fq__Document *document; /* attach */
} fq_act_t;

/* Apply ACTION (accept, triage, assign, resolve, escalate, dispatch, close, ...; see case.h) to
 * REF as A says, in one transaction with its automatic consequences (e.g. a high-risk triage
 * escalates) and the messages that tell the neighbours. */
fq_store_rc_t fq_store_act(const fq_store_t *st, const char *ref, const char *action,
                           const fq_act_t *a, char *err, size_t errlen);

/* Recompute case REF's hash chain. OK when every entry matches (MESSAGE says how many were
 * checked); REFUSED naming the first entry that does not. */
fq_store_rc_t fq_store_verify(const fq_store_t *st, const char *ref, char *message,
                              size_t msglen, char *err, size_t errlen);

/* Apply a neighbour's copy C received from PEER, inside the caller's transaction, and queue it
 * on to the other neighbour that knows the case. REFUSED means C is invalid (quarantine it). */
fq_store_rc_t fq_store_apply(const fq_store_t *st, const char *peer, const Fq__Case *c,
                             char *err, size_t errlen);

#endif
