/* ops.h - the operators' socket: a ROUTER answering casectl's OpsRequest with an OpsReply. */
#ifndef FQ_OPS_H
#define FQ_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

/* Bind the ops socket of D's unit in D's context. Returns the socket or NULL with ERR. */
void *fq_ops_open(fq_daemon_t *d, char *err, size_t errlen);

/* Read the requests waiting on the ops socket and serve them, or hold them (submissions,
 * while a transaction of earlier ones is in flight) for fq_ops_serve_held. */
void fq_ops_on_readable(fq_daemon_t *d);

/* Serve the requests held, unless they should wait for more: called on every turn of the
 * loop, so that they go as soon as the transaction before them is done. */
void fq_ops_serve_held(fq_daemon_t *d);

/* False while a full batch is held: the socket is then not read, and what waits on it waits
 * there, not in memory. */
bool fq_ops_wants_more(const fq_daemon_t *d);

/* Serve what is held, then close the socket. */
void fq_ops_close(fq_daemon_t *d);

#endif
