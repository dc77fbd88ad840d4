/* casework.h - what each action checks and does besides moving the state: triage, department
 * work, visits, documents, dispatch and return. Used by store_act.c inside its transaction. */
#ifndef FQ_CASEWORK_H
#define FQ_CASEWORK_H

#include <stdbool.h>
#include <stddef.h>

#include "case.h"
#include "store_internal.h"

/* The locked row of the case being acted on. */
typedef struct {
    char uuid[37];
    char case_no[40];
    fq_state_t state;
    char holder[FQ_UNIT_CODE_LEN + 1];
    char origin[FQ_UNIT_CODE_LEN + 1];
    char from_child[FQ_UNIT_CODE_LEN + 1];
    bool sent_up;
    char track[16];
    char category[72];
    int risk;
    long long amount;
    int parties;
    int bounce_count;
    bool binding;
    char title[256];
    char description[4096];
} fq_caserow_t;

/* What an action will do, filled by fq_casework_prepare and carried out by store_act.c. */
typedef struct {
    char note[4400];          /* the history entry's note */
    bool keep_state;          /* record without moving the state (a co-handler's part) */
    const char *child;        /* dispatch: the unit below that will hold it */
    const char *track;        /* triage: the new track, NULL to leave it */
    char track_rule[256];
    int bounce_delta;         /* dept-return by the lead: 1 */
    bool set_binding;         /* assign at the tier a bounced case went up to */
    fq_action_t follow;       /* an automatic next action, FQ_ACT_SUBMIT for none */
    char follow_note[256];
    char follow_to[FQ_UNIT_CODE_LEN + 1]; /* the unit below for an automatic dispatch */
} fq_plan_t;

/* Check the request A for ACTION on ROW and plan it. REFUSED with a message naming the problem
 * (unknown department, a visit on a case that is not long-term, a missing reason ...). */
fq_store_rc_t fq_casework_prepare(const fq_store_t *st, const fq_caserow_t *row,
                                  fq_action_t action, const fq_act_t *a, fq_plan_t *plan,
                                  char *err, size_t errlen);

/* Carry out the side tables of ACTION (departments, documents) after the case row is updated. */
fq_store_rc_t fq_casework_apply(const fq_store_t *st, const fq_caserow_t *row,
                                fq_action_t action, const fq_act_t *a, char *err, size_t errlen);

#endif
