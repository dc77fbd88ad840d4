/* link.c - sockets, sending, heartbeats, resends and status of the reliable tier link. What
 * comes in is handled by link_recv.c; the durable half (outbox, inbox, quarantine) is outbox.c. */
#include "link.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link_internal.h"
#include "log.h"
#include "outbox.h"
#include "pb.h"
#include "zap.h"

#define ERRLEN 512

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

static int set_key(void *sock, int opt, const char *z85)
{
    return zmq_setsockopt(sock, opt, z85, FQ_KEY_Z85_LEN + 1); /* 41 bytes: Z85 text */
}

/* Up: a CurveZMQ client that knows its parent by its public key, so a stranger listening on
 * the parent's endpoint gets nothing. ZeroMQ picks the routing id: the parent tells its
 * children apart by their keys, not by a name they could give themselves. */
static void *open_up(fq_link_t *link, void *ctx, const fq_unit_cfg_t *parent, char *err,
                     size_t errlen)
{
    const fq_cfg_t *cfg = link->cfg;
    char parent_key[FQ_KEY_Z85_LEN + 1];
    if (fq_key_load_public(cfg, parent->code, parent_key, err, errlen) < 0)
        return NULL;
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s || common_options(s, cfg) < 0 || set_int(s, ZMQ_IMMEDIATE, 1) < 0 ||
        /* a restarted parent is found within a second, whatever the backlog waiting for it */
        set_int(s, ZMQ_RECONNECT_IVL, 100) < 0 || set_int(s, ZMQ_RECONNECT_IVL_MAX, 1000) < 0 ||
        set_key(s, ZMQ_CURVE_SERVERKEY, parent_key) < 0 ||
        set_key(s, ZMQ_CURVE_PUBLICKEY, link->keys.public_z85) < 0 ||
        set_key(s, ZMQ_CURVE_SECRETKEY, link->keys.secret_z85) < 0 ||
        zmq_connect(s, parent->link) < 0) {
        snprintf(err, errlen, "cannot connect up to %s at %s: %s", parent->code, parent->link,
                 zmq_strerror(zmq_errno()));
        if (s)
            zmq_close(s);
        return NULL;
    }
    return s;
}

/* Down: a CurveZMQ server whose handshakes the ZAP handler, started first, decides. */
static void *open_down(fq_link_t *link, void *ctx, char *err, size_t errlen)
{
    const fq_unit_cfg_t *self = link->self;
    if (!(link->zap = fq_zap_start(ctx, link->cfg, self, err, errlen)))
        return NULL;
    void *s = zmq_socket(ctx, ZMQ_ROUTER);
    /* MANDATORY: an unreachable child is an error, not a silent drop. */
    if (!s || common_options(s, link->cfg) < 0 || set_int(s, ZMQ_ROUTER_MANDATORY, 1) < 0 ||
        set_int(s, ZMQ_CURVE_SERVER, 1) < 0 ||
        set_key(s, ZMQ_CURVE_SECRETKEY, link->keys.secret_z85) < 0 ||
        zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "fengqiao", 8) < 0 || zmq_bind(s, self->link) < 0) {
        snprintf(err, errlen, "cannot bind the link endpoint %s: %s", self->link,
                 zmq_strerror(zmq_errno()));
        if (s)
            zmq_close(s);
        return NULL;
    }
    return s;
}

/* This unit's keypair, when it has a neighbour or a link socket to bind (a street whose
 * communities are not configured yet); a warning is logged, not fatal. */
static int load_keys(fq_link_t *link, char *err, size_t errlen)
{
    if (link->npeers == 0 && !link->self->link)
        return 0;
    if (fq_key_load_pair(link->cfg, link->self->code, &link->keys, err, errlen) < 0)
        return -1;
    if (err[0])
        fq_warn("%s", err);
    return 0;
}

static fq_peer_t *add_peer(fq_link_t *link, const char *code, bool is_child)
{
    fq_peer_t *p = &link->peers[link->npeers++];
    memset(p, 0, sizeof *p);
    snprintf(p->code, sizeof p->code, "%s", code);
    p->is_child = is_child;
    p->kicked = p->more = true; /* nothing is known of its outbox yet */
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
                       const fq_link_handler_t *handler, char *err, size_t errlen)
{
    fq_link_t *link = calloc(1, sizeof *link);
    if (!link) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    link->cfg = cfg;
    link->self = self;
    link->handler = *handler;
    link->kicked = true; /* every peer is (add_peer) */
    const fq_unit_cfg_t *parent = fq_cfg_parent(cfg, self);
    if (make_peers(link) < 0 || load_keys(link, err, errlen) < 0 ||
        (self->link && !(link->down = open_down(link, ctx, err, errlen))) ||
        (parent && !(link->up = open_up(link, ctx, parent, err, errlen)))) {
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
    fq_zap_stop(&link->zap); /* after the socket whose handshakes it answered */
    fq_link_whole_destroy(link);
    free(link->peers);
    free(link);
    *self_p = NULL;
}

int fq_link_poll_items(fq_link_t *link, zmq_pollitem_t *items, int max)
{
    int n = 0;
    void *socks[] = {link->up, link->down};
    short events = fq_link_wants_more(link) ? ZMQ_POLLIN : 0; /* else read once it is handled */
    for (int i = 0; i < 2 && n < max; i++)
        if (socks[i])
            items[n++] = (zmq_pollitem_t){.socket = socks[i], .events = events};
    return n;
}

void fq_link_kick(fq_link_t *link)
{
    for (size_t i = 0; i < link->npeers; i++)
        fq_link_kick_peer(link, &link->peers[i]);
}

void fq_link_kick_queued(fq_link_t *link, fq_queued_t *q)
{
    if (q->all)
        fq_link_kick(link);
    for (size_t i = 0; i < q->n && !q->all; i++) {
        fq_peer_t *peer = fq_link_find_peer(link, q->peer[i]);
        if (peer)
            fq_link_kick_peer(link, peer);
    }
    memset(q, 0, sizeof *q);
}

fq_peer_t *fq_link_find_peer(fq_link_t *link, const char *code)
{
    for (size_t i = 0; i < link->npeers; i++)
        if (strcmp(link->peers[i].code, code) == 0)
            return &link->peers[i];
    return NULL;
}

/* ---- sending ------------------------------------------------------------------------------ */

static int send_to(fq_link_t *link, const fq_dest_t *to, const uint8_t *buf, size_t len)
{
    if (!to->down)
        return zmq_send(link->up, buf, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
    if (zmq_send(link->down, to->id, to->idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    return zmq_send(link->down, buf, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* Complete ENV (a link message with its body set) and send it to TO. */
static int send_envelope(fq_link_t *link, const fq_dest_t *to, Fq__Envelope *env)
{
    char msg_id[37];
    if (!env->msg_id) {
        fq_uuid7(msg_id);
        env->msg_id = msg_id;
    }
    env->version = FQ_LINK_PROTOCOL_VERSION;
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

void fq_link_send_ack(fq_link_t *link, const fq_dest_t *to, uint64_t seq, uint64_t rejected,
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

static void send_heartbeat(fq_link_t *link, fq_peer_t *peer, int64_t now)
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
    fq_dest_t to = fq_link_dest_of(peer);
    if (send_envelope(link, &to, &env) < 0 && zmq_errno() == EHOSTUNREACH)
        peer->heard_ms = 0; /* the child is gone; wait until it speaks again */
}

/* Send one outbox row: its stored body inside a fresh envelope with the row's seq. */
static int send_row(fq_link_t *link, const fq_peer_t *peer, const fq_outmsg_t *m)
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
    fq_dest_t to = fq_link_dest_of(peer);
    int rc = send_envelope(link, &to, &env);
    protobuf_c_message_free_unpacked(body, NULL);
    return rc;
}

/* Hand the peer what the outbox holds beyond what is in flight, within the window. */
static void pump(fq_link_t *link, fq_db_t *db, fq_peer_t *peer)
{
    uint64_t in_flight = peer->sent_upto - peer->acked;
    if (!peer->up || in_flight >= (uint64_t)link->cfg->window) {
        peer->more = true;
        return;
    }
    fq_outmsg_t *msgs = NULL;
    size_t n = 0;
    int room = link->cfg->window - (int)in_flight;
    char err[ERRLEN];
    if (fq_outbox_fetch(db, link->self->code, peer->code, peer->sent_upto, room, &msgs, &n, err,
                        sizeof err) < 0) {
        fq_warn("outbox of link to %s unreadable: %s", peer->code, err);
        peer->more = true;
        return;
    }
    size_t sent = 0;
    bool was_idle = in_flight == 0;
    for (; sent < n && send_row(link, peer, &msgs[sent]) == 0; sent++)
        peer->sent_upto = msgs[sent].seq;
    if (was_idle && sent)
        peer->progress_ms = fq_mono_ms(); /* the wait for an ack starts now, not at the last one */
    if (peer->sent_upto > peer->sent_max)
        peer->sent_max = peer->sent_upto;
    peer->more = n == (size_t)room || sent < n; /* then look again on the next ack */
    fq_outbox_free(msgs, n);
}

/* ---- timers ------------------------------------------------------------------------------- */

static int load_peer(fq_link_t *link, fq_db_t *db, fq_peer_t *peer)
{
    char err[ERRLEN];
    if (fq_outbox_marks(db, link->self->code, peer->code, &peer->acked, &peer->sent_max, err,
                        sizeof err) < 0 ||
        fq_inbox_last(db, link->self->code, peer->code, 0, &peer->applied, err, sizeof err) < 0)
        return -1;
    peer->sent_upto = peer->acked;
    peer->loaded = true;
    return 0;
}

static void track_liveness(fq_link_t *link, fq_peer_t *peer, int64_t now)
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

static void peer_timer(fq_link_t *link, fq_db_t *db, fq_peer_t *peer, int64_t now)
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
    /* The daemon kicks the peers it queued messages for after their commit, and an ack kicks
     * a peer whose window was full; the periodic look is only a backstop, once a heartbeat
     * interval. */
    bool kicked = peer->kicked;
    peer->kicked = false;
    if (kicked || now - peer->pumped_ms >= link->cfg->heartbeat_ms) {
        peer->pumped_ms = now;
        pump(link, db, peer);
    }
}

/* Handshakes the ZAP handler refused, once a second at most: a stranger knocking in a loop
 * does not fill the log. */
static void tell_refusals(fq_link_t *link, int64_t now)
{
    if (!link->zap || now - link->refusals_told_ms < 1000)
        return;
    link->refusals_told_ms = now;
    char key[FQ_KEY_Z85_LEN + 1], address[64];
    unsigned n = fq_zap_take_refused(link->zap, key, address, sizeof address);
    if (n)
        fq_warn("refused %u link handshake(s) from keys not of a child of this unit (last: key "
                "%s from %s)",
                n, key[0] ? key : "?", address);
}

bool fq_link_broken(fq_link_t *link)
{
    return link->zap && fq_zap_dead(link->zap);
}

void fq_link_on_timer(fq_link_t *link, fq_db_t *db)
{
    int64_t now = fq_mono_ms();
    tell_refusals(link, now);
    if (!fq_db_connected(db))
        return;
    link->kicked = false;
    for (size_t i = 0; i < link->npeers; i++)
        peer_timer(link, db, &link->peers[i], now);
}

int fq_link_timeout_ms(const fq_link_t *link)
{
    return link->kicked ? 0 : link->cfg->heartbeat_ms / 4 + 1;
}

/* ---- status ------------------------------------------------------------------------------- */

static Fq__LinkStatus *peer_status(fq_link_t *link, fq_db_t *db, const fq_peer_t *peer)
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
