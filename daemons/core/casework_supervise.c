/* casework_supervise.c - the supervision actions: the clock (pause, resume, extension), notices
 * (督办) and their acknowledgement, feedback to the citizen and the answer that may reopen or
 * escalate the case. */
#include "casework.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "text.h"

#define DAY_MS (24LL * 3600 * 1000)

/* A note or reason of only spaces (the ideographic one too) says nothing. */
static bool blank(const char *s)
{
    return fq_text_blank(s);
}

static fq_store_rc_t refuse(char *err, size_t errlen, const char *what, const char *case_no)
{
    snprintf(err, errlen, "case %s: %s", case_no, what);
    return FQ_STORE_REFUSED;
}

static void format_deadline(char *out, size_t len, int64_t ms)
{
    int day = fq_cal_day_of(ms);
    int64_t minutes = (ms - fq_cal_at(day, 0)) / 60000;
    snprintf(out, len, "%04d-%02d-%02d %02d:%02d", day / 10000, day / 100 % 100, day % 100,
             (int)(minutes / 60), (int)(minutes % 60));
}

void fq_casework_clock(const fq_store_t *st, const fq_caserow_t *row, const char *track,
                       int64_t start_ms, fq_plan_t *plan)
{
    fq_sla_t sla = fq_cfg_sla(st->cfg, track, row->category);
    plan->set_clock = true;
    plan->clock_start_ms = start_ms;
    plan->deadline_ms = fq_cal_deadline(&st->cfg->calendar, &sla, start_ms);
}

static fq_store_rc_t p_pause(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                             fq_plan_t *plan, char *err, size_t errlen)
{
    if (row->paused_ms)
        return refuse(err, errlen, "its clock is already paused", row->case_no);
    if (blank(a->reason))
        return refuse(err, errlen, "say why the clock stops (--reason)", row->case_no);
    plan->set_paused = true;
    plan->paused_ms = st->now_ms;
    snprintf(plan->note, sizeof plan->note, "暂停计时: %s", a->reason);
    return FQ_STORE_OK;
}

static fq_store_rc_t p_resume(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    if (!row->paused_ms)
        return refuse(err, errlen, "its clock is not paused", row->case_no);
    plan->set_paused = true;
    plan->paused_ms = 0;
    char when[32] = "-";
    if (row->deadline_ms) {
        fq_sla_t sla = fq_cfg_sla(st->cfg, row->track, row->category);
        plan->set_clock = true;
        plan->clock_start_ms = row->clock_start_ms;
        plan->deadline_ms = fq_cal_after_pause(&st->cfg->calendar, sla.kind, row->deadline_ms,
                                               row->paused_ms, st->now_ms);
        format_deadline(when, sizeof when, plan->deadline_ms);
    }
    snprintf(plan->note, sizeof plan->note, "恢复计时, 时限顺延至 %s%s%s", when,
             blank(a->note) ? "" : ": ", a->note ? a->note : "");
    return FQ_STORE_OK;
}

static fq_store_rc_t p_extend(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    if (a->days < 1 || a->days > 60)
        return refuse(err, errlen, "an extension asks for 1 to 60 days (--days)", row->case_no);
    if (blank(a->reason))
        return refuse(err, errlen, "an extension (延期申请) needs a reason (--reason)",
                      row->case_no);
    if (row->extension_days)
        return refuse(err, errlen, "an extension is already waiting for a decision",
                      row->case_no);
    plan->extension_days = a->days;
    plan->send_up = true;
    snprintf(plan->note, sizeof plan->note, "申请延期 %d 天: %s", a->days, a->reason);
    return FQ_STORE_OK;
}

/* The decision of the tier above, carried out here (see fq_store_directive). */
static fq_store_rc_t p_extension(const fq_store_t *st, const fq_caserow_t *row,
                                 const fq_act_t *a, fq_plan_t *plan, char *err, size_t errlen)
{
    if (!row->extension_days)
        return refuse(err, errlen, "no extension was asked for", row->case_no);
    plan->extension_days = 0;
    if (!a->grant) {
        snprintf(plan->note, sizeof plan->note, "延期申请未获批准%s%s",
                 blank(a->note) ? "" : ": ", a->note ? a->note : "");
        return FQ_STORE_OK;
    }
    int days = a->days > 0 ? a->days : row->extension_days;
    fq_sla_t sla = fq_cfg_sla(st->cfg, row->track, row->category);
    int64_t base = row->deadline_ms ? row->deadline_ms : st->now_ms;
    plan->set_clock = true;
    plan->clock_start_ms = row->clock_start_ms;
    plan->deadline_ms = sla.kind == FQ_SLA_WORKING_DAYS
                            ? fq_cal_add_working_days(&st->cfg->calendar, base, days)
                            : base + days * DAY_MS;
    char when[32];
    format_deadline(when, sizeof when, plan->deadline_ms);
    snprintf(plan->note, sizeof plan->note, "上级批准延期 %d 天, 时限至 %s%s%s", days, when,
             blank(a->note) ? "" : ": ", a->note ? a->note : "");
    return FQ_STORE_OK;
}

static bool one_of(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static fq_store_rc_t p_feedback(const fq_store_t *st, const fq_caserow_t *row,
                                const fq_act_t *a, fq_plan_t *plan, char *err, size_t errlen)
{
    static const char *const channels[] = {"phone", "visit", "sms", "wechat", "letter", NULL};
    if (!one_of(a->channel, channels))
        return refuse(err, errlen, "feedback goes by --channel phone, visit, sms, wechat or "
                                   "letter", row->case_no);
    if (blank(a->text))
        return refuse(err, errlen, "say what the citizen was told (--text, up to 4000 characters)",
                      row->case_no);
    snprintf(plan->note, sizeof plan->note, "反馈 (%s): %s", a->channel, a->text);
    return FQ_STORE_OK;
}

static fq_store_rc_t p_satisfaction(const fq_store_t *st, const fq_caserow_t *row,
                                    const fq_act_t *a, fq_plan_t *plan, char *err,
                                    size_t errlen)
{
    static const char *const answers[] = {"satisfied", "basically_satisfied", "unsatisfied",
                                          NULL};
    if (!one_of(a->answer, answers))
        return refuse(err, errlen, "the answer is satisfied (满意), basically_satisfied (基本满意) "
                                   "or unsatisfied (不满意)", row->case_no);
    bool unhappy = strcmp(a->answer, "unsatisfied") == 0;
    snprintf(plan->note, sizeof plan->note, "%s%s%s",
             unhappy ? "不满意" : strcmp(a->answer, "satisfied") == 0 ? "满意" : "基本满意",
             blank(a->comment) ? "" : ": ", a->comment ? a->comment : "");
    plan->unsatisfied_delta = unhappy;
    plan->follow = unhappy ? FQ_ACT_REOPEN : FQ_ACT_CLOSE;
    snprintf(plan->follow_note, sizeof plan->follow_note, "%s",
             unhappy ? "群众不满意, 由承办部门一把手重办" : "群众满意, 办结");
    return FQ_STORE_OK;
}

static fq_store_rc_t p_review(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    if (row->unsatisfied < 1)
        return refuse(err, errlen, "there is no 不满意 answer left to review", row->case_no);
    if (blank(a->reason))
        return refuse(err, errlen, "a review says why the complaint is unreasonable (--reason)",
                      row->case_no);
    plan->unsatisfied_delta = -1;
    snprintf(plan->note, sizeof plan->note, "复核: 不满意诉求不合理, 不计入考核: %s", a->reason);
    return FQ_STORE_OK;
}

static const struct {
    const char *kind;
    const char *label;
    const char *tag;
} s_notices[] = {{"reminder", "时限提醒", "提醒"},
                 {"work_prompt", "工作提示函", "提示"},
                 {"risk_warning", "风险预警函", "预警"}};

static int notice_index(const char *kind)
{
    for (int i = 0; kind && i < 3; i++)
        if (strcmp(kind, s_notices[i].kind) == 0)
            return i;
    return -1;
}

/* Addressee and reason of a notice of kind K on ROW. */
static void notice_text(const fq_store_t *st, const fq_caserow_t *row, int k, char *to,
                        size_t tolen, char *reason, size_t rlen)
{
    char when[32];
    format_deadline(when, sizeof when, row->deadline_ms);
    const fq_unit_cfg_t *parent = fq_cfg_parent(st->cfg, st->self);
    if (k == 2)
        snprintf(to, tolen, "%s负责人; %s", st->self->name, parent ? parent->name : "");
    else
        snprintf(to, tolen, "%s", st->self->name);
    int late = fq_cal_working_days_between(&st->cfg->calendar, row->deadline_ms, st->now_ms);
    if (k == 0)
        snprintf(reason, rlen, "时限 %s 将至", when);
    else
        snprintf(reason, rlen, "时限 %s 已过, 逾期 %d 个工作日", when, late);
}

static fq_store_rc_t p_notice(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                              fq_plan_t *plan, char *err, size_t errlen)
{
    int k = notice_index(a->notice_kind);
    if (k < 0 || !row->deadline_ms)
        return refuse(err, errlen, "no such notice or no deadline", row->case_no);
    notice_text(st, row, k, plan->notice_to, sizeof plan->notice_to, plan->notice_reason,
                sizeof plan->notice_reason);
    snprintf(plan->note, sizeof plan->note, "%s 致 %s: %s", s_notices[k].label, plan->notice_to,
             plan->notice_reason);
    if (k == 2) {
        plan->send_up = true;
        if (st->cfg->auto_escalate && st->self->parent[0]) {
            plan->follow = FQ_ACT_ESCALATE;
            snprintf(plan->follow_note, sizeof plan->follow_note, "风险预警后自动提级");
        }
    }
    return FQ_STORE_OK;
}

bool fq_casework_notice_to(const fq_cfg_t *cfg, const char *kind, const char *at_unit,
                           const char *code)
{
    if (strcmp(at_unit, code) == 0)
        return true;
    const fq_unit_cfg_t *issuer = fq_cfg_unit(cfg, at_unit);
    return issuer && strcmp(issuer->parent, code) == 0 && kind && strcmp(kind, "risk_warning") == 0;
}

/* Acknowledged by its addressee: this unit, or the one a directive names (A->signer). */
static fq_store_rc_t p_ack(const fq_store_t *st, const fq_caserow_t *row, const fq_act_t *a,
                           fq_plan_t *plan, char *err, size_t errlen)
{
    if (blank(a->notice))
        return refuse(err, errlen, "which notice? (--notice NUMBER)", row->case_no);
    const char *signer = a->signer ? a->signer : st->self->code;
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, row->uuid);
    fq_p_text(&p, a->notice);
    PGresult *res =
        fq_db_run(st->db,
                  "SELECT acked_ms, kind, at_unit, addressee FROM notices WHERE unit = $1"
                  " AND uuid = $2 AND number = $3",
                  &p, err, errlen);
    if (!res)
        return FQ_STORE_DBERR;
    int rows = PQntuples(res);
    bool acked = rows && strcmp(PQgetvalue(res, 0, 0), "0") != 0;
    bool theirs = rows && fq_casework_notice_to(st->cfg, PQgetvalue(res, 0, 1),
                                                PQgetvalue(res, 0, 2), signer);
    if (rows && !acked && !theirs) {
        const fq_unit_cfg_t *u = fq_cfg_unit(st->cfg, signer);
        char whom[1024] = "this unit";
        if (a->signer)
            snprintf(whom, sizeof whom, "%s (%s)", u ? u->name : "unknown unit", signer);
        snprintf(err, errlen,
                 "case %s: notice %s is addressed to %s, not to %s; only its addressee signs for "
                 "it",
                 row->case_no, a->notice, PQgetvalue(res, 0, 3), whom);
    }
    PQclear(res);
    if (!rows || acked)
        return refuse(err, errlen,
                      !rows ? "no such notice on this case" : "that notice is already acknowledged",
                      row->case_no);
    if (!theirs)
        return FQ_STORE_REFUSED;
    snprintf(plan->note, sizeof plan->note, "签收督办 %s%s%s", a->notice,
             blank(a->note) ? "" : ": ", a->note ? a->note : "");
    return FQ_STORE_OK;
}

fq_prepare_fn fq_casework_supervise_prepare(fq_action_t action)
{
    switch (action) {
    case FQ_ACT_PAUSE: return p_pause;
    case FQ_ACT_RESUME: return p_resume;
    case FQ_ACT_EXTEND: return p_extend;
    case FQ_ACT_EXTENSION: return p_extension;
    case FQ_ACT_FEEDBACK: return p_feedback;
    case FQ_ACT_SATISFACTION: return p_satisfaction;
    case FQ_ACT_REVIEW: return p_review;
    case FQ_ACT_NOTICE: return p_notice;
    case FQ_ACT_ACK: return p_ack;
    default: return NULL;
    }
}

/* For casework_apply.c: the label and number tag of notice KIND. */
int fq_casework_notice_kind(const char *kind, const char **label, const char **tag)
{
    int k = notice_index(kind);
    if (k >= 0) {
        *label = s_notices[k].label;
        *tag = s_notices[k].tag;
    }
    return k;
}
