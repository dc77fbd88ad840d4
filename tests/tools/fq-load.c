/* fq-load - the benchmark's load generator (scripts/bench): speaks the ops protocol to daemons'
 * ops sockets, as casectl does, from several threads, each with its own socket.
 *
 * usage:
 *   fq-load submit   --endpoint EP --count M [--clients N] [--rate R] [--duration S]
 *                    [--category C] [--title T] [--out FILE] [--refuse-every K] [--pipeline K]
 *   fq-load escalate --community EP --count M [--clients N] [--rate R] [--duration S]
 *                    [--category C] [--title T] [--out FILE] [--pipeline K]
 *   fq-load street   --endpoint EP (--count M | --until-file FILE) [--clients N] [--timeout S]
 *                    [--pipeline K]
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
 *   --pipeline K  each client keeps up to K cases in flight on one DEALER socket (a bulk
 *                 hand-over; with --rate, an open loop: a case is sent when it is due, whatever
 *                 is still in flight, as long as fewer than K are), instead of one request at a
 *                 time on a REQ socket (a closed loop: a client waits for each reply)
 *
 * Prints one JSON line: {"sent":..,"ok":..,"failed":..,"refused":..,"seconds":..,"rate":..,
 * "offered":..,"p50_ms":..,"p99_ms":..,"max_ms":..}. Latencies are per case from its first
 * request to its last reply (one round trip for submit, three for escalate, two for street);
 * rate is ok cases/s; offered is the rate at which cases' first requests went out (cases sent
 * over the time from the start to the last one sent: the load offered, without the wait for
 * the last replies).
 * Exit 0 when every case went through, 1 when some failed, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "fq-load.h"

/* ---- time and latencies ------------------------------------------------------------------- */

double load_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void load_sleep_until(double t)
{
    struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

void load_lat_add(load_lat_t *l, double ms)
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

/* ---- main ------------------------------------------------------------------------------------- */

static int usage(FILE *f, int rc)
{
    fputs(
        "usage: fq-load submit   --endpoint EP --count M [--clients N] [--rate R] [--duration S]\n"
        "                        [--category C] [--title T] [--out FILE] [--refuse-every K]\n"
        "                        [--pipeline K]\n"
        "       fq-load escalate --community EP --count M [as submit, without --refuse-every]\n"
        "       fq-load street   --endpoint EP (--count M | --until-file FILE) [--clients N]\n"
        "                        [--timeout S] [--pipeline K]\n",
        f);
    return rc;
}

static int parse(int argc, char **argv, load_opts_t *o)
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
    *o = (load_opts_t){.mode = argc > 1 ? argv[1] : "",
                       .category = "neighbour",
                       .title = "压力测试：楼上噪音扰民",
                       .clients = 4,
                       .pipeline = 1};
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
        o->pipeline > MAX_PIPELINE || (street && o->rate > 0))
        return -1;
    return 0;
}

/* The requests each case of the mode goes through. */
static void set_chain(load_run_t *run)
{
    static const char *const submit[] = {"submit", NULL};
    static const char *const escalate[] = {"submit", "accept", "escalate", NULL};
    static const char *const street[] = {"accept", "escalate", NULL};
    const char *mode = run->o->mode;
    run->chain = strcmp(mode, "street") == 0     ? street
                 : strcmp(mode, "escalate") == 0 ? escalate
                                                 : submit;
}

/* Rate at which W[0..N) sent cases' first requests: cases over the time to the last one sent. */
static double offered_rate(const load_worker_t *ws, int n, long sent)
{
    double last = ws[0].run->t0;
    for (int i = 0; i < n; i++)
        if (ws[i].last_sent > last)
            last = ws[i].last_sent;
    return last > ws[0].run->t0 ? (double)sent / (last - ws[0].run->t0) : 0.0;
}

static void print_summary(load_worker_t *ws, int n, double seconds)
{
    load_lat_t all = {0};
    long sent = 0, ok = 0, failed = 0, refused = 0;
    for (int i = 0; i < n; i++) {
        sent += ws[i].sent;
        ok += ws[i].ok;
        failed += ws[i].failed;
        refused += ws[i].refused;
        for (size_t j = 0; j < ws[i].lat.n; j++)
            load_lat_add(&all, ws[i].lat.ms[j]);
    }
    if (all.n)
        qsort(all.ms, all.n, sizeof *all.ms, cmp_double);
    printf("{\"sent\":%ld,\"ok\":%ld,\"failed\":%ld,\"refused\":%ld,\"seconds\":%.3f,"
           "\"rate\":%.1f,\"offered\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
           sent, ok, failed, refused, seconds, seconds > 0 ? (double)ok / seconds : 0.0,
           offered_rate(ws, n, sent), quantile(all.ms, all.n, 0.50), quantile(all.ms, all.n, 0.99),
           all.n ? all.ms[all.n - 1] : 0.0);
    free(all.ms);
}

static int open_workers(load_run_t *run, load_worker_t *ws, int n)
{
    for (int i = 0; i < n; i++) {
        /* the last socket is the street's lister, always one request at a time */
        int type = run->o->pipeline > 1 && i < n - 1 ? ZMQ_DEALER : ZMQ_REQ;
        ws[i] =
            (load_worker_t){.run = run, .sock = load_open_socket(run->ctx, run->o->endpoint, type)};
        if (!ws[i].sock) {
            fprintf(stderr, "fq-load: cannot connect to %s: %s\n", run->o->endpoint,
                    zmq_strerror(zmq_errno()));
            return -1;
        }
    }
    return 0;
}

/* Run the mode with workers WS (and, for street, one more socket for listing). */
static int drive(load_run_t *run, load_worker_t *ws, int n)
{
    if (strcmp(run->o->mode, "street") == 0)
        return load_run_street(ws, n, &ws[n]);
    for (int i = 0; i < n; i++)
        pthread_create(&ws[i].thread, NULL, load_worker_fn(run->o), &ws[i]);
    for (int i = 0; i < n; i++)
        pthread_join(ws[i].thread, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    load_opts_t o;
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
        return usage(stdout, 0);
    if (parse(argc, argv, &o) < 0)
        return usage(stderr, 2);
    load_run_t run = {.o = &o, .ctx = zmq_ctx_new(), .out_lock = PTHREAD_MUTEX_INITIALIZER};
    set_chain(&run);
    if (o.out && !(run.out = fopen(o.out, "w"))) {
        fprintf(stderr, "fq-load: cannot write %s\n", o.out);
        return 1;
    }
    int n = o.clients;
    load_worker_t *ws = calloc((size_t)n + 1, sizeof *ws);
    int rc = ws && run.ctx && open_workers(&run, ws, n + 1) == 0 ? 0 : -1;
    run.t0 = load_now();
    if (rc == 0)
        rc = drive(&run, ws, n);
    double seconds = load_now() - run.t0;
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
