/* ops.h - the operators' socket: a ROUTER answering casectl's OpsRequest with an OpsReply. */
#ifndef FQ_OPS_H
#define FQ_OPS_H

#include <stddef.h>

#include "daemon.h"

/* Bind the ops socket of D's unit in D's context. Returns the socket or NULL with ERR. */
void *fq_ops_open(fq_daemon_t *d, char *err, size_t errlen);

/* Answer every request waiting on the ops socket. */
void fq_ops_on_readable(fq_daemon_t *d);

#endif
