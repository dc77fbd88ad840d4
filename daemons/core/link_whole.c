/* link_whole.c - runs of copies of cases new to this unit, sent to the database whole.
 *
 * In a drain after a link was down, or a wave of escalations, most runs are copies of cases the
 * receiver has never held. Such a run needs no lookup: its inserts and the move of the inbox go
 * to the server as one transaction sent whole (db_async.c), and the next frames are read and
 * decoded while it commits. What is read meanwhile is held until it fills a batch, which then
 * goes whole behind the run in flight if it can, so the server always has the next run queued;
 * anything else waits until the runs in flight are done, so messages are still applied in the
 * order they came. Each run moves the inbox from where the run before it left it, or fails, so
 * a run behind one that failed fails too. Whether a copy is new is guessed from
 * the copy alone (fq_store_send_new); a wrong guess, or anything else that fails the
 * transaction, costs only time: nothing of it stays, and the run is applied again in a receive
 * transaction (link_recv.c), which decides copy by copy. Acks go out only after the commit. */
#include <stdio.h>
#include <stdlib.h>

#include "link_internal.h"
#include "log.h"
#include "outbox.h"

#define ERRLEN 512

/* A run sent whole, until it is done; it owns the batch its frames are in. */
typedef struct fq_link_sent {
    struct fq_link_sent *next; /* sent after this one */
    fq_link_t *link;
    fq_link_batch_t *batch;
    fq_peer_t *peer;
    uint64_t last; /* the run's last sequence number */
    bool done;
    char why[ERRLEN]; /* why it failed, "" when it committed */
    size_t n;
    fq_frame_t *run[];
} fq_link_sent_t;

/* Where PEER's next run begins: after its last run in flight, else after what it applied. */
static uint64_t applied_by_then(const fq_link_t *link, const fq_peer_t *peer)
{
    uint64_t last = peer->applied;
    for (const fq_link_sent_t *s = link->sent; s; s = s->next)
        if (s->peer == peer)
            last = s->last;
    return last;
}

/* Collect into RUN the sequenced frames of BATCH when it can go whole: every frame usable, the
 * sequenced ones copies from one peer whose inbox is known, next in sequence. Returns how many,
 * 0 when it cannot. Acks and heartbeats among them, from any peer, are taken in apart. */
static size_t whole_run(const fq_link_t *link, const fq_link_batch_t *batch, fq_frame_t **run)
{
    fq_peer_t *peer = NULL;
    uint64_t from = 0;
    size_t m = 0;
    for (size_t i = 0; i < batch->n; i++) {
        fq_frame_t *f = (fq_frame_t *)&batch->frames[i];
        if (f->bad)
            return 0;
        if (!fq_link_sequenced(f->env))
            continue;
        if (peer && f->peer != peer)
            return 0;
        if (!peer)
            from = applied_by_then(link, f->peer);
        peer = f->peer;
        if (f->env->body_case != FQ__ENVELOPE__BODY_SYNC || f->env->seq != from + m + 1)
            return 0;
        run[m++] = f;
    }
    return peer && peer->loaded ? m : 0;
}

/* The outcome of a run sent whole: acked now when it committed; when it failed, it is applied
 * again by fq_link_serve_held, which must not use the database here. */
static void on_done(void *arg, PGresult *kept, const char *err)
{
    fq_link_sent_t *s = arg;
    PQclear(kept);
    s->done = true;
    if (err) {
        snprintf(s->why, sizeof s->why, "%s", err);
        return;
    }
    s->peer->applied = s->last;
    fq_dest_t to = fq_link_dest_of(s->peer);
    fq_link_send_ack(s->link, &to, s->last, 0, NULL);
}

typedef enum {
    S_SENT,    /* in flight: S is in link->sent */
    S_NOT_NEW, /* nothing sent: the run goes the other way */
    S_LOST     /* the transaction is lost: nothing is acked, the peer resends */
} s_send_rc_t;

/* Send S's run whole: its copies' inserts, then the move of the inbox from where the run
 * begins. */
static s_send_rc_t send_run(fq_link_t *link, fq_db_t *db, fq_link_sent_t *s, char *err,
                            size_t errlen)
{
    uint64_t from = s->last - s->n;
    const Fq__Envelope **envs = calloc(s->n, sizeof *envs);
    if (!envs) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < s->n; i++)
        envs[i] = s->run[i]->env;
    const fq_link_handler_t *h = &link->handler;
    fq_store_rc_t rc = h->send_new(h->arg, s->peer->code, envs, s->n, err, errlen);
    free(envs);
    if (rc == FQ_STORE_REFUSED)
        return S_NOT_NEW;
    /* from here on anything that fails has lost the transaction: nothing is acked */
    if (rc != FQ_STORE_OK ||
        fq_inbox_send_move(db, link->self->code, s->peer->code, from, s->last, err, errlen) < 0 ||
        fq_db_async_end(db, on_done, s, err, errlen) < 0) {
        fq_warn("%zu message(s) from %s not applied, not acked: %s", s->n, s->peer->code, err);
        return S_LOST;
    }
    fq_link_sent_t **tail = &link->sent;
    while (*tail)
        tail = &(*tail)->next;
    *tail = s;
    return S_SENT;
}

/* Finish the runs sent whole that are done, oldest first: one that failed is applied in a
 * receive transaction now, before anything read after it. */
static void finish_done(fq_link_t *link, fq_db_t *db)
{
    while (link->sent && link->sent->done) {
        fq_link_sent_t *s = link->sent;
        link->sent = s->next;
        if (s->why[0] && fq_db_connected(db)) {
            fq_info("%zu copies from %s not taken whole, applying them again: %s",
                    s->n, s->peer->code, s->why);
            fq_link_apply_run(link, db, s->peer, s->run, s->n);
        } /* without the database nothing can be committed: nothing is acked, the peer resends */
        fq_link_batch_free(s->batch);
        free(s);
    }
}

/* Handle BATCH with its run sent whole if it can go so; BATCH is then the run's (in link->sent)
 * or freed. False when it cannot, with nothing of BATCH handled. */
static bool try_whole(fq_link_t *link, fq_db_t *db, fq_link_batch_t *batch)
{
    if (!link->handler.send_new || !fq_db_async_room(db))
        return false;
    fq_link_sent_t *s = calloc(1, sizeof *s + batch->n * sizeof s->run[0]);
    if (!s)
        return false;
    s->n = whole_run(link, batch, s->run);
    if (s->n == 0) {
        free(s);
        return false;
    }
    s->link = link;
    s->batch = batch;
    s->peer = s->run[0]->peer;
    s->last = s->run[s->n - 1]->env->seq;
    fq_link_take_unsequenced(link, db, batch);
    char err[ERRLEN];
    s_send_rc_t rc = send_run(link, db, s, err, sizeof err);
    if (rc == S_SENT)
        return true;
    if (rc == S_NOT_NEW) { /* as far as the copies tell: after the runs in flight, which may
                            * yet fail and be applied again */
        fq_db_async_settle(db);
        finish_done(link, db);
        fq_link_apply_run(link, db, s->peer, s->run, s->n);
    }
    fq_link_batch_free(batch);
    free(s);
    return true;
}

void fq_link_serve_held(fq_link_t *link, fq_db_t *db)
{
    finish_done(link, db);
    fq_link_batch_t *batch = link->held;
    /* behind a run in flight, what is read waits until it fills a batch */
    if (!batch || batch->n == 0 || (link->sent && batch->n < FQ_LINK_BATCH_MAX))
        return;
    if (!fq_db_connected(db)) { /* nothing can be committed: nothing is acked, senders resend */
        link->held = NULL;
        fq_link_batch_free(batch);
        return;
    }
    if (try_whole(link, db, batch)) {
        link->held = NULL;
        return;
    }
    if (link->sent) /* the other way waits for the runs in flight, which may yet fail */
        return;
    link->held = NULL;
    fq_link_handle(link, db, batch);
    fq_link_batch_free(batch);
}

void fq_link_on_readable(fq_link_t *link, fq_db_t *db, const zmq_pollitem_t *items, int n)
{
    if (!link->held && !(link->held = calloc(1, sizeof *link->held)))
        return; /* out of memory: read later */
    fq_link_read(link, link->held, items, n);
    fq_link_serve_held(link, db);
}

bool fq_link_wants_more(const fq_link_t *link)
{
    return !link->held || link->held->n < FQ_LINK_BATCH_MAX;
}

void fq_link_whole_destroy(fq_link_t *link)
{
    while (link->sent && link->sent->done) {
        fq_link_sent_t *s = link->sent;
        link->sent = s->next;
        fq_link_batch_free(s->batch);
        free(s);
    } /* one still in flight is the database's callback's: settle the database first */
    link->sent = NULL;
    fq_link_batch_free(link->held);
    link->held = NULL;
}
