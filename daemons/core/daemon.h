/* daemon.h - what a tier daemon is: its configuration, database, link and ops socket, run by
 * one zmq_poll loop. communityd, streetd and districtd are fq_daemon_main with their tier. */
#ifndef FQ_DAEMON_H
#define FQ_DAEMON_H

#include <stdint.h>

#include "config.h"
#include "db.h"
#include "link.h"
#include "outbox.h"
#include "store.h"

/* Requests read from the ops socket and held for the next transaction (ops_socket.c); opaque. */
typedef struct fq_ops_held fq_ops_held_t;

typedef struct {
    fq_cfg_t *cfg;
    const fq_unit_cfg_t *self; /* borrowed from cfg */
    fq_db_t *db;
    fq_link_t *link;
    fq_queued_t queued;        /* peers given outbox rows, for the link to look at (outbox.h) */
    void *zctx;
    void *ops;                 /* ROUTER for casectl */
    fq_ops_held_t *ops_held;   /* requests read and not yet served */
    int64_t db_retry_at_ms;    /* monotonic time of the next reconnect attempt */
    int db_backoff_ms;
    int64_t supervise_at_ms;   /* monotonic time of the next supervision pass */
    int64_t replan_at_ms;      /* monotonic time when the prepared statements are next dropped */
} fq_daemon_t;

/* D's store as of now: its database, configuration and unit; what it queues for the neighbours
 * is sent after the loop's turn. */
fq_store_t fq_daemon_store(fq_daemon_t *d);

/* Parse the command line, load the configuration and serve until SIGTERM. Returns the process
 * exit status: 0 after a clean stop, 1 on a failure to start, 2 on a usage error. */
int fq_daemon_main(int argc, char **argv, fq_tier_t tier);

#endif
