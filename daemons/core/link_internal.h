/* link_internal.h - what the link's two halves share: link.c (sockets, sending, timers,
 * status) and link_recv.c (reading, applying in batches, acknowledging). */
#ifndef FQ_LINK_INTERNAL_H
#define FQ_LINK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "keys.h"
#include "link.h"
#include "zap.h"

#define FQ_LINK_PROTOCOL_VERSION 1

#define FQ_LINK_ROUTE_MAX 255 /* the longest routing id ZeroMQ gives */

/* One neighbour: the parent or a child. */
typedef struct {
    char code[FQ_UNIT_CODE_LEN + 1];
    bool is_child;
    bool loaded;          /* acked/applied read from the database */
    bool up;
    bool kicked;          /* its outbox may have new rows: look at the next timer */
    bool more;            /* the last look was cut short (window full, a send failed, link
                           * down): look again on the next ack */
    int64_t heard_ms;     /* monotonic time we last heard from it, 0 never */
    int64_t heard_wall_ms;
    int64_t beat_ms;      /* monotonic time of our last heartbeat to it */
    int64_t progress_ms;  /* last time acked moved, we sent with nothing in flight, or we went
                           * back to resend */
    int64_t pumped_ms;    /* last time we looked into the outbox for it */
    uint64_t acked;       /* highest of our messages it has committed */
    uint64_t sent_upto;   /* highest we have handed to ZeroMQ since the last go-back */
    uint64_t sent_max;    /* highest it can have received: handed out in this life, or given
                           * to a row before it. No ack may go past it. */
    uint64_t applied;     /* highest of its messages we have committed */
    uint64_t ack_pending; /* highest plain ack seen in the batch being read, 0 none */
    uint8_t route[FQ_LINK_ROUTE_MAX]; /* a child: the routing id of the connection it last
                                       * spoke on (ZeroMQ's choice); routelen 0 until it has */
    size_t routelen;
} fq_peer_t;

struct fq_link {
    const fq_cfg_t *cfg;
    const fq_unit_cfg_t *self;
    void *up;   /* DEALER to the parent, or NULL */
    void *down; /* ROUTER for the children, or NULL */
    fq_peer_t *peers;
    size_t npeers;
    fq_link_handler_t handler;
    bool kicked; /* some peer is */
    struct fq_link_batch *held; /* read while a run sent whole is in flight, or NULL */
    struct fq_link_sent *sent;  /* runs sent whole, oldest first, each until it is done */
    fq_keypair_t keys;          /* this unit's, for CurveZMQ both ways */
    fq_zap_t *zap;              /* who may connect to down, or NULL */
    int64_t refusals_told_ms;   /* when refused handshakes were last logged */
};

/* PEER's outbox may have new rows to send, or room for more of them. */
static inline void fq_link_kick_peer(fq_link_t *link, fq_peer_t *peer)
{
    peer->kicked = true;
    link->kicked = true;
}

/* Where a message goes: up the DEALER, or down the ROUTER to a routing id. */
typedef struct {
    bool down;
    const void *id;
    size_t idlen;
    const char *unit; /* for the envelope's to_unit */
} fq_dest_t;

/* A child is reached on the connection it last spoke on; the parent, up the DEALER. */
static inline fq_dest_t fq_link_dest_of(const fq_peer_t *peer)
{
    return (fq_dest_t){
        .down = peer->is_child, .id = peer->route, .idlen = peer->routelen, .unit = peer->code};
}

#define FQ_LINK_BATCH_MAX 256 /* frames read at once, so one peer cannot starve the rest */

/* One frame read from a link socket, kept until its batch has been handled. */
typedef struct {
    zmq_msg_t id; /* routing id (down socket only), stamped with the sender's User-Id */
    zmq_msg_t body;
    bool malformed;    /* not exactly one frame after the routing id */
    fq_peer_t *peer;   /* NULL: a stranger */
    fq_dest_t from;    /* where an answer goes */
    char label[48];    /* the sender, for logs and the quarantine */
    Fq__Envelope *env; /* decoded, or NULL */
    const char *bad;   /* why it is refused, or NULL */
    char why[96];
} fq_frame_t;

/* Frames read together, handled in the order they were read. */
typedef struct fq_link_batch {
    size_t n;
    fq_frame_t frames[FQ_LINK_BATCH_MAX];
} fq_link_batch_t;

/* ---- link_recv.c: reading, and runs applied in a receive transaction ----------------------- */

/* Read what is waiting on the readable sockets of ITEMS[0..N) into BATCH, up to its room. */
void fq_link_read(fq_link_t *link, fq_link_batch_t *batch, const zmq_pollitem_t *items, int n);

/* Free BATCH and every frame in it. */
void fq_link_batch_free(fq_link_batch_t *batch);

/* Handle BATCH: refusals, acks and heartbeats one by one, each peer's consecutive sequenced
 * messages as one run, applied in a receive transaction. */
void fq_link_handle(fq_link_t *link, fq_db_t *db, fq_link_batch_t *batch);

/* Take in what BATCH's acks and heartbeats say; its refusals and sequenced messages are left. */
void fq_link_take_unsequenced(fq_link_t *link, fq_db_t *db, fq_link_batch_t *batch);

/* Apply frames RUN[0..N) from PEER, in sequence order, in one receive transaction; acked after
 * its commit. */
void fq_link_apply_run(fq_link_t *link, fq_db_t *db, fq_peer_t *peer, fq_frame_t *const *run,
                       size_t n);

/* True for the messages that carry a sequence number (applied, then acked). */
bool fq_link_sequenced(const Fq__Envelope *env);

/* ---- link_whole.c: runs sent to the database whole ----------------------------------------- */

/* Drop what is held and forget the run in flight (none of it was acked: the peers resend). */
void fq_link_whole_destroy(fq_link_t *link);

/* The neighbour with unit CODE, or NULL. */
fq_peer_t *fq_link_find_peer(fq_link_t *link, const char *code);

/* Acknowledge everything up to SEQ to TO; REJECTED (0 for none) was quarantined for REASON. */
void fq_link_send_ack(fq_link_t *link, const fq_dest_t *to, uint64_t seq, uint64_t rejected,
                      const char *reason);

#endif
