/* fq-poke - a hostile peer for the end-to-end tests: sends garbage or oversized frames to a
 * daemon's ops socket or tier link and prints what the daemon answered; or plays a child unit
 * sending a run of crafted case copies.
 *
 * usage: fq-poke ops|link ENDPOINT garbage|oversized|envelope [--identity ID] [--size N]
 *                [--timeout MS] [LINK KEYS]
 *        fq-poke link ENDPOINT copies --identity CHILD --to UNIT --seq FIRST
 *                [--category CODE] --copy N:VERSION[:FLAG]... [--timeout MS] LINK KEYS
 *          FLAG bad | entries=M | author=UNIT | doc=UNIT | holder=UNIT | origin=UNIT |
 *               notice=UNIT | feedback=UNIT | review=REASON
 *        fq-poke link ENDPOINT ack --identity CHILD --to UNIT --seq N [--timeout MS] LINK KEYS
 *   LINK KEYS --server-key FILE (the parent's UNIT.pub, needed for link) [--key FILE (a
 *             child's UNIT.key; without it, a keypair made up on the spot: a stranger's)]
 *   ops       a REQ socket, as casectl uses; prints "status=N error=TEXT" from the OpsReply
 *   link      a DEALER with routing id ID, as a child daemon uses, speaking CurveZMQ with the
 *             keys given; prints "ack seq=N rejected=N reason=TEXT" from the Envelope that
 *             comes back (skipping heartbeats)
 *   garbage   bytes that are not protobuf; oversized: N bytes (default 1 MiB);
 *   envelope  a well-formed envelope claiming to come from another unit (link only)
 *   copies    one sync envelope per --copy, from CHILD to UNIT with sequence numbers FIRST,
 *             FIRST+1, ..., sent back to back so they arrive as one run. Copy N is case uuid
 *             00000000-0000-4000-8000-<N, 12 digits>, number CHILD-20260101-<N, 4 digits>,
 *             escalated to UNIT, with two parties and VERSION history entries (VERSION 0: an
 *             invalid copy). Flags, any number: ":bad" adds a department with a role the
 *             schema refuses, which only the database notices; ":entries=M" gives the history
 *             entries the uuids of crafted case M's (a peer's mistake); ":author=UNIT" has every
 *             entry say it was made at UNIT instead of CHILD; ":doc=UNIT" adds a document
 *             attached at UNIT; ":holder=UNIT" says UNIT holds the case (":holder=CHILD": CHILD
 *             kept it, accepted, and asked for more time, as a copy sent up for the record);
 *             ":origin=UNIT" says the case was taken in at UNIT instead of CHILD;
 *             ":notice=UNIT" adds a reminder (督办) issued at UNIT, ":feedback=UNIT" a
 *             feedback record made at UNIT, which ":review=REASON" has a review find
 *             unreasonable.
 *             Prints every ack until the cumulative one for the last copy.
 *   ack       an ack from CHILD to UNIT for everything up to N, whatever UNIT has sent;
 *             prints "heard" once UNIT sends anything back (it heard us).
 * Exit: 0 when an answer came, 1 when none did within the timeout, 2 usage. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fengqiao.pb-c.h"
#include "keys.h"

#define MAX_COPIES 64
#define MAX_EVENTS 16

typedef struct {
    const char *kind, *endpoint, *what, *identity;
    size_t size;
    int timeout_ms;
    const char *to, *category;
    unsigned long long seq;
    const char *copy[MAX_COPIES];
    size_t ncopies;
    const char *key, *server_key; /* files, or NULL */
} s_args_t;

static int parse(int argc, char **argv, s_args_t *a)
{
    if (argc < 4)
        return -1;
    *a = (s_args_t){.kind = argv[1],
                    .endpoint = argv[2],
                    .what = argv[3],
                    .identity = "fq-poke",
                    .size = 1 << 20,
                    .timeout_ms = 3000,
                    .to = "",
                    .category = "neighbour",
                    .seq = 1};
    for (int i = 4; i < argc; i += 2) {
        if (i + 1 == argc)
            return -1;
        if (strcmp(argv[i], "--copy") == 0 && a->ncopies < MAX_COPIES)
            a->copy[a->ncopies++] = argv[i + 1];
        else if (strcmp(argv[i], "--to") == 0)
            a->to = argv[i + 1];
        else if (strcmp(argv[i], "--seq") == 0)
            a->seq = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--category") == 0)
            a->category = argv[i + 1];
        else if (strcmp(argv[i], "--identity") == 0)
            a->identity = argv[i + 1];
        else if (strcmp(argv[i], "--size") == 0)
            a->size = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--timeout") == 0)
            a->timeout_ms = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--key") == 0)
            a->key = argv[i + 1];
        else if (strcmp(argv[i], "--server-key") == 0)
            a->server_key = argv[i + 1];
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

/* ---- copies: a run of crafted case copies, as a child unit sends them ---------------------- */

/* One crafted copy and everything it points to. */
typedef struct {
    Fq__Case c;
    Fq__CaseSync sync;
    Fq__Party party[2];
    Fq__Party *parties[2];
    Fq__Event event[MAX_EVENTS];
    Fq__Event *events[MAX_EVENTS];
    Fq__Assignment dept;
    Fq__Assignment *depts[1];
    Fq__Document doc;
    Fq__Document *docs[1];
    char doc_uuid[40], doc_unit[24];
    Fq__Notice notice;
    Fq__Notice *notices[1];
    char notice_uuid[40], notice_unit[24];
    Fq__Feedback feedback;
    Fq__Feedback *feedbacks[1];
    char feedback_uuid[40], feedback_unit[24], review[64];
    char uuid[40], case_no[48], title[32];
    char event_uuid[MAX_EVENTS][40], hash[MAX_EVENTS][32];
    char author[24]; /* the unit its entries say they were made at */
    char holder[24]; /* the unit it says holds the case */
    char origin[24]; /* and took it in */
} s_copy_t;

static const char *s_party_names[2] = {"申请人甲", "被申请人乙"};

/* What a --copy spec asks for beyond N:VERSION. */
typedef struct {
    bool bad;
    unsigned entries_of; /* whose entries' uuids the history takes */
    char author[24];     /* where its entries say they were made */
    char doc[24];        /* where its one document was attached, or "" for none */
    char holder[24];     /* who the copy says holds the case */
    char origin[24];     /* where it says the case was taken in */
    char notice[24];     /* where its one notice was issued, or "" for none */
    char feedback[24];   /* where its one feedback record was made, or "" for none */
    char review[64];     /* why a review found that feedback unreasonable, or "" */
} s_flags_t;

/* VERSION entries of case N as F asks. A case escalated to the receiver goes up at entry 2; one
 * its sender keeps was accepted there and then had its time extended. */
static void make_history(s_copy_t *x, unsigned n, unsigned version, const s_flags_t *f, bool kept)
{
    snprintf(x->author, sizeof x->author, "%s", f->author);
    for (unsigned k = 0; k < version && k < MAX_EVENTS; k++) {
        Fq__Event *e = &x->event[k];
        fq__event__init(e);
        snprintf(x->event_uuid[k], sizeof x->event_uuid[k], "00000000-0000-4000-8001-%04u%08u",
                 f->entries_of % 10000, k);
        snprintf(x->hash[k], sizeof x->hash[k], "poke-%u-%u", n, k);
        e->uuid = x->event_uuid[k];
        e->has_at_ms = 1;
        e->at_ms = 1767225600000LL + n * 1000 + k;
        e->unit = x->author;
        e->action = k == 0 ? "submit" : !kept ? "escalate" : k == 1 ? "accept" : "extend";
        e->from_state = k == 0 ? "none" : kept && k > 1 ? "accepted" : "reported";
        e->to_state = k == 0 ? "reported" : kept ? "accepted" : "escalated";
        e->actor = "fq-poke";
        e->note = "crafted by fq-poke";
        e->prev_hash = k == 0 ? "" : x->hash[k - 1];
        e->hash = x->hash[k];
        x->events[k] = e;
    }
    x->c.n_history = version < MAX_EVENTS ? version : MAX_EVENTS;
    x->c.history = x->events;
}

/* One mediation agreement attached to case N at UNIT. */
static void make_document(s_copy_t *x, unsigned n, const char *unit)
{
    fq__document__init(&x->doc);
    snprintf(x->doc_uuid, sizeof x->doc_uuid, "00000000-0000-4000-8004-%012u", n);
    x->doc.uuid = x->doc_uuid;
    x->doc.kind = "mediation_agreement";
    x->doc.number = "调协-fq-poke";
    x->doc.date = "2026-01-01";
    snprintf(x->doc_unit, sizeof x->doc_unit, "%s", unit);
    x->doc.unit = x->doc_unit;
    x->doc.has_at_ms = 1;
    x->doc.at_ms = 1767225600000LL + n * 1000;
    x->docs[0] = &x->doc;
    x->c.n_documents = 1;
    x->c.documents = x->docs;
}

/* One reminder (督办) about case N issued at F's notice unit, and one feedback record made at
 * its feedback unit, as F asks. */
static void make_notes(s_copy_t *x, unsigned n, const s_flags_t *f)
{
    if (f->notice[0]) {
        fq__notice__init(&x->notice);
        snprintf(x->notice_uuid, sizeof x->notice_uuid, "00000000-0000-4000-8005-%012u", n);
        snprintf(x->notice_unit, sizeof x->notice_unit, "%s", f->notice);
        x->notice.uuid = x->notice_uuid;
        x->notice.number = "fq-poke-提示-2026-0001";
        x->notice.kind = "reminder";
        x->notice.addressee = "fq-poke";
        x->notice.reason = "crafted by fq-poke";
        x->notice.unit = x->notice_unit;
        x->notice.has_at_ms = 1;
        x->notice.at_ms = 1767225600000LL + n * 1000;
        x->notices[0] = &x->notice;
        x->c.n_notices = 1;
        x->c.notices = x->notices;
    }
    if (f->feedback[0]) {
        fq__feedback__init(&x->feedback);
        snprintf(x->feedback_uuid, sizeof x->feedback_uuid, "00000000-0000-4000-8006-%012u", n);
        snprintf(x->feedback_unit, sizeof x->feedback_unit, "%s", f->feedback);
        x->feedback.uuid = x->feedback_uuid;
        x->feedback.channel = "phone";
        x->feedback.text = "crafted by fq-poke";
        x->feedback.unit = x->feedback_unit;
        x->feedback.has_unreasonable = f->review[0] != '\0';
        x->feedback.unreasonable = x->feedback.has_unreasonable;
        snprintf(x->review, sizeof x->review, "%s", f->review);
        x->feedback.review_reason = x->review;
        x->feedback.has_at_ms = 1;
        x->feedback.at_ms = 1767225600000LL + n * 1000;
        x->feedbacks[0] = &x->feedback;
        x->c.n_feedback = 1;
        x->c.feedback = x->feedbacks;
    }
}

/* Copy VALUE of a NAME=VALUE flag into OUT when FLAG is one; false otherwise. */
static bool flag_value(const char *flag, const char *name, char *out, size_t outlen)
{
    size_t len = strlen(name);
    if (strncmp(flag, name, len) != 0 || flag[len] != '=' || strlen(flag + len + 1) >= outlen)
        return false;
    snprintf(out, outlen, "%s", flag + len + 1);
    return true;
}

/* The flags after N:VERSION: in SPEC (each ":FLAG"), over A's defaults; -1 on one unknown. */
static int parse_flags(const char *spec, const s_args_t *a, unsigned n, s_flags_t *f)
{
    *f = (s_flags_t){.entries_of = n};
    snprintf(f->author, sizeof f->author, "%s", a->identity);
    snprintf(f->holder, sizeof f->holder, "%s", a->to);
    snprintf(f->origin, sizeof f->origin, "%s", a->identity);
    const char *p = strchr(spec, ':');
    p = p ? strchr(p + 1, ':') : NULL;
    while (p) {
        char flag[48];
        size_t len = strcspn(p + 1, ":");
        if (len >= sizeof flag)
            return -1;
        memcpy(flag, p + 1, len);
        flag[len] = '\0';
        char count[12];
        if (strcmp(flag, "bad") == 0)
            f->bad = true;
        else if (flag_value(flag, "entries", count, sizeof count))
            f->entries_of = (unsigned)strtoul(count, NULL, 10);
        else if (!flag_value(flag, "author", f->author, sizeof f->author) &&
                 !flag_value(flag, "doc", f->doc, sizeof f->doc) &&
                 !flag_value(flag, "holder", f->holder, sizeof f->holder) &&
                 !flag_value(flag, "origin", f->origin, sizeof f->origin) &&
                 !flag_value(flag, "notice", f->notice, sizeof f->notice) &&
                 !flag_value(flag, "feedback", f->feedback, sizeof f->feedback) &&
                 !flag_value(flag, "review", f->review, sizeof f->review))
            return -1;
        p = strchr(p + 1, ':');
    }
    return 0;
}

/* Fill X from SPEC "N:VERSION[:FLAG]..." (see the usage); -1 when SPEC does not parse. */
static int make_copy(s_copy_t *x, const s_args_t *a, const char *spec)
{
    unsigned n, version;
    s_flags_t f;
    if (sscanf(spec, "%u:%u", &n, &version) < 2 || parse_flags(spec, a, n, &f) < 0)
        return -1;
    memset(x, 0, sizeof *x);
    fq__case__init(&x->c);
    fq__case_sync__init(&x->sync);
    snprintf(x->uuid, sizeof x->uuid, "00000000-0000-4000-8000-%012u", n);
    snprintf(x->case_no, sizeof x->case_no, "%s-20260101-%04u", a->identity, n % 10000);
    snprintf(x->title, sizeof x->title, "fq-poke %u", n);
    snprintf(x->holder, sizeof x->holder, "%s", f.holder);
    snprintf(x->origin, sizeof x->origin, "%s", f.origin);
    bool kept = strcmp(f.holder, a->identity) == 0;
    x->c.uuid = x->uuid;
    x->c.case_no = x->case_no;
    x->c.title = x->title;
    x->c.category = (char *)a->category;
    x->c.state = kept ? "accepted" : "escalated";
    x->c.holder = x->holder;
    x->c.origin_unit = x->origin;
    x->c.has_version = 1;
    x->c.version = (int32_t)version;
    x->c.has_created_ms = x->c.has_updated_ms = 1;
    x->c.created_ms = x->c.updated_ms = 1767225600000LL + n * 1000;
    for (int i = 0; i < 2; i++) {
        fq__party__init(&x->party[i]);
        x->party[i].name = (char *)s_party_names[i];
        x->party[i].phone = "13700000000";
        x->party[i].role = i == 0 ? "applicant" : "respondent";
        x->parties[i] = &x->party[i];
    }
    x->c.n_parties = 2;
    x->c.parties = x->parties;
    make_history(x, n, version, &f, kept);
    if (f.doc[0])
        make_document(x, n, f.doc);
    make_notes(x, n, &f);
    if (f.bad) {
        fq__assignment__init(&x->dept);
        x->dept.dept = "justice_office";
        x->dept.role = "boss"; /* case_departments.role is CHECKed: lead or co */
        x->dept.status = "assigned";
        x->dept.unit = (char *)a->to;
        x->depts[0] = &x->dept;
        x->c.n_assignments = 1;
        x->c.assignments = x->depts;
    }
    x->sync.case_ = &x->c;
    return 0;
}

static int send_copy(void *s, const s_args_t *a, s_copy_t *x, uint64_t seq)
{
    char msg_id[40];
    snprintf(msg_id, sizeof msg_id, "00000000-0000-4000-8002-%012llu", (unsigned long long)seq);
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.version = 1;
    env.msg_id = msg_id;
    env.from_unit = (char *)a->identity;
    env.to_unit = (char *)a->to;
    env.seq = seq;
    env.body_case = FQ__ENVELOPE__BODY_SYNC;
    env.sync = &x->sync;
    size_t len = fq__envelope__get_packed_size(&env);
    uint8_t *buf = malloc(len);
    if (!buf)
        return -1;
    fq__envelope__pack(&env, buf);
    int rc = zmq_send(s, buf, len, 0) < 0 ? -1 : 0;
    free(buf);
    return rc;
}

/* Print acks until the cumulative one reaches LAST. */
static int await_acks(void *s, uint64_t last)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0) {
            printf("no answer\n");
            zmq_msg_close(&m);
            return 1;
        }
        Fq__Envelope *env = fq__envelope__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
        zmq_msg_close(&m);
        bool done = false;
        if (env && env->body_case == FQ__ENVELOPE__BODY_ACK) {
            printf("ack seq=%llu rejected=%llu reason=%s\n", (unsigned long long)env->ack->seq,
                   (unsigned long long)env->ack->rejected_seq,
                   env->ack->reason ? env->ack->reason : "");
            done = env->ack->seq >= last && !env->ack->rejected_seq;
        }
        if (env)
            fq__envelope__free_unpacked(env, NULL);
        if (done)
            return 0;
    }
}

static int send_copies(void *s, const s_args_t *a)
{
    static s_copy_t copies[MAX_COPIES];
    if (!a->to[0] || a->ncopies == 0) {
        fprintf(stderr, "fq-poke: copies needs --to UNIT and at least one --copy\n");
        return 2;
    }
    for (size_t i = 0; i < a->ncopies; i++)
        if (make_copy(&copies[i], a, a->copy[i]) < 0) {
            fprintf(stderr, "fq-poke: bad --copy '%s' (N:VERSION[:bad|:entries=M])\n", a->copy[i]);
            return 2;
        }
    for (size_t i = 0; i < a->ncopies; i++)
        if (send_copy(s, a, &copies[i], a->seq + i) < 0)
            return 1;
    return await_acks(s, a->seq + a->ncopies - 1);
}

/* ---- ack: a cumulative ack for whatever sequence --seq says ------------------------------- */

static int send_ack(void *s, const s_args_t *a)
{
    Fq__Ack ack = FQ__ACK__INIT;
    ack.has_seq = 1;
    ack.seq = a->seq;
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.version = 1;
    env.msg_id = "00000000-0000-4000-8000-00000000acc0";
    env.from_unit = (char *)a->identity;
    env.to_unit = (char *)a->to;
    env.body_case = FQ__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    uint8_t buf[256];
    size_t len = fq__envelope__get_packed_size(&env);
    if (len > sizeof buf || zmq_send(s, buf, fq__envelope__pack(&env, buf), 0) < 0)
        return 1;
    zmq_msg_t m;
    zmq_msg_init(&m);
    int rc = zmq_msg_recv(&m, s, 0) < 0 ? 1 : 0;
    printf(rc ? "no answer\n" : "heard\n");
    zmq_msg_close(&m);
    return rc;
}

/* CurveZMQ as a child speaks it: the server's key from its file, ours from --key or made up. */
static int set_curve(void *s, const s_args_t *a)
{
    char server[FQ_KEY_Z85_LEN + 1], pub[FQ_KEY_Z85_LEN + 1], sec[FQ_KEY_Z85_LEN + 1];
    char err[512];
    if (!a->server_key) {
        fprintf(stderr, "fq-poke: link needs --server-key FILE\n");
        return 2;
    }
    if (fq_key_read(a->server_key, server, err, sizeof err) < 0 ||
        (a->key && fq_key_read(a->key, sec, err, sizeof err) < 0)) {
        fprintf(stderr, "fq-poke: %s\n", err);
        return 2;
    }
    if (a->key ? zmq_curve_public(pub, sec) : zmq_curve_keypair(pub, sec))
        return 1;
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, sizeof server);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, sizeof pub);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, sizeof sec);
    return 0;
}

int main(int argc, char **argv)
{
    s_args_t a;
    if (parse(argc, argv, &a) < 0) {
        fprintf(stderr, "usage: fq-poke ops|link ENDPOINT garbage|oversized|envelope"
                        " [--identity ID] [--size N] [--timeout MS]\n"
                        "       fq-poke link ENDPOINT copies --identity CHILD --to UNIT"
                        " --seq FIRST [--category CODE]\n"
                        "                  --copy N:VERSION[:FLAG]...  (FLAG: bad, entries=M,"
                        " author=UNIT,\n                   doc=UNIT, holder=UNIT, origin=UNIT,"
                        " notice=UNIT, feedback=UNIT,\n                   review=REASON)\n"
                        "       fq-poke link ENDPOINT ack --identity CHILD --to UNIT --seq N\n"
                        "link also takes --server-key FILE [--key FILE]\n");
        return 2;
    }
    int is_ops = strcmp(a.kind, "ops") == 0;
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, is_ops ? ZMQ_REQ : ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &a.timeout_ms, sizeof a.timeout_ms);
    if (!is_ops) {
        zmq_setsockopt(s, ZMQ_ROUTING_ID, a.identity, strlen(a.identity));
        int rc = set_curve(s, &a);
        if (rc) {
            zmq_close(s);
            zmq_ctx_term(ctx);
            return rc;
        }
    }
    zmq_connect(s, a.endpoint);
    if (!is_ops && (strcmp(a.what, "copies") == 0 || strcmp(a.what, "ack") == 0)) {
        int rc = strcmp(a.what, "ack") == 0 ? send_ack(s, &a) : send_copies(s, &a);
        zmq_close(s);
        zmq_ctx_term(ctx);
        return rc;
    }
    size_t len;
    uint8_t *buf = payload(&a, &len);
    int rc = buf && zmq_send(s, buf, len, 0) >= 0 ? await_answer(s, is_ops) : 1;
    free(buf);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}
