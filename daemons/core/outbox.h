/* outbox.h - the durable side of the tier link: outbox (store, then forward), inbox (last
 * applied sequence per peer) and quarantine (bad input kept, not dropped). SQL only; the
 * sockets live in link.c. */
#ifndef FQ_OUTBOX_H
#define FQ_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "fengqiao.pb-c.h"

/* The peers given new outbox rows, noted by whoever queued them, so that the sender looks into
 * those outboxes only: most commits queue nothing, or for one neighbour of several. A note of
 * a transaction that is then rolled back costs one look that finds nothing. More peers than
 * fit are noted as ALL. */
#define FQ_QUEUED_MAX 8
typedef struct {
    char peer[FQ_QUEUED_MAX][FQ_UNIT_CODE_LEN + 1];
    size_t n;
    bool all;
} fq_queued_t;

/* Note PEER in Q (NULL: nobody is listening). */
void fq_queued_note(fq_queued_t *q, const char *peer);

typedef struct {
    uint64_t seq;
    int kind;      /* the Envelope body it holds: FQ__ENVELOPE__BODY_SYNC, _DIRECTIVE, _STATS */
    char msg_id[37];
    uint8_t *body; /* owned; freed by fq_outbox_free */
    size_t len;
} fq_outmsg_t;

typedef struct {
    uint64_t depth;          /* rows waiting for an ack */
    int64_t oldest_age_ms;   /* age of the oldest of them, 0 if none */
    uint64_t poisoned;       /* rows the peer refused */
} fq_outbox_stats_t;

/* Queue BODY (a packed Envelope body of KIND: FQ__ENVELOPE__BODY_SYNC, _DIRECTIVE or _STATS)
 * for PEER under the next sequence number of the link UNIT -> PEER. Runs inside the caller's
 * transaction, so the message exists exactly when the change does; it is sent ahead
 * (fq_db_send), and its outcome is known by the transaction's COMMIT. PEER is noted in
 * QUEUED (may be NULL), as by every fq_outbox_enqueue_*. */
int fq_outbox_enqueue(fq_db_t *db, fq_queued_t *queued, const char *unit, const char *peer,
                      int kind, const void *body, size_t len, char *err, size_t errlen);

/* fq_outbox_enqueue for the bodies BODIES (bytea elements, fq_arr_bytes; consumed) under
 * consecutive sequence numbers, with one statement; waits for its outcome. */
struct fq_arr;
int fq_outbox_enqueue_many(fq_db_t *db, fq_queued_t *queued, const char *unit,
                           const char *peer, int kind, struct fq_arr *bodies, char *err,
                           size_t errlen);

/* Pack and queue a StatsReport / Directive for PEER (see fq_outbox_enqueue). */
int fq_outbox_enqueue_stats(fq_db_t *db, fq_queued_t *queued, const char *unit,
                            const char *peer, const Fq__StatsReport *report, char *err,
                            size_t errlen);
int fq_outbox_enqueue_directive(fq_db_t *db, fq_queued_t *queued, const char *unit,
                                const char *peer, const Fq__Directive *directive, char *err,
                                size_t errlen);

/* Up to LIMIT unpoisoned rows with seq > AFTER, in order. *OUT is the caller's (fq_outbox_free). */
int fq_outbox_fetch(fq_db_t *db, const char *unit, const char *peer, uint64_t after, int limit,
                    fq_outmsg_t **out, size_t *n, char *err, size_t errlen);
void fq_outbox_free(fq_outmsg_t *msgs, size_t n);

/* The peer has committed everything up to UPTO; REJECTED (0 for none) was refused for REASON.
 * Marks the refused row poisoned, deletes the rest, records UPTO. One transaction. */
int fq_outbox_ack(fq_db_t *db, const char *unit, const char *peer, uint64_t upto,
                  uint64_t rejected, const char *reason, char *err, size_t errlen);

/* The link's marks, as recorded: the highest sequence the peer has acked, and the highest
 * given to a row so far (0 for both before the first message). */
int fq_outbox_marks(fq_db_t *db, const char *unit, const char *peer, uint64_t *acked,
                    uint64_t *assigned, char *err, size_t errlen);

int fq_outbox_stats(fq_db_t *db, const char *unit, const char *peer, fq_outbox_stats_t *stats,
                    char *err, size_t errlen);

/* Highest sequence applied from PEER; with LOCK the row is locked until the transaction ends. */
int fq_inbox_last(fq_db_t *db, const char *unit, const char *peer, int lock, uint64_t *last,
                  char *err, size_t errlen);
/* Record SEQ as applied from PEER; sent ahead (fq_db_send), inside the applying transaction. */
int fq_inbox_advance(fq_db_t *db, const char *unit, const char *peer, uint64_t seq, char *err,
                     size_t errlen);
/* Add to the transaction being built (fq_db_async_send) the move of PEER's inbox from FROM to
 * SEQ; the transaction fails when the inbox is not at FROM. */
int fq_inbox_send_move(fq_db_t *db, const char *unit, const char *peer, uint64_t from, uint64_t seq,
                       char *err, size_t errlen);

/* Keep bytes that could not be applied, with who sent them and why. */
int fq_quarantine(fq_db_t *db, const char *unit, const char *peer, const char *reason,
                  const void *bytes, size_t len, char *err, size_t errlen);

#endif
