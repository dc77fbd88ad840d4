/* zap.h - the parent's ZAP handler (ZeroMQ RFC 27): which CurveZMQ clients may open the link.
 *
 * A parent's link socket admits only its own children's public keys, and names each connection
 * by the child's unit code: libzmq stamps it on every message as "User-Id", which the link
 * reads to know who sent what (never the routing id, which a client picks). libzmq admits
 * everyone when no handler answers, so the handler fails closed: it is bound and checked with a
 * stranger's key before the link socket is, and the daemon stops when it dies. It runs on a
 * thread of its own, so a handshake is answered while the daemon's loop is busy. */
#ifndef FQ_ZAP_H
#define FQ_ZAP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef struct fq_zap fq_zap_t;

/* Load the public keys of SELF's children and start answering on CTX's ZAP endpoint. Returns
 * the handler, or NULL with ERR (a child's key missing, the endpoint taken, the check failed). */
fq_zap_t *fq_zap_start(void *ctx, const fq_cfg_t *cfg, const fq_unit_cfg_t *self, char *err,
                       size_t errlen);

/* True once the handler has stopped answering: the link must not go on without it. */
bool fq_zap_dead(fq_zap_t *zap);

/* Handshakes refused since the last call, and the last refused client's public key and address
 * (for one log line, written by the daemon's thread). Returns the count. */
unsigned fq_zap_take_refused(fq_zap_t *zap, char *key_z85, char *address, size_t addrlen);

/* Stop the handler and free it; accepts NULL and a pointer to NULL. */
void fq_zap_stop(fq_zap_t **zap_p);

#endif
