/* casework.h - what each action checks and does besides moving the state: triage, department
 * work, visits, documents, dispatch and return. Used by store_act.c inside its transaction. */
#ifndef FQ_CASEWORK_H
#define FQ_CASEWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "store_internal.h"
#include "text.h"

/* The locked row of the case being acted on. */
typedef struct {
    char uuid[37];
    char case_no[40];
    fq_state_t state;
    char holder[FQ_UNIT_CODE_LEN + 1];
    char origin[FQ_UNIT_CODE_LEN + 1];
    char from_child[FQ_UNIT_CODE_LEN + 1]; /* the child it came from or was last sent down to */
    char children[FQ_CHILDREN_LEN];        /* every child holding a copy (from_child too) */
    bool sent_up;
    char track[16];
    char category[72];
    int risk;
    long long amount;
    int parties;
    int bounce_count;
    bool binding;
    char title[FQ_TEXT_BYTES(FQ_TEXT_SHORT)]; /* whole, for the triage keywords */
    char description[FQ_TEXT_BYTES(FQ_TEXT_LONG)];
    int64_t deadline_ms;      /* 0 when none */
    int64_t clock_start_ms;
    int64_t paused_ms;
    int extension_days;
    int unsatisfied;
} fq_caserow_t;

/* The select list and table a fq_caserow_t is read from, and the reading of row R. */
#define FQ_CASEROW_COLUMNS                                                                         \
    "uuid, case_no, state, holder, origin_unit, coalesce(from_child, ''), sent_up,"                \
    " track, category, risk, amount, (SELECT count(*) FROM case_parties p WHERE p.unit ="          \
    " c.unit AND p.uuid = c.uuid), bounce_count, binding, title, description,"                     \
    " coalesce((extract(epoch FROM deadline) * 1000)::int8, 0), clock_start_ms, paused_ms,"        \
    " extension_days, unsatisfied, " FQ_CHILDREN_TEXT
#define FQ_CASEROW_SELECT "SELECT " FQ_CASEROW_COLUMNS " FROM cases c"
void fq_caserow_fill(const PGresult *res, int r, fq_caserow_t *row);

/* The batch's locked row of the case REF names into *ROW, the first time it is asked for;
 * false after that (the action must read the row as the batch left it) or when unknown. */
bool fq_store_batch_take(fq_store_batch_t *b, const char *ref, fq_caserow_t *row);

/* What an action will do, filled by fq_casework_prepare and carried out by store_act.c. */
typedef struct {
    char note[FQ_TEXT_BYTES(FQ_EVENT_NOTE_MAX)]; /* the history entry's note */
    bool keep_state;          /* record without moving the state (a co-handler's part) */
    const char *child;        /* dispatch: the unit below that will hold it */
    const char *track;        /* triage: the new track, NULL to leave it */
    char track_rule[FQ_TEXT_BYTES(FQ_TEXT_REASON + 40)]; /* "override: REASON" whole */
    int bounce_delta;         /* dept-return by the lead: 1 */
    bool set_binding;         /* assign at the tier a bounced case went up to */
    fq_action_t follow;       /* an automatic next action, FQ_ACT_SUBMIT for none */
    char follow_note[256];
    char follow_to[FQ_UNIT_CODE_LEN + 1]; /* the unit below for an automatic dispatch */
    bool set_clock;           /* deadline_ms and clock_start_ms below replace the row's */
    int64_t deadline_ms;
    int64_t clock_start_ms;
    bool set_paused;          /* paused_ms below replaces the row's (0: running) */
    int64_t paused_ms;
    int extension_days;       /* new pending extension; -1 leaves it */
    int unsatisfied_delta;
    bool send_up;             /* the tier above gets a copy (extension request, risk warning) */
    char notice_to[256];      /* notice: addressee and reason */
    char notice_reason[160];
} fq_plan_t;

/* The prepare step of the supervision actions (casework_supervise.c), or NULL. */
typedef fq_store_rc_t (*fq_prepare_fn)(const fq_store_t *st, const fq_caserow_t *row,
                                       const fq_act_t *a, fq_plan_t *plan, char *err,
                                       size_t errlen);
fq_prepare_fn fq_casework_supervise_prepare(fq_action_t action);

/* Where ROW's clock stands after an acceptance at NOW, or a change of track to TRACK. */
void fq_casework_clock(const fq_store_t *st, const fq_caserow_t *row, const char *track,
                       int64_t start_ms, fq_plan_t *plan);

/* The free text of request A (actor of at most ACTOR_MAX characters, note, reason, the codes it
 * names, a document's fields) as fq_text_check takes it: 0, or -1 with the reason, naming the
 * field, in ERR. fq_casework_prepare checks it first. */
int fq_casework_check_text(const fq_act_t *a, size_t actor_max, char *err, size_t errlen);

/* Check the request A for ACTION on ROW and plan it. REFUSED with a message naming the problem
 * (unknown department, a visit on a case that is not long-term, a missing reason ...). */
fq_store_rc_t fq_casework_prepare(const fq_store_t *st, const fq_caserow_t *row,
                                  fq_action_t action, const fq_act_t *a, fq_plan_t *plan,
                                  char *err, size_t errlen);

/* In a batch (ST->batch): keep the change of case UUID that PLAN and the move to state TO,
 * held by HOLDER, make, for the batch's next update of `cases` (one statement for many
 * cases). */
fq_store_rc_t fq_store_batch_update(const fq_store_t *st, const char *uuid, fq_state_t to,
                                    const char *holder, bool sent_up, const fq_plan_t *plan,
                                    char *err, size_t errlen);

/* Write what the batch keeps for `cases`, so that the rows can be read as they now stand. */
fq_store_rc_t fq_store_batch_settle(const fq_store_t *st, char *err, size_t errlen);

/* Carry out the side tables of ACTION (departments, documents, feedback, notices) as PLAN says,
 * after the case row is updated. */
fq_store_rc_t fq_casework_apply(const fq_store_t *st, const fq_caserow_t *row,
                                fq_action_t action, const fq_act_t *a, const fq_plan_t *plan,
                                char *err, size_t errlen);

/* Label (工作提示函 …) and number tag (提示 …) of notice KIND; -1 when unknown. */
int fq_casework_notice_kind(const char *kind, const char **label, const char **tag);

/* Is a notice of KIND that unit AT_UNIT issued addressed to unit CODE? Every notice is addressed
 * to the unit that issued it (which held the case then), a 风险预警函 to the tier above it too;
 * only an addressee signs for a notice, wherever the case has gone since. */
bool fq_casework_notice_to(const fq_cfg_t *cfg, const char *kind, const char *at_unit,
                           const char *code);

#endif
