/* fq-load - the benchmark's load generator (scripts/bench): speaks the ops protocol to daemons'
 * ops sockets, as casectl does, from several threads, each with its own REQ socket.
 *
 * usage:
 *   fq-load submit   --endpoint EP --count M [--clients N] [--rate R] [--duration S]
 *                    [--category C] [--title T] [--out FILE] [--refuse-every K] [--pipeline K]
 *   fq-load escalate --community EP --count M [--clients N] [--rate R] [--duration S]
 *                    [--category C] [--title T] [--out FILE]
 *   fq-load street   --endpoint EP (--count M | --until-file FILE) [--clients N] [--timeout S]
 *
 *   submit    takes M cases in (a submit's reply comes after the daemon's commit)
 *   escalate  per case: submit, accept, escalate at the community (it then travels up)
 *   street    plays the street's operator: lists the escalated cases it holds (oldest 1000
 *             first), accepts and escalates each, until it has forwarded M cases, or until
 *             FILE exists and nothing is left to forward
 *
 *   --clients N   concurrent clients (threads), default 4
 *   --rate R      offered load in cases/s over all clients, paced from the start (a late
 *                 case is sent at once, not skipped); default: as fast as the replies come
 *   --duration S  stop taking new cases after S seconds, even before M
 *   --out FILE    the case numbers that went through, one a line
 *   --refuse-every K  submit: every K-th case names an unknown category; the daemon must refuse
 *                 it (counted as "refused") while the others around it go through
 *   --timeout S   street: give up after S seconds (default 0: never)
 *   --pipeline K  submit: each client keeps up to K submissions in flight on one DEALER socket
 *                 (a bulk hand-over), instead of one at a time on a REQ socket; not with --rate
 *
 * Prints one JSON line: {"sent":..,"ok":..,"failed":..,"refused":..,"seconds":..,"rate":..,
 * "p50_ms":..,"p99_ms":..,"max_ms":..}. Latencies are per case from its first request to its last reply
 * (one round trip for submit, three for escalate, two for street); rate is ok cases/s.
 * Exit 0 when every case went through, 1 when some failed, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "fengqiao.pb-c.h"

#define MAX_CLIENTS 256
#define MAX_PIPELINE 4096
#define CALL_TIMEOUT_MS 60000
#define MAX_REPLY (256 * 1024 * 1024)
#define STREET_BATCH 1000

typedef struct {
    const char *mode, *endpoint, *category, *title, *out, *until_file;
    int clients, pipeline;
    long refuse_every;
    long count;
    double rate, duration, timeout_s;
} s_opts_t;

typedef struct {
    double *ms;
    size_t n, cap;
} s_lat_t;

typedef struct {
    const s_opts_t *o;
    void *ctx;
    double t0;                 /* start, CLOCK_MONOTONIC seconds */
    atomic_long next;          /* next case index to take */
    pthread_mutex_t out_lock;  /* --out and stderr */
    FILE *out;
    char **batch;              /* street: case numbers of the current batch */
    long nbatch;
} s_run_t;

typedef struct {
    s_run_t *run;
    pthread_t thread;
    void *sock;
    s_lat_t lat;
    long sent, ok, failed, refused;
} s_worker_t;

/* ---- time and latencies ------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void lat_add(s_lat_t *l, double ms)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        double *grown = realloc(l->ms, cap * sizeof *grown);
        if (!grown)
            return;
        l->ms = grown;
        l->cap = cap;
    }
    l->ms[l->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The Q-quantile of sorted MS (nearest rank), 0 when empty. */
static double quantile(const double *ms, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(q * (double)n);
    return ms[i < n ? i : n - 1];
}

/* ---- one exchange ----------------------------------------------------------------------------- */

/* A REQ socket for one request at a time, or a DEALER one for --pipeline. */
static void *open_socket(void *ctx, const char *endpoint, int type)
{
    void *s = zmq_socket(ctx, type);
    int zero = 0, timeout = CALL_TIMEOUT_MS;
    int64_t cap = MAX_REPLY;
    if (s && (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) < 0 ||
              zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) < 0 ||
              zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout) < 0 ||
              zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &cap, sizeof cap) < 0 ||
              zmq_connect(s, endpoint) < 0)) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

static void say(s_worker_t *w, const char *what, const char *why)
{
    pthread_mutex_lock(&w->run->out_lock);
    fprintf(stderr, "fq-load: %s: %s\n", what, why);
    pthread_mutex_unlock(&w->run->out_lock);
}

/* Send the packed request BUF on W's REQ socket and return the reply, or NULL. A REQ socket
 * that timed out is stuck waiting for its reply, so it is replaced by a fresh one. */
static Fq__OpsReply *exchange(s_worker_t *w, const char *verb, const uint8_t *buf, size_t len)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    Fq__OpsReply *rep = NULL;
    if (w->sock && zmq_send(w->sock, buf, len, 0) >= 0 && zmq_msg_recv(&msg, w->sock, 0) >= 0)
        rep = fq__ops_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
    else {
        say(w, verb, "no answer within the timeout; reconnecting");
        zmq_close(w->sock);
        w->sock = open_socket(w->run->ctx, w->run->o->endpoint, ZMQ_REQ);
    }
    zmq_msg_close(&msg);
    return rep;
}

/* REQ packed; caller frees; NULL when out of memory. */
static uint8_t *pack_request(const Fq__OpsRequest *req, size_t *len)
{
    *len = fq__ops_request__get_packed_size(req);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf)
        fq__ops_request__pack(req, buf);
    return buf;
}

static Fq__OpsReply *call(s_worker_t *w, const Fq__OpsRequest *req)
{
    size_t len;
    uint8_t *buf = pack_request(req, &len);
    Fq__OpsReply *rep = buf ? exchange(w, req->verb, buf, len) : NULL;
    free(buf);
    return rep;
}

/* Call and check the status; on success return the reply (caller frees), else NULL. */
static Fq__OpsReply *call_ok(s_worker_t *w, const Fq__OpsRequest *req)
{
    Fq__OpsReply *rep = call(w, req);
    if (rep && rep->status != 0) {
        say(w, req->verb, rep->error ? rep->error : "refused");
        fq__ops_reply__free_unpacked(rep, NULL);
        rep = NULL;
    }
    return rep;
}

/* An action on one case (accept, escalate): 0 when done and the reply shows that very case in
 * the state the action leads to (a daemon answering many requests at once must not mix them
 * up). */
static int act(s_worker_t *w, const char *verb, const char *case_no, const char *leads_to)
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = (char *)verb;
    req.case_ref = (char *)case_no;
    req.actor = "fq-load";
    Fq__OpsReply *rep = call_ok(w, &req);
    if (!rep)
        return -1;
    const Fq__Case *c = rep->n_cases == 1 ? rep->cases[0] : NULL;
    int rc = c && c->case_no && strcmp(c->case_no, case_no) == 0 && c->state &&
                     strcmp(c->state, leads_to) == 0
                 ? 0
                 : -1;
    if (rc < 0)
        say(w, case_no, "the reply does not show this case in the state the action leads to");
    fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}

/* Is case IDX one the daemon must refuse (--refuse-every)? */
static bool meant_to_fail(const s_opts_t *o, long idx)
{
    return o->refuse_every > 0 && idx % o->refuse_every == o->refuse_every - 1;
}

/* Case IDX's title: --title and its index, so a reply shows which case it is about. */
static void case_title(const s_worker_t *w, long idx, char title[160])
{
    snprintf(title, 160, "%s #%ld", w->run->o->title, idx);
}

/* The submission of case IDX, packed (caller frees): about 300 bytes of text, like a real one. */
static uint8_t *pack_submit(const s_worker_t *w, long idx, size_t *len)
{
    static const char description[] =
        "楼上住户深夜多次发出噪音，影响休息，双方协商未果，申请人请求社区网格员上门调解，"
        "并希望物业配合核实情况、留存记录。";
    char title[160];
    case_title(w, idx, title);
    Fq__Party party = FQ__PARTY__INIT, *parties[] = {&party};
    party.name = "王某";
    party.phone = "13800138000";
    party.role = "applicant";
    Fq__Case c = FQ__CASE__INIT;
    c.title = title;
    c.description = (char *)description;
    c.category = meant_to_fail(w->run->o, idx) ? "no-such-category"
                                               : (char *)w->run->o->category;
    c.source = "grid";
    c.address = "光明区东周社区1栋";
    c.n_parties = 1;
    c.parties = parties;
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "submit";
    req.actor = "fq-load";
    req.new_case = &c;
    return pack_request(&req, len);
}

/* Does REP show case IDX itself (its title)? A daemon answering many requests at once must not
 * mix them up. */
static bool shows_case(const s_worker_t *w, long idx, const Fq__OpsReply *rep)
{
    char title[160];
    case_title(w, idx, title);
    return rep->n_cases > 0 && rep->cases[0]->case_no && rep->cases[0]->title &&
           strcmp(rep->cases[0]->title, title) == 0;
}

/* What the reply REP (NULL: none came) to case IDX's submission says: 0 taken in, its number
 * to CASE_NO; 1 refused; -1 no answer, or an answer about another case. Frees REP. */
static int submit_outcome(s_worker_t *w, long idx, Fq__OpsReply *rep, char case_no[64])
{
    if (!rep)
        return -1;
    int rc = rep->status != 0 ? 1 : shows_case(w, idx, rep) ? 0 : -1;
    if (rc < 0)
        say(w, "submit", "the reply does not show the case submitted");
    if (rc == 1 && !meant_to_fail(w->run->o, idx))
        say(w, "submit", rep->error ? rep->error : "refused");
    if (rc == 0)
        snprintf(case_no, 64, "%s", rep->cases[0]->case_no);
    fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}

/* Take case IDX in over W's REQ socket; see submit_outcome. */
static int submit(s_worker_t *w, long idx, char case_no[64])
{
    size_t len;
    uint8_t *buf = pack_submit(w, idx, &len);
    Fq__OpsReply *rep = buf ? exchange(w, "submit", buf, len) : NULL;
    free(buf);
    return submit_outcome(w, idx, rep, case_no);
}

static void record(s_worker_t *w, const char *case_no)
{
    if (!w->run->out)
        return;
    pthread_mutex_lock(&w->run->out_lock);
    fprintf(w->run->out, "%s\n", case_no);
    pthread_mutex_unlock(&w->run->out_lock);
}

/* ---- submit and escalate: paced intake -------------------------------------------------------- */

/* The index of the next case to send, after waiting for its turn; -1 when there is none. */
static long take_turn(s_run_t *run)
{
    const s_opts_t *o = run->o;
    long idx = atomic_fetch_add(&run->next, 1);
    if (idx >= o->count || (o->duration > 0 && now_s() - run->t0 >= o->duration))
        return -1;
    if (o->rate > 0)
        sleep_until(run->t0 + (double)idx / o->rate);
    return idx;
}

/* Judge submission outcome RC (submit_outcome) by what case IDX was meant to do: 0 taken in,
 * 1 refused as it was meant to be, -1 otherwise. */
static int submit_verdict(s_worker_t *w, long idx, int rc, const char *case_no)
{
    if (!meant_to_fail(w->run->o, idx))
        return rc == 0 ? 0 : -1;
    if (rc == 0)
        say(w, case_no, "taken in although its category is unknown");
    return rc == 1 ? 1 : -1;
}

/* One case through the MODE's requests: 0 when all succeeded, 1 when refused as it was
 * meant to be, -1 otherwise. */
static int one_case(s_worker_t *w, long idx)
{
    char case_no[64] = "";
    int rc = submit_verdict(w, idx, submit(w, idx, case_no), case_no);
    if (rc != 0)
        return rc;
    if (strcmp(w->run->o->mode, "escalate") == 0 &&
        (act(w, "accept", case_no, "accepted") < 0 ||
         act(w, "escalate", case_no, "escalated") < 0))
        return -1;
    record(w, case_no);
    return 0;
}

/* Count a case's verdict RC; a case that went through also counts its latency from START. */
static void tally(s_worker_t *w, int rc, double start)
{
    if (rc == 0) {
        w->ok++;
        lat_add(&w->lat, (now_s() - start) * 1000.0);
    } else if (rc == 1)
        w->refused++;
    else
        w->failed++;
}

static void *intake_thread(void *arg)
{
    s_worker_t *w = arg;
    long idx;
    while ((idx = take_turn(w->run)) >= 0) {
        double start = now_s();
        w->sent++;
        tally(w, one_case(w, idx), start);
    }
    return NULL;
}

/* ---- submit --pipeline: many submissions in flight per client ---------------------------- */

typedef struct {
    long idx;
    double start;
} s_flight_t;

/* Send case IDX's submission on W's DEALER socket as [empty][request], as REQ would. */
static int send_submit(s_worker_t *w, long idx)
{
    size_t len;
    uint8_t *buf = pack_submit(w, idx, &len);
    int rc = buf && zmq_send(w->sock, "", 0, ZMQ_SNDMORE) >= 0 &&
                     zmq_send(w->sock, buf, len, 0) >= 0
                 ? 0
                 : -1;
    free(buf);
    return rc;
}

/* The next reply on W's DEALER socket ([empty][reply]), or NULL after the timeout. */
static Fq__OpsReply *recv_reply(s_worker_t *w)
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

/* Keep up to --pipeline submissions in flight. The daemon answers one connection's requests in
 * the order they came, so each reply belongs to the oldest case still in flight. */
static void *pipeline_thread(void *arg)
{
    s_worker_t *w = arg;
    size_t depth = (size_t)w->run->o->pipeline, head = 0, inflight = 0;
    s_flight_t *ring = calloc(depth, sizeof *ring);
    bool more = ring != NULL;
    while (more || inflight > 0) {
        long idx;
        while (more && inflight < depth && (more = (idx = take_turn(w->run)) >= 0)) {
            w->sent++;
            if (send_submit(w, idx) < 0) {
                say(w, "submit", "cannot send");
                w->failed++;
                more = false;
                break;
            }
            ring[(head + inflight++) % depth] = (s_flight_t){idx, now_s()};
        }
        if (inflight == 0)
            break;
        Fq__OpsReply *rep = recv_reply(w);
        if (!rep) {
            say(w, "submit", "no answer within the timeout");
            w->failed += (long)inflight;
            break;
        }
        s_flight_t f = ring[head];
        head = (head + 1) % depth;
        inflight--;
        char case_no[64] = "";
        int rc = submit_verdict(w, f.idx, submit_outcome(w, f.idx, rep, case_no), case_no);
        if (rc == 0)
            record(w, case_no);
        tally(w, rc, f.start);
    }
    free(ring);
    return NULL;
}

/* ---- street: the operator ------------------------------------------------------------------- */

/* A list of the escalated cases the street holds: OFFSET, LIMIT; NULL on failure. */
static Fq__OpsReply *list_held(s_worker_t *w, const char *unit, unsigned offset, unsigned limit)
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "list";
    req.state_filter = "escalated";
    req.unit_filter = (char *)unit;
    req.has_limit = req.has_offset = 1;
    req.limit = limit;
    req.offset = offset;
    return call_ok(w, &req);
}

/* The oldest (up to STREET_BATCH) escalated cases the street holds, into run->batch, oldest
 * first (list pages newest first). Returns how many, -1 on failure. */
static long fetch_batch(s_worker_t *w, const char *unit, long want)
{
    Fq__OpsReply *rep = list_held(w, unit, 0, 1);
    if (!rep)
        return -1;
    unsigned total = rep->total;
    fq__ops_reply__free_unpacked(rep, NULL);
    unsigned limit = (unsigned)(want < STREET_BATCH ? want : STREET_BATCH);
    if (total == 0 || limit == 0)
        return 0;
    rep = list_held(w, unit, total > limit ? total - limit : 0, limit);
    if (!rep)
        return -1;
    s_run_t *run = w->run;
    run->nbatch = 0;
    for (size_t i = rep->n_cases; i-- > 0;)
        if (rep->cases[i]->case_no)
            run->batch[run->nbatch++] = strdup(rep->cases[i]->case_no);
    fq__ops_reply__free_unpacked(rep, NULL);
    return run->nbatch;
}

static void *street_thread(void *arg)
{
    s_worker_t *w = arg;
    s_run_t *run = w->run;
    long idx;
    while ((idx = atomic_fetch_add(&run->next, 1)) < run->nbatch) {
        const char *case_no = run->batch[idx];
        double start = now_s();
        w->sent++;
        if (act(w, "accept", case_no, "accepted") == 0 &&
            act(w, "escalate", case_no, "escalated") == 0) {
            w->ok++;
            lat_add(&w->lat, (now_s() - start) * 1000.0);
            record(w, case_no);
        } else
            w->failed++;
    }
    return NULL;
}

/* Accept and escalate run->batch with every worker; the main thread's socket lists. */
static void forward_batch(s_worker_t *ws, int n)
{
    s_run_t *run = ws[0].run;
    atomic_store(&run->next, 0);
    for (int i = 0; i < n; i++)
        pthread_create(&ws[i].thread, NULL, street_thread, &ws[i]);
    for (int i = 0; i < n; i++)
        pthread_join(ws[i].thread, NULL);
    for (long i = 0; i < run->nbatch; i++)
        free(run->batch[i]);
    run->nbatch = 0;
}

static long forwarded(const s_worker_t *ws, int n)
{
    long ok = 0;
    for (int i = 0; i < n; i++)
        ok += ws[i].ok;
    return ok;
}

/* Should the operator stop, now that nothing is waiting (or the count is reached)? */
static bool street_done(const s_opts_t *o, long done, double t0)
{
    if (o->count > 0 && done >= o->count)
        return true;
    if (o->until_file && access(o->until_file, F_OK) == 0)
        return true;
    return o->timeout_s > 0 && now_s() - t0 >= o->timeout_s;
}

/* The street's own unit code, from a status reply (every reply names the unit). */
static int street_unit(s_worker_t *w, char unit[32])
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "status";
    Fq__OpsReply *rep = call(w, &req);
    int rc = rep && rep->unit ? 0 : -1;
    if (rc == 0)
        snprintf(unit, 32, "%s", rep->unit);
    if (rep)
        fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}

static int run_street(s_worker_t *ws, int n, s_worker_t *lister)
{
    s_run_t *run = ws[0].run;
    const s_opts_t *o = run->o;
    char unit[32];
    if (street_unit(lister, unit) < 0)
        return -1;
    run->batch = calloc(STREET_BATCH, sizeof *run->batch);
    if (!run->batch)
        return -1;
    for (;;) {
        long done = forwarded(ws, n);
        long want = o->count > 0 ? o->count - done : STREET_BATCH;
        long got = want > 0 ? fetch_batch(lister, unit, want) : 0;
        if (got > 0) {
            forward_batch(ws, n);
            continue;
        }
        if (got < 0)
            usleep(100000);
        if (street_done(o, done, run->t0))
            break;
        usleep(5000);
    }
    free(run->batch);
    return 0;
}

/* ---- main ------------------------------------------------------------------------------------- */

static int usage(FILE *f, int rc)
{
    fputs("usage: fq-load submit   --endpoint EP --count M [--clients N] [--rate R] [--duration S]\n"
          "                        [--category C] [--title T] [--out FILE] [--refuse-every K]\n"
          "                        [--pipeline K]\n"
          "       fq-load escalate --community EP --count M [as submit, without --refuse-every\n"
          "                        and --pipeline]\n"
          "       fq-load street   --endpoint EP (--count M | --until-file FILE) [--clients N]\n"
          "                        [--timeout S]\n",
          f);
    return rc;
}

static int parse(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {
        {"endpoint", required_argument, 0, 'e'}, {"community", required_argument, 0, 'e'},
        {"clients", required_argument, 0, 'n'},  {"count", required_argument, 0, 'c'},
        {"rate", required_argument, 0, 'r'},     {"duration", required_argument, 0, 'd'},
        {"category", required_argument, 0, 'C'}, {"title", required_argument, 0, 't'},
        {"out", required_argument, 0, 'o'},      {"until-file", required_argument, 0, 'u'},
        {"timeout", required_argument, 0, 'T'},  {"refuse-every", required_argument, 0, 'R'},
        {"pipeline", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    *o = (s_opts_t){.mode = argc > 1 ? argv[1] : "", .category = "neighbour",
                    .title = "压力测试：楼上噪音扰民", .clients = 4, .pipeline = 1};
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'e': o->endpoint = optarg; break;
        case 'n': o->clients = atoi(optarg); break;
        case 'c': o->count = atol(optarg); break;
        case 'r': o->rate = atof(optarg); break;
        case 'd': o->duration = atof(optarg); break;
        case 'C': o->category = optarg; break;
        case 't': o->title = optarg; break;
        case 'o': o->out = optarg; break;
        case 'u': o->until_file = optarg; break;
        case 'T': o->timeout_s = atof(optarg); break;
        case 'R': o->refuse_every = atol(optarg); break;
        case 'p': o->pipeline = atoi(optarg); break;
        default: return -1;
        }
    }
    bool street = strcmp(o->mode, "street") == 0;
    bool intake = strcmp(o->mode, "submit") == 0 || strcmp(o->mode, "escalate") == 0;
    if (optind != argc || !o->endpoint || o->clients < 1 || o->clients > MAX_CLIENTS ||
        !(street || intake) || (intake && o->count < 1) ||
        (street && o->count < 1 && !o->until_file) || o->refuse_every < 0 ||
        (o->refuse_every > 0 && strcmp(o->mode, "submit") != 0) || o->pipeline < 1 ||
        o->pipeline > MAX_PIPELINE ||
        (o->pipeline > 1 && (strcmp(o->mode, "submit") != 0 || o->rate > 0)))
        return -1;
    return 0;
}

static void print_summary(s_worker_t *ws, int n, double seconds)
{
    s_lat_t all = {0};
    long sent = 0, ok = 0, failed = 0, refused = 0;
    for (int i = 0; i < n; i++) {
        sent += ws[i].sent;
        ok += ws[i].ok;
        failed += ws[i].failed;
        refused += ws[i].refused;
        for (size_t j = 0; j < ws[i].lat.n; j++)
            lat_add(&all, ws[i].lat.ms[j]);
    }
    if (all.n)
        qsort(all.ms, all.n, sizeof *all.ms, cmp_double);
    printf("{\"sent\":%ld,\"ok\":%ld,\"failed\":%ld,\"refused\":%ld,\"seconds\":%.3f,"
           "\"rate\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
           sent, ok, failed, refused, seconds, seconds > 0 ? (double)ok / seconds : 0.0,
           quantile(all.ms, all.n, 0.50), quantile(all.ms, all.n, 0.99),
           all.n ? all.ms[all.n - 1] : 0.0);
    free(all.ms);
}

static int open_workers(s_run_t *run, s_worker_t *ws, int n)
{
    for (int i = 0; i < n; i++) {
        /* the last socket is the street's lister, always one request at a time */
        int type = run->o->pipeline > 1 && i < n - 1 ? ZMQ_DEALER : ZMQ_REQ;
        ws[i] = (s_worker_t){.run = run, .sock = open_socket(run->ctx, run->o->endpoint, type)};
        if (!ws[i].sock) {
            fprintf(stderr, "fq-load: cannot connect to %s: %s\n", run->o->endpoint,
                    zmq_strerror(zmq_errno()));
            return -1;
        }
    }
    return 0;
}

/* Run the mode with workers WS (and, for street, one more socket for listing). */
static int drive(s_run_t *run, s_worker_t *ws, int n)
{
    if (strcmp(run->o->mode, "street") == 0)
        return run_street(ws, n, &ws[n]);
    void *(*fn)(void *) = run->o->pipeline > 1 ? pipeline_thread : intake_thread;
    for (int i = 0; i < n; i++)
        pthread_create(&ws[i].thread, NULL, fn, &ws[i]);
    for (int i = 0; i < n; i++)
        pthread_join(ws[i].thread, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    s_opts_t o;
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
        return usage(stdout, 0);
    if (parse(argc, argv, &o) < 0)
        return usage(stderr, 2);
    s_run_t run = {.o = &o, .ctx = zmq_ctx_new(), .out_lock = PTHREAD_MUTEX_INITIALIZER};
    if (o.out && !(run.out = fopen(o.out, "w"))) {
        fprintf(stderr, "fq-load: cannot write %s\n", o.out);
        return 1;
    }
    int n = o.clients;
    s_worker_t *ws = calloc((size_t)n + 1, sizeof *ws);
    int rc = ws && run.ctx && open_workers(&run, ws, n + 1) == 0 ? 0 : -1;
    run.t0 = now_s();
    if (rc == 0)
        rc = drive(&run, ws, n);
    double seconds = now_s() - run.t0;
    long failed = 0;
    if (rc == 0) {
        print_summary(ws, n, seconds);
        for (int i = 0; i < n; i++)
            failed += ws[i].failed;
    }
    for (int i = 0; ws && i <= n; i++) {
        zmq_close(ws[i].sock);
        free(ws[i].lat.ms);
    }
    free(ws);
    if (run.out)
        fclose(run.out);
    zmq_ctx_term(run.ctx);
    return rc < 0 || failed > 0 ? 1 : 0;
}
