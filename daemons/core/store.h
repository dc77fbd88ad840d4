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
#include "outbox.h"
#include "text.h"

/* Outcome of a store call: done, refused because of the request (ERR says why, nothing
 * changed), or the database failed (nothing acknowledged). */
typedef enum { FQ_STORE_OK = 0, FQ_STORE_REFUSED = -1, FQ_STORE_DBERR = -2 } fq_store_rc_t;

/* A batch of actions under one commit (store_batch.c); opaque. */
typedef struct fq_store_batch fq_store_batch_t;

/* Who is asking: this unit, its configuration (borrowed) and the time of the request. BATCH,
 * when set, is the batch the request belongs to (borrowed): its cases were locked together and
 * the copies it owes the neighbours wait for fq_store_batch_flush. QUEUED (borrowed, may be
 * NULL) collects the peers given outbox rows, for the sender to look at after the commit. */
typedef struct {
    fq_db_t *db;
    const fq_cfg_t *cfg;
    const fq_unit_cfg_t *self;
    int64_t now_ms;
    fq_store_batch_t *batch;
    fq_queued_t *queued;
    bool whole; /* writes go into the transaction being built (fq_db_async_send): set only
                 * by fq_store_send_new, for the writers of sync_batch.c */
} fq_store_t;

/* One submission of a batch: IN and ACTOR are borrowed; the rest is the outcome. */
typedef struct {
    const Fq__Case *in;
    const char *actor;
    fq_store_rc_t rc;  /* OK: taken in as CASE_NO; REFUSED: ERR says why, nothing written */
    char case_no[40];
    char uuid[37];
    char err[256];
} fq_submission_t;

/* Take in the cases SUBS[0..N) inside the caller's transaction, with a few statements for all
 * of them. Each is checked before anything is written, so a refusal leaves the transaction
 * usable and the others unaffected. DBERR (ERR says why) means the transaction is lost. */
fq_store_rc_t fq_store_submit_many(const fq_store_t *st, fq_submission_t *subs, size_t n,
                                   char *err, size_t errlen);

/* Take in the cases SUBS[0..N) as a transaction of their own, sent whole without waiting
 * (fq_db_async_send): DONE(ARG, numbered, err) tells its outcome later, and when it committed,
 * fq_store_take_numbers gives the accepted ones their numbers from NUMBERED. Returns OK when it
 * was sent; REFUSED when every one was refused (each ERR says why; nothing was sent and DONE is
 * not called); DBERR (ERR says why) when it could not be sent (DONE is not called). SUBS must
 * outlive DONE. */
fq_store_rc_t fq_store_submit_whole(const fq_store_t *st, fq_submission_t *subs, size_t n,
                                    fq_db_done_fn done, void *arg, char *err, size_t errlen);

/* Give the accepted ones of SUBS[0..N) their case numbers from the rows (uuid, case_no) their
 * insert returned. Returns -1 when one of them has no row. */
int fq_store_take_numbers(fq_submission_t *subs, size_t n, const PGresult *numbered);

/* Load the case REF (case number or uuid) as this unit knows it, with parties and history.
 * *OUT belongs to the caller (fq_pb_case_free). */
fq_store_rc_t fq_store_load(const fq_store_t *st, const char *ref, Fq__Case **out, char *err,
                            size_t errlen);

/* fq_store_load for the cases REFS[0..N) at once, with three statements for all of them:
 * OUT[i] is REFS[i]'s case (the caller's), or NULL when this unit has none or REFS[i] names a
 * case an earlier ref already named. */
fq_store_rc_t fq_store_load_many(const fq_store_t *st, const char *const *refs, size_t n,
                                 Fq__Case **out, char *err, size_t errlen);

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
    int days;                /* extend, extension: days asked for / granted */
    bool grant;              /* extension: the tier above's decision */
    const char *channel;     /* feedback: phone, visit, sms, wechat, letter */
    const char *text;        /* feedback */
    const char *answer;      /* satisfaction: satisfied, basically_satisfied, unsatisfied */
    const char *comment;     /* satisfaction */
    const char *notice;      /* ack: the notice's number */
    const char *notice_kind; /* notice (the daemon's own): reminder, work_prompt, risk_warning */
    const char *signer;      /* ack: the unit signing, as a directive names it; NULL: this unit */
    bool directive;          /* a neighbour's directive: the actor is "ACTOR (UNIT)" */
} fq_act_t;

/* Apply ACTION (accept, triage, assign, resolve, escalate, dispatch, close, ...; see case.h) to
 * REF as A says, in one transaction with its automatic consequences (e.g. a high-risk triage
 * escalates) and the messages that tell the neighbours. */
fq_store_rc_t fq_store_act(const fq_store_t *st, const char *ref, const char *action,
                           const fq_act_t *a, char *err, size_t errlen);

/* Carry out a directive from neighbour PEER about a case, inside the caller's transaction: the
 * tier above's extension decision on a case this unit holds, as this unit's own action; an
 * acknowledgement of a notice by a unit it is addressed to (on PEER's side of this unit),
 * recorded here when this unit holds the case, else passed on toward the holder. REFUSED when it
 * does not apply (an extension not from our parent, a signer not on PEER's side, not our case,
 * nothing asked, no such notice, one not addressed to the signer or acknowledged already). */
fq_store_rc_t fq_store_directive(const fq_store_t *st, const char *peer, const Fq__Directive *d,
                                 char *err, size_t errlen);

/* This unit acknowledges notice A->notice on case REF (A's actor and note too), inside the
 * caller's transaction. When this unit holds the case, nothing is done and *RELAYED stays
 * false: the ack is an action like any other. Else the notice must be addressed to this unit
 * (see fq_casework_notice_to): the ack goes as a directive toward the holder (up or down the
 * tree, *RELAYED true), which records it in its case file, and comes back with the holder's
 * copy. REFUSED otherwise, saying why. */
fq_store_rc_t fq_store_ack_relay(const fq_store_t *st, const char *ref, const fq_act_t *a,
                                 bool *relayed, char *err, size_t errlen);

/* The tier above decides on an extension asked for by a unit below that holds case REF: the
 * decision goes down as a directive, and comes back up with the holder's copy. */
fq_store_rc_t fq_store_decide_extension(const fq_store_t *st, const char *ref, bool grant,
                                        const char *actor, const char *note, char *err,
                                        size_t errlen);

/* Issue the notices that are due on the cases this unit holds (reminder, 工作提示函,
 * 风险预警函, and the automatic escalation if configured). Returns how many were issued, or
 * -1 on a database error. Own transactions. */
int fq_store_supervise(const fq_store_t *st, char *err, size_t errlen);

/* Notices on this unit's cases, newest first: all of them, or only the open ones this unit is
 * to sign for (not yet acknowledged, and addressed to it: fq_casework_notice_to). *OUT is the
 * caller's (fq_pb_notices_free). */
fq_store_rc_t fq_store_notices(const fq_store_t *st, bool unacked_only, Fq__Notice ***out,
                               size_t *n, char *err, size_t errlen);

/* fq_store_act inside the caller's transaction, for acting on many cases under one commit. A
 * refusal may leave writes behind: run it under a savepoint, or in a batch (ST->batch), which
 * then says so (fq_store_batch_late). */
fq_store_rc_t fq_store_act_in(const fq_store_t *st, const char *ref, const char *action,
                              const fq_act_t *a, char *err, size_t errlen);

/* A batch of actions acts on many cases with few statements: the cases are locked with one
 * statement first, each action then runs without a savepoint (its checks come before its
 * writes), and every copy owed to a neighbour is queued once per case and peer, together, just
 * before the COMMIT. An action refused after it had written (an automatic follow-up refused)
 * marks the batch late: roll it back and run it again under savepoints. */
fq_store_batch_t *fq_store_batch_new(void);
void fq_store_batch_destroy(fq_store_batch_t **self_p);

/* Lock the cases REFS[0..N) (numbers or uuids) name, inside ST's transaction; ST->batch keeps
 * them for the first action on each. Refs naming no case are left to that action to refuse. */
fq_store_rc_t fq_store_batch_lock(const fq_store_t *st, const char *const *refs, size_t n,
                                  char *err, size_t errlen);

/* Queue the copies the batch's actions owe the neighbours: one per case and peer, as the case
 * now stands. Call before COMMIT. */
fq_store_rc_t fq_store_batch_flush(const fq_store_t *st, char *err, size_t errlen);

/* True when an action was refused after writing: the batch must be rolled back and run again
 * with a savepoint per action. */
bool fq_store_batch_late(const fq_store_batch_t *b);

/* After the batch's COMMIT: the case REF (number or uuid) names as fq_store_batch_flush read it
 * for its copies, which is how the COMMIT left it, or NULL when no copy of it was queued. The
 * caller owns it (fq_pb_case_free); a second take of the same case gives NULL. Spares a
 * reply the reading of a case just read. */
Fq__Case *fq_store_batch_take_flushed(fq_store_batch_t *b, const char *ref);

/* What verify found in a case's file: its number, its entries, and the first entry (from 1)
 * that does not match its hash or does not follow the one before; 0 when the chain holds. */
typedef struct {
    char case_no[FQ_TEXT_BYTES(FQ_TEXT_CODE)];
    int entries;
    int broken_at;
} fq_verify_t;

/* Recompute case REF's hash chain into *FOUND. OK when every entry matches (MESSAGE says how
 * many were checked); REFUSED naming the first entry that does not (FOUND says which), or when
 * there is no such case (FOUND->entries is 0). */
fq_store_rc_t fq_store_verify(const fq_store_t *st, const char *ref, fq_verify_t *found,
                              char *message, size_t msglen, char *err, size_t errlen);

/* Apply a neighbour's copy C received from PEER, inside the caller's transaction, and queue it
 * on to the other neighbour that knows the case. REFUSED means C is invalid (quarantine it). */
fq_store_rc_t fq_store_apply(const fq_store_t *st, const char *peer, const Fq__Case *c,
                             char *err, size_t errlen);

/* Apply at once, inside the caller's transaction, the copies among COPIES[0..N) (a run from
 * PEER in sequence order, NULL where a message is not a copy) of cases this unit does not hold
 * yet: valid ones, each the first copy of its uuid in the run. Sets TAKEN[i] for each applied;
 * the caller applies the others one by one with fq_store_apply, in order, afterwards. A new
 * copy is never forwarded, so it may go in ahead of the messages before it. DBERR (TAKEN then
 * means nothing): roll back to before the call and apply every copy one by one. */
fq_store_rc_t fq_store_apply_new(const fq_store_t *st, const char *peer,
                                 const Fq__Case *const *copies, size_t n, bool *taken, char *err,
                                 size_t errlen);

/* Add to the transaction being built (fq_db_async_send) the writes of COPIES[0..N), a run from
 * PEER in sequence order that must all be copies of cases new to this unit. REFUSED, with
 * nothing sent, when one does not look so: not a copy, invalid, a second copy of a uuid in the
 * run, or one whose history holds an entry made here (this unit held the case, and most likely
 * still does). A copy of a case held after all fails the transaction on the cases' key, and
 * the caller applies the run as fq_store_apply_new and fq_store_apply would. DBERR: it could
 * not be sent, and the transaction is lost. */
fq_store_rc_t fq_store_send_new(const fq_store_t *st, const char *peer,
                                const Fq__Case *const *copies, size_t n, char *err, size_t errlen);

/* Apply at once, inside the caller's transaction and after fq_store_apply_new, the copies among
 * COPIES[0..N) (as there) of cases this unit holds, that TAKEN does not mark yet: every valid
 * one, a case's copies in their order, leaving the same rows as fq_store_apply would one after
 * the other. Sets TAKEN[i] for each applied. The copies owed to the other neighbour are queued
 * before it returns, once per case and peer, as the case then stands; ST->batch is not used.
 * A copy it leaves is refused or inserts a case, so the caller's one by one apply of the rest
 * may follow. DBERR (TAKEN then means nothing): roll back to before fq_store_apply_new and
 * apply every copy one by one. */
fq_store_rc_t fq_store_apply_known(const fq_store_t *st, const char *peer,
                                   const Fq__Case *const *copies, size_t n, bool *taken,
                                   char *err, size_t errlen);

#endif
