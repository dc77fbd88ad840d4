/* test_codec.c - the wire messages: envelopes and ops requests survive a round trip, and
 * truncated or corrupted bytes are rejected by the decoder instead of half-read. */
#include <stdbool.h>
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

static int compare_keys(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Many keys at once, as a bulk intake makes them: their random bits come from pages of the
 * kernel's generator, and none may repeat, across pages too, nor lose its form. */
static void test_uuid_many(void)
{
    enum { N = 2000 }; /* several pages' worth */
    static char keys[N][37];
    bool formed = true;
    for (int i = 0; i < N; i++) {
        fq_uuid7(keys[i]);
        const char *k = keys[i];
        formed = formed && strlen(k) == 36 && k[8] == '-' && k[13] == '-' && k[18] == '-' &&
                 k[23] == '-' && k[14] == '7' && strchr("89ab", k[19]) &&
                 strspn(k, "0123456789abcdef-") == 36;
    }
    CHECK(formed);
    qsort(keys, N, sizeof keys[0], compare_keys);
    int repeats = 0;
    for (int i = 1; i < N; i++)
        repeats += strcmp(keys[i - 1], keys[i]) == 0;
    CHECK(repeats == 0);
}

static void test_log_masking(void)
{
    char text[] = "party 王某 phone 13800138000, id 44030819900101123X, case 440311001001-20261122-0001";
    fq_log_mask(text);
    CHECK_STR(text, "party 王某 phone 138****8000, id 440308********123X, case "
                    "440311001001-20261122-0001");
}

/* What STREAM holds from its start. */
static void stream_text(FILE *stream, char *out, size_t len)
{
    fflush(stream);
    rewind(stream);
    size_t n = fread(out, 1, len - 1, stream);
    out[n] = '\0';
    fseek(stream, 0, SEEK_END);
}

/* Held lines wait for a flush or a warning and then go out in order; not holding, each line
 * goes out at once. */
static void test_log_hold(void)
{
    FILE *stream = tmpfile();
    CHECK(stream != NULL);
    if (!stream)
        return;
    char text[1024];
    fq_log_init("u-1", FQ_LOG_INFO, stream);
    fq_log_hold(true);
    fq_info("first");
    fq_debug("below the level");
    stream_text(stream, text, sizeof text);
    CHECK_STR(text, "");
    fq_warn("second");
    stream_text(stream, text, sizeof text);
    const char *first = strstr(text, "u-1 INFO first\n");
    const char *second = strstr(text, "u-1 WARN second\n");
    CHECK(first && second && first < second && !strstr(text, "below"));
    fq_info("third");
    stream_text(stream, text, sizeof text);
    CHECK(!strstr(text, "third"));
    fq_log_flush();
    stream_text(stream, text, sizeof text);
    CHECK(strstr(text, "u-1 INFO third\n") != NULL);
    for (int i = 0; i < 200; i++) /* more than the buffer holds: the oldest go out */
        fq_info("line %03d of a burst that fills the buffer before the turn ends ....", i);
    stream_text(stream, text, sizeof text);
    CHECK(strstr(text, "line 000 of a burst") != NULL);
    fq_log_hold(false);
    fq_info("fourth");
    fflush(stream);
    fseek(stream, -256, SEEK_END); /* not holding, the line is out at once: the stream's end */
    size_t n = fread(text, 1, 256, stream);
    text[n] = '\0';
    const char *last = strstr(text, "line 199 of a burst"), *fourth = strstr(text, "INFO fourth\n");
    CHECK(last && fourth && last < fourth && fourth[strlen("INFO fourth\n")] == '\0');
    fq_log_init("-", FQ_LOG_INFO, NULL);
    fclose(stream);
}

/* A user's text with a newline, an escape sequence, a C1 control and a byte of invalid UTF-8
 * stays on its line and reaches the log escaped. */
static void test_log_escapes(void)
{
    FILE *stream = tmpfile();
    CHECK(stream != NULL);
    if (!stream)
        return;
    char text[1024];
    fq_log_init("u-1", FQ_LOG_INFO, stream);
    fq_info("case submitted: %s",
            "噪音\n2026-01-01 00:00:00.000 u-1 ERROR forged\x1b[2J\xc2\x9b\xff\tend");
    stream_text(stream, text, sizeof text);
    const char *msg = strstr(text, "INFO ");
    CHECK_STR(msg, "INFO case submitted: 噪音\\n2026-01-01 00:00:00.000 u-1 ERROR "
                   "forged\\x1b[2J\\u009b\\xff\\tend\n");
    fq_log_init("-", FQ_LOG_INFO, NULL);
    fclose(stream);
}

int main(void)
{
    test_envelope_round_trip();
    test_garbage_rejected();
    test_ops_round_trip();
    test_hand_built_case_free();
    test_uuid();
    test_uuid_many();
    test_log_masking();
    test_log_hold();
    test_log_escapes();
    CHECK_DONE();
}
