/* casework.c - the rules of each action beyond the state machine: triage into tracks,
 * departments (派单, 签收, 退单, 反馈), follow-up visits, documents, dispatch and return. */
#include "casework.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "text.h"
#include "triage.h"

#define MAX_CO 20

typedef fq_store_rc_t (*s_prepare_fn)(const fq_store_t *st, const fq_caserow_t *row,
                                      const fq_act_t *a, fq_plan_t *plan, char *err, size_t errlen);

/* A note or reason of only spaces (the ideographic one too) says nothing. */
static bool blank(const char *s)
{
    return fq_text_blank(s);
}

static fq_store_rc_t refuse(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(err, errlen, fmt, a, b);
    return FQ_STORE_REFUSED;
}

/* ---- actions that only need their note ---------------------------------------------------- */

static fq_store_rc_t p_plain(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                             fq_plan_t *plan, char *err, size_t errlen)
{
    snprintf(plan->note, sizeof plan->note, "%s", a->note ? a->note : "");
    return FQ_STORE_OK;
}

static fq_store_rc_t p_needs_note(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                  fq_plan_t *plan, char *err, size_t errlen)
{
    if (blank(a->note))
        return refuse(err, errlen, "case %s: say how it was resolved (--note)%s", row->case_no, "");
    return p_plain(st, row, a, plan, err, errlen);
}

static fq_store_rc_t p_needs_reason(const fq_store_t *st, const fq_caserow_t *row,
                                    const fq_act_t *a, fq_plan_t *plan, char *err, size_t errlen)
{
    if (blank(a->reason))
        return refuse(err, errlen, "case %s: this needs a reason (--reason)%s", row->case_no, "");
    snprintf(plan->note, sizeof plan->note, "%s", a->reason);
    return FQ_STORE_OK;
}

/* ---- triage ------------------------------------------------------------------------------- */

/* The unit below a long-term case goes down to: the one named, else the one it came from. */
static const char *long_term_target(const fq_store_t *st, const fq_caserow_t *row,
                                    const fq_act_t *a)
{
    const char *to = !blank(a->to_unit) ? a->to_unit : row->from_child;
    const fq_unit_cfg_t *u = fq_cfg_unit(st->cfg, to);
    return u && strcmp(u->parent, st->self->code) == 0 ? u->code : NULL;
}

/* Where the track sends the case: high-risk up to the district, long-term down. */
static void plan_route(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                       fq_plan_t *plan)
{
    if (strcmp(plan->track, "high_risk") == 0 && st->self->tier != FQ_TIER_DISTRICT) {
        plan->follow = FQ_ACT_ESCALATE;
        snprintf(plan->follow_note, sizeof plan->follow_note, "特需门诊: 提级至上级会诊");
    } else if (strcmp(plan->track, "long_term") == 0 && st->self->tier != FQ_TIER_COMMUNITY) {
        const char *to = long_term_target(st, row, a);
        if (!to) {
            strncat(plan->note, "; 社区门诊: 请用 dispatch --to 下派",
                    sizeof plan->note - strlen(plan->note) - 1);
            return;
        }
        plan->follow = FQ_ACT_DISPATCH;
        snprintf(plan->follow_to, sizeof plan->follow_to, "%s", to);
        snprintf(plan->follow_note, sizeof plan->follow_note, "社区门诊: 下派社区跟踪回访");
    }
}

static fq_store_rc_t p_triage(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    if (!blank(a->track)) {
        if (!fq_track_valid(a->track))
            return refuse(err, errlen,
                          "unknown track '%s'; use simple, complex, high_risk or "
                          "long_term%s",
                          a->track, "");
        if (blank(a->reason))
            return refuse(err, errlen, "case %s: a track override needs a reason (--reason)%s",
                          row->case_no, "");
        plan->track = a->track;
        snprintf(plan->track_rule, sizeof plan->track_rule, "override: %s", a->reason);
        snprintf(plan->note, sizeof plan->note, "人工分流 %s %s: %s", fq_track_label(a->track),
                 a->track, a->reason);
    } else {
        fq_triage_case_t in = {row->category, row->risk,  row->parties,
                               row->amount,   row->title, row->description};
        fq_triage_result_t out;
        fq_triage(st->cfg, &in, &out);
        plan->track = out.track;
        if (out.rule)
            snprintf(plan->track_rule, sizeof plan->track_rule, "rule %d: %s", out.index, out.rule);
        else
            snprintf(plan->track_rule, sizeof plan->track_rule, "default");
        snprintf(plan->note, sizeof plan->note, "分流 %s %s (%s)", fq_track_label(out.track),
                 out.track, plan->track_rule);
    }
    plan_route(st, row, a, plan);
    return FQ_STORE_OK;
}

/* ---- departments -------------------------------------------------------------------------- */

static fq_store_rc_t check_dept(const fq_store_t *st, const char *code, char *err, size_t errlen)
{
    const fq_department_cfg_t *d = blank(code) ? NULL : fq_cfg_department(st->cfg, code);
    if (!d)
        return refuse(err, errlen, "unknown department '%s'%s; see the deployment's departments",
                      code ? code : "", "");
    if (d->tier != st->self->tier) {
        snprintf(err, errlen, "department %s (%s) belongs to a %s, not to this %s", d->code,
                 d->name, fq_tier_name(d->tier), fq_tier_name(st->self->tier));
        return FQ_STORE_REFUSED;
    }
    return FQ_STORE_OK;
}

static void append(fq_plan_t *plan, const char *text)
{
    strncat(plan->note, text, sizeof plan->note - strlen(plan->note) - 1);
}

static fq_store_rc_t p_assign(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    if (blank(a->lead))
        return refuse(err, errlen, "case %s: name the lead department (--lead)%s", row->case_no,
                      "");
    if (check_dept(st, a->lead, err, errlen) != FQ_STORE_OK)
        return FQ_STORE_REFUSED;
    if (a->nco > MAX_CO)
        return refuse(err, errlen, "at most 20 co-handling departments%s%s", "", "");
    snprintf(plan->note, sizeof plan->note, "主办 %s", fq_cfg_department(st->cfg, a->lead)->name);
    for (size_t i = 0; i < a->nco; i++) {
        if (check_dept(st, a->co[i], err, errlen) != FQ_STORE_OK)
            return FQ_STORE_REFUSED;
        for (size_t k = 0; k < i; k++)
            if (strcmp(a->co[k], a->co[i]) == 0)
                return refuse(err, errlen, "department %s is named twice%s", a->co[i], "");
        if (strcmp(a->co[i], a->lead) == 0)
            return refuse(err, errlen, "department %s cannot both lead and co-handle%s", a->lead,
                          "");
        append(plan, i ? "、" : "; 协办 ");
        append(plan, fq_cfg_department(st->cfg, a->co[i])->name);
    }
    plan->set_binding = row->bounce_count > st->cfg->max_returns;
    if (plan->set_binding)
        append(plan, " (上级指定, 不可退单)");
    if (!blank(a->note)) {
        append(plan, ": ");
        append(plan, a->note);
    }
    return FQ_STORE_OK;
}

/* The department's role and status on this case, or REFUSED when it is not on it. */
static fq_store_rc_t dept_part(const fq_store_t *st, const fq_caserow_t *row, const char *dept,
                               char role[8], char status[16], char *err, size_t errlen)
{
    if (blank(dept))
        return refuse(err, errlen, "case %s: which department? (--dept)%s", row->case_no, "");
    if (!fq_cfg_department(st->cfg, dept))
        return refuse(err, errlen, "unknown department '%s'%s; see the deployment's departments",
                      dept, "");
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, dept);
    PGresult *res = fq_db_run(st->db,
                              "SELECT role, status FROM case_departments WHERE unit = $1 AND"
                              " uuid = $2 AND dept = $3",
                              &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    fq_store_rc_t rc = FQ_STORE_OK;
    if (PQntuples(res) == 0)
        rc = refuse(err, errlen, "department %s is not working on case %s", dept, row->case_no);
    else {
        snprintf(role, 8, "%s", PQgetvalue(res, 0, 0));
        snprintf(status, 16, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return rc;
}

static fq_store_rc_t p_dept_accept(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                   fq_plan_t *plan, char *err, size_t errlen)
{
    char role[8], status[16];
    fq_store_rc_t rc = dept_part(st, row, a->dept, role, status, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    if (strcmp(status, "assigned") != 0)
        return refuse(err, errlen, "department %s has already %s this case", a->dept, status);
    plan->keep_state = true;
    snprintf(plan->note, sizeof plan->note, "%s 签收 (%s)",
             fq_cfg_department(st->cfg, a->dept)->name, strcmp(role, "lead") ? "协办" : "主办");
    return FQ_STORE_OK;
}

static fq_store_rc_t p_dept_return(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                   fq_plan_t *plan, char *err, size_t errlen)
{
    char role[8], status[16];
    fq_store_rc_t rc = dept_part(st, row, a->dept, role, status, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    if (blank(a->reason))
        return refuse(err, errlen, "case %s: a department return (退单) needs a reason%s",
                      row->case_no, "");
    if (row->binding)
        return refuse(err, errlen,
                      "case %s was assigned by the tier above (binding); %s cannot "
                      "return it",
                      row->case_no, a->dept);
    if (strcmp(status, "returned") == 0 || strcmp(status, "done") == 0)
        return refuse(err, errlen, "department %s has already %s this case", a->dept, status);
    bool lead = strcmp(role, "lead") == 0;
    plan->keep_state = !lead;
    plan->bounce_delta = lead ? 1 : 0;
    snprintf(plan->note, sizeof plan->note, "%s 退单 (%s)%s: %s",
             fq_cfg_department(st->cfg, a->dept)->name, lead ? "主办" : "协办", "", a->reason);
    if (lead) {
        int count = row->bounce_count + 1;
        char n[48];
        snprintf(n, sizeof n, "; 第%d次退单", count);
        append(plan, n);
        if (count > st->cfg->max_returns && st->self->parent[0]) {
            plan->follow = FQ_ACT_ESCALATE;
            snprintf(plan->follow_note, sizeof plan->follow_note,
                     "退单%d次, 超过%d次, 提请上级指定承办部门", count, st->cfg->max_returns);
        }
    }
    return FQ_STORE_OK;
}

static fq_store_rc_t p_dept_result(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                   fq_plan_t *plan, char *err, size_t errlen)
{
    char role[8], status[16];
    fq_store_rc_t rc = dept_part(st, row, a->dept, role, status, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    if (blank(a->note))
        return refuse(err, errlen, "case %s: the department's result is the note (--note)%s",
                      row->case_no, "");
    if (strcmp(status, "returned") == 0 || strcmp(status, "done") == 0)
        return refuse(err, errlen, "department %s has already %s this case", a->dept, status);
    bool lead = strcmp(role, "lead") == 0;
    plan->keep_state = !lead; /* the case resolves when the lead's result is in */
    snprintf(plan->note, sizeof plan->note, "%s 反馈 (%s): %s",
             fq_cfg_department(st->cfg, a->dept)->name, lead ? "主办" : "协办", a->note);
    return FQ_STORE_OK;
}

/* ---- visits, documents, moving between tiers ---------------------------------------------- */

static fq_store_rc_t p_visit(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                             fq_plan_t *plan, char *err, size_t errlen)
{
    if (strcmp(row->track, "long_term") != 0)
        return refuse(err, errlen,
                      "case %s is on the %s track; follow-up visits (回访) are for "
                      "long-term (社区门诊) cases",
                      row->case_no, row->track[0] ? row->track : "untriaged");
    if (!blank(a->visit_date) && fq_cal_parse_day(a->visit_date) < 0)
        return refuse(err, errlen,
                      "'%s' is not a day; write the visit's --date as "
                      "YYYY-MM-DD%s",
                      a->visit_date, "");
    if (fq_cal_parse_day(a->visit_date) < 0 || blank(a->visit_by) || blank(a->note))
        return refuse(err, errlen,
                      "a visit needs --date YYYY-MM-DD, --by WHO and --note "
                      "(what was found)%s%s",
                      "", "");
    snprintf(plan->note, sizeof plan->note, "回访 %s, %s: %s", a->visit_date, a->visit_by, a->note);
    return FQ_STORE_OK;
}

static const struct {
    const char *kind;
    const char *label;
} s_doc_kinds[] = {{"mediation_agreement", "人民调解协议书"},
                   {"judicial_confirmation", "司法确认书"},
                   {"legal_opinion", "法律意见书"}};

static const char *doc_label(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof s_doc_kinds / sizeof s_doc_kinds[0]; i++)
        if (strcmp(kind, s_doc_kinds[i].kind) == 0)
            return s_doc_kinds[i].label;
    return NULL;
}

static fq_store_rc_t p_attach(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    const Fq__Document *d = a->document;
    const char *label = d ? doc_label(d->kind) : NULL;
    if (!label)
        return refuse(err, errlen,
                      "unknown document kind '%s'; use mediation_agreement, "
                      "judicial_confirmation or legal_opinion%s",
                      d && d->kind ? d->kind : "", "");
    if (!blank(d->date) && fq_cal_parse_day(d->date) < 0)
        return refuse(err, errlen,
                      "'%s' is not a day; write the document's --date as "
                      "YYYY-MM-DD%s",
                      d->date, "");
    if (blank(d->number) || fq_cal_parse_day(d->date) < 0)
        return refuse(err, errlen, "a document needs --number and --date YYYY-MM-DD%s%s", "", "");
    if (strcmp(d->kind, "judicial_confirmation") == 0 && blank(d->court))
        return refuse(err, errlen,
                      "a judicial confirmation (司法确认) names its court "
                      "(--court)%s%s",
                      "", "");
    snprintf(plan->note, sizeof plan->note, "%s %s (%s)", label, d->number, d->date);
    return FQ_STORE_OK;
}

static fq_store_rc_t p_dispatch(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                                fq_plan_t *plan, char *err, size_t errlen)
{
    const fq_unit_cfg_t *to = blank(a->to_unit) ? NULL : fq_cfg_unit(st->cfg, a->to_unit);
    if (!to || strcmp(to->parent, st->self->code) != 0)
        return refuse(err, errlen,
                      "dispatch (下派) goes to a unit directly below this one; "
                      "'%s' is not%s",
                      a->to_unit ? a->to_unit : "", "");
    if (!fq_children_has(row->children, to->code) &&
        fq_children_count(row->children) >= FQ_MAX_CHILDREN) {
        snprintf(err, errlen,
                 "case %s is held in copies by %d units below already, as many as one case may "
                 "be; dispatch it to one of those",
                 row->case_no, FQ_MAX_CHILDREN);
        return FQ_STORE_REFUSED;
    }
    plan->child = to->code;
    snprintf(plan->note, sizeof plan->note, "下派至 %s%s%s", to->name, blank(a->note) ? "" : ": ",
             a->note ? a->note : "");
    return FQ_STORE_OK;
}

static fq_store_rc_t p_return(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    if (!row->from_child[0])
        return refuse(err, errlen,
                      "case %s did not come from a unit below; there is nobody to "
                      "return it to%s",
                      row->case_no, "");
    return p_needs_reason(st, row, a, plan, err, errlen);
}

/* A reopened case runs on a new clock; the second 不满意 that counts sends it up. */
static fq_store_rc_t p_reopen(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    fq_store_rc_t rc = p_needs_reason(st, row, a, plan, err, errlen);
    if (rc == FQ_STORE_OK && row->unsatisfied >= 2 && st->self->parent[0]) {
        plan->follow = FQ_ACT_ESCALATE;
        snprintf(plan->follow_note, sizeof plan->follow_note, "第%d次不满意, 提级至上级处理",
                 row->unsatisfied);
    }
    return rc;
}

/* The document of an attach, its text as fq_text_check takes it. */
static int check_document_text(const Fq__Document *d, char *err, size_t errlen)
{
    const fq_text_field_t fields[] = {
        {.name = "kind", .value = d->kind, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "number", .value = d->number, .max = 100, .kind = FQ_TEXT_LINE},
        {.name = "date", .value = d->date, .max = 32, .kind = FQ_TEXT_LINE},
        {.name = "parties", .value = d->parties, .max = 500, .kind = FQ_TEXT_LINES},
        {.name = "terms", .value = d->terms, .max = FQ_TEXT_LONG, .kind = FQ_TEXT_LINES},
        {.name = "court", .value = d->court, .max = FQ_TEXT_SHORT, .kind = FQ_TEXT_LINE},
    };
    return fq_text_check_all(fields, sizeof fields / sizeof fields[0], err, errlen);
}

int fq_casework_check_text(const fq_act_t *a, size_t actor_max, char *err, size_t errlen)
{
    const fq_text_field_t fields[] = {
        {.name = "actor", .value = a->actor, .max = actor_max, .kind = FQ_TEXT_LINE},
        {.name = "note", .value = a->note, .max = FQ_TEXT_LONG, .kind = FQ_TEXT_LINES},
        {.name = "reason", .value = a->reason, .max = FQ_TEXT_REASON, .kind = FQ_TEXT_LINES},
        {.name = "track", .value = a->track, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "dept", .value = a->dept, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "lead", .value = a->lead, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "to", .value = a->to_unit, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "date", .value = a->visit_date, .max = 32, .kind = FQ_TEXT_LINE},
        {.name = "by", .value = a->visit_by, .max = FQ_TEXT_SHORT, .kind = FQ_TEXT_LINE},
        {.name = "channel", .value = a->channel, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "text", .value = a->text, .max = FQ_TEXT_LONG, .kind = FQ_TEXT_LINES},
        {.name = "answer", .value = a->answer, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
        {.name = "comment", .value = a->comment, .max = FQ_TEXT_REASON, .kind = FQ_TEXT_LINES},
        {.name = "notice", .value = a->notice, .max = FQ_TEXT_CODE, .kind = FQ_TEXT_LINE},
    };
    if (fq_text_check_all(fields, sizeof fields / sizeof fields[0], err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < a->nco; i++) {
        fq_text_field_t co = {.name = "co", .value = a->co[i], .max = FQ_TEXT_CODE};
        if (fq_text_check(&co, err, errlen) < 0)
            return -1;
    }
    return a->document ? check_document_text(a->document, err, errlen) : 0;
}

static const struct {
    fq_action_t action;
    s_prepare_fn prepare;
} s_actions[] = {
    {FQ_ACT_ACCEPT, p_plain},
    {FQ_ACT_TRIAGE, p_triage},
    {FQ_ACT_START, p_plain},
    {FQ_ACT_ASSIGN, p_assign},
    {FQ_ACT_DEPT_ACCEPT, p_dept_accept},
    {FQ_ACT_DEPT_RETURN, p_dept_return},
    {FQ_ACT_DEPT_RESULT, p_dept_result},
    {FQ_ACT_VISIT, p_visit},
    {FQ_ACT_ATTACH, p_attach},
    {FQ_ACT_RESOLVE, p_needs_note},
    {FQ_ACT_ESCALATE, p_plain},
    {FQ_ACT_DISPATCH, p_dispatch},
    {FQ_ACT_RETURN, p_return},
    {FQ_ACT_WITHDRAW, p_needs_reason},
    {FQ_ACT_REOPEN, p_reopen},
    {FQ_ACT_CLOSE, p_plain},
};

fq_store_rc_t fq_casework_prepare(const fq_store_t *st, const fq_caserow_t *row, fq_action_t action,
                                  const fq_act_t *a, fq_plan_t *plan, char *err, size_t errlen)
{
    /* A directive's actor comes as "ACTOR (UNIT)" (fq_store_directive). */
    size_t actor_max = a->directive ? FQ_EVENT_ACTOR_MAX : FQ_TEXT_SHORT;
    if (fq_casework_check_text(a, actor_max, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    for (size_t i = 0; i < sizeof s_actions / sizeof s_actions[0]; i++)
        if (s_actions[i].action == action)
            return s_actions[i].prepare(st, row, a, plan, err, errlen);
    fq_prepare_fn prepare = fq_casework_supervise_prepare(action);
    if (prepare)
        return prepare(st, row, a, plan, err, errlen);
    return refuse(err, errlen, "action %s is not done by request%s", fq_action_name(action), "");
}
