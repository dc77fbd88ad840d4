/* client.c - a REQ socket for one exchange; nothing is left queued when it closes. */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#define MAX_REPLY (64 * 1024 * 1024)

static void *open_req(void *ctx, const char *endpoint, int timeout_ms)
{
    void *s = zmq_socket(ctx, ZMQ_REQ);
    int zero = 0;
    int64_t cap = MAX_REPLY;
    if (s && (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) < 0 ||
              zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) < 0 ||
              zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms) < 0 ||
              zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &cap, sizeof cap) < 0 ||
              zmq_connect(s, endpoint) < 0)) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

static Fq__OpsReply *exchange(void *s, const Fq__OpsRequest *req, const char *endpoint,
                              int timeout_ms, char *err, size_t errlen)
{
    size_t len = fq__ops_request__get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    fq__ops_request__pack(req, buf);
    int sent = zmq_send(s, buf, len, 0);
    free(buf);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    Fq__OpsReply *rep = NULL;
    if (sent < 0)
        snprintf(err, errlen, "could not send to %s within %d ms (is the daemon running?)",
                 endpoint, timeout_ms);
    else if (zmq_msg_recv(&msg, s, 0) < 0) /* it may be carried out all the same */
        snprintf(err, errlen,
                 "no answer from %s within %d ms: the daemon may not be running, or may still "
                 "carry the request out; look (show, list) before repeating a change",
                 endpoint, timeout_ms);
    else if (!(rep = fq__ops_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg))))
        snprintf(err, errlen, "%s answered with something that is not an OpsReply", endpoint);
    zmq_msg_close(&msg);
    return rep;
}

Fq__OpsReply *casectl_call(const char *endpoint, const Fq__OpsRequest *req, int timeout_ms,
                           char *err, size_t errlen)
{
    void *ctx = zmq_ctx_new();
    void *s = ctx ? open_req(ctx, endpoint, timeout_ms) : NULL;
    Fq__OpsReply *rep = NULL;
    if (!s)
        snprintf(err, errlen, "cannot connect to %s: %s", endpoint, zmq_strerror(zmq_errno()));
    else
        rep = exchange(s, req, endpoint, timeout_ms, err, errlen);
    if (s)
        zmq_close(s);
    if (ctx)
        zmq_ctx_term(ctx);
    return rep;
}
