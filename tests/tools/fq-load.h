/* fq-load.h - what the load generator's files share (fq-load.c: options, workers, summary;
 * load_ops.c: one request and its reply; load_chain.c: a case's chain of requests, one at a
 * time or pipelined; load_street.c: the street's operator). */
#ifndef FQ_LOAD_H
#define FQ_LOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
} load_opts_t;

typedef struct {
    double *ms;
    size_t n, cap;
} load_lat_t;

typedef struct {
    const load_opts_t *o;
    void *ctx;
    double t0;                /* start, CLOCK_MONOTONIC seconds */
    atomic_long next;         /* next case index to take */
    pthread_mutex_t out_lock; /* --out and stderr */
    FILE *out;
    const char *const *chain; /* the requests each case goes through, in order; NULL ends it */
    char **batch; /* street: case numbers of the current batch */
    long nbatch;
} load_run_t;

typedef struct {
    load_run_t *run;
    pthread_t thread;
    void *sock;
    load_lat_t lat;
    long sent, ok, failed, refused;
    double last_sent; /* when it last sent a case's first request */
} load_worker_t;

typedef void *(*load_thread_fn)(void *);

/* ---- fq-load.c: time and latencies */
double load_now(void);           /* CLOCK_MONOTONIC, seconds */
void load_sleep_until(double t); /* until load_now() reaches T */
void load_lat_add(load_lat_t *l, double ms);

/* ---- load_ops.c: one request and its reply */
void *load_open_socket(void *ctx, const char *endpoint, int type);  /* NULL on failure */
void load_say(load_worker_t *w, const char *what, const char *why); /* to stderr */
/* Packed request BUF over W's REQ socket; the reply (caller frees) or NULL. */
Fq__OpsReply *load_exchange(load_worker_t *w, const char *verb, const uint8_t *buf, size_t len);
Fq__OpsReply *load_call(load_worker_t *w, const Fq__OpsRequest *req);
Fq__OpsReply *load_call_ok(load_worker_t *w, const Fq__OpsRequest *req); /* NULL unless status 0 */
bool load_meant_to_fail(const load_opts_t *o, long idx);                 /* --refuse-every */
uint8_t *load_pack_submit(const load_worker_t *w, long idx, size_t *len);
uint8_t *load_pack_act(const char *verb, const char *case_no, size_t *len);
/* What a reply says (each frees REP): see load_ops.c. */
int load_submit_outcome(load_worker_t *w, long idx, Fq__OpsReply *rep, char case_no[64]);
int load_act_outcome(load_worker_t *w, const char *verb, const char *case_no, Fq__OpsReply *rep);
void load_record(load_worker_t *w, const char *case_no); /* to --out */

/* ---- load_chain.c: the thread each worker runs, pipelined or one request at a time */
load_thread_fn load_worker_fn(const load_opts_t *o);

/* ---- load_street.c: play the street's operator with workers WS[0..N), listing on LISTER */
int load_run_street(load_worker_t *ws, int n, load_worker_t *lister);

#endif
