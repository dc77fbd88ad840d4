/* store_act.c - a unit's own actions on a case: checked against the state machine and the
 * casework rules, recorded in the case file, and told to the neighbours holding a copy, all in
 * one transaction. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casework.h"

#define MAX_FOLLOW 3 /* automatic actions in a row (triage -> escalate), a guard against loops */

static void copy(char *dst, size_t len, const PGresult *res, int r, int c)
{
    snprintf(dst, len, "%s", PQgetvalue(res, r, c));
}

void fq_caserow_fill(const PGresult *res, int r, fq_caserow_t *row)
{
    copy(row->uuid, sizeof row->uuid, res, r, 0);
    copy(row->case_no, sizeof row->case_no, res, r, 1);
    if (fq_state_parse(PQgetvalue(res, r, 2), &row->state) < 0)
        row->state = FQ_STATE_NONE;
    copy(row->holder, sizeof row->holder, res, r, 3);
    copy(row->origin, sizeof row->origin, res, r, 4);
    copy(row->from_child, sizeof row->from_child, res, r, 5);
    row->sent_up = PQgetvalue(res, r, 6)[0] == 't';
    copy(row->track, sizeof row->track, res, r, 7);
    copy(row->category, sizeof row->category, res, r, 8);
    row->risk = atoi(PQgetvalue(res, r, 9));
    row->amount = strtoll(PQgetvalue(res, r, 10), NULL, 10);
    row->parties = atoi(PQgetvalue(res, r, 11));
    row->bounce_count = atoi(PQgetvalue(res, r, 12));
    row->binding = PQgetvalue(res, r, 13)[0] == 't';
    copy(row->title, sizeof row->title, res, r, 14);
    copy(row->description, sizeof row->description, res, r, 15);
    row->deadline_ms = strtoll(PQgetvalue(res, r, 16), NULL, 10);
    row->clock_start_ms = strtoll(PQgetvalue(res, r, 17), NULL, 10);
    row->paused_ms = strtoll(PQgetvalue(res, r, 18), NULL, 10);
    row->extension_days = atoi(PQgetvalue(res, r, 19));
    row->unsatisfied = atoi(PQgetvalue(res, r, 20));
    copy(row->children, sizeof row->children, res, r, 21);
}

/* Lock the case REF names: the batch's, locked already, for its first action on it; else
 * from the database (which also sees what the batch wrote so far). */
static fq_store_rc_t lock_case(const fq_store_t *st, const char *ref, fq_caserow_t *row,
                               char *err, size_t errlen)
{
    if (st->batch && fq_store_batch_take(st->batch, ref, row))
        return FQ_STORE_OK;
    if (st->batch && fq_store_batch_settle(st, err, errlen) != FQ_STORE_OK)
        return FQ_STORE_DBERR;
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, ref);
    const char *sql = fq_store_looks_like_uuid(ref)
                          ? FQ_CASEROW_SELECT " WHERE unit = $1 AND uuid = $2 FOR UPDATE"
                          : FQ_CASEROW_SELECT " WHERE unit = $1 AND case_no = $2 FOR UPDATE";
    PGresult *res = fq_db_run(st->db, sql, &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    fq_store_rc_t rc = FQ_STORE_OK;
    if (PQntuples(res) == 0) {
        snprintf(err, errlen, "no case %s at unit %s", ref, st->self->code);
        rc = FQ_STORE_REFUSED;
    } else
        fq_caserow_fill(res, 0, row);
    PQclear(res);
    return rc;
}

/* Only the unit holding a case may act on it; the others keep a copy to answer citizens. */
static int check_holder(const fq_store_t *st, const fq_caserow_t *row, fq_action_t action,
                        char *err, size_t errlen)
{
    if (strcmp(row->holder, st->self->code) == 0)
        return 0;
    const fq_unit_cfg_t *holder = fq_cfg_unit(st->cfg, row->holder);
    snprintf(err, errlen, "case %s is %s and held by %s (%s); only the holder can %s it",
             row->case_no, fq_state_name(row->state), row->holder,
             holder ? holder->name : "unknown unit", fq_action_name(action));
    return -1;
}

static const char *new_holder(const fq_store_t *st, const fq_caserow_t *row,
                              fq_holder_rule_t rule, const fq_plan_t *plan)
{
    switch (rule) {
    case FQ_HOLD_PARENT: return st->self->parent;
    case FQ_HOLD_ORIGIN: return row->origin;
    case FQ_HOLD_CHILD: return plan->child;
    case FQ_HOLD_FROM_CHILD: return row->from_child;
    case FQ_HOLD_SELF:
    default: return st->self->code;
    }
}

static fq_store_rc_t update_case(const fq_store_t *st, const fq_caserow_t *row, fq_state_t to,
                                 const char *holder, bool sent_up, const fq_plan_t *plan,
                                 char *err, size_t errlen)
{
    if (st->batch)
        return fq_store_batch_update(st, row->uuid, to, holder, sent_up, plan, err, errlen);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, fq_state_name(to));
    fq_p_text(&p, holder);
    fq_p_text(&p, sent_up ? "true" : "false");
    fq_p_int(&p, st->now_ms);
    fq_p_text(&p, plan->track);
    fq_p_text(&p, plan->track ? plan->track_rule : NULL);
    fq_p_int(&p, plan->bounce_delta);
    fq_p_text(&p, plan->set_binding ? "true" : "false");
    fq_p_text(&p, plan->child);
    fq_p_text(&p, plan->set_clock ? "true" : "false");
    fq_p_int(&p, plan->deadline_ms);
    fq_p_int(&p, plan->clock_start_ms);
    fq_p_text(&p, plan->set_paused ? "true" : "false");
    fq_p_int(&p, plan->paused_ms);
    fq_p_int(&p, plan->extension_days);
    fq_p_int(&p, plan->unsatisfied_delta);
    return fq_db_send(st->db,
                      "UPDATE cases SET state = $3, holder = $4, sent_up = $5::boolean,"
                      " version = version + 1, updated_at = to_timestamp($6 / 1000.0),"
                      " track = coalesce($7, track), track_rule = coalesce($8, track_rule),"
                      " bounce_count = bounce_count + $9, binding = binding OR $10::boolean,"
                      " from_child = coalesce($11, from_child),"
                      " children = CASE WHEN $11 IS NULL OR $11 = ANY(children) THEN children"
                      "   ELSE children || $11::text END,"
                      " deadline = CASE WHEN $12::boolean THEN to_timestamp($13::int8 / 1000.0)"
                      "   ELSE deadline END,"
                      " clock_start_ms = CASE WHEN $12::boolean THEN $14 ELSE clock_start_ms END,"
                      " paused_ms = CASE WHEN $15::boolean THEN $16 ELSE paused_ms END,"
                      " extension_days = CASE WHEN $17 >= 0 THEN $17 ELSE extension_days END,"
                      " unsatisfied = unsatisfied + $18,"
                      " resolved_on_time = CASE WHEN $3 = 'resolved' AND resolved_on_time IS NULL"
                      "   THEN deadline IS NULL OR to_timestamp($6 / 1000.0) <= deadline"
                      "   ELSE resolved_on_time END"
                      " WHERE unit = $1 AND uuid = $2",
                      &p, err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

/* Acceptance and reopening start the holder's clock; a new track changes its deadline. */
static void plan_clock(const fq_store_t *st, const fq_caserow_t *row, fq_action_t action,
                       fq_plan_t *plan)
{
    if (plan->set_clock)
        return;
    if (action == FQ_ACT_ACCEPT || action == FQ_ACT_REOPEN)
        fq_casework_clock(st, row, plan->track ? plan->track : row->track, st->now_ms, plan);
    else if (plan->track && strcmp(plan->track, row->track) != 0)
        fq_casework_clock(st, row, plan->track,
                          row->clock_start_ms ? row->clock_start_ms : st->now_ms, plan);
}

/* Tell every neighbour holding a copy: the parent once the case went up (or came down from
 * it), every child it came from or was sent down to, and the child it goes down to now. */
static fq_store_rc_t tell_neighbours(const fq_store_t *st, const fq_caserow_t *row, bool sent_up,
                                     const char *new_child, char *err, size_t errlen)
{
    fq_store_rc_t rc = FQ_STORE_OK;
    if (sent_up && st->self->parent[0])
        rc = fq_store_send(st, row->uuid, st->self->parent, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_send_children(st, row->uuid, row->children, NULL, err, errlen);
    if (rc == FQ_STORE_OK && new_child && !fq_children_has(row->children, new_child))
        rc = fq_store_send(st, row->uuid, new_child, err, errlen);
    return rc;
}

/* One action on REF. Everything that can refuse it comes before its first write, except the
 * casework that numbers a notice; *WROTE says whether writes went out. */
static fq_store_rc_t act_once(const fq_store_t *st, const char *ref, fq_action_t action,
                              const fq_act_t *a, fq_plan_t *plan, bool *wrote, char *err,
                              size_t errlen)
{
    fq_caserow_t row;
    fq_store_rc_t rc = lock_case(st, ref, &row, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    if (check_holder(st, &row, action, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    fq_state_t to;
    fq_holder_rule_t rule;
    if (fq_case_transition(st->self->tier, action, row.state, row.case_no, &to, &rule, err,
                           errlen) < 0)
        return FQ_STORE_REFUSED;
    rc = fq_casework_prepare(st, &row, action, a, plan, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    if (plan->keep_state) {
        to = row.state;
        rule = FQ_HOLD_SELF;
    }
    plan_clock(st, &row, action, plan);
    bool sent_up = row.sent_up || action == FQ_ACT_ESCALATE || plan->send_up;
    const char *holder = new_holder(st, &row, rule, plan);
    *wrote = true;
    rc = update_case(st, &row, to, holder, sent_up, plan, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_casework_apply(st, &row, action, a, plan, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_add_event(st, row.uuid, fq_action_name(action), fq_state_name(row.state),
                                fq_state_name(to), a->actor, plan->note, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = tell_neighbours(st, &row, sent_up, plan->child, err, errlen);
    return rc;
}

/* Run ACTION, then whatever it sets off by itself (a high-risk triage escalates, a case
 * returned once too often goes up), each as its own entry in the case file. */
fq_store_rc_t fq_store_act_tx(const fq_store_t *st, const char *ref, fq_action_t action,
                              const fq_act_t *a, char *err, size_t errlen)
{
    char note[256], child[FQ_UNIT_CODE_LEN + 1];
    fq_act_t automatic = {.actor = "系统 (自动)", .note = note, .reason = note};
    fq_store_rc_t rc = FQ_STORE_OK;
    bool wrote = false;
    for (int step = 0; step <= MAX_FOLLOW && action != FQ_ACT_SUBMIT; step++) {
        fq_plan_t *plan = calloc(1, sizeof *plan);
        if (!plan) {
            snprintf(err, errlen, "out of memory");
            return FQ_STORE_DBERR;
        }
        plan->follow = FQ_ACT_SUBMIT;
        plan->extension_days = -1;
        rc = act_once(st, ref, action, a, plan, &wrote, err, errlen);
        action = rc == FQ_STORE_OK ? plan->follow : FQ_ACT_SUBMIT;
        snprintf(note, sizeof note, "%s", plan->follow_note);
        snprintf(child, sizeof child, "%s", plan->follow_to);
        free(plan);
        automatic.to_unit = child[0] ? child : NULL;
        a = &automatic;
    }
    if (rc == FQ_STORE_REFUSED && wrote && st->batch)
        fq_store_batch_mark_late(st->batch);
    return rc;
}

fq_store_rc_t fq_store_act_in(const fq_store_t *st, const char *ref, const char *action,
                              const fq_act_t *a, char *err, size_t errlen)
{
    fq_action_t act;
    if (fq_action_parse(action, &act) < 0 || act == FQ_ACT_SUBMIT) {
        snprintf(err, errlen, "unknown action '%s'", action ? action : "");
        return FQ_STORE_REFUSED;
    }
    return fq_store_act_tx(st, ref, act, a, err, errlen);
}

fq_store_rc_t fq_store_act(const fq_store_t *st, const char *ref, const char *action,
                           const fq_act_t *a, char *err, size_t errlen)
{
    if (fq_db_begin(st->db, err, errlen) < 0)
        return FQ_STORE_DBERR;
    return fq_store_finish(st, fq_store_act_in(st, ref, action, a, err, errlen), err, errlen);
}
