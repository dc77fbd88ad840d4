/* load_chain.c - fq-load's cases, each walking its mode's chain of requests (submit; submit,
 * accept, escalate; accept, escalate): one request at a time on a REQ socket, or many cases in
 * flight on a DEALER socket, sent when due. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fq-load.h"

/* ---- a case's chain of requests ------------------------------------------------------------ */

/* One case on its way through the mode's chain of requests. */
typedef struct {
    long idx;         /* case index (submit, escalate) or index into the street's batch */
    int step;         /* the request of the chain it is at */
    double due;       /* when it is to be sent (--rate), else when it was taken */
    double start;     /* when its first request was sent */
    char case_no[64]; /* once known: from the submit's reply, or the street's list */
} s_flight_t;

/* The next case to send into *F; false when there is none. Paced cases are due at t0 + idx /
 * rate; a late one is sent at once, not skipped. */
static bool next_case(load_run_t *run, s_flight_t *f)
{
    const load_opts_t *o = run->o;
    long idx = atomic_fetch_add(&run->next, 1);
    *f = (s_flight_t){.idx = idx, .due = load_now()};
    if (run->batch) {
        if (idx >= run->nbatch)
            return false;
        snprintf(f->case_no, sizeof f->case_no, "%s", run->batch[idx]);
        return true;
    }
    if (o->rate > 0)
        f->due = run->t0 + (double)idx / o->rate;
    return idx < o->count && !(o->duration > 0 && f->due - run->t0 >= o->duration);
}

/* F's current request, packed (caller frees); NULL when out of memory. */
static uint8_t *pack_step(const load_worker_t *w, const s_flight_t *f, size_t *len)
{
    const char *verb = w->run->chain[f->step];
    return strcmp(verb, "submit") == 0 ? load_pack_submit(w, f->idx, len)
                                       : load_pack_act(verb, f->case_no, len);
}

/* Judge submission outcome RC (load_submit_outcome) by what case IDX was meant to do: 0 taken in,
 * 1 refused as it was meant to be, -1 otherwise. */
static int submit_verdict(load_worker_t *w, long idx, int rc, const char *case_no)
{
    if (!load_meant_to_fail(w->run->o, idx))
        return rc == 0 ? 0 : -1;
    if (rc == 0)
        load_say(w, case_no, "taken in although its category is unknown");
    return rc == 1 ? 1 : -1;
}

/* What REP (NULL: none came), the reply to F's current request, says: 0 done (a submission's
 * case number goes into F), 1 refused as the case was meant to be, -1 otherwise. Frees REP. */
static int step_outcome(load_worker_t *w, s_flight_t *f, Fq__OpsReply *rep)
{
    const char *verb = w->run->chain[f->step];
    if (strcmp(verb, "submit") != 0)
        return load_act_outcome(w, verb, f->case_no, rep);
    int rc = load_submit_outcome(w, f->idx, rep, f->case_no);
    return submit_verdict(w, f->idx, rc, f->case_no);
}

static bool last_step(const load_worker_t *w, const s_flight_t *f)
{
    return w->run->chain[f->step + 1] == NULL;
}

/* F's first request is going out now. */
static void mark_sent(load_worker_t *w, s_flight_t *f)
{
    f->start = w->last_sent = load_now();
    w->sent++;
}

/* Count a case's verdict RC; a case that went through is recorded and counts its latency. */
static void tally(load_worker_t *w, const s_flight_t *f, int rc)
{
    if (rc == 0) {
        w->ok++;
        load_lat_add(&w->lat, (load_now() - f->start) * 1000.0);
        load_record(w, f->case_no);
    } else if (rc == 1)
        w->refused++;
    else
        w->failed++;
}

/* ---- one request at a time (REQ) ------------------------------------------------------------ */

/* Walk F through its chain over W's REQ socket; see step_outcome. */
static int walk_case(load_worker_t *w, s_flight_t *f)
{
    for (;; f->step++) {
        size_t len;
        uint8_t *buf = pack_step(w, f, &len);
        Fq__OpsReply *rep = buf ? load_exchange(w, w->run->chain[f->step], buf, len) : NULL;
        free(buf);
        int rc = step_outcome(w, f, rep);
        if (rc != 0 || last_step(w, f))
            return rc;
    }
}

static void *one_at_a_time_thread(void *arg)
{
    load_worker_t *w = arg;
    s_flight_t f;
    while (next_case(w->run, &f)) {
        load_sleep_until(f.due);
        mark_sent(w, &f);
        tally(w, &f, walk_case(w, &f));
    }
    return NULL;
}

/* ---- --pipeline: many cases in flight per client (DEALER) ----------------------------------- */

/* Send F's current request on W's DEALER socket as [empty][request], as REQ would. */
static int send_step(load_worker_t *w, const s_flight_t *f)
{
    size_t len;
    uint8_t *buf = pack_step(w, f, &len);
    int rc =
        buf && zmq_send(w->sock, "", 0, ZMQ_SNDMORE) >= 0 && zmq_send(w->sock, buf, len, 0) >= 0
            ? 0
            : -1;
    free(buf);
    if (rc < 0)
        load_say(w, w->run->chain[f->step], "cannot send");
    return rc;
}

/* The next reply on W's DEALER socket ([empty][reply]), or NULL after the timeout. */
static Fq__OpsReply *recv_reply(load_worker_t *w)
{
    zmq_msg_t delim, msg;
    zmq_msg_init(&delim);
    zmq_msg_init(&msg);
    Fq__OpsReply *rep = NULL;
    if (zmq_msg_recv(&delim, w->sock, 0) >= 0 && zmq_msg_size(&delim) == 0 &&
        zmq_msg_more(&delim) && zmq_msg_recv(&msg, w->sock, 0) >= 0)
        rep = fq__ops_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
    zmq_msg_close(&delim);
    zmq_msg_close(&msg);
    return rep;
}

/* The cases in flight on one DEALER socket, oldest request first. The daemon answers one
 * connection's requests in the order they came, so each reply is the oldest one's. */
typedef struct {
    s_flight_t *ring;
    size_t depth, head, n;
} s_inflight_t;

static void push_flight(s_inflight_t *q, const s_flight_t *f)
{
    q->ring[(q->head + q->n++) % q->depth] = *f;
}

static s_flight_t pop_flight(s_inflight_t *q)
{
    s_flight_t f = q->ring[q->head];
    q->head = (q->head + 1) % q->depth;
    q->n--;
    return f;
}

/* Milliseconds to wait for a reply: until the next case is due when one may be sent, else
 * the call timeout. */
static long reply_wait_ms(const s_inflight_t *q, bool more, const s_flight_t *next)
{
    if (!more || q->n == q->depth)
        return CALL_TIMEOUT_MS;
    double ms = (next->due - load_now()) * 1000.0;
    return ms <= 0 ? 0 : (long)ms + 1;
}

/* The reply to the oldest case in flight has come: judge it, then send the case's next request
 * or count the case. */
static void on_reply(load_worker_t *w, s_inflight_t *q, Fq__OpsReply *rep)
{
    s_flight_t f = pop_flight(q);
    int rc = step_outcome(w, &f, rep);
    if (rc == 0 && !last_step(w, &f)) {
        f.step++;
        if (send_step(w, &f) == 0) {
            push_flight(q, &f);
            return;
        }
        rc = -1;
    }
    tally(w, &f, rc);
}

/* Keep up to --pipeline cases in flight, each walking its chain, new ones sent when due. */
static void *pipeline_thread(void *arg)
{
    load_worker_t *w = arg;
    s_inflight_t q = {.depth = (size_t)w->run->o->pipeline};
    q.ring = calloc(q.depth, sizeof *q.ring);
    s_flight_t next;
    bool more = q.ring && next_case(w->run, &next);
    while (more || q.n > 0) {
        while (more && q.n < q.depth && next.due <= load_now()) {
            mark_sent(w, &next);
            if (send_step(w, &next) < 0) {
                w->failed++;
                more = false;
                break;
            }
            push_flight(&q, &next);
            more = next_case(w->run, &next);
        }
        long wait = reply_wait_ms(&q, more, &next);
        zmq_pollitem_t item = {.socket = w->sock, .events = ZMQ_POLLIN};
        int ready = q.n > 0 ? zmq_poll(&item, 1, wait) : (load_sleep_until(next.due), 0);
        if (ready < 0 && zmq_errno() != EINTR)
            break;
        if (ready == 0 && wait == CALL_TIMEOUT_MS && q.n > 0) {
            load_say(w, w->run->chain[0], "no answer within the timeout");
            break;
        }
        if (ready > 0)
            on_reply(w, &q, recv_reply(w));
    }
    w->failed += (long)q.n;
    free(q.ring);
    return NULL;
}

/* The thread each worker runs: pipelined, or one request at a time. */
load_thread_fn load_worker_fn(const load_opts_t *o)
{
    return o->pipeline > 1 ? pipeline_thread : one_at_a_time_thread;
}
