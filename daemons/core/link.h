/* link.h - the reliable tier link: a DEALER up to the parent, a ROUTER down to the children.
 *
 * Store, then forward: messages come only from the outbox, go out in sequence, and are dropped
 * from the outbox only when the peer acks them after its commit. Receive, commit, then ack:
 * each incoming message is applied in one transaction with its sequence number and acked only
 * after COMMIT. Heartbeats both ways tell whether a peer is there; after a silence, or when
 * acks stop coming, the sender goes back to the oldest unacked message (go-back-N).
 */
#ifndef FQ_LINK_H
#define FQ_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "config.h"
#include "db.h"
#include "fengqiao.pb-c.h"
#include "store.h"

typedef struct fq_link fq_link_t;

/* Why ENV, decoded from what unit FROM sent, cannot be taken by unit SELF (a message to quarantine
 * and refuse); NULL when it can. Checks only the envelope, not what its body says. */
const char *fq_link_envelope_problem(const Fq__Envelope *env, const char *from, const char *self);

/* Apply a neighbour's sequenced message (a case copy, a directive or statistics) inside the
 * receive transaction. REFUSED quarantines it; DBERR leaves it unacked. */
typedef fq_store_rc_t (*fq_link_apply_fn)(void *arg, const char *peer, const Fq__Envelope *env,
                                          char *err, size_t errlen);

/* Apply at once what it can of a run of PEER's next messages ENVS[0..N) (in sequence order),
 * inside the receive transaction, and set TAKEN[i] for each message it applied; the rest are
 * then applied one by one with fq_link_apply_fn, in order. Anything but OK: the link rolls the
 * call back and applies the whole run one by one. */
typedef fq_store_rc_t (*fq_link_apply_run_fn)(void *arg, const char *peer,
                                              const Fq__Envelope *const *envs, size_t n,
                                              bool *taken, char *err, size_t errlen);

/* Add to the database's transaction being built (fq_db_async_send) the writes of a run of PEER's
 * next messages ENVS[0..N), when all of them are copies of cases new to this unit. REFUSED, with
 * nothing sent, when they do not look so; the run is then applied in a receive transaction.
 * DBERR: the transaction is lost. */
typedef fq_store_rc_t (*fq_link_send_new_fn)(void *arg, const char *peer,
                                             const Fq__Envelope *const *envs, size_t n, char *err,
                                             size_t errlen);

/* The daemon's side of the link: APPLY_RUN and SEND_NEW may be NULL (every message one by one,
 * each run in a receive transaction). */
typedef struct {
    fq_link_apply_fn apply;
    fq_link_apply_run_fn apply_run;
    fq_link_send_new_fn send_new;
    void *arg;
} fq_link_handler_t;

/* Open the link sockets of unit SELF (borrowed, as is CFG; HANDLER is copied) in ZMQ context
 * CTX: connect up when SELF has a parent, bind for children when SELF has a link endpoint. NULL
 * with ERR on failure (e.g. the endpoint is in use). */
fq_link_t *fq_link_new(void *ctx, const fq_cfg_t *cfg, const fq_unit_cfg_t *self,
                       const fq_link_handler_t *handler, char *err, size_t errlen);
void fq_link_destroy(fq_link_t **self_p);

/* Add the link's sockets to ITEMS (room for MAX); returns how many were added. */
int fq_link_poll_items(fq_link_t *link, zmq_pollitem_t *items, int max);

/* Read whatever is readable on the link sockets (ITEMS as filled and polled) and handle it,
 * or hold it while a run sent whole is in flight. */
void fq_link_on_readable(fq_link_t *link, fq_db_t *db, const zmq_pollitem_t *items, int n);

/* False while a full batch read is held back: the link's sockets need not be polled. */
bool fq_link_wants_more(const fq_link_t *link);

/* Handle what was held back, once the run sent whole before it is done; call it from the loop,
 * as its outcome may come inside any database call. */
void fq_link_serve_held(fq_link_t *link, fq_db_t *db);

/* Heartbeats, liveness, resends and sending what the outbox holds; call often (every loop). */
void fq_link_on_timer(fq_link_t *link, fq_db_t *db);

/* Every outbox may have new rows: look into each at the next timer instead of waiting for the
 * periodic look (after a reconnect to the database). */
void fq_link_kick(fq_link_t *link);

/* The same for the peers noted in Q, which is then emptied: call it after the commits of the
 * transactions that queued for them. */
void fq_link_kick_queued(fq_link_t *link, fq_queued_t *q);

/* True when the link cannot go on safely: the handler that decides who may connect to it has
 * died (libzmq would then let nobody in, or everyone). The daemon stops. */
bool fq_link_broken(fq_link_t *link);

/* Milliseconds until the link next needs fq_link_on_timer. */
int fq_link_timeout_ms(const fq_link_t *link);

/* Status of every link for `casectl status`; *OUT is the caller's (fq_link_status_free). */
int fq_link_status(fq_link_t *link, fq_db_t *db, Fq__LinkStatus ***out, size_t *n);
void fq_link_status_free(Fq__LinkStatus **links, size_t n);

#endif
