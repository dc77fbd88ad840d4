/* casework_apply.c - the side tables an action writes once the case row is updated: the
 * departments working on it and the documents on its file. */
#include "casework.h"

#include <stdio.h>
#include <string.h>

#include "pb.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static fq_store_rc_t exec(const fq_store_t *st, const char *sql, const fq_params_t *p, char *err,
                          size_t errlen)
{
    return fq_db_exec(st->db, sql, p, err, errlen) < 0 ? FQ_STORE_DBERR : FQ_STORE_OK;
}

static fq_store_rc_t add_dept(const fq_store_t *st, const fq_caserow_t *row, const char *dept,
                              const char *role, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, dept);
    fq_p_text(&p, role);
    return exec(st,
                "INSERT INTO case_departments (unit, uuid, dept, role, status, assigned_by)"
                " VALUES ($1, $2, $3, $4, 'assigned', $1)",
                &p, err, errlen);
}

/* A new assignment replaces the previous one at this unit. */
static fq_store_rc_t apply_assign(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                  char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_store_rc_t rc =
        exec(st, "DELETE FROM case_departments WHERE unit = $1 AND uuid = $2", &p, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = add_dept(st, row, a->lead, "lead", err, errlen);
    for (size_t i = 0; rc == FQ_STORE_OK && i < a->nco; i++)
        rc = add_dept(st, row, a->co[i], "co", err, errlen);
    return rc;
}

static fq_store_rc_t set_dept(const fq_store_t *st, const fq_caserow_t *row, const char *dept,
                              const char *status, const char *reason, const char *result, char *err,
                              size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, dept);
    fq_p_text(&p, status);
    fq_p_text(&p, reason);
    fq_p_text(&p, result);
    return exec(st,
                "UPDATE case_departments SET status = $4, reason = coalesce($5, reason),"
                " result = coalesce($6, result) WHERE unit = $1 AND uuid = $2 AND dept = $3",
                &p, err, errlen);
}

/* The lead's return sends the case back for a new assignment: the old one is over. */
static fq_store_rc_t apply_return(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                  char *err, size_t errlen)
{
    fq_store_rc_t rc = set_dept(st, row, a->dept, "returned", a->reason, NULL, err, errlen);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, a->dept);
    if (rc == FQ_STORE_OK)
        rc = exec(st,
                  "DELETE FROM case_departments WHERE unit = $1 AND uuid = $2 AND EXISTS"
                  " (SELECT 1 FROM case_departments l WHERE l.unit = $1 AND l.uuid = $2 AND"
                  " l.dept = $3 AND l.role = 'lead')",
                  &p, err, errlen);
    return rc;
}

static fq_store_rc_t apply_attach(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                  char *err, size_t errlen)
{
    const Fq__Document *d = a->document;
    char doc_uuid[37];
    fq_uuid7(doc_uuid);
    const char *texts[] = {
        st->self->code,       row->uuid,          doc_uuid,          d->kind, d->number, d->date,
        or_empty(d->parties), or_empty(d->terms), or_empty(d->court)};
    const int64_t ints[] = {st->now_ms};
    return fq_db_exec_values(
               st->db,
               "INSERT INTO case_documents (unit, uuid, doc_uuid, kind, number, doc_date,"
               " parties, terms, court, at_unit, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
               " $9, $1, $10)",
               texts, FQ_NELEMS(texts), ints, FQ_NELEMS(ints), err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

/* Feedback and the citizen's answer are rows of their own; an answer is a row with answer set. */
static fq_store_rc_t apply_feedback(const fq_store_t *st, const fq_caserow_t *row,
                                    const fq_act_t *a, char *err, size_t errlen)
{
    char fb_uuid[37];
    fq_uuid7(fb_uuid);
    const char *texts[] = {st->self->code,       row->uuid,         fb_uuid,
                           or_empty(a->channel), or_empty(a->text), or_empty(a->answer),
                           or_empty(a->comment)};
    const int64_t ints[] = {st->now_ms};
    return fq_db_exec_values(
               st->db,
               "INSERT INTO feedback (unit, uuid, fb_uuid, channel, text, answer, comment,"
               " at_unit, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $1, $8)",
               texts, FQ_NELEMS(texts), ints, FQ_NELEMS(ints), err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

static fq_store_rc_t apply_review(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                  char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, a->reason);
    return exec(st,
                "UPDATE feedback SET unreasonable = true, review_reason = $3 WHERE unit = $1 AND"
                " fb_uuid = (SELECT fb_uuid FROM feedback WHERE unit = $1 AND uuid = $2 AND"
                " answer = 'unsatisfied' AND NOT unreasonable ORDER BY at_ms DESC LIMIT 1)",
                &p, err, errlen);
}

/* Number notices per unit, kind and year: <unit>-提示-2026-0003. */
static fq_store_rc_t apply_notice(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                  const fq_plan_t *plan, char *err, size_t errlen)
{
    const char *label, *tag;
    if (fq_casework_notice_kind(a->notice_kind, &label, &tag) < 0)
        return FQ_STORE_REFUSED;
    int year = fq_case_day(st->now_ms) / 10000;
    char notice_uuid[37];
    fq_uuid7(notice_uuid);
    const char *texts[] = {st->self->code,  row->uuid,          notice_uuid, a->notice_kind, tag,
                           plan->notice_to, plan->notice_reason};
    const int64_t ints[] = {year, st->now_ms};
    return fq_db_exec_values(
               st->db,
               "WITH n AS (INSERT INTO notice_counters (unit, kind, year, last) VALUES"
               " ($1, $4, $8, 1) ON CONFLICT (unit, kind, year) DO UPDATE SET last ="
               " notice_counters.last + 1 RETURNING last)"
               " INSERT INTO notices (unit, uuid, notice_uuid, number, kind, addressee, reason,"
               " at_unit, at_ms) SELECT $1, $2, $3, $1 || '-' || $5 || '-' || $8 || '-' ||"
               " lpad(n.last::text, 4, '0'), $4, $6, $7, $1, $9 FROM n",
               texts, FQ_NELEMS(texts), ints, FQ_NELEMS(ints), err, errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

static fq_store_rc_t apply_ack(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                               char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, a->notice);
    fq_p_int(&p, st->now_ms);
    fq_p_text(&p, or_empty(a->actor));
    return exec(st,
                "UPDATE notices SET acked_ms = $4, acked_by = $5 WHERE unit = $1 AND uuid = $2"
                " AND number = $3",
                &p, err, errlen);
}

fq_store_rc_t fq_casework_apply(const fq_store_t *st, const fq_caserow_t *row, fq_action_t action,
                                const fq_act_t *a, const fq_plan_t *plan, char *err, size_t errlen)
{
    switch (action) {
    case FQ_ACT_ASSIGN:
        return apply_assign(st, row, a, err, errlen);
    case FQ_ACT_DEPT_ACCEPT:
        return set_dept(st, row, a->dept, "accepted", NULL, NULL, err, errlen);
    case FQ_ACT_DEPT_RETURN:
        return apply_return(st, row, a, err, errlen);
    case FQ_ACT_DEPT_RESULT:
        return set_dept(st, row, a->dept, "done", NULL, a->note, err, errlen);
    case FQ_ACT_ATTACH:
        return apply_attach(st, row, a, err, errlen);
    case FQ_ACT_FEEDBACK:
    case FQ_ACT_SATISFACTION:
        return apply_feedback(st, row, a, err, errlen);
    case FQ_ACT_REVIEW:
        return apply_review(st, row, a, err, errlen);
    case FQ_ACT_NOTICE:
        return apply_notice(st, row, a, plan, err, errlen);
    case FQ_ACT_ACK:
        return apply_ack(st, row, a, err, errlen);
    default:
        return FQ_STORE_OK;
    }
}
