/* case.h - the case model: states, actions, the state machine and the unified case number.
 *
 * One state machine serves all three tiers. Each row of the transition table says which action
 * moves which states to which, and on which tiers it is allowed; anything else is refused with a
 * message naming the case, its state and the action. Pure functions, no I/O.
 */
#ifndef FQ_CASE_H
#define FQ_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef enum {
    FQ_STATE_NONE = 0, /* before submission */
    FQ_STATE_REPORTED,
    FQ_STATE_ACCEPTED,
    FQ_STATE_IN_PROGRESS,
    FQ_STATE_RESOLVED,
    FQ_STATE_CLOSED,
    FQ_STATE_ESCALATED,
    FQ_STATE_DISPATCHED,
    FQ_STATE_RETURNED,
    FQ_STATE_REOPENED,
    FQ_STATE_WITHDRAWN,
    FQ_STATE_COUNT
} fq_state_t;

typedef enum {
    FQ_ACT_SUBMIT = 0,
    FQ_ACT_ACCEPT,      /* 受理 */
    FQ_ACT_TRIAGE,      /* 分流 into a track */
    FQ_ACT_START,       /* 调处: a handler takes it on */
    FQ_ACT_ASSIGN,      /* 派单 to a lead department and co-handlers */
    FQ_ACT_DEPT_ACCEPT, /* a department signs for it (签收) */
    FQ_ACT_DEPT_RETURN, /* a department returns it (退单) */
    FQ_ACT_DEPT_RESULT, /* a department reports its result */
    FQ_ACT_VISIT,       /* 回访/随访 of a long-term case */
    FQ_ACT_ATTACH,      /* a document on the case file */
    FQ_ACT_RESOLVE,     /* 化解 */
    FQ_ACT_ESCALATE,    /* 上报 to the tier above */
    FQ_ACT_DISPATCH,    /* 下派 down to a unit below */
    FQ_ACT_RETURN,      /* 退回 to the unit below it came from */
    FQ_ACT_WITHDRAW,    /* the citizen withdraws it */
    FQ_ACT_REOPEN,      /* 重办 */
    FQ_ACT_CLOSE,       /* 办结 */
    FQ_ACT_PAUSE,       /* the clock stops (e.g. waiting for a court) */
    FQ_ACT_RESUME,      /* the clock runs again; the deadline moves by the pause */
    FQ_ACT_EXTEND,      /* 延期申请 to the tier above */
    FQ_ACT_EXTENSION,   /* the tier above's decision, applied by the holder */
    FQ_ACT_FEEDBACK,    /* 反馈 to the citizen */
    FQ_ACT_SATISFACTION, /* the citizen's answer: 满意, 基本满意, 不满意 */
    FQ_ACT_REVIEW,      /* a reviewer finds a 不满意 unreasonable */
    FQ_ACT_NOTICE,      /* 督办: reminder, 工作提示函, 风险预警函 (issued by the daemon) */
    FQ_ACT_ACK,         /* a notice is acknowledged */
    FQ_ACT_COUNT
} fq_action_t;

/* Who holds the case after an action. */
typedef enum {
    FQ_HOLD_SELF = 0,   /* the unit that acted */
    FQ_HOLD_PARENT,     /* the tier above (escalate) */
    FQ_HOLD_ORIGIN,     /* the unit that took the case in, to close the loop (resolve) */
    FQ_HOLD_CHILD,      /* the unit below named by the request (dispatch) */
    FQ_HOLD_FROM_CHILD  /* the unit below that sent it up (return) */
} fq_holder_rule_t;

const char *fq_state_name(fq_state_t state);     /* "reported" ... */
const char *fq_state_label(fq_state_t state);    /* 已上报 ... */
int fq_state_parse(const char *name, fq_state_t *state);
const char *fq_action_name(fq_action_t action);
const char *fq_action_label(fq_action_t action);
int fq_action_parse(const char *name, fq_action_t *action);

/* Decide whether ACTION may move a case in state FROM at a unit of TIER. On success returns 0
 * and sets *TO (equal to FROM for actions that record without moving) and *HOLDER; otherwise returns -1 and writes a message naming CASE_NO (may be
 * NULL), the state and the action into ERR. */
int fq_case_transition(fq_tier_t tier, fq_action_t action, fq_state_t from, const char *case_no,
                       fq_state_t *to, fq_holder_rule_t *holder, char *err, size_t errlen);

/* Unified case number: <12-digit unit>-<YYYYMMDD>-<NNNN> (at least four sequence digits).
 * Returns 0, or -1 when an argument is out of range or OUT is too small. */
int fq_case_no_format(char *out, size_t outlen, const char *unit, int yyyymmdd, int seq);

/* What every case number of UNIT's day YYYYMMDD begins with: "<unit>-<YYYYMMDD>-". Returns 0,
 * or -1 as fq_case_no_format does. */
int fq_case_no_prefix(char *out, size_t outlen, const char *unit, int yyyymmdd);

/* Parse and check a case number; fills the parts that are non-NULL. Returns 0 or -1. */
int fq_case_no_parse(const char *text, char unit[FQ_UNIT_CODE_LEN + 1], int *yyyymmdd, int *seq);

/* The calendar day (YYYYMMDD) of a unix time in milliseconds in China Standard Time (UTC+8,
 * no daylight saving), the day a case number carries. */
int fq_case_day(int64_t unix_ms);

#endif
