/* store_act.c - a unit's own transitions of a case, checked against the state machine and
 * told to the neighbours that hold a copy, all in one transaction. */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

#include "case.h"

/* The row facts a transition needs, locked for the transaction. */
typedef struct {
    char uuid[37];
    char case_no[40];
    fq_state_t state;
    char holder[FQ_UNIT_CODE_LEN + 1];
    char origin[FQ_UNIT_CODE_LEN + 1];
    char from_child[FQ_UNIT_CODE_LEN + 1];
    bool sent_up;
} s_row_t;

static fq_store_rc_t lock_case(const fq_store_t *st, const char *ref, s_row_t *row, char *err,
                               size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, ref);
    const char *sql = fq_store_looks_like_uuid(ref)
                          ? "SELECT uuid, case_no, state, holder, origin_unit,"
                            " coalesce(from_child, ''), sent_up FROM cases"
                            " WHERE unit = $1 AND uuid = $2 FOR UPDATE"
                          : "SELECT uuid, case_no, state, holder, origin_unit,"
                            " coalesce(from_child, ''), sent_up FROM cases"
                            " WHERE unit = $1 AND case_no = $2 FOR UPDATE";
    PGresult *res = fq_db_run(st->db, sql, &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    fq_store_rc_t rc = FQ_STORE_OK;
    if (PQntuples(res) == 0) {
        snprintf(err, errlen, "no case %s at unit %s", ref, st->self->code);
        rc = FQ_STORE_REFUSED;
    } else {
        snprintf(row->uuid, sizeof row->uuid, "%s", PQgetvalue(res, 0, 0));
        snprintf(row->case_no, sizeof row->case_no, "%s", PQgetvalue(res, 0, 1));
        if (fq_state_parse(PQgetvalue(res, 0, 2), &row->state) < 0)
            row->state = FQ_STATE_NONE;
        snprintf(row->holder, sizeof row->holder, "%s", PQgetvalue(res, 0, 3));
        snprintf(row->origin, sizeof row->origin, "%s", PQgetvalue(res, 0, 4));
        snprintf(row->from_child, sizeof row->from_child, "%s", PQgetvalue(res, 0, 5));
        row->sent_up = PQgetvalue(res, 0, 6)[0] == 't';
    }
    PQclear(res);
    return rc;
}

/* Only the unit holding a case may act on it; the others keep a copy to answer citizens. */
static int check_holder(const fq_store_t *st, const s_row_t *row, fq_action_t action, char *err,
                        size_t errlen)
{
    if (strcmp(row->holder, st->self->code) == 0)
        return 0;
    const fq_unit_cfg_t *holder = fq_cfg_unit(st->cfg, row->holder);
    snprintf(err, errlen, "case %s is %s and held by %s (%s); only the holder can %s it",
             row->case_no, fq_state_name(row->state), row->holder,
             holder ? holder->name : "unknown unit", fq_action_name(action));
    return -1;
}

static const char *new_holder(const fq_store_t *st, const s_row_t *row, fq_holder_rule_t rule)
{
    switch (rule) {
    case FQ_HOLD_PARENT:
        return st->self->parent;
    case FQ_HOLD_ORIGIN:
        return row->origin;
    case FQ_HOLD_SELF:
    default:
        return st->self->code;
    }
}

static fq_store_rc_t update_case(const fq_store_t *st, const s_row_t *row, fq_state_t to,
                                 const char *holder, bool sent_up, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, fq_state_name(to));
    fq_p_text(&p, holder);
    fq_p_text(&p, sent_up ? "true" : "false");
    fq_p_int(&p, st->now_ms);
    return fq_db_exec(st->db,
                      "UPDATE cases SET state = $3, holder = $4, sent_up = $5::boolean,"
                      " version = version + 1, updated_at = to_timestamp($6 / 1000.0)"
                      " WHERE unit = $1 AND uuid = $2",
                      &p, err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

/* Tell every neighbour holding a copy: the parent once the case went up, the child it came
 * from when it came from below. */
static fq_store_rc_t tell_neighbours(const fq_store_t *st, const s_row_t *row, bool sent_up,
                                     char *err, size_t errlen)
{
    fq_store_rc_t rc = FQ_STORE_OK;
    if (sent_up && st->self->parent[0])
        rc = fq_store_send(st, row->uuid, st->self->parent, err, errlen);
    if (rc == FQ_STORE_OK && row->from_child[0])
        rc = fq_store_send(st, row->uuid, row->from_child, err, errlen);
    return rc;
}

static fq_store_rc_t act_locked(const fq_store_t *st, const char *ref, fq_action_t action,
                                const char *actor, const char *note, char *err, size_t errlen)
{
    s_row_t row;
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
    bool sent_up = row.sent_up || action == FQ_ACT_ESCALATE;
    rc = update_case(st, &row, to, new_holder(st, &row, rule), sent_up, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_add_event(st, row.uuid, fq_action_name(action), fq_state_name(row.state),
                                fq_state_name(to), actor, note, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = tell_neighbours(st, &row, sent_up, err, errlen);
    return rc;
}

fq_store_rc_t fq_store_act(const fq_store_t *st, const char *ref, const char *action,
                           const char *actor, const char *note, char *err, size_t errlen)
{
    fq_action_t act;
    if (fq_action_parse(action, &act) < 0 || act == FQ_ACT_SUBMIT) {
        snprintf(err, errlen, "unknown action '%s'", action ? action : "");
        return FQ_STORE_REFUSED;
    }
    if ((actor && strlen(actor) > 200) || (note && strlen(note) > 4000)) {
        snprintf(err, errlen, "actor (200 bytes) or note (4000 bytes) too long");
        return FQ_STORE_REFUSED;
    }
    if (act == FQ_ACT_RESOLVE && (!note || !*note)) {
        snprintf(err, errlen, "resolve needs a note saying how the case was resolved");
        return FQ_STORE_REFUSED;
    }
    if (fq_db_begin(st->db, err, errlen) < 0)
        return FQ_STORE_DBERR;
    return fq_store_finish(st, act_locked(st, ref, act, actor, note, err, errlen), err, errlen);
}
