/* fuzz_link.c - libFuzzer target: bytes as a neighbour's link message (an Envelope).
 *
 * Runs what a receiver runs before it touches its database: the envelope's decoding and checks
 * (fq_link_envelope_problem), then
 * - for a case copy, the copy's checks (fq_store_check_copy) and, when it passes them, the
 *   columns it would be written as (fq_store_copy_columns) and where it may move the case
 *   (fq_store_check_moved, as a new case and as a newer version of a held one);
 * - for a report of figures, its checks (fq_stats_check_report) and, when it passes them, its
 *   days summed and sorted as the tier above does when it answers for its area;
 * - for a directive, its checks (fq_store_check_directive).
 * The receiver is the first street of the deployment (FQ_FUZZ_CONFIG, default
 * config/guangming.yaml) and the sender its first community.
 *
 * With FQ_FUZZ_SEEDS=DIR it writes a few well-formed messages there (a heartbeat, an ack, a
 * directive of each action the receiver knows, a report of figures, a full case copy) and
 * exits: the corpus scripts/fuzz starts from. A directive action without a seed fails it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fengqiao.pb-c.h"
#include "fuzz_common.h"
#include "link.h"
#include "stats_internal.h"
#include "store_internal.h"

static fq_cfg_t *s_cfg;
static const fq_unit_cfg_t *s_self; /* the street receiving */
static const fq_unit_cfg_t *s_from; /* its community sending */

static const fq_unit_cfg_t *first_of_tier(fq_tier_t tier, const char *parent)
{
    for (size_t i = 0; i < s_cfg->nunits; i++)
        if (s_cfg->units[i].tier == tier &&
            (!parent || strcmp(s_cfg->units[i].parent, parent) == 0))
            return &s_cfg->units[i];
    return NULL;
}

/* ---- seeds ------------------------------------------------------------------------------- */

/* The directive actions the seeds carry (fq_store_directive_actions has fewer than 16). */
static const char *s_seeded[16];
static size_t s_nseeded;

/* Address ENV from the community to the street and write it as DIR/NAME. */
static void write_seed(const char *dir, const char *name, Fq__Envelope *env)
{
    env->version = 1;
    env->msg_id = "0190f3a2-7c4e-7a1b-8c2d-3e4f5a6b7c8d";
    env->from_unit = (char *)s_from->code;
    env->to_unit = (char *)s_self->code;
    env->sent_ms = 1795000000000;
    fuzz_write_seed(dir, name, &env->base);
}

static void write_case_seed(const char *dir)
{
    Fq__Party parties[2] = {FQ__PARTY__INIT, FQ__PARTY__INIT};
    Fq__Party *pp[2] = {&parties[0], &parties[1]};
    parties[0].name = "张某", parties[0].phone = "13700000001", parties[0].role = "申请人";
    parties[1].name = "李某", parties[1].phone = "13700000002", parties[1].role = "被申请人";
    Fq__Event events[2] = {FQ__EVENT__INIT, FQ__EVENT__INIT};
    Fq__Event *ep[2] = {&events[0], &events[1]};
    const char *actions[2][4] = {
        {"0190f3a2-7c4e-7a1b-8c2d-000000000001", "submit", "none", "reported"},
        {"0190f3a2-7c4e-7a1b-8c2d-000000000002", "escalate", "accepted", "escalated"}};
    for (int i = 0; i < 2; i++) {
        events[i].uuid = (char *)actions[i][0];
        events[i].action = (char *)actions[i][1];
        events[i].from_state = (char *)actions[i][2];
        events[i].to_state = (char *)actions[i][3];
        events[i].unit = (char *)s_from->code;
        events[i].actor = "grid-01";
        events[i].has_at_ms = 1, events[i].at_ms = 1795000000000 + i;
        events[i].prev_hash = i ? "ab" : "";
        events[i].hash = "cd";
    }
    Fq__Case c = FQ__CASE__INIT;
    char case_no[40];
    snprintf(case_no, sizeof case_no, "%s-20261122-0001", s_from->code);
    c.uuid = "0190f3a2-7c4e-7a1b-8c2d-3e4f5a6b7c00";
    c.case_no = case_no;
    c.title = "楼上漏水";
    c.description = "楼上漏水，多次协商未果";
    c.category = s_cfg->ncategories ? s_cfg->categories[0].code : "neighbour";
    c.has_risk = 1, c.risk = 2;
    c.state = "escalated";
    c.holder = (char *)s_self->code;
    c.origin_unit = (char *)s_from->code;
    c.has_version = 1, c.version = 3;
    c.n_parties = 2, c.parties = pp;
    c.n_history = 2, c.history = ep;
    /* A seed the checks refuse would leave the copy's deeper paths to chance. */
    fq_store_t st = {.cfg = s_cfg, .self = s_self};
    char err[256];
    if (fq_store_check_copy(&st, &c, err, sizeof err) < 0 ||
        fq_store_check_moved(&st, s_from->code, &c, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_link: the seed copy is refused: %s\n", err);
        exit(1);
    }
    Fq__CaseSync sync = FQ__CASE_SYNC__INIT;
    sync.case_ = &c;
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.seq = 7;
    env.body_case = FQ__ENVELOPE__BODY_SYNC, env.sync = &sync;
    write_seed(dir, "copy", &env);
}

/* Write directive D as DIR/NAME with sequence number SEQ; it must pass the receiver's checks. */
static void write_directive_seed(const char *dir, const char *name, Fq__Directive *d, uint64_t seq)
{
    fq_store_t st = {.cfg = s_cfg, .self = s_self};
    char err[256];
    if (fq_store_check_directive(&st, s_from->code, d, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_link: the seed %s is refused: %s\n", name, err);
        exit(1);
    }
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.seq = seq;
    env.body_case = FQ__ENVELOPE__BODY_DIRECTIVE, env.directive = d;
    write_seed(dir, name, &env);
    s_seeded[s_nseeded++] = d->action;
}

/* The directives a street takes from its community: the community's ack of a notice addressed
 * to it, which goes to the street holding the case (an extension decision comes from the tier
 * above: the "directive" seed's is refused, and the refusal of one is written as it is). Then
 * every action the receiver knows must have a seed. */
static void write_directive_seeds(const char *dir)
{
    char number[64];
    snprintf(number, sizeof number, "%s-提示-2026-0003", s_from->code);
    Fq__Directive ack = FQ__DIRECTIVE__INIT;
    ack.case_uuid = "0190f3a2-7c4e-7a1b-8c2d-3e4f5a6b7c00";
    ack.action = "notice_ack", ack.actor = "社区主任", ack.note = "已说明逾期原因";
    ack.notice = number, ack.unit = (char *)s_from->code;
    write_directive_seed(dir, "notice_ack", &ack, 10);

    Fq__Directive refuse = FQ__DIRECTIVE__INIT;
    refuse.case_uuid = "0190f3a2-7c4e-7a1b-8c2d-3e4f5a6b7c00";
    refuse.action = "extension_refuse", refuse.actor = "街道", refuse.note = "请加快办理";
    refuse.has_days = 1, refuse.days = 3;
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.seq = 11;
    env.body_case = FQ__ENVELOPE__BODY_DIRECTIVE, env.directive = &refuse;
    write_seed(dir, "extension_refuse", &env);
    s_seeded[s_nseeded++] = refuse.action;

    for (size_t i = 0; fq_store_directive_actions[i]; i++) {
        bool seeded = false;
        for (size_t k = 0; k < s_nseeded && !seeded; k++)
            seeded = strcmp(s_seeded[k], fq_store_directive_actions[i]) == 0;
        if (!seeded) {
            fprintf(stderr, "fuzz_link: no seed for the directive action %s\n",
                    fq_store_directive_actions[i]);
            exit(1);
        }
    }
}

static void write_seeds(const char *dir)
{
    Fq__Heartbeat hb = FQ__HEARTBEAT__INIT;
    hb.has_outbox_depth = 1, hb.outbox_depth = 3;
    Fq__Envelope env = FQ__ENVELOPE__INIT;
    env.body_case = FQ__ENVELOPE__BODY_HEARTBEAT, env.heartbeat = &hb;
    write_seed(dir, "heartbeat", &env);

    Fq__Ack ack = FQ__ACK__INIT;
    ack.has_seq = 1, ack.seq = 9, ack.has_rejected_seq = 1, ack.rejected_seq = 8;
    ack.reason = "case copy lacks a valid uuid";
    env = (Fq__Envelope)FQ__ENVELOPE__INIT;
    env.body_case = FQ__ENVELOPE__BODY_ACK, env.ack = &ack;
    write_seed(dir, "ack", &env);

    Fq__Directive dir_msg = FQ__DIRECTIVE__INIT;
    dir_msg.case_uuid = "0190f3a2-7c4e-7a1b-8c2d-3e4f5a6b7c00";
    dir_msg.action = "extension_grant", dir_msg.actor = "街道", dir_msg.has_days = 1;
    dir_msg.days = 5;
    env = (Fq__Envelope)FQ__ENVELOPE__INIT;
    env.seq = 8;
    env.body_case = FQ__ENVELOPE__BODY_DIRECTIVE, env.directive = &dir_msg;
    write_seed(dir, "directive", &env);
    s_seeded[s_nseeded++] = dir_msg.action;
    write_directive_seeds(dir);

    Fq__Count counts[2] = {FQ__COUNT__INIT, FQ__COUNT__INIT};
    Fq__Count *cp[2] = {&counts[0], &counts[1]};
    counts[0].key = "neighbour", counts[0].has_n = 1, counts[0].n = 3;
    counts[1].key = "noise", counts[1].has_n = 1, counts[1].n = 1;
    Fq__DayFigures day = FQ__DAY_FIGURES__INIT;
    Fq__DayFigures *dp[1] = {&day};
    day.unit = (char *)s_from->code, day.has_day = 1, day.day = 20261122;
    day.has_received = 1, day.received = 4, day.has_resolved = 1, day.resolved = 2;
    day.n_by_category = 2, day.by_category = cp;
    Fq__StatsReport report = FQ__STATS_REPORT__INIT;
    report.n_days = 1, report.days = dp;
    fq_store_t st = {.cfg = s_cfg, .self = s_self};
    char err[256];
    if (fq_stats_check_report(&st, s_from->code, &report, err, sizeof err) != FQ_STORE_OK) {
        fprintf(stderr, "fuzz_link: the seed report is refused: %s\n", err);
        exit(1);
    }
    env = (Fq__Envelope)FQ__ENVELOPE__INIT;
    env.seq = 9;
    env.body_case = FQ__ENVELOPE__BODY_STATS, env.stats = &report;
    write_seed(dir, "stats", &env);

    write_case_seed(dir);
}

/* ---- the target -------------------------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    s_cfg = fuzz_load_config("fuzz_link");
    s_self = first_of_tier(FQ_TIER_STREET, NULL);
    s_from = s_self ? first_of_tier(FQ_TIER_COMMUNITY, s_self->code) : NULL;
    if (!s_from) {
        fprintf(stderr, "fuzz_link: the deployment has no street with a community\n");
        exit(1);
    }
    if (getenv("FQ_FUZZ_SEEDS")) {
        write_seeds(getenv("FQ_FUZZ_SEEDS"));
        exit(0);
    }
    return 0;
}

static volatile size_t s_sink; /* what touch_columns read, so that the reads stay */

/* Read every byte of the copy's columns, so that a pointer the checks let through into freed
 * or foreign memory shows under AddressSanitizer. */
static size_t touch_columns(const Fq__Case *c)
{
    const char *texts[FQ_COPY_TEXTS];
    int64_t ints[FQ_COPY_INTS];
    fq_store_copy_columns(c, texts, ints);
    size_t sum = 0;
    for (size_t i = 0; i < FQ_COPY_TEXTS; i++)
        sum += strlen(texts[i]);
    for (size_t i = 0; i < FQ_COPY_INTS; i++)
        sum += (size_t)ints[i];
    return sum;
}

/* Sum a report's days into one total and sort its counts, as the tier above does when it
 * answers for its area. */
static void add_up(const Fq__StatsReport *report)
{
    Fq__DayFigures *total = fq_figures_new(s_self->code, 0);
    for (size_t i = 0; total && i < report->n_days; i++)
        if (fq_figures_add(total, report->days[i]) < 0)
            break;
    if (total)
        fq_figures_sort(total);
    fq_figures_free(total);
}

/* Where copy C may move a case to: as a case new to the receiver, and as a newer version of
 * one the receiver has held by the sender. */
static int check_moves(const fq_store_t *st, const Fq__Case *c)
{
    char err[256];
    const fq_store_held_t held = {s_from->code, s_from->code, 1};
    return (fq_store_check_moved(st, s_from->code, c, NULL, err, sizeof err) == 0) +
           (fq_store_check_moved(st, s_from->code, c, &held, err, sizeof err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fq__Envelope *env = fq__envelope__unpack(NULL, size, data);
    if (!env)
        return 0;
    const char *bad = fq_link_envelope_problem(env, s_from->code, s_self->code);
    fq_store_t st = {.cfg = s_cfg, .self = s_self};
    char err[256];
    if (!bad && env->body_case == FQ__ENVELOPE__BODY_SYNC &&
        fq_store_check_copy(&st, env->sync->case_, err, sizeof err) == 0)
        s_sink += touch_columns(env->sync->case_) + check_moves(&st, env->sync->case_);
    if (!bad && env->body_case == FQ__ENVELOPE__BODY_STATS &&
        fq_stats_check_report(&st, s_from->code, env->stats, err, sizeof err) == FQ_STORE_OK)
        add_up(env->stats);
    if (!bad && env->body_case == FQ__ENVELOPE__BODY_DIRECTIVE)
        fq_store_check_directive(&st, s_from->code, env->directive, err, sizeof err);
    fq__envelope__free_unpacked(env, NULL);
    return 0;
}
