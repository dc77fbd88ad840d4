/* fq-poke - a hostile peer for the end-to-end tests: sends garbage or oversized frames to a
 * daemon's ops socket or tier link and prints what the daemon answered.
 *
 * usage: fq-poke ops|link ENDPOINT garbage|oversized|envelope [--identity ID] [--size N]
 *                [--timeout MS]
 *   ops       a REQ socket, as casectl uses; prints "status=N error=TEXT" from the OpsReply
 *   link      a DEALER with routing id ID, as a child daemon uses; prints "ack seq=N
 *             rejected=N reason=TEXT" from the Envelope that comes back (skipping heartbeats)
 *   garbage   bytes that are not protobuf; oversized: N bytes (default 1 MiB);
 *   envelope  a well-formed envelope claiming to come from another unit (link only)
 * Exit: 0 when an answer came, 1 when none did within the timeout, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fengqiao.pb-c.h"

typedef struct {
    const char *kind, *endpoint, *what, *identity;
    size_t size;
    int timeout_ms;
} s_args_t;

static int parse(int argc, char **argv, s_args_t *a)
{
    if (argc < 4)
        return -1;
    *a = (s_args_t){argv[1], argv[2], argv[3], "fq-poke", 1 << 20, 3000};
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--identity") == 0)
            a->identity = argv[i + 1];
        else if (strcmp(argv[i], "--size") == 0)
            a->size = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--timeout") == 0)
            a->timeout_ms = atoi(argv[i + 1]);
        else
            return -1;
    }
    return 0;
}

/* The payload to send; the caller frees it. */
static uint8_t *payload(const s_args_t *a, size_t *len)
{
    if (strcmp(a->what, "oversized") == 0) {
        *len = a->size;
        uint8_t *buf = malloc(*len);
        if (buf)
            memset(buf, 0x5a, *len);
        return buf;
    }
    if (strcmp(a->what, "envelope") == 0) {
        Fq__Heartbeat hb = FQ__HEARTBEAT__INIT;
        Fq__Envelope env = FQ__ENVELOPE__INIT;
        env.version = 1;
        env.msg_id = "00000000-0000-4000-8000-000000000000";
        env.from_unit = "999999999999";
        env.to_unit = "000000000000";
        env.body_case = FQ__ENVELOPE__BODY_HEARTBEAT;
        env.heartbeat = &hb;
        *len = fq__envelope__get_packed_size(&env);
        uint8_t *buf = malloc(*len);
        if (buf)
            fq__envelope__pack(&env, buf);
        return buf;
    }
    static const char junk[] = "\xff\xfe this is not a protobuf message \x00\x01\x02";
    *len = sizeof junk;
    uint8_t *buf = malloc(*len);
    if (buf)
        memcpy(buf, junk, *len);
    return buf;
}

static int print_ops(const zmq_msg_t *m)
{
    Fq__OpsReply *rep = fq__ops_reply__unpack(NULL, zmq_msg_size((zmq_msg_t *)m),
                                              zmq_msg_data((zmq_msg_t *)m));
    if (!rep) {
        printf("undecodable reply\n");
        return 1;
    }
    printf("status=%d error=%s\n", rep->status, rep->error ? rep->error : "");
    fq__ops_reply__free_unpacked(rep, NULL);
    return 0;
}

/* Returns 0 for an ack (printed), 1 for a heartbeat (keep waiting), -1 for junk. */
static int print_link(const zmq_msg_t *m)
{
    Fq__Envelope *env = fq__envelope__unpack(NULL, zmq_msg_size((zmq_msg_t *)m),
                                             zmq_msg_data((zmq_msg_t *)m));
    if (!env)
        return -1;
    int rc = 1;
    if (env->body_case == FQ__ENVELOPE__BODY_ACK) {
        printf("ack seq=%llu rejected=%llu reason=%s\n", (unsigned long long)env->ack->seq,
               (unsigned long long)env->ack->rejected_seq, env->ack->reason ? env->ack->reason
                                                                            : "");
        rc = 0;
    }
    fq__envelope__free_unpacked(env, NULL);
    return rc;
}

static int await_answer(void *s, int is_ops)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0) {
            printf("no answer\n");
            zmq_msg_close(&m);
            return 1;
        }
        int rc = is_ops ? print_ops(&m) : print_link(&m);
        zmq_msg_close(&m);
        if (rc != 1 || is_ops)
            return rc < 0 ? 1 : rc;
    }
}

int main(int argc, char **argv)
{
    s_args_t a;
    if (parse(argc, argv, &a) < 0) {
        fprintf(stderr, "usage: fq-poke ops|link ENDPOINT garbage|oversized|envelope"
                        " [--identity ID] [--size N] [--timeout MS]\n");
        return 2;
    }
    int is_ops = strcmp(a.kind, "ops") == 0;
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, is_ops ? ZMQ_REQ : ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &a.timeout_ms, sizeof a.timeout_ms);
    if (!is_ops)
        zmq_setsockopt(s, ZMQ_ROUTING_ID, a.identity, strlen(a.identity));
    zmq_connect(s, a.endpoint);
    size_t len;
    uint8_t *buf = payload(&a, &len);
    int rc = buf && zmq_send(s, buf, len, 0) >= 0 ? await_answer(s, is_ops) : 1;
    free(buf);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}
