/* link.c - sockets, sequencing, acks and heartbeats of the reliable tier link. The durable
 * half (outbox, inbox, quarantine) is in outbox.c. */
#include "link.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "zsock.h"
#include "outbox.h"
#include "pb.h"

#define PROTOCOL_VERSION 1
#define DRAIN_MAX 512 /* messages read per readable event, so one peer cannot starve the rest */
#define ERRLEN 512

typedef struct {
    char code[FQ_UNIT_CODE_LEN + 1];
    bool is_child;
    bool loaded;          /* acked/applied read from the database */
    bool up;
    int64_t heard_ms;     /* monotonic time we last heard from it, 0 never */
    int64_t heard_wall_ms;
    int64_t beat_ms;      /* monotonic time of our last heartbeat to it */
    int64_t progress_ms;  /* last time acked moved or we went back to resend */
    int64_t pumped_ms;    /* last time we looked into the outbox for it */
    uint64_t acked;       /* highest of our messages it has committed */
    uint64_t sent_upto;   /* highest we have handed to ZeroMQ since the last go-back */
    uint64_t applied;     /* highest of its messages we have committed */
} s_peer_t;

struct fq_link {
    const fq_cfg_t *cfg;
    const fq_unit_cfg_t *self;
    void *up;   /* DEALER to the parent, or NULL */
    void *down; /* ROUTER for the children, or NULL */
    s_peer_t *peers;
    size_t npeers;
    fq_link_apply_fn apply;
    void *arg;
    bool kicked;
};

static int set_int(void *sock, int opt, int value)
{
    return zmq_setsockopt(sock, opt, &value, sizeof value);
}

/* Common options: nothing kept in ZeroMQ queues outlives the socket (PostgreSQL is the disk),
 * and a frame far beyond the limit is cut off by libzmq before it is even buffered. */
static int common_options(void *sock, const fq_cfg_t *cfg)
{
    int64_t hard_cap = (int64_t)cfg->max_message_bytes * 4 + 4096;
    return set_int(sock, ZMQ_LINGER, 0) | set_int(sock, ZMQ_HEARTBEAT_IVL, cfg->heartbeat_ms) |
           set_int(sock, ZMQ_HEARTBEAT_TIMEOUT, cfg->link_timeout_ms) |
           zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &hard_cap, sizeof hard_cap);
}

static void *open_up(void *ctx, const fq_cfg_t *cfg, const fq_unit_cfg_t *self,
                     const fq_unit_cfg_t *parent, char *err, size_t errlen)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s || common_options(s, cfg) < 0 || set_int(s, ZMQ_IMMEDIATE, 1) < 0 ||
        set_int(s, ZMQ_RECONNECT_IVL, 100) < 0 || set_int(s, ZMQ_RECONNECT_IVL_MAX, 5000) < 0 ||
        zmq_setsockopt(s, ZMQ_ROUTING_ID, self->code, strlen(self->code)) < 0 ||
        zmq_connect(s, parent->link) < 0) {
        snprintf(err, errlen, "cannot connect up to %s at %s: %s", parent->code, parent->link,
                 zmq_strerror(zmq_errno()));
        if (s)
            zmq_close(s);
        return NULL;
    }
    return s;
}

static void *open_down(void *ctx, const fq_cfg_t *cfg, const fq_unit_cfg_t *self, char *err,
                       size_t errlen)
{
    void *s = zmq_socket(ctx, ZMQ_ROUTER);
    /* MANDATORY: an unreachable child is an error, not a silent drop. HANDOVER: a restarted
     * child with the same identity takes over from its dead connection. */
    if (!s || common_options(s, cfg) < 0 || set_int(s, ZMQ_ROUTER_MANDATORY, 1) < 0 ||
        set_int(s, ZMQ_ROUTER_HANDOVER, 1) < 0 || zmq_bind(s, self->link) < 0) {
        snprintf(err, errlen, "cannot bind the link endpoint %s: %s", self->link,
                 zmq_strerror(zmq_errno()));
        if (s)
            zmq_close(s);
        return NULL;
    }
    return s;
}

static s_peer_t *add_peer(fq_link_t *link, const char *code, bool is_child)
{
    s_peer_t *p = &link->peers[link->npeers++];
    memset(p, 0, sizeof *p);
    snprintf(p->code, sizeof p->code, "%s", code);
    p->is_child = is_child;
    return p;
}

static int make_peers(fq_link_t *link)
{
    link->peers = calloc(link->cfg->nunits + 1, sizeof *link->peers);
    if (!link->peers)
        return -1;
    if (link->self->parent[0])
        add_peer(link, link->self->parent, false);
    for (size_t i = 0; i < link->cfg->nunits; i++)
        if (strcmp(link->cfg->units[i].parent, link->self->code) == 0)
            add_peer(link, link->cfg->units[i].code, true);
    return 0;
}

fq_link_t *fq_link_new(void *ctx, const fq_cfg_t *cfg, const fq_unit_cfg_t *self,
                       fq_link_apply_fn apply, void *arg, char *err, size_t errlen)
{
    fq_link_t *link = calloc(1, sizeof *link);
    if (!link) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    link->cfg = cfg;
    link->self = self;
    link->apply = apply;
    link->arg = arg;
    link->kicked = true;
    const fq_unit_cfg_t *parent = fq_cfg_parent(cfg, self);
    if (make_peers(link) < 0 || (self->link && !(link->down = open_down(ctx, cfg, self, err,
                                                                         errlen))) ||
        (parent && !(link->up = open_up(ctx, cfg, self, parent, err, errlen)))) {
        fq_link_destroy(&link);
        return NULL;
    }
    return link;
}

void fq_link_destroy(fq_link_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fq_link_t *link = *self_p;
    if (link->up)
        zmq_close(link->up);
    if (link->down)
        zmq_close(link->down);
    free(link->peers);
    free(link);
    *self_p = NULL;
}

int fq_link_poll_items(fq_link_t *link, zmq_pollitem_t *items, int max)
{
    int n = 0;
    void *socks[] = {link->up, link->down};
    for (int i = 0; i < 2 && n < max; i++)
        if (socks[i])
            items[n++] = (zmq_pollitem_t){.socket = socks[i], .events = ZMQ_POLLIN};
    return n;
}

void fq_link_kick(fq_link_t *link)
{
    link->kicked = true;
}

static s_peer_t *find_peer(fq_link_t *link, const char *code)
{
    for (size_t i = 0; i < link->npeers; i++)
        if (strcmp(link->peers[i].code, code) == 0)
            return &link->peers[i];
    return NULL;
}

/* ---- sending ------------------------------------------------------------------------------ */

/* Where a message goes: up the DEALER, or down the ROUTER to a routing id. */
typedef struct {
    bool down;
    const void *id;
    size_t idlen;
    const char *unit; /* for the envelope's to_unit */
} s_dest_t;

static s_dest_t dest_of(const s_peer_t *peer)
{
    return (s_dest_t){peer->is_child, peer->code, strlen(peer->code), peer->code};
}

static int send_to(fq_link_t *link, const s_dest_t *to, const uint8_t *buf, size_t len)
{
    if (!to->down)
        return zmq_send(link->up, buf, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
    if (zmq_send(link->down, to->id, to->idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    return zmq_send(link->down, buf, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* Complete ENV (a link message with its body set) and send it to TO. */
static int send_envelope(fq_link_t *link, const s_dest_t *to, Fq__Envelope *env)
{
    char msg_id[37];
    if (!env->msg_id) {
        fq_uuid4(msg_id);
        env->msg_id = msg_id;
    }
    env->version = PROTOCOL_VERSION;
    env->from_unit = (char *)link->self->code;
    env->to_unit = (char *)to->unit;
    env->sent_ms = fq_now_ms();
    size_t len = fq__envelope__get_packed_size(env);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    fq__envelope__pack(env, buf);
    int rc = send_to(link, to, buf, len);
    free(buf);
    return rc;
}

static void send_ack(fq_link_t *link, const s_dest_t *to, uint64_t seq, uint64_t rejected,
                     const char *reason)
{
    Fq__Ack ack = FQ__ACK__INIT;
    ack.has_seq = 1;
    ack.seq = seq;
    ack.has_rejected_seq = rejected != 0;
    ack.rejected_seq = rejected;
    ack.reason = (char *)reason;
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.body_case = FQ__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    send_envelope(link, to, &env);
}

static void send_heartbeat(fq_link_t *link, s_peer_t *peer, int64_t now)
{
    Fq__Heartbeat hb = FQ__HEARTBEAT__INIT;
    hb.has_last_applied_seq = 1;
    hb.last_applied_seq = peer->applied;
    hb.has_outbox_depth = 1;
    hb.outbox_depth = peer->sent_upto >= peer->acked ? peer->sent_upto - peer->acked : 0;
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.body_case = FQ__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    peer->beat_ms = now;
    s_dest_t to = dest_of(peer);
    if (send_envelope(link, &to, &env) < 0 && zmq_errno() == EHOSTUNREACH)
        peer->heard_ms = 0; /* the child is gone; wait until it speaks again */
}

/* Send one outbox row: its stored body inside a fresh envelope with the row's seq. */
static int send_row(fq_link_t *link, const s_peer_t *peer, const fq_outmsg_t *m)
{
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.msg_id = (char *)m->msg_id;
    env.seq = m->seq;
    env.body_case = (Fq__Envelope__BodyCase)m->kind;
    void *body = NULL;
    if (m->kind == FQ__ENVELOPE__BODY_SYNC)
        body = env.sync = fq__case_sync__unpack(NULL, m->len, m->body);
    else if (m->kind == FQ__ENVELOPE__BODY_DIRECTIVE)
        body = env.directive = fq__directive__unpack(NULL, m->len, m->body);
    else if (m->kind == FQ__ENVELOPE__BODY_STATS)
        body = env.stats = fq__stats_report__unpack(NULL, m->len, m->body);
    if (!body)
        return 0; /* cannot happen for rows we packed; skipping keeps the link moving */
    s_dest_t to = dest_of(peer);
    int rc = send_envelope(link, &to, &env);
    protobuf_c_message_free_unpacked(body, NULL);
    return rc;
}

/* Hand the peer what the outbox holds beyond what is in flight, within the window. */
static void pump(fq_link_t *link, fq_db_t *db, s_peer_t *peer)
{
    uint64_t in_flight = peer->sent_upto - peer->acked;
    if (!peer->up || in_flight >= (uint64_t)link->cfg->window)
        return;
    fq_outmsg_t *msgs = NULL;
    size_t n = 0;
    char err[ERRLEN];
    if (fq_outbox_fetch(db, link->self->code, peer->code, peer->sent_upto,
                        link->cfg->window - (int)in_flight, &msgs, &n, err, sizeof err) < 0) {
        fq_warn("outbox of link to %s unreadable: %s", peer->code, err);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (send_row(link, peer, &msgs[i]) < 0)
            break;
        peer->sent_upto = msgs[i].seq;
    }
    fq_outbox_free(msgs, n);
}

/* ---- receiving ---------------------------------------------------------------------------- */

static void on_ack(fq_link_t *link, fq_db_t *db, s_peer_t *peer, const Fq__Ack *ack)
{
    uint64_t upto = ack->has_seq ? ack->seq : 0;
    uint64_t rejected = ack->has_rejected_seq ? ack->rejected_seq : 0;
    if (rejected)
        fq_error("%s refused our message %llu: %s", peer->code, (unsigned long long)rejected,
                 ack->reason ? ack->reason : "no reason given");
    else if (ack->reason)
        fq_warn("%s refused a message: %s", peer->code, ack->reason);
    if (upto <= peer->acked && !rejected)
        return;
    char err[ERRLEN];
    if (fq_outbox_ack(db, link->self->code, peer->code, upto, rejected, ack->reason, err,
                      sizeof err) < 0) {
        fq_warn("cannot record ack %llu from %s: %s", (unsigned long long)upto, peer->code, err);
        return;
    }
    if (upto > peer->acked)
        peer->acked = upto;
    if (peer->sent_upto < peer->acked)
        peer->sent_upto = peer->acked;
    peer->progress_ms = fq_mono_ms();
    link->kicked = true;
}

/* Keep what could not be applied, answer with a refusal and log it once. */
static void refuse(fq_link_t *link, fq_db_t *db, const s_dest_t *from, const char *label,
                   uint64_t seq, const char *reason, const uint8_t *data, size_t len)
{
    char err[ERRLEN];
    size_t keep = len < link->cfg->max_message_bytes ? len : link->cfg->max_message_bytes;
    if (fq_quarantine(db, link->self->code, label, reason, data, keep, err, sizeof err) < 0)
        fq_error("cannot quarantine a message from %s (%s): %s", label, reason, err);
    fq_warn("refused a message from %s: %s", label, reason);
    s_peer_t *peer = find_peer(link, from->unit);
    send_ack(link, from, peer ? peer->applied : 0, seq, reason);
}

/* Apply one sequenced message in its own transaction; a savepoint lets a refused one be quarantined
 * while the sequence still moves on, so one bad message cannot block the link for ever. */
static void on_sequenced(fq_link_t *link, fq_db_t *db, s_peer_t *peer, const Fq__Envelope *env,
                    const uint8_t *data, size_t len)
{
    char err[ERRLEN];
    uint64_t last;
    if (fq_db_begin(db, err, sizeof err) < 0 ||
        fq_inbox_last(db, link->self->code, peer->code, 1, &last, err, sizeof err) < 0)
        goto abort;
    if (env->seq != last + 1) { /* a repeat (ack again) or a gap (the sender will go back) */
        fq_db_rollback(db);
        peer->applied = last;
        s_dest_t to = dest_of(peer);
        send_ack(link, &to, last, 0, NULL);
        return;
    }
    if (fq_db_exec(db, "SAVEPOINT apply", NULL, err, sizeof err) < 0)
        goto abort;
    fq_store_rc_t rc = link->apply(link->arg, peer->code, env, err, sizeof err);
    bool refused = rc != FQ_STORE_OK;
    if (refused && (!fq_db_connected(db) ||
                    fq_db_exec(db, "ROLLBACK TO SAVEPOINT apply", NULL, err, sizeof err) < 0 ||
                    fq_quarantine(db, link->self->code, peer->code, err, data, len, err,
                                  sizeof err) < 0))
        goto abort;
    char reason[ERRLEN];
    snprintf(reason, sizeof reason, "%s", refused ? err : "");
    if (fq_inbox_advance(db, link->self->code, peer->code, env->seq, err, sizeof err) < 0 ||
        fq_db_commit(db, err, sizeof err) < 0)
        goto abort;
    peer->applied = env->seq;
    if (refused)
        fq_warn("quarantined message %llu from %s: %s", (unsigned long long)env->seq,
                peer->code, reason);
    s_dest_t to = dest_of(peer);
    send_ack(link, &to, env->seq, refused ? env->seq : 0, refused ? reason : NULL);
    link->kicked = true;
    return;
abort:
    fq_db_rollback(db); /* no ack: the sender will send it again */
    fq_warn("message %llu from %s not applied, not acked: %s", (unsigned long long)env->seq,
            peer->code, err);
}

static void on_heard(fq_link_t *link, fq_db_t *db, s_peer_t *peer, const Fq__Envelope *env)
{
    peer->heard_ms = fq_mono_ms();
    peer->heard_wall_ms = fq_now_ms();
    if (env->body_case == FQ__ENVELOPE__BODY_HEARTBEAT && env->heartbeat->has_last_applied_seq &&
        env->heartbeat->last_applied_seq > peer->acked) {
        Fq__Ack ack = FQ__ACK__INIT;
        ack.has_seq = 1;
        ack.seq = env->heartbeat->last_applied_seq;
        on_ack(link, db, peer, &ack);
    }
}

static const char *check_envelope(const fq_link_t *link, const s_peer_t *peer,
                                  const Fq__Envelope *env)
{
    if (env->version != PROTOCOL_VERSION)
        return "unsupported protocol version";
    if (strcmp(env->from_unit, peer->code) != 0)
        return "envelope's from_unit is not the sending unit";
    if (strcmp(env->to_unit, link->self->code) != 0)
        return "envelope is addressed to another unit";
    bool sequenced = env->body_case == FQ__ENVELOPE__BODY_SYNC ||
                     env->body_case == FQ__ENVELOPE__BODY_DIRECTIVE ||
                     env->body_case == FQ__ENVELOPE__BODY_STATS;
    if (sequenced && env->seq == 0)
        return "message without a sequence number";
    if (env->body_case == FQ__ENVELOPE__BODY__NOT_SET)
        return "envelope without a body";
    return NULL;
}

static void on_frame(fq_link_t *link, fq_db_t *db, s_peer_t *peer, const s_dest_t *from,
                     const char *label, const uint8_t *data, size_t len)
{
    char reason[128];
    if (!fq_db_connected(db))
        return; /* nothing can be committed, so nothing is acked; the sender will resend */
    if (len > link->cfg->max_message_bytes) {
        snprintf(reason, sizeof reason, "message of %zu bytes exceeds the limit of %zu", len,
                 link->cfg->max_message_bytes);
        refuse(link, db, from, label, 0, reason, data, len);
        return;
    }
    if (!peer) {
        refuse(link, db, from, label, 0, "sender is not a unit of this link", data, len);
        return;
    }
    Fq__Envelope *env = fq__envelope__unpack(NULL, len, data);
    const char *bad = env ? check_envelope(link, peer, env) : "not a fengqiao Envelope";
    if (bad)
        refuse(link, db, from, label, env ? env->seq : 0, bad, data, len);
    else if (env->body_case == FQ__ENVELOPE__BODY_ACK)
        on_ack(link, db, peer, env->ack);
    else if (env->body_case != FQ__ENVELOPE__BODY_HEARTBEAT)
        on_sequenced(link, db, peer, env, data, len);
    if (!bad)
        on_heard(link, db, peer, env);
    if (env)
        fq__envelope__free_unpacked(env, NULL);
}

/* A printable label for a routing id: the unit code if it is one, else hex. */
static void id_label(const zmq_msg_t *id, char *out, size_t outlen)
{
    const unsigned char *b = zmq_msg_data((zmq_msg_t *)id);
    size_t n = zmq_msg_size((zmq_msg_t *)id);
    size_t used = (size_t)snprintf(out, outlen, "unknown:");
    for (size_t i = 0; i < n && i < 16 && used + 3 < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%02x", b[i]);
}

static void read_down(fq_link_t *link, fq_db_t *db)
{
    for (int i = 0; i < DRAIN_MAX; i++) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, link->down, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&id);
            return;
        }
        zmq_msg_init(&body);
        int got = zmq_msg_more(&id) ? zmq_msg_recv(&body, link->down, 0) : -1;
        bool extra = got >= 0 && fq_zsock_drain(link->down);
        char code[FQ_UNIT_CODE_LEN + 1] = "", label[48];
        size_t idlen = zmq_msg_size(&id);
        if (idlen == FQ_UNIT_CODE_LEN)
            memcpy(code, zmq_msg_data(&id), idlen);
        s_peer_t *peer = find_peer(link, code);
        if (peer && peer->is_child)
            snprintf(label, sizeof label, "%s", code);
        else {
            peer = NULL;
            id_label(&id, label, sizeof label);
        }
        s_dest_t from = {true, zmq_msg_data(&id), idlen, peer ? peer->code : ""};
        if (got < 0 || extra)
            refuse(link, db, &from, label, 0, "link messages are exactly one frame", NULL, 0);
        else
            on_frame(link, db, peer, &from, label, zmq_msg_data(&body), zmq_msg_size(&body));
        zmq_msg_close(&body);
        zmq_msg_close(&id);
    }
}

static void read_up(fq_link_t *link, fq_db_t *db)
{
    s_peer_t *parent = &link->peers[0];
    s_dest_t from = dest_of(parent);
    for (int i = 0; i < DRAIN_MAX; i++) {
        zmq_msg_t body;
        zmq_msg_init(&body);
        if (zmq_msg_recv(&body, link->up, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&body);
            return;
        }
        if (fq_zsock_drain(link->up))
            refuse(link, db, &from, parent->code, 0, "link messages are exactly one frame", NULL,
                   0);
        else
            on_frame(link, db, parent, &from, parent->code, zmq_msg_data(&body),
                     zmq_msg_size(&body));
        zmq_msg_close(&body);
    }
}

void fq_link_on_readable(fq_link_t *link, fq_db_t *db, const zmq_pollitem_t *items, int n)
{
    for (int i = 0; i < n; i++) {
        if (!(items[i].revents & ZMQ_POLLIN))
            continue;
        if (items[i].socket == link->up)
            read_up(link, db);
        else if (items[i].socket == link->down)
            read_down(link, db);
    }
}

/* ---- timers ------------------------------------------------------------------------------- */

static int load_peer(fq_link_t *link, fq_db_t *db, s_peer_t *peer)
{
    char err[ERRLEN];
    if (fq_outbox_acked(db, link->self->code, peer->code, &peer->acked, err, sizeof err) < 0 ||
        fq_inbox_last(db, link->self->code, peer->code, 0, &peer->applied, err, sizeof err) < 0)
        return -1;
    peer->sent_upto = peer->acked;
    peer->loaded = true;
    return 0;
}

static void track_liveness(fq_link_t *link, s_peer_t *peer, int64_t now)
{
    bool up = peer->heard_ms && now - peer->heard_ms < link->cfg->link_timeout_ms;
    if (up && !peer->up) {
        fq_info("link to %s is up", peer->code);
        peer->sent_upto = peer->acked; /* whatever was in flight may be gone: go back */
        peer->progress_ms = now;
        peer->pumped_ms = 0;
    } else if (!up && peer->up)
        fq_warn("link to %s is down (silent for %lld ms)", peer->code,
                (long long)(peer->heard_ms ? now - peer->heard_ms : 0));
    peer->up = up;
}

static void peer_timer(fq_link_t *link, fq_db_t *db, s_peer_t *peer, int64_t now, bool pump_now)
{
    if (!peer->loaded && load_peer(link, db, peer) < 0)
        return;
    track_liveness(link, peer, now);
    bool may_beat = !peer->is_child || peer->heard_ms;
    if (may_beat && now - peer->beat_ms >= link->cfg->heartbeat_ms)
        send_heartbeat(link, peer, now);
    if (peer->up && peer->sent_upto > peer->acked &&
        now - peer->progress_ms >= link->cfg->resend_ms) {
        fq_info("no ack from %s for %d ms: resending from %llu", peer->code, link->cfg->resend_ms,
                (unsigned long long)peer->acked + 1);
        peer->sent_upto = peer->acked;
        peer->progress_ms = now;
        peer->pumped_ms = 0;
    }
    /* The daemon kicks its sender after every commit that queues a message; the periodic look
     * is only a backstop, once a heartbeat interval. */
    if (pump_now || now - peer->pumped_ms >= link->cfg->heartbeat_ms) {
        peer->pumped_ms = now;
        pump(link, db, peer);
    }
}

void fq_link_on_timer(fq_link_t *link, fq_db_t *db)
{
    if (!fq_db_connected(db))
        return;
    int64_t now = fq_mono_ms();
    bool pump_now = link->kicked;
    link->kicked = false;
    for (size_t i = 0; i < link->npeers; i++)
        peer_timer(link, db, &link->peers[i], now, pump_now);
}

int fq_link_timeout_ms(const fq_link_t *link)
{
    return link->kicked ? 0 : link->cfg->heartbeat_ms / 4 + 1;
}

/* ---- status ------------------------------------------------------------------------------- */

static Fq__LinkStatus *peer_status(fq_link_t *link, fq_db_t *db, const s_peer_t *peer)
{
    Fq__LinkStatus *st = malloc(sizeof *st);
    if (!st)
        return NULL;
    fq__link_status__init(st);
    fq_outbox_stats_t stats = {0};
    char err[ERRLEN];
    if (fq_outbox_stats(db, link->self->code, peer->code, &stats, err, sizeof err) < 0)
        fq_warn("cannot read outbox of link to %s: %s", peer->code, err);
    st->peer = fq_pb_strdup(peer->code);
    st->direction = fq_pb_strdup(peer->is_child ? "down" : "up");
    st->has_up = st->has_last_heartbeat_ms = st->has_outbox_depth = 1;
    st->has_oldest_unacked_ms = st->has_poisoned = 1;
    st->up = peer->up;
    st->last_heartbeat_ms = peer->heard_wall_ms;
    st->outbox_depth = stats.depth;
    st->oldest_unacked_ms = stats.oldest_age_ms;
    st->poisoned = stats.poisoned;
    return st;
}

int fq_link_status(fq_link_t *link, fq_db_t *db, Fq__LinkStatus ***out, size_t *n)
{
    *out = calloc(link->npeers ? link->npeers : 1, sizeof **out);
    *n = 0;
    if (!*out)
        return -1;
    for (size_t i = 0; i < link->npeers; i++) {
        Fq__LinkStatus *st = peer_status(link, db, &link->peers[i]);
        if (!st)
            return -1;
        (*out)[(*n)++] = st;
    }
    return 0;
}

void fq_link_status_free(Fq__LinkStatus **links, size_t n)
{
    for (size_t i = 0; links && i < n; i++) {
        free(links[i]->peer);
        free(links[i]->direction);
        free(links[i]);
    }
    free(links);
}
