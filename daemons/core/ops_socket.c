/* ops_socket.c - the ops socket itself: bind it, read each request off it (framing, the size
 * limit, decoding), hold what was read while a transaction of earlier submissions is in flight,
 * send a read of submissions only to the database as one transaction sent whole, and send every
 * reply back to its caller. What each request does is ops.c's. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#include "log.h"
#include "ops_internal.h"
#include "pb.h"
#include "stats.h"
#include "zsock.h"

/* Decode PAYLOAD into *REQ, or answer the refusal into REP. */
static void decode(fq_daemon_t *d, const void *payload, size_t len, Fq__OpsRequest **req,
                   Fq__OpsReply *rep)
{
    char msg[160];
    if (len > d->cfg->max_message_bytes) {
        snprintf(msg, sizeof msg, "request of %zu bytes exceeds the limit of %zu bytes", len,
                 d->cfg->max_message_bytes);
        fq_ops_reply_status(rep, 2, msg);
        fq_warn("ops: %s", msg);
        return;
    }
    *req = fq__ops_request__unpack(NULL, len, payload);
    if (!*req) {
        fq_ops_reply_status(rep, 2, "malformed request: not a fengqiao OpsRequest");
        fq_warn("ops: refused %zu bytes that are not an OpsRequest", len);
    }
}

static void send_reply(fq_daemon_t *d, zmq_msg_t *id, Fq__OpsReply *rep)
{
    rep->unit = (char *)d->self->code;
    rep->unit_name = d->self->name;
    size_t len = fq__ops_reply__get_packed_size(rep);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
        fq__ops_reply__pack(rep, buf);
        zmq_send(d->ops, zmq_msg_data(id), zmq_msg_size(id), ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send(d->ops, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send(d->ops, buf, len, ZMQ_DONTWAIT);
    }
    free(buf);
    rep->unit = rep->unit_name = NULL; /* borrowed */
}

static void free_reply(Fq__OpsReply *rep)
{
    free(rep->error);
    free(rep->message);
    free(rep->case_no);
    free(rep->report_markdown);
    free(rep->report_csv);
    fq_pb_notices_free(rep->notices, rep->n_notices);
    fq_stats_summary_free(rep->stats);
    fq_pb_cases_free(rep->cases, rep->n_cases);
    fq_link_status_free(rep->links, rep->n_links);
}

/* Read the frames after the routing id: [empty][payload], as a REQ socket sends them. */
static int read_request(void *sock, zmq_msg_t *payload)
{
    zmq_msg_t delim;
    zmq_msg_init(&delim);
    bool ok = zmq_msg_recv(&delim, sock, 0) >= 0 && zmq_msg_size(&delim) == 0 &&
              zmq_msg_more(&delim) && zmq_msg_recv(payload, sock, 0) >= 0;
    zmq_msg_close(&delim);
    return fq_zsock_drain(sock) || !ok ? -1 : 0;
}

static bool read_one(fq_daemon_t *d, fq_ops_pending_t *p)
{
    zmq_msg_init(&p->id);
    fq__ops_reply__init(&p->rep);
    if (zmq_msg_recv(&p->id, d->ops, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&p->id);
        return false;
    }
    zmq_msg_t payload;
    zmq_msg_init(&payload);
    if (!zmq_msg_more(&p->id) || read_request(d->ops, &payload) < 0)
        fq_ops_reply_status(&p->rep, 2,
                            "malformed request: expected [empty delimiter][OpsRequest]");
    else
        decode(d, zmq_msg_data(&payload), zmq_msg_size(&payload), &p->req, &p->rep);
    zmq_msg_close(&payload);
    return true;
}

/* Send every reply of PENDING[0..N) and free them with it. */
static void answer_all(fq_daemon_t *d, fq_ops_pending_t *pending, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        send_reply(d, &pending[i].id, &pending[i].rep);
        free_reply(&pending[i].rep);
        if (pending[i].req)
            fq__ops_request__free_unpacked(pending[i].req, NULL);
        zmq_msg_close(&pending[i].id);
    }
    free(pending);
}

/* A read of submissions only, taken in as a transaction sent whole, waiting for its outcome. */
typedef struct {
    fq_daemon_t *d;
    fq_ops_pending_t *pending;
    size_t n;
    fq_submission_t subs[];
} s_whole_t;

/* The outcome of a transaction of submissions: each is answered now, none before it. */
static void on_submitted(void *arg, PGresult *numbered, const char *err)
{
    s_whole_t *w = arg;
    char why[FQ_OPS_ERRLEN];
    snprintf(why, sizeof why, "%s", err ? err : "");
    if (!err && fq_store_take_numbers(w->subs, w->n, numbered) < 0)
        snprintf(why, sizeof why, "the new cases came back without their numbers");
    PQclear(numbered);
    for (size_t i = 0; i < w->n; i++) {
        const fq_submission_t *s = &w->subs[i];
        Fq__OpsReply *rep = &w->pending[i].rep;
        if (s->rc == FQ_STORE_REFUSED)
            fq_ops_reply_rc(rep, FQ_STORE_REFUSED, s->err);
        else if (why[0])
            fq_ops_reply_rc(rep, FQ_STORE_DBERR, why);
        else {
            fq_info("case %s submitted: %s", s->case_no, s->in->title);
            fq_ops_reply_submitted(w->d, w->pending[i].req, rep, s->case_no, s->uuid);
        }
    }
    answer_all(w->d, w->pending, w->n);
    free(w);
}

static bool all_submissions(const fq_ops_pending_t *pending, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!fq_ops_is_submission(&pending[i]))
            return false;
    return n > 0;
}

/* Take in PENDING[0..N), all submissions, as a transaction sent whole, so that the next
 * requests are read while the server writes and commits these. Returns true when it was sent:
 * PENDING is then on_submitted's. */
static bool submit_whole(fq_daemon_t *d, fq_ops_pending_t *pending, size_t n)
{
    if (!all_submissions(pending, n) || !fq_db_async_room(d->db))
        return false;
    s_whole_t *w = calloc(1, sizeof *w + n * sizeof w->subs[0]);
    if (!w)
        return false;
    *w = (s_whole_t){d, pending, n};
    for (size_t i = 0; i < n; i++)
        w->subs[i] =
            (fq_submission_t){.in = pending[i].req->new_case, .actor = pending[i].req->actor};
    char err[FQ_OPS_ERRLEN];
    fq_store_t st = fq_daemon_store(d);
    int before = fq_db_async_in_flight(d->db);
    if (fq_store_submit_whole(&st, w->subs, n, on_submitted, w, err, sizeof err) == FQ_STORE_OK) {
        if (before) /* the overlap this is for: the server has the next one queued */
            fq_info("ops: %zu submissions sent whole behind %d in flight", n, before);
        return true;
    }
    free(w); /* all refused, or not sent: answered as any other read is */
    return false;
}

/* Requests read and not yet served: submissions gathered while a transaction is in flight,
 * to go to the server together as the next one. */
struct fq_ops_held {
    fq_ops_pending_t *pending; /* FQ_OPS_DRAIN_MAX of them, or NULL */
    size_t n;
};

/* Submissions wait while a transaction is in flight, until they fill a batch: one transaction
 * of many costs the server less than two of a few, and at a light load nothing is in flight. */
static bool wait_for_more(fq_daemon_t *d, const fq_ops_held_t *h)
{
    if (!fq_db_connected(d->db) || !all_submissions(h->pending, h->n))
        return false;
    return !fq_db_async_room(d->db) || (fq_db_async_in_flight(d->db) && h->n < FQ_OPS_DRAIN_MAX);
}

void fq_ops_serve_held(fq_daemon_t *d)
{
    fq_ops_held_t *h = d->ops_held;
    if (h->n == 0 || wait_for_more(d, h))
        return;
    fq_ops_pending_t *pending = h->pending;
    size_t n = h->n;
    *h = (fq_ops_held_t){0};
    if (submit_whole(d, pending, n))
        return;
    fq_ops_serve_batch(d, pending, n);
    answer_all(d, pending, n);
}

bool fq_ops_wants_more(const fq_daemon_t *d)
{
    return d->ops_held->n < FQ_OPS_DRAIN_MAX;
}

void fq_ops_on_readable(fq_daemon_t *d)
{
    fq_ops_held_t *h = d->ops_held;
    if (!h->pending && !(h->pending = calloc(FQ_OPS_DRAIN_MAX, sizeof *h->pending)))
        return;
    while (h->n < FQ_OPS_DRAIN_MAX && read_one(d, &h->pending[h->n]))
        h->n++;
    fq_ops_serve_held(d);
}

void fq_ops_close(fq_daemon_t *d)
{
    fq_ops_held_t *h = d->ops_held;
    if (h && h->n) { /* answered now, as the last of the requests */
        fq_db_async_settle(d->db);
        fq_ops_serve_batch(d, h->pending, h->n);
        answer_all(d, h->pending, h->n);
    } else if (h)
        free(h->pending);
    free(h);
    d->ops_held = NULL;
    if (d->ops)
        zmq_close(d->ops);
    d->ops = NULL;
}

void *fq_ops_open(fq_daemon_t *d, char *err, size_t errlen)
{
    if (!(d->ops_held = calloc(1, sizeof *d->ops_held))) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    void *s = zmq_socket(d->zctx, ZMQ_ROUTER);
    int zero = 0;
    int64_t cap = (int64_t)d->cfg->max_message_bytes * 4 + 4096;
    if (!s || zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) < 0 ||
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &cap, sizeof cap) < 0 ||
        zmq_bind(s, d->self->ops) < 0) {
        snprintf(err, errlen, "cannot bind the ops endpoint %s: %s", d->self->ops,
                 zmq_strerror(zmq_errno()));
        if (s)
            zmq_close(s);
        return NULL;
    }
    return s;
}
