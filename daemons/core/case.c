/* case.c - states, actions, the transition table and unified case numbers. */
#include "case.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *name;
    const char *label;
} s_names_t;

static const s_names_t s_states[FQ_STATE_COUNT] = {
    [FQ_STATE_NONE] = {"none", "未登记"},
    [FQ_STATE_REPORTED] = {"reported", "已上报"},
    [FQ_STATE_ACCEPTED] = {"accepted", "已受理"},
    [FQ_STATE_IN_PROGRESS] = {"in_progress", "调处中"},
    [FQ_STATE_RESOLVED] = {"resolved", "已化解"},
    [FQ_STATE_CLOSED] = {"closed", "已办结"},
    [FQ_STATE_ESCALATED] = {"escalated", "已上报上级"},
    [FQ_STATE_DISPATCHED] = {"dispatched", "已下派"},
    [FQ_STATE_RETURNED] = {"returned", "已退回"},
    [FQ_STATE_REOPENED] = {"reopened", "重办"},
    [FQ_STATE_WITHDRAWN] = {"withdrawn", "已撤回"},
};

static const s_names_t s_actions[FQ_ACT_COUNT] = {
    [FQ_ACT_SUBMIT] = {"submit", "登记"},
    [FQ_ACT_ACCEPT] = {"accept", "受理"},
    [FQ_ACT_TRIAGE] = {"triage", "分流"},
    [FQ_ACT_START] = {"start", "调处"},
    [FQ_ACT_ASSIGN] = {"assign", "派单"},
    [FQ_ACT_DEPT_ACCEPT] = {"dept-accept", "部门签收"},
    [FQ_ACT_DEPT_RETURN] = {"dept-return", "部门退单"},
    [FQ_ACT_DEPT_RESULT] = {"dept-result", "部门反馈"},
    [FQ_ACT_VISIT] = {"visit", "回访"},
    [FQ_ACT_ATTACH] = {"attach", "归档文书"},
    [FQ_ACT_RESOLVE] = {"resolve", "化解"},
    [FQ_ACT_ESCALATE] = {"escalate", "上报"},
    [FQ_ACT_DISPATCH] = {"dispatch", "下派"},
    [FQ_ACT_RETURN] = {"return", "退回"},
    [FQ_ACT_WITHDRAW] = {"withdraw", "撤回"},
    [FQ_ACT_REOPEN] = {"reopen", "重办"},
    [FQ_ACT_CLOSE] = {"close", "办结"},
    [FQ_ACT_PAUSE] = {"pause", "暂停计时"},
    [FQ_ACT_RESUME] = {"resume", "恢复计时"},
    [FQ_ACT_EXTEND] = {"extend", "申请延期"},
    [FQ_ACT_EXTENSION] = {"extension", "延期审批"},
    [FQ_ACT_FEEDBACK] = {"feedback", "反馈"},
    [FQ_ACT_SATISFACTION] = {"satisfaction", "满意度回访"},
    [FQ_ACT_REVIEW] = {"review", "不满意复核"},
    [FQ_ACT_NOTICE] = {"notice", "督办"},
    [FQ_ACT_ACK] = {"ack", "督办签收"},
};

#define TIER(t) (1u << (t))
#define ALL_TIERS (TIER(FQ_TIER_COMMUNITY) | TIER(FQ_TIER_STREET) | TIER(FQ_TIER_DISTRICT))
#define BELOW_DISTRICT (TIER(FQ_TIER_COMMUNITY) | TIER(FQ_TIER_STREET))
#define ABOVE_COMMUNITY (TIER(FQ_TIER_STREET) | TIER(FQ_TIER_DISTRICT))

#define ST(s) (1u << (s))
#define OPEN (ST(FQ_STATE_ACCEPTED) | ST(FQ_STATE_IN_PROGRESS) | ST(FQ_STATE_REOPENED))
/* Sent to a unit, which holds it until it accepts it. */
#define ARRIVED (ST(FQ_STATE_ESCALATED) | ST(FQ_STATE_DISPATCHED) | ST(FQ_STATE_RETURNED))
#define KEEP FQ_STATE_COUNT /* the action records without moving the state */

typedef struct {
    fq_action_t action;
    unsigned from; /* states it starts from (ST bits) */
    fq_state_t to; /* KEEP: stays where it was */
    unsigned tiers;
    fq_holder_rule_t holder;
} s_rule_t;

/* The whole state machine. A case escalated by a child arrives in `escalated`, one sent down
 * arrives in `dispatched` and one sent back arrives in `returned`; the receiving unit accepts it.
 * A resolution goes back to the unit that took the case in, which closes it once the citizen
 * has been told. Department work (派单, 签收, 退单, 反馈) happens while the case is in_progress at
 * a street or district; store_act.c decides the co-handler cases, which never move the state. */
static const s_rule_t s_rules[] = {
    {FQ_ACT_SUBMIT, ST(FQ_STATE_NONE), FQ_STATE_REPORTED, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_ACCEPT, ST(FQ_STATE_REPORTED), FQ_STATE_ACCEPTED, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_ACCEPT, ST(FQ_STATE_ESCALATED), FQ_STATE_ACCEPTED, ABOVE_COMMUNITY, FQ_HOLD_SELF},
    {FQ_ACT_ACCEPT, ST(FQ_STATE_DISPATCHED) | ST(FQ_STATE_RETURNED), FQ_STATE_ACCEPTED,
     BELOW_DISTRICT, FQ_HOLD_SELF},
    {FQ_ACT_TRIAGE, OPEN, KEEP, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_START, ST(FQ_STATE_ACCEPTED) | ST(FQ_STATE_REOPENED), FQ_STATE_IN_PROGRESS, ALL_TIERS,
     FQ_HOLD_SELF},
    {FQ_ACT_ASSIGN, OPEN, FQ_STATE_IN_PROGRESS, ABOVE_COMMUNITY, FQ_HOLD_SELF},
    {FQ_ACT_DEPT_ACCEPT, ST(FQ_STATE_IN_PROGRESS), KEEP, ABOVE_COMMUNITY, FQ_HOLD_SELF},
    {FQ_ACT_DEPT_RETURN, ST(FQ_STATE_IN_PROGRESS), FQ_STATE_ACCEPTED, ABOVE_COMMUNITY,
     FQ_HOLD_SELF},
    {FQ_ACT_DEPT_RESULT, ST(FQ_STATE_IN_PROGRESS), FQ_STATE_RESOLVED, ABOVE_COMMUNITY,
     FQ_HOLD_ORIGIN},
    {FQ_ACT_VISIT, OPEN, KEEP, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_ATTACH, OPEN | ST(FQ_STATE_RESOLVED), KEEP, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_RESOLVE, OPEN, FQ_STATE_RESOLVED, ALL_TIERS, FQ_HOLD_ORIGIN},
    {FQ_ACT_ESCALATE, OPEN, FQ_STATE_ESCALATED, BELOW_DISTRICT, FQ_HOLD_PARENT},
    {FQ_ACT_DISPATCH, OPEN, FQ_STATE_DISPATCHED, ABOVE_COMMUNITY, FQ_HOLD_CHILD},
    {FQ_ACT_RETURN, ST(FQ_STATE_ESCALATED) | ST(FQ_STATE_ACCEPTED), FQ_STATE_RETURNED,
     ABOVE_COMMUNITY, FQ_HOLD_FROM_CHILD},
    {FQ_ACT_WITHDRAW, ST(FQ_STATE_REPORTED) | OPEN | ST(FQ_STATE_RETURNED), FQ_STATE_WITHDRAWN,
     ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_REOPEN, ST(FQ_STATE_RESOLVED) | ST(FQ_STATE_CLOSED), FQ_STATE_REOPENED, ALL_TIERS,
     FQ_HOLD_SELF},
    {FQ_ACT_CLOSE, ST(FQ_STATE_RESOLVED), FQ_STATE_CLOSED, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_PAUSE, OPEN, KEEP, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_RESUME, OPEN, KEEP, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_EXTEND, OPEN, KEEP, BELOW_DISTRICT, FQ_HOLD_SELF},
    {FQ_ACT_EXTENSION, OPEN, KEEP, BELOW_DISTRICT, FQ_HOLD_SELF},
    {FQ_ACT_FEEDBACK, ST(FQ_STATE_RESOLVED), KEEP, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_SATISFACTION, ST(FQ_STATE_RESOLVED), KEEP, ALL_TIERS, FQ_HOLD_SELF},
    {FQ_ACT_REVIEW, OPEN | ST(FQ_STATE_RESOLVED) | ST(FQ_STATE_CLOSED), KEEP, ALL_TIERS,
     FQ_HOLD_SELF},
    {FQ_ACT_NOTICE, OPEN, KEEP, ALL_TIERS, FQ_HOLD_SELF},
    /* A notice is signed for by the unit holding the case, also while it waits there to be
     * accepted: a 风险预警函 escalates the case by itself to the tier above, its addressee. */
    {FQ_ACT_ACK, OPEN | ARRIVED | ST(FQ_STATE_RESOLVED) | ST(FQ_STATE_CLOSED), KEEP, ALL_TIERS,
     FQ_HOLD_SELF},
};

const char *fq_state_name(fq_state_t state)
{
    return state < FQ_STATE_COUNT ? s_states[state].name : "?";
}

const char *fq_state_label(fq_state_t state)
{
    return state < FQ_STATE_COUNT ? s_states[state].label : "?";
}

int fq_state_parse(const char *name, fq_state_t *state)
{
    for (int i = 0; name && i < FQ_STATE_COUNT; i++)
        if (strcmp(name, s_states[i].name) == 0) {
            *state = (fq_state_t)i;
            return 0;
        }
    return -1;
}

const char *fq_action_name(fq_action_t action)
{
    return action < FQ_ACT_COUNT ? s_actions[action].name : "?";
}

const char *fq_action_label(fq_action_t action)
{
    return action < FQ_ACT_COUNT ? s_actions[action].label : "?";
}

int fq_action_parse(const char *name, fq_action_t *action)
{
    for (int i = 0; name && i < FQ_ACT_COUNT; i++)
        if (strcmp(name, s_actions[i].name) == 0) {
            *action = (fq_action_t)i;
            return 0;
        }
    return -1;
}

/* The states ACTION can start from on TIER, as "a or b", for the refusal message. */
static void allowed_from(fq_tier_t tier, fq_action_t action, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof s_rules / sizeof s_rules[0]; i++) {
        const s_rule_t *r = &s_rules[i];
        if (r->action != action || !(r->tiers & TIER(tier)))
            continue;
        for (int st = 0; st < FQ_STATE_COUNT && used < outlen; st++)
            if (r->from & ST(st))
                used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? " or " : "",
                                         fq_state_name((fq_state_t)st));
    }
}

int fq_case_transition(fq_tier_t tier, fq_action_t action, fq_state_t from, const char *case_no,
                       fq_state_t *to, fq_holder_rule_t *holder, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof s_rules / sizeof s_rules[0]; i++) {
        const s_rule_t *r = &s_rules[i];
        if (r->action == action && (r->from & ST(from)) && (r->tiers & TIER(tier))) {
            *to = r->to == KEEP ? from : r->to;
            *holder = r->holder;
            return 0;
        }
    }
    char need[256];
    allowed_from(tier, action, need, sizeof need);
    if (need[0])
        snprintf(err, errlen, "case %s is %s (%s); %s (%s) at a %s needs it to be %s",
                 case_no ? case_no : "-", fq_state_name(from), fq_state_label(from),
                 fq_action_name(action), fq_action_label(action), fq_tier_name(tier), need);
    else
        snprintf(err, errlen, "case %s is %s (%s); %s (%s) is not done at a %s",
                 case_no ? case_no : "-", fq_state_name(from), fq_state_label(from),
                 fq_action_name(action), fq_action_label(action), fq_tier_name(tier));
    return -1;
}

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return false;
    return true;
}

static bool valid_day(int yyyymmdd)
{
    int y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;
    return y >= 2000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int fq_case_no_prefix(char *out, size_t outlen, const char *unit, int yyyymmdd)
{
    if (!unit || strlen(unit) != FQ_UNIT_CODE_LEN || !all_digits(unit, FQ_UNIT_CODE_LEN) ||
        !valid_day(yyyymmdd))
        return -1;
    int n = snprintf(out, outlen, "%s-%08d-", unit, yyyymmdd);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int fq_case_no_format(char *out, size_t outlen, const char *unit, int yyyymmdd, int seq)
{
    if (seq < 1 || fq_case_no_prefix(out, outlen, unit, yyyymmdd) < 0)
        return -1;
    size_t len = strlen(out);
    int n = snprintf(out + len, outlen - len, "%04d", seq);
    return n > 0 && (size_t)n < outlen - len ? 0 : -1;
}

int fq_case_no_parse(const char *text, char unit[FQ_UNIT_CODE_LEN + 1], int *yyyymmdd, int *seq)
{
    size_t len = text ? strlen(text) : 0;
    /* 12 + 1 + 8 + 1 + at least 4, at most 9 sequence digits */
    if (len < 26 || len > 31 || text[12] != '-' || text[21] != '-' ||
        !all_digits(text, 12) || !all_digits(text + 13, 8) || !all_digits(text + 22, len - 22))
        return -1;
    int day = 0, n = 0;
    sscanf(text + 13, "%8d", &day);
    sscanf(text + 22, "%9d", &n);
    if (!valid_day(day) || n < 1)
        return -1;
    if (unit) {
        memcpy(unit, text, FQ_UNIT_CODE_LEN);
        unit[FQ_UNIT_CODE_LEN] = '\0';
    }
    if (yyyymmdd)
        *yyyymmdd = day;
    if (seq)
        *seq = n;
    return 0;
}

int fq_case_day(int64_t unix_ms)
{
    time_t t = (time_t)(unix_ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}
