/* test_codec.c - the wire messages: envelopes and ops requests survive a round trip, and
 * truncated or corrupted bytes are rejected by the decoder instead of half-read. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "fengqiao.pb-c.h"
#include "log.h"
#include "pb.h"

static uint8_t *pack_sync(size_t *len)
{
    Fq__Event ev = FQ__EVENT__INIT;
    ev.uuid = "2f1c4a36-8d0b-4c43-9a53-0d5d9b1f7e10";
    ev.action = "escalate";
    ev.unit = "440311001001";
    ev.to_state = "escalated";
    ev.note = "需街道协调";
    Fq__Event *history[] = {&ev};
    Fq__Case c = FQ__CASE__INIT;
    c.case_no = "440311001001-20261122-0001";
    c.title = "邻居装修噪音";
    c.has_version = 1;
    c.version = 3;
    c.history = history;
    c.n_history = 1;
    Fq__CaseSync sync = FQ__CASE_SYNC__INIT;
    sync.case_ = &c;
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.version = 1;
    env.msg_id = "7b4b8f7e-3c1d-4a39-8f2e-5f0a1c2b3d4e";
    env.from_unit = "440311001001";
    env.to_unit = "440311001000";
    env.seq = 42;
    env.sent_ms = 1775579400000LL;
    env.body_case = FQ__ENVELOPE__BODY_SYNC;
    env.sync = &sync;
    *len = fq__envelope__get_packed_size(&env);
    uint8_t *buf = malloc(*len);
    fq__envelope__pack(&env, buf);
    return buf;
}

static void test_envelope_round_trip(void)
{
    size_t len;
    uint8_t *buf = pack_sync(&len);
    Fq__Envelope *env = fq__envelope__unpack(NULL, len, buf);
    CHECK(env != NULL);
    if (env) {
        CHECK(env->seq == 42 && env->version == 1);
        CHECK_STR(env->from_unit, "440311001001");
        CHECK(env->body_case == FQ__ENVELOPE__BODY_SYNC);
        CHECK_STR(env->sync->case_->case_no, "440311001001-20261122-0001");
        CHECK(env->sync->case_->n_history == 1);
        CHECK_STR(env->sync->case_->history[0]->note, "需街道协调");
        fq__envelope__free_unpacked(env, NULL);
    }
    /* No truncation yields a case: a cut inside the body fails to decode, and the one cut just
     * before the body yields a bodiless envelope, which the link refuses. */
    int partial_cases = 0, decoded = 0;
    for (size_t cut = 0; cut < len; cut++) {
        Fq__Envelope *part = fq__envelope__unpack(NULL, cut, buf);
        if (part) {
            decoded++;
            partial_cases += part->body_case != FQ__ENVELOPE__BODY__NOT_SET;
            fq__envelope__free_unpacked(part, NULL);
        }
    }
    CHECK(partial_cases == 0);
    CHECK(decoded <= 1);
    free(buf);
}

static void test_garbage_rejected(void)
{
    const uint8_t junk[] = "\xff\xfe this is not a protobuf message";
    CHECK(fq__envelope__unpack(NULL, sizeof junk, junk) == NULL);
    CHECK(fq__ops_request__unpack(NULL, sizeof junk, junk) == NULL);
    /* an envelope lacking its required fields is refused by the decoder */
    Fq__Heartbeat hb = FQ__HEARTBEAT__INIT;
    uint8_t buf[16];
    size_t len = fq__heartbeat__pack(&hb, buf);
    CHECK(fq__envelope__unpack(NULL, len, buf) == NULL);
}

static void test_ops_round_trip(void)
{
    Fq__Party party = FQ__PARTY__INIT;
    party.name = "王某";
    party.phone = "13800138000";
    Fq__Party *parties[] = {&party};
    Fq__Case c = FQ__CASE__INIT;
    c.title = "楼上噪音";
    c.category = "noise";
    c.parties = parties;
    c.n_parties = 1;
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "submit";
    req.new_case = &c;
    uint8_t buf[256];
    size_t len = fq__ops_request__pack(&req, buf);
    Fq__OpsRequest *back = fq__ops_request__unpack(NULL, len, buf);
    CHECK(back && back->new_case && back->new_case->n_parties == 1);
    if (back) {
        CHECK_STR(back->verb, "submit");
        CHECK_STR(back->new_case->parties[0]->phone, "13800138000");
        fq__ops_request__free_unpacked(back, NULL);
    }
}

static void test_hand_built_case_free(void)
{
    Fq__Case *c = fq_pb_case_new();
    c->title = fq_pb_strdup("t");
    Fq__Event *e = fq_pb_event_new();
    e->note = fq_pb_strdup("n");
    CHECK(fq_pb_case_add_event(c, e) == 0);
    Fq__Party *p = fq_pb_party_new();
    p->name = fq_pb_strdup("p");
    CHECK(fq_pb_case_add_party(c, p) == 0);
    CHECK(c->n_history == 1 && c->n_parties == 1);
    fq_pb_case_free(c); /* ASan/valgrind would report a leak or double free here */
    fq_pb_case_free(NULL);
}

static void test_uuid(void)
{
    char a[37], b[37];
    fq_uuid7(a);
    struct timespec pause = {0, 2000000}; /* 2 ms: the next key's millisecond is later */
    nanosleep(&pause, NULL);
    fq_uuid7(b);
    CHECK(strlen(a) == 36 && a[8] == '-' && a[14] == '7');
    CHECK(strchr("89ab", a[19]) != NULL); /* the RFC 9562 variant */
    CHECK(strcmp(a, b) < 0);              /* made later, sorts later */
    char c[37];
    fq_uuid7(c);
    CHECK(strcmp(b, c) != 0 && strncmp(b, c, 8) <= 0);
}

static void test_log_masking(void)
{
    char text[] = "party 王某 phone 13800138000, id 44030819900101123X, case 440311001001-20261122-0001";
    fq_log_mask(text);
    CHECK_STR(text, "party 王某 phone 138****8000, id 440308********123X, case "
                    "440311001001-20261122-0001");
}

int main(void)
{
    test_envelope_round_trip();
    test_garbage_rejected();
    test_ops_round_trip();
    test_hand_built_case_free();
    test_uuid();
    test_log_masking();
    CHECK_DONE();
}
