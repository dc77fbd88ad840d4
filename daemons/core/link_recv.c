/* link_recv.c - the receiving half of the tier link: read what has arrived, check it, and apply
 * each peer's run of sequenced messages in one transaction (receive, commit, then ack). Acks
 * from a peer are folded into one database update per batch. Nothing waits for more to arrive,
 * so a lone message is committed at once. A run of copies of cases new to this unit may go to
 * the database whole instead (link_whole.c), which falls back on this file's way when it fails. */
#include <stdio.h>
#include <stdlib.h>

#include "link_internal.h"
#include "log.h"
#include "outbox.h"
#include "pb.h"
#include "zsock.h"

#define ERRLEN 512

bool fq_link_sequenced(const Fq__Envelope *env)
{
    return env->body_case == FQ__ENVELOPE__BODY_SYNC ||
           env->body_case == FQ__ENVELOPE__BODY_DIRECTIVE ||
           env->body_case == FQ__ENVELOPE__BODY_STATS;
}

const char *fq_link_envelope_problem(const Fq__Envelope *env, const char *from, const char *self)
{
    if (env->version != FQ_LINK_PROTOCOL_VERSION)
        return "unsupported protocol version";
    if (strcmp(env->from_unit, from) != 0)
        return "envelope's from_unit is not the sending unit";
    if (strcmp(env->to_unit, self) != 0)
        return "envelope is addressed to another unit";
    if (env->body_case == FQ__ENVELOPE__BODY__NOT_SET)
        return "envelope without a body";
    if (fq_link_sequenced(env) && env->seq == 0)
        return "message without a sequence number";
    return NULL;
}

/* Decide whether F can be used, and decode it. */
static void classify(const fq_link_t *link, fq_frame_t *f)
{
    size_t len = zmq_msg_size(&f->body);
    if (f->malformed)
        f->bad = "link messages are exactly one frame";
    else if (len > link->cfg->max_message_bytes) {
        snprintf(f->why, sizeof f->why, "message of %zu bytes exceeds the limit of %zu", len,
                 link->cfg->max_message_bytes);
        f->bad = f->why;
    } else if (!f->peer)
        f->bad = "sender is not a unit of this link";
    else if (!(f->env = fq__envelope__unpack(NULL, len, zmq_msg_data(&f->body))))
        f->bad = "not a fengqiao Envelope";
    else
        f->bad = fq_link_envelope_problem(f->env, f->peer->code, link->self->code);
}

/* ---- acks from the peer (our outbox) ------------------------------------------------------ */

/* An ack past the last message the peer can have received would record as delivered
 * messages not yet written, and the sender would then never send them: it is held to that
 * message. (A peer whose database went back in time, or a hostile one, sends such acks.) */
static uint64_t within_sent(const fq_peer_t *peer, uint64_t upto)
{
    if (upto <= peer->sent_max)
        return upto;
    fq_warn("%s acked %llu, past the last message it can have had: taken as %llu", peer->code,
            (unsigned long long)upto, (unsigned long long)peer->sent_max);
    return peer->sent_max;
}

static void on_ack(fq_link_t *link, fq_db_t *db, fq_peer_t *peer, uint64_t upto,
                   uint64_t rejected, const char *reason)
{
    if (!peer->loaded)
        return; /* its marks are not read yet; the peer repeats its ack in every heartbeat */
    upto = within_sent(peer, upto);
    if (rejected > peer->sent_max) {
        fq_warn("%s refused our message %llu, which it cannot have had: ignored", peer->code,
                (unsigned long long)rejected);
        rejected = 0;
    }
    if (rejected)
        fq_error("%s refused our message %llu: %s", peer->code, (unsigned long long)rejected,
                 reason ? reason : "no reason given");
    else if (reason)
        fq_warn("%s refused a message: %s", peer->code, reason);
    if (upto <= peer->acked && !rejected)
        return;
    char err[ERRLEN];
    if (fq_outbox_ack(db, link->self->code, peer->code, upto, rejected, reason, err,
                      sizeof err) < 0) {
        fq_warn("cannot record ack %llu from %s: %s", (unsigned long long)upto, peer->code, err);
        return;
    }
    if (upto > peer->acked)
        peer->acked = upto;
    if (peer->sent_upto < peer->acked)
        peer->sent_upto = peer->acked;
    peer->progress_ms = fq_mono_ms();
    if (peer->more)
        fq_link_kick_peer(link, peer); /* the window has room for what it held back */
}

/* A refused ack is handled at once (its row must be marked before a later cumulative ack would
 * delete it); plain acks only raise the peer's pending mark, settled once per batch. */
static void take_ack(fq_link_t *link, fq_db_t *db, fq_peer_t *peer, const Fq__Ack *ack)
{
    uint64_t upto = ack->has_seq ? ack->seq : 0;
    if ((ack->has_rejected_seq && ack->rejected_seq) || ack->reason)
        on_ack(link, db, peer, upto, ack->has_rejected_seq ? ack->rejected_seq : 0,
               ack->reason);
    else if (upto > peer->ack_pending)
        peer->ack_pending = upto;
}

static void on_heard(fq_peer_t *peer, const Fq__Envelope *env)
{
    peer->heard_ms = fq_mono_ms();
    peer->heard_wall_ms = fq_now_ms();
    if (env->body_case == FQ__ENVELOPE__BODY_HEARTBEAT && env->heartbeat->has_last_applied_seq &&
        env->heartbeat->last_applied_seq > peer->ack_pending)
        peer->ack_pending = env->heartbeat->last_applied_seq;
}

static void settle_acks(fq_link_t *link, fq_db_t *db)
{
    for (size_t i = 0; i < link->npeers; i++) {
        fq_peer_t *peer = &link->peers[i];
        if (peer->ack_pending > peer->acked)
            on_ack(link, db, peer, peer->ack_pending, 0, NULL);
        peer->ack_pending = 0;
    }
}

/* ---- bad input ---------------------------------------------------------------------------- */

/* Keep what could not be used, answer with a refusal and log it once. */
static void refuse(fq_link_t *link, fq_db_t *db, const fq_frame_t *f)
{
    char err[ERRLEN];
    size_t len = zmq_msg_size((zmq_msg_t *)&f->body);
    size_t keep = len < link->cfg->max_message_bytes ? len : link->cfg->max_message_bytes;
    if (fq_quarantine(db, link->self->code, f->label, f->bad, zmq_msg_data((zmq_msg_t *)&f->body),
                      keep, err, sizeof err) < 0)
        fq_error("cannot quarantine a message from %s (%s): %s", f->label, f->bad, err);
    fq_warn("refused a message from %s: %s", f->label, f->bad);
    fq_link_send_ack(link, &f->from, f->peer ? f->peer->applied : 0, f->env ? f->env->seq : 0,
                     f->bad);
}

/* ---- applying a run of sequenced messages ------------------------------------------------- */

typedef struct {
    uint64_t seq;
    char reason[ERRLEN];
} s_rejection_t;

/* Apply one message under a savepoint: a refused one is rolled back and quarantined in the
 * same transaction, so the sequence still moves past it. Returns -1 when the transaction is
 * lost (nothing may be acked), 0 applied, 1 quarantined (REJ filled). */
static int apply_one(fq_link_t *link, fq_db_t *db, fq_peer_t *peer, const fq_frame_t *f,
                     s_rejection_t *rej, char *err, size_t errlen)
{
    /* savepoints are sent ahead: a failure shows in the next statement that waits, or COMMIT */
    if (fq_db_send(db, "SAVEPOINT apply", NULL, err, errlen) < 0)
        return -1;
    fq_store_rc_t rc = link->handler.apply(link->handler.arg, peer->code, f->env, err, errlen);
    if (rc != FQ_STORE_OK) {
        if (!fq_db_connected(db))
            return -1;
        rej->seq = f->env->seq;
        snprintf(rej->reason, sizeof rej->reason, "%s", err);
        if (fq_db_exec(db, "ROLLBACK TO SAVEPOINT apply", NULL, err, errlen) < 0 ||
            fq_quarantine(db, link->self->code, peer->code, rej->reason,
                          zmq_msg_data((zmq_msg_t *)&f->body),
                          zmq_msg_size((zmq_msg_t *)&f->body), err, errlen) < 0)
            return -1;
    }
    if (fq_db_send(db, "RELEASE SAVEPOINT apply", NULL, err, errlen) < 0)
        return -1;
    return rc == FQ_STORE_OK ? 0 : 1;
}

/* Mark NEXT[i] for the frames of RUN[0..N) that are next in sequence after LAST: the ones a run
 * applies. The others are repeats, or beyond a gap the sender will fill by going back. */
static size_t mark_next(fq_frame_t *const *run, size_t n, uint64_t last, bool *next)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        next[i] = run[i]->env->seq == last + 1;
        last += next[i];
        m += next[i];
    }
    return m;
}

/* Offer the run's next messages ENVS[0..M) to the daemon's set-based apply under one savepoint.
 * When it fails nothing of it stays and every message goes one by one, so hostile data in one
 * copy cannot wedge the link. Returns -1 when the transaction is lost. */
static int try_at_once(fq_link_t *link, fq_db_t *db, fq_peer_t *peer,
                       const Fq__Envelope *const *envs, size_t m, bool *got, char *err,
                       size_t errlen)
{
    const fq_link_handler_t *h = &link->handler;
    if (fq_db_send(db, "SAVEPOINT apply_run", NULL, err, errlen) < 0)
        return -1;
    if (h->apply_run(h->arg, peer->code, envs, m, got, err, errlen) != FQ_STORE_OK) {
        if (!fq_db_connected(db))
            return -1;
        fq_warn("%zu message(s) from %s not applied at once, applying them one by one: %s", m,
                peer->code, err);
        memset(got, 0, m * sizeof *got);
        if (fq_db_exec(db, "ROLLBACK TO SAVEPOINT apply_run", NULL, err, errlen) < 0)
            return -1;
    }
    return fq_db_send(db, "RELEASE SAVEPOINT apply_run", NULL, err, errlen) < 0 ? -1 : 0;
}

/* Apply what it can of the frames RUN[i] marked NEXT at once, marking TAKEN[i] for each; only
 * runs holding a copy are offered (the set-based apply takes nothing else). Returns -1 when the
 * transaction is lost. */
static int apply_at_once(fq_link_t *link, fq_db_t *db, fq_peer_t *peer, fq_frame_t *const *run,
                         size_t n, const bool *next, bool *taken, char *err, size_t errlen)
{
    memset(taken, 0, n * sizeof *taken);
    bool copies = false;
    for (size_t i = 0; i < n; i++)
        copies = copies || (next[i] && run[i]->env->body_case == FQ__ENVELOPE__BODY_SYNC);
    if (!link->handler.apply_run || !copies)
        return 0;
    const Fq__Envelope **envs = calloc(n, sizeof *envs);
    bool *got = calloc(n, sizeof *got);
    int rc = 0;
    if (envs && got) { /* out of memory: all of it one by one */
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (next[i])
                envs[m++] = run[i]->env;
        rc = try_at_once(link, db, peer, envs, m, got, err, errlen);
        for (size_t i = 0, j = 0; rc == 0 && i < n; i++)
            if (next[i])
                taken[i] = got[j++];
    }
    free(envs);
    free(got);
    return rc;
}

/* Apply frames RUN[0..N) from PEER in one transaction: first what can go in at once (copies of
 * cases new to us), then the rest one by one in sequence order. Acks go out only after COMMIT:
 * refusals first, then the cumulative ack. */
void fq_link_apply_run(fq_link_t *link, fq_db_t *db, fq_peer_t *peer, fq_frame_t *const *run,
                       size_t n)
{
    char err[ERRLEN];
    uint64_t last, first;
    size_t nrej = 0;
    s_rejection_t *rej = calloc(n, sizeof *rej);
    bool *flags = calloc(2 * n, sizeof *flags);
    bool *next = flags, *taken = flags + n;
    if (!rej || !flags || fq_db_begin(db, err, sizeof err) < 0 ||
        fq_inbox_last(db, link->self->code, peer->code, 1, &last, err, sizeof err) < 0)
        goto abort;
    first = last;
    mark_next(run, n, last, next);
    if (apply_at_once(link, db, peer, run, n, next, taken, err, sizeof err) < 0)
        goto abort;
    for (size_t i = 0; i < n; i++) {
        if (!next[i])
            continue;
        int rc = taken[i] ? 0 : apply_one(link, db, peer, run[i], &rej[nrej], err, sizeof err);
        if (rc < 0)
            goto abort;
        nrej += (size_t)rc;
        last = run[i]->env->seq;
    }
    if ((last != first &&
         fq_inbox_advance(db, link->self->code, peer->code, last, err, sizeof err) < 0) ||
        fq_db_commit(db, err, sizeof err) < 0)
        goto abort;
    peer->applied = last;
    fq_dest_t to = fq_link_dest_of(peer);
    for (size_t i = 0; i < nrej; i++) {
        fq_warn("quarantined message %llu from %s: %s", (unsigned long long)rej[i].seq,
                peer->code, rej[i].reason);
        fq_link_send_ack(link, &to, rej[i].seq, rej[i].seq, rej[i].reason);
    }
    fq_link_send_ack(link, &to, last, 0, NULL);
    free(rej);
    free(flags);
    return;
abort:
    fq_db_rollback(db); /* no ack: the sender will send them again */
    fq_warn("%zu message(s) from %s not applied, not acked: %s", n, peer->code, err);
    free(rej);
    free(flags);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* A printable label for a connection the ZAP handler named no child of ours: its routing id
 * (cannot happen while the handler admits only children; kept so the quarantine says who). */
static void id_label(const zmq_msg_t *id, char *out, size_t outlen)
{
    const unsigned char *b = zmq_msg_data((zmq_msg_t *)id);
    size_t n = zmq_msg_size((zmq_msg_t *)id);
    size_t used = (size_t)snprintf(out, outlen, "unknown:");
    for (size_t i = 0; i < n && i < 16 && used + 3 < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%02x", b[i]);
}

/* The child whose key the connection was admitted with (the User-Id libzmq stamps on the
 * frames it reads, not on the routing id the ROUTER puts before them), or NULL. The routing id
 * says nothing of who sent it. */
static fq_peer_t *sender_of(fq_link_t *link, zmq_msg_t *body)
{
    const char *user = zmq_msg_gets(body, "User-Id");
    fq_peer_t *peer = user ? fq_link_find_peer(link, user) : NULL;
    return peer && peer->is_child ? peer : NULL;
}

/* Read one frame from the ROUTER: [routing id][body]. Returns false when nothing is waiting. */
static bool read_down(fq_link_t *link, fq_frame_t *f)
{
    zmq_msg_init(&f->id);
    zmq_msg_init(&f->body);
    if (zmq_msg_recv(&f->id, link->down, ZMQ_DONTWAIT) < 0)
        return false;
    f->malformed = !zmq_msg_more(&f->id) || zmq_msg_recv(&f->body, link->down, 0) < 0;
    f->malformed = fq_zsock_drain(link->down) || f->malformed;
    size_t idlen = zmq_msg_size(&f->id);
    f->peer = sender_of(link, &f->body);
    if (f->peer && idlen <= sizeof f->peer->route) { /* where it is answered from now on */
        memcpy(f->peer->route, zmq_msg_data(&f->id), idlen);
        f->peer->routelen = idlen;
    }
    if (f->peer)
        snprintf(f->label, sizeof f->label, "%s", f->peer->code);
    else
        id_label(&f->id, f->label, sizeof f->label);
    f->from = (fq_dest_t){.down = true,
                          .id = zmq_msg_data(&f->id),
                          .idlen = idlen,
                          .unit = f->peer ? f->peer->code : ""};
    return true;
}

/* Read one frame from the DEALER: [body], always from the parent. */
static bool read_up(fq_link_t *link, fq_frame_t *f)
{
    zmq_msg_init(&f->id);
    zmq_msg_init(&f->body);
    if (zmq_msg_recv(&f->body, link->up, ZMQ_DONTWAIT) < 0)
        return false;
    f->malformed = fq_zsock_drain(link->up);
    f->peer = &link->peers[0];
    snprintf(f->label, sizeof f->label, "%s", f->peer->code);
    f->from = fq_link_dest_of(f->peer);
    return true;
}

/* What an ack or a heartbeat in F says, and that its sender is there. */
static void take_unsequenced(fq_link_t *link, fq_db_t *db, const fq_frame_t *f)
{
    on_heard(f->peer, f->env);
    if (f->env->body_case == FQ__ENVELOPE__BODY_ACK)
        take_ack(link, db, f->peer, f->env->ack);
}

void fq_link_take_unsequenced(fq_link_t *link, fq_db_t *db, fq_link_batch_t *batch)
{
    for (size_t i = 0; i < batch->n; i++) {
        const fq_frame_t *f = &batch->frames[i];
        if (f->bad)
            continue;
        if (fq_link_sequenced(f->env))
            on_heard(f->peer, f->env);
        else
            take_unsequenced(link, db, f);
    }
    settle_acks(link, db);
}

void fq_link_handle(fq_link_t *link, fq_db_t *db, fq_link_batch_t *batch)
{
    fq_frame_t *frames = batch->frames;
    size_t n = batch->n;
    fq_frame_t *run[FQ_LINK_BATCH_MAX];
    for (size_t i = 0; i < n;) {
        fq_frame_t *f = &frames[i];
        if (f->bad) {
            refuse(link, db, f);
            i++;
            continue;
        }
        if (!fq_link_sequenced(f->env)) {
            take_unsequenced(link, db, f);
            i++;
            continue;
        }
        on_heard(f->peer, f->env);
        size_t len = 0;
        while (i < n && !frames[i].bad && frames[i].peer == f->peer &&
               fq_link_sequenced(frames[i].env))
            run[len++] = &frames[i++];
        fq_link_apply_run(link, db, f->peer, run, len);
    }
    settle_acks(link, db);
}

/* Read the next frame from the down socket (DOWN) or the up one into F, checked and decoded;
 * false when nothing is waiting. */
static bool read_frame(fq_link_t *link, bool down, fq_frame_t *f)
{
    bool got = down ? read_down(link, f) : read_up(link, f);
    if (got)
        classify(link, f);
    else { /* the pair init'ed for a read that found nothing */
        zmq_msg_close(&f->id);
        zmq_msg_close(&f->body);
    }
    return got;
}

void fq_link_read(fq_link_t *link, fq_link_batch_t *batch, const zmq_pollitem_t *items, int n)
{
    for (int i = 0; i < n; i++) {
        bool down = items[i].socket == link->down;
        if (!(items[i].revents & ZMQ_POLLIN) || (!down && items[i].socket != link->up))
            continue;
        while (batch->n < FQ_LINK_BATCH_MAX && read_frame(link, down, &batch->frames[batch->n]))
            batch->n++;
    }
}

void fq_link_batch_free(fq_link_batch_t *batch)
{
    if (!batch)
        return;
    for (size_t i = 0; i < batch->n; i++) {
        fq_frame_t *f = &batch->frames[i];
        if (f->env)
            fq__envelope__free_unpacked(f->env, NULL);
        zmq_msg_close(&f->id);
        zmq_msg_close(&f->body);
    }
    free(batch);
}
