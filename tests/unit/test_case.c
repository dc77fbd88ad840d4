/* test_case.c - the state machine (every allowed and every refused transition on every tier)
 * and the unified case number. */
#include <stdlib.h>

#include "case.h"
#include "check.h"

/* One row of the expected machine: ACTION from any state in FROM (FQ_STATE_COUNT-terminated)
 * on any tier in TIERS leads to TO (SAME: unchanged) with HOLDER. Written from the design and
 * the issue, not from case.c. */
#define SAME FQ_STATE_COUNT
#define C (1 << FQ_TIER_COMMUNITY)
#define S (1 << FQ_TIER_STREET)
#define D (1 << FQ_TIER_DISTRICT)
#define END FQ_STATE_COUNT

typedef struct {
    fq_action_t action;
    fq_state_t from[10];
    fq_state_t to;
    int tiers;
    fq_holder_rule_t holder;
} allowed_t;

static const allowed_t allowed[] = {
    {FQ_ACT_SUBMIT, {FQ_STATE_NONE, END}, FQ_STATE_REPORTED, C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_ACCEPT, {FQ_STATE_REPORTED, END}, FQ_STATE_ACCEPTED, C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_ACCEPT, {FQ_STATE_ESCALATED, END}, FQ_STATE_ACCEPTED, S | D, FQ_HOLD_SELF},
    {FQ_ACT_ACCEPT, {FQ_STATE_DISPATCHED, FQ_STATE_RETURNED, END}, FQ_STATE_ACCEPTED, C | S,
     FQ_HOLD_SELF},
    {FQ_ACT_TRIAGE, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END}, SAME,
     C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_START, {FQ_STATE_ACCEPTED, FQ_STATE_REOPENED, END}, FQ_STATE_IN_PROGRESS, C | S | D,
     FQ_HOLD_SELF},
    {FQ_ACT_ASSIGN, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END},
     FQ_STATE_IN_PROGRESS, S | D, FQ_HOLD_SELF},
    {FQ_ACT_DEPT_ACCEPT, {FQ_STATE_IN_PROGRESS, END}, SAME, S | D, FQ_HOLD_SELF},
    {FQ_ACT_DEPT_RETURN, {FQ_STATE_IN_PROGRESS, END}, FQ_STATE_ACCEPTED, S | D, FQ_HOLD_SELF},
    {FQ_ACT_DEPT_RESULT, {FQ_STATE_IN_PROGRESS, END}, FQ_STATE_RESOLVED, S | D, FQ_HOLD_ORIGIN},
    {FQ_ACT_VISIT, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END}, SAME,
     C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_ATTACH,
     {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, FQ_STATE_RESOLVED, END}, SAME,
     C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_RESOLVE, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END},
     FQ_STATE_RESOLVED, C | S | D, FQ_HOLD_ORIGIN},
    {FQ_ACT_ESCALATE, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END},
     FQ_STATE_ESCALATED, C | S, FQ_HOLD_PARENT},
    {FQ_ACT_DISPATCH, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END},
     FQ_STATE_DISPATCHED, S | D, FQ_HOLD_CHILD},
    {FQ_ACT_RETURN, {FQ_STATE_ESCALATED, FQ_STATE_ACCEPTED, END}, FQ_STATE_RETURNED, S | D,
     FQ_HOLD_FROM_CHILD},
    {FQ_ACT_WITHDRAW,
     {FQ_STATE_REPORTED, FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED,
      FQ_STATE_RETURNED, END},
     FQ_STATE_WITHDRAWN, C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_REOPEN, {FQ_STATE_RESOLVED, FQ_STATE_CLOSED, END}, FQ_STATE_REOPENED, C | S | D,
     FQ_HOLD_SELF},
    {FQ_ACT_CLOSE, {FQ_STATE_RESOLVED, END}, FQ_STATE_CLOSED, C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_PAUSE, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END}, SAME,
     C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_RESUME, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END}, SAME,
     C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_EXTEND, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END}, SAME,
     C | S, FQ_HOLD_SELF},
    {FQ_ACT_EXTENSION, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END}, SAME,
     C | S, FQ_HOLD_SELF},
    {FQ_ACT_FEEDBACK, {FQ_STATE_RESOLVED, END}, SAME, C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_SATISFACTION, {FQ_STATE_RESOLVED, END}, SAME, C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_REVIEW,
     {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, FQ_STATE_RESOLVED,
      FQ_STATE_CLOSED, END},
     SAME, C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_NOTICE, {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, END}, SAME,
     C | S | D, FQ_HOLD_SELF},
    {FQ_ACT_ACK,
     {FQ_STATE_ACCEPTED, FQ_STATE_IN_PROGRESS, FQ_STATE_REOPENED, FQ_STATE_ESCALATED,
      FQ_STATE_DISPATCHED, FQ_STATE_RETURNED, FQ_STATE_RESOLVED, FQ_STATE_CLOSED, END},
     SAME, C | S | D, FQ_HOLD_SELF},
};

/* The expected row for (tier, action, from), or NULL when the move must be refused. */
static const allowed_t *expected(fq_tier_t tier, fq_action_t action, fq_state_t from)
{
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        const allowed_t *r = &allowed[i];
        if (r->action != action || !(r->tiers & (1 << tier)))
            continue;
        for (int k = 0; r->from[k] != END; k++)
            if (r->from[k] == from)
                return r;
    }
    return NULL;
}

/* Every (tier, action, state) triple: allowed ones move as the table says, the rest are
 * refused with a message naming the case, the state and the action. */
static void test_every_transition(void)
{
    int allowed_seen = 0, allowed_total = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        for (int k = 0; allowed[i].from[k] != END; k++)
            for (int t = FQ_TIER_COMMUNITY; t <= FQ_TIER_DISTRICT; t++)
                allowed_total += (allowed[i].tiers >> t) & 1;
    for (int t = FQ_TIER_COMMUNITY; t <= FQ_TIER_DISTRICT; t++)
        for (int a = 0; a < FQ_ACT_COUNT; a++)
            for (int s = 0; s < FQ_STATE_COUNT; s++) {
                const allowed_t *want = expected((fq_tier_t)t, (fq_action_t)a, (fq_state_t)s);
                fq_state_t to = FQ_STATE_COUNT;
                fq_holder_rule_t holder = (fq_holder_rule_t)-1;
                char err[256] = "";
                int rc = fq_case_transition((fq_tier_t)t, (fq_action_t)a, (fq_state_t)s,
                                            "440311001001-20261122-0001", &to, &holder, err,
                                            sizeof err);
                if (want) {
                    allowed_seen++;
                    CHECK(rc == 0);
                    CHECK(to == (want->to == SAME ? (fq_state_t)s : want->to));
                    CHECK(holder == want->holder);
                    continue;
                }
                CHECK(rc == -1);
                CHECK(strstr(err, "440311001001-20261122-0001") != NULL);
                CHECK(strstr(err, fq_state_name((fq_state_t)s)) != NULL);
                CHECK(strstr(err, fq_action_name((fq_action_t)a)) != NULL);
            }
    CHECK(allowed_seen == allowed_total);
}

static void test_refusal_message(void)
{
    fq_state_t to;
    fq_holder_rule_t holder;
    char err[256];
    CHECK(fq_case_transition(FQ_TIER_COMMUNITY, FQ_ACT_CLOSE, FQ_STATE_REPORTED, "X", &to, &holder, err,
                             sizeof err) == -1);
    CHECK_STR(err, "case X is reported (已上报); close (办结) at a community needs it to be "
                   "resolved");
    CHECK(fq_case_transition(FQ_TIER_DISTRICT, FQ_ACT_ESCALATE, FQ_STATE_ACCEPTED, "X", &to, &holder, err,
                             sizeof err) == -1);
    CHECK(strstr(err, "not done at a district") != NULL);
}

static void test_names(void)
{
    for (int s = 0; s < FQ_STATE_COUNT; s++) {
        fq_state_t back;
        CHECK(fq_state_parse(fq_state_name((fq_state_t)s), &back) == 0 && (int)back == s);
    }
    for (int a = 0; a < FQ_ACT_COUNT; a++) {
        fq_action_t back;
        CHECK(fq_action_parse(fq_action_name((fq_action_t)a), &back) == 0 && (int)back == a);
    }
    fq_state_t st;
    CHECK(fq_state_parse("Resolved", &st) == -1);
    CHECK(fq_state_parse(NULL, &st) == -1);
}

static void test_case_numbers(void)
{
    char out[40], unit[13];
    int day, seq;
    CHECK(fq_case_no_format(out, sizeof out, "440308003002", 20260407, 42) == 0);
    CHECK_STR(out, "440308003002-20260407-0042");
    CHECK(fq_case_no_parse(out, unit, &day, &seq) == 0);
    CHECK_STR(unit, "440308003002");
    CHECK(day == 20260407 && seq == 42);
    /* past 9999 the sequence grows a digit instead of wrapping into a duplicate */
    CHECK(fq_case_no_format(out, sizeof out, "440308003002", 20260407, 12345) == 0);
    CHECK_STR(out, "440308003002-20260407-12345");
    CHECK(fq_case_no_parse(out, NULL, NULL, &seq) == 0 && seq == 12345);

    CHECK(fq_case_no_format(out, sizeof out, "44030800300", 20260407, 1) == -1);
    CHECK(fq_case_no_format(out, sizeof out, "44030800300x", 20260407, 1) == -1);
    CHECK(fq_case_no_format(out, sizeof out, "440308003002", 20261301, 1) == -1);
    CHECK(fq_case_no_format(out, sizeof out, "440308003002", 20260407, 0) == -1);
    CHECK(fq_case_no_format(out, 20, "440308003002", 20260407, 1) == -1);
    /* what the intake's SQL puts the sequence after */
    CHECK(fq_case_no_prefix(out, sizeof out, "440308003002", 20260407) == 0);
    CHECK_STR(out, "440308003002-20260407-");
    CHECK(fq_case_no_prefix(out, sizeof out, "44030800300x", 20260407) == -1);
    CHECK(fq_case_no_prefix(out, 22, "440308003002", 20260407) == -1);

    const char *bad[] = {"", "440308003002-20260407-042", "440308003002_20260407-0042",
                         "44030800300A-20260407-0042", "440308003002-20261407-0042",
                         "440308003002-20260407-0000", "440308003002-20260407-00x1",
                         "440308003002-20260407-0042-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(fq_case_no_parse(bad[i], NULL, NULL, NULL) == -1);
    CHECK(fq_case_no_parse(NULL, NULL, NULL, NULL) == -1);
}

static void test_case_day(void)
{
    /* 2026-04-07 16:30 UTC is already 2026-04-08 00:30 in China */
    CHECK(fq_case_day(1775579400000LL) == 20260408);
    CHECK(fq_case_day(1775579400000LL - 3600 * 1000) == 20260407);
}

int main(void)
{
    test_every_transition();
    test_refusal_message();
    test_names();
    test_case_numbers();
    test_case_day();
    CHECK_DONE();
}
