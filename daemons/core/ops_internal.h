/* ops_internal.h - what the ops socket's two files share: ops_socket.c (reading and framing
 * requests, holding them, sending submissions whole, answering) and ops.c (what each casectl
 * verb does, and writes served together under one commit); nothing outside them needs it. */
#ifndef FQ_OPS_INTERNAL_H
#define FQ_OPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

#include "ops.h"
#include "store.h"

#define FQ_OPS_DRAIN_MAX 256 /* requests read (and held) at most before they are served */
#define FQ_OPS_ERRLEN 1024   /* the error buffers the handlers and fq_ops_reply_rc take */

/* One request read from the ops socket, kept until its batch is answered. */
typedef struct {
    zmq_msg_t id;
    Fq__OpsRequest *req; /* NULL when refused at once */
    Fq__OpsReply rep;
} fq_ops_pending_t;

/* Set REP's status and error (copied; NULL: none). */
void fq_ops_reply_status(Fq__OpsReply *rep, int status, const char *error);

/* Map a store outcome to the reply: refusals are the caller's (1), database failures ours.
 * ERR is at most FQ_OPS_ERRLEN. */
void fq_ops_reply_rc(Fq__OpsReply *rep, fq_store_rc_t rc, const char *err);

/* The reply to REQ's submission: the new case's number and uuid, without reading it back. */
void fq_ops_reply_submitted(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep,
                            const char *case_no, const char *uuid);

/* True when P is a well-formed submission: it can go in a transaction sent whole. */
bool fq_ops_is_submission(const fq_ops_pending_t *p);

/* Serve PENDING[0..N), N at most FQ_OPS_DRAIN_MAX, in order, filling in each reply (the
 * caller sends and frees them): consecutive writes go in together, everything else one by one. */
void fq_ops_serve_batch(fq_daemon_t *d, fq_ops_pending_t *pending, size_t n);

#endif
