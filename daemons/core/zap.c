/* zap.c - the parent's ZAP handler: children's public keys in, their unit codes out. */
#include "zap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "keys.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 7           /* RFC 27: version, id, domain, address, identity, mechanism, key */
#define ZAP_FRAME_MAX 256      /* no frame of a request is longer */
#define ZAP_CHECK_TIMEOUT 2000 /* ms for the handler to refuse the start-up check's stranger */

typedef struct {
    char code[FQ_UNIT_CODE_LEN + 1];
    uint8_t key[32];
} s_child_t;

struct fq_zap {
    void *rep;  /* owned by the thread once it runs */
    void *stop; /* the daemon's end of the stop pipe */
    void *stop_peer;
    pthread_t thread;
    bool running;
    atomic_bool dead;
    s_child_t *children;
    size_t nchildren;
    pthread_mutex_t lock; /* guards what follows, written by the thread */
    unsigned refused;
    char refused_key[FQ_KEY_Z85_LEN + 1];
    char refused_address[64];
};

/* One request, its frames copied out (each cut at ZAP_FRAME_MAX). */
typedef struct {
    size_t n;
    size_t len[ZAP_FRAMES];
    char frame[ZAP_FRAMES][ZAP_FRAME_MAX + 1];
} s_request_t;

static const s_child_t *child_with_key(const fq_zap_t *zap, const uint8_t *key)
{
    for (size_t i = 0; i < zap->nchildren; i++)
        if (memcmp(zap->children[i].key, key, 32) == 0)
            return &zap->children[i];
    return NULL;
}

/* Read one request; false when the socket failed (the context is going away). */
static bool read_request(void *rep, s_request_t *req)
{
    req->n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, rep, 0) < 0) {
            zmq_msg_close(&m);
            return false;
        }
        if (req->n < ZAP_FRAMES) {
            size_t len = zmq_msg_size(&m) < ZAP_FRAME_MAX ? zmq_msg_size(&m) : ZAP_FRAME_MAX;
            memcpy(req->frame[req->n], zmq_msg_data(&m), len);
            req->frame[req->n][len] = '\0';
            req->len[req->n++] = len;
        }
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return true;
}

static bool send_reply(void *rep, const s_request_t *req, const char *status, const char *text,
                       const char *user)
{
    const char *id = req->n > 1 ? req->frame[1] : "";
    size_t idlen = req->n > 1 ? req->len[1] : 0;
    return zmq_send(rep, "1.0", 3, ZMQ_SNDMORE) >= 0 &&
           zmq_send(rep, id, idlen, ZMQ_SNDMORE) >= 0 &&
           zmq_send(rep, status, strlen(status), ZMQ_SNDMORE) >= 0 &&
           zmq_send(rep, text, strlen(text), ZMQ_SNDMORE) >= 0 &&
           zmq_send(rep, user, strlen(user), ZMQ_SNDMORE) >= 0 && zmq_send(rep, "", 0, 0) >= 0;
}

static void note_refused(fq_zap_t *zap, const s_request_t *req)
{
    pthread_mutex_lock(&zap->lock);
    zap->refused++;
    zap->refused_key[0] = '\0';
    if (req->len[6] == 32)
        zmq_z85_encode(zap->refused_key, (const uint8_t *)req->frame[6], 32);
    snprintf(zap->refused_address, sizeof zap->refused_address, "%.63s", req->frame[3]);
    pthread_mutex_unlock(&zap->lock);
}

/* Answer one request: 200 with the child's code for a child's key, else 400 (500 if it is not
 * a CurveZMQ request at all). */
static bool answer(fq_zap_t *zap, void *rep, const s_request_t *req)
{
    bool well_formed = req->n == ZAP_FRAMES && strcmp(req->frame[0], "1.0") == 0 &&
                       strcmp(req->frame[5], "CURVE") == 0 && req->len[6] == 32;
    if (!well_formed)
        return send_reply(rep, req, "500", "not a CURVE request", "");
    const s_child_t *child = child_with_key(zap, (const uint8_t *)req->frame[6]);
    if (child)
        return send_reply(rep, req, "200", "OK", child->code);
    note_refused(zap, req);
    return send_reply(rep, req, "400", "not a child of this unit", "");
}

static void *serve(void *arg)
{
    fq_zap_t *zap = arg;
    zmq_pollitem_t items[] = {{.socket = zap->rep, .events = ZMQ_POLLIN},
                              {.socket = zap->stop_peer, .events = ZMQ_POLLIN}};
    s_request_t req;
    while (zmq_poll(items, 2, -1) >= 0 || zmq_errno() == EINTR) {
        if (items[1].revents & ZMQ_POLLIN)
            return NULL; /* asked to stop */
        if ((items[0].revents & ZMQ_POLLIN) &&
            (!read_request(zap->rep, &req) || !answer(zap, zap->rep, &req)))
            break;
    }
    atomic_store(&zap->dead, true);
    return NULL;
}

/* ---- start-up ----------------------------------------------------------------------------- */

static int load_children(fq_zap_t *zap, const fq_cfg_t *cfg, const fq_unit_cfg_t *self, char *err,
                         size_t errlen)
{
    zap->children = calloc(cfg->nunits, sizeof *zap->children);
    if (!zap->children) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < cfg->nunits; i++) {
        if (strcmp(cfg->units[i].parent, self->code) != 0)
            continue;
        s_child_t *c = &zap->children[zap->nchildren++];
        char z85[FQ_KEY_Z85_LEN + 1];
        if (fq_key_load_public(cfg, cfg->units[i].code, z85, err, errlen) < 0)
            return -1;
        snprintf(c->code, sizeof c->code, "%s", cfg->units[i].code);
        zmq_z85_decode(c->key, z85); /* fq_key_read checked that it decodes */
    }
    return 0;
}

static int open_sockets(fq_zap_t *zap, void *ctx, char *err, size_t errlen)
{
    char pipe[64];
    snprintf(pipe, sizeof pipe, "inproc://fq-zap-stop-%p", (void *)zap);
    int zero = 0;
    zap->rep = zmq_socket(ctx, ZMQ_REP);
    zap->stop = zmq_socket(ctx, ZMQ_PAIR);
    zap->stop_peer = zmq_socket(ctx, ZMQ_PAIR);
    if (!zap->rep || !zap->stop || !zap->stop_peer ||
        zmq_setsockopt(zap->rep, ZMQ_LINGER, &zero, sizeof zero) < 0 ||
        zmq_bind(zap->stop_peer, pipe) < 0 || zmq_connect(zap->stop, pipe) < 0 ||
        zmq_bind(zap->rep, ZAP_ENDPOINT) < 0) {
        snprintf(err, errlen, "cannot start the link's ZAP handler: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* Ask the handler about a key nobody was given, as libzmq would: it must say no. */
static int check_refuses_stranger(void *ctx, char *err, size_t errlen)
{
    char pub[FQ_KEY_Z85_LEN + 1], sec[FQ_KEY_Z85_LEN + 1];
    uint8_t key[32];
    void *req = zmq_socket(ctx, ZMQ_REQ);
    int zero = 0, timeout = ZAP_CHECK_TIMEOUT;
    bool sent = req && zmq_curve_keypair(pub, sec) == 0 && zmq_z85_decode(key, pub) &&
                zmq_setsockopt(req, ZMQ_LINGER, &zero, sizeof zero) == 0 &&
                zmq_setsockopt(req, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0 &&
                zmq_connect(req, ZAP_ENDPOINT) == 0;
    const char *frames[] = {"1.0", "self-check", "fengqiao", "127.0.0.1", "", "CURVE"};
    for (size_t i = 0; sent && i < 6; i++)
        sent = zmq_send(req, frames[i], strlen(frames[i]), ZMQ_SNDMORE) >= 0;
    sent = sent && zmq_send(req, key, sizeof key, 0) >= 0;
    s_request_t reply;
    bool refused =
        sent && read_request(req, &reply) && reply.n >= 3 && strcmp(reply.frame[2], "400") == 0;
    if (req)
        zmq_close(req);
    if (refused)
        return 0;
    snprintf(err, errlen, "the link's ZAP handler did not refuse a stranger's key at start-up");
    return -1;
}

fq_zap_t *fq_zap_start(void *ctx, const fq_cfg_t *cfg, const fq_unit_cfg_t *self, char *err,
                       size_t errlen)
{
    fq_zap_t *zap = calloc(1, sizeof *zap);
    if (!zap) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&zap->lock, NULL);
    atomic_init(&zap->dead, false);
    if (load_children(zap, cfg, self, err, errlen) < 0 || open_sockets(zap, ctx, err, errlen) < 0)
        goto fail;
    if (pthread_create(&zap->thread, NULL, serve, zap) != 0) {
        snprintf(err, errlen, "cannot start the link's ZAP handler thread");
        goto fail;
    }
    zap->running = true;
    if (check_refuses_stranger(ctx, err, errlen) < 0)
        goto fail;
    pthread_mutex_lock(&zap->lock);
    zap->refused = 0; /* the check's refusal is not a stranger knocking */
    pthread_mutex_unlock(&zap->lock);
    return zap;
fail:
    fq_zap_stop(&zap);
    return NULL;
}

bool fq_zap_dead(fq_zap_t *zap)
{
    return atomic_load(&zap->dead);
}

unsigned fq_zap_take_refused(fq_zap_t *zap, char *key_z85, char *address, size_t addrlen)
{
    pthread_mutex_lock(&zap->lock);
    unsigned n = zap->refused;
    zap->refused = 0;
    memcpy(key_z85, zap->refused_key, sizeof zap->refused_key);
    snprintf(address, addrlen, "%s", zap->refused_address);
    pthread_mutex_unlock(&zap->lock);
    return n;
}

void fq_zap_stop(fq_zap_t **zap_p)
{
    if (!zap_p || !*zap_p)
        return;
    fq_zap_t *zap = *zap_p;
    if (zap->running) {
        zmq_send(zap->stop, "", 0, 0);
        pthread_join(zap->thread, NULL);
    }
    void *socks[] = {zap->rep, zap->stop, zap->stop_peer};
    for (size_t i = 0; i < 3; i++)
        if (socks[i])
            zmq_close(socks[i]);
    pthread_mutex_destroy(&zap->lock);
    free(zap->children);
    free(zap);
    *zap_p = NULL;
}
