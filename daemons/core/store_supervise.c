/* store_supervise.c - supervision over time: notices that fall due on the cases a unit holds,
 * the tier above's extension decisions travelling down as directives, acknowledgements of
 * notices travelling to the holder as directives, and the notice list. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "casework.h"
#include "db_array.h"
#include "text.h"
#include "outbox.h"
#include "pb.h"

/* The neighbour on the way from this unit to unit CODE: the child CODE is or is below, else the
 * parent; NULL for this unit itself, an unknown unit, or no way there. */
static const char *toward(const fq_store_t *st, const char *code)
{
    const fq_unit_cfg_t *u = code ? fq_cfg_unit(st->cfg, code) : NULL;
    if (!u || strcmp(u->code, st->self->code) == 0)
        return NULL;
    for (; u; u = fq_cfg_parent(st->cfg, u))
        if (strcmp(u->parent, st->self->code) == 0)
            return u->code;
    return st->self->parent[0] ? st->self->parent : NULL;
}

/* The notice ack D sends on toward HOLDER, signed by SIGNER. */
static fq_store_rc_t send_ack(const fq_store_t *st, const char *holder, const char *signer,
                              const Fq__Directive *d, char *err, size_t errlen)
{
    const char *next = toward(st, holder);
    if (!next) {
        snprintf(err, errlen, "case %s is held by %s, which this unit cannot reach", d->case_uuid,
                 holder);
        return FQ_STORE_REFUSED;
    }
    Fq__Directive fwd = FQ__DIRECTIVE__INIT;
    fwd.case_uuid = d->case_uuid;
    fwd.action = "notice_ack";
    fwd.actor = d->actor;
    fwd.note = d->note;
    fwd.notice = d->notice;
    fwd.unit = (char *)signer;
    return fq_outbox_enqueue_directive(st->db, st->queued, st->self->code, next, &fwd, err,
                                       errlen) < 0
               ? FQ_STORE_DBERR
               : FQ_STORE_OK;
}

const char *const fq_store_directive_actions[] = {"extension_grant", "extension_refuse",
                                                  "notice_ack", NULL};

/* The unit that signs the notice ack D from PEER: the one D names, or PEER, the tier above,
 * when it names none (as a sender before Directive.unit did). */
static const char *signer_of(const Fq__Directive *d, const char *peer)
{
    return d->unit && d->unit[0] ? d->unit : peer;
}

int fq_store_check_directive(const fq_store_t *st, const char *peer, const Fq__Directive *d,
                             char *err, size_t errlen)
{
    bool known = false;
    for (size_t i = 0; d->action && fq_store_directive_actions[i]; i++)
        known = known || strcmp(d->action, fq_store_directive_actions[i]) == 0;
    if (!d->case_uuid || !fq_store_looks_like_uuid(d->case_uuid) || !known) {
        snprintf(err, errlen, "directive lacks a case or names an unknown action");
        return -1;
    }
    bool from_parent = strcmp(peer, st->self->parent) == 0;
    if (strcmp(d->action, "notice_ack") != 0) {
        if (from_parent)
            return 0;
        snprintf(err, errlen, "an extension is decided only by the tier above");
        return -1;
    }
    fq_act_t said = {.actor = d->actor, .note = d->note, .notice = d->notice};
    if (fq_casework_check_text(&said, FQ_TEXT_SHORT, err, errlen) < 0)
        return -1;
    const char *signer = signer_of(d, peer);
    if (!fq_store_on_side(st, peer, signer)) {
        snprintf(err, errlen, "a notice_ack from %s cannot be signed by %s", peer, signer);
        return -1;
    }
    return 0;
}

/* A notice's ack from neighbour PEER, checked. The holder records it; a unit that does not hold
 * the case passes it on toward the holder its copy names, back to PEER if the case went that
 * way after PEER sent the ack (the link keeps order, so the copy that moved the case reaches
 * PEER before the ack comes back). */
static fq_store_rc_t take_ack(const fq_store_t *st, const char *peer, const Fq__Directive *d,
                              char *err, size_t errlen)
{
    const char *signer = signer_of(d, peer);
    Fq__Case *c = NULL;
    fq_store_rc_t rc = fq_store_load(st, d->case_uuid, &c, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    if (strcmp(c->holder, st->self->code) != 0) {
        rc = send_ack(st, c->holder, signer, d, err, errlen);
        fq_pb_case_free(c);
        return rc;
    }
    fq_pb_case_free(c);
    char actor[FQ_TEXT_BYTES(FQ_EVENT_ACTOR_MAX)];
    snprintf(actor, sizeof actor, "%s (%s)", d->actor ? d->actor : "", signer);
    fq_act_t a = {
        .actor = actor, .note = d->note, .notice = d->notice, .signer = signer, .directive = true};
    return fq_store_act_tx(st, d->case_uuid, FQ_ACT_ACK, &a, err, errlen);
}

fq_store_rc_t fq_store_directive(const fq_store_t *st, const char *peer, const Fq__Directive *d,
                                 char *err, size_t errlen)
{
    if (fq_store_check_directive(st, peer, d, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    if (strcmp(d->action, "notice_ack") == 0)
        return take_ack(st, peer, d, err, errlen);
    char actor[FQ_TEXT_BYTES(FQ_EVENT_ACTOR_MAX)];
    snprintf(actor, sizeof actor, "%s (%s)", d->actor ? d->actor : "", peer);
    fq_act_t a = {.actor = actor,
                  .note = d->note,
                  .grant = strcmp(d->action, "extension_grant") == 0,
                  .days = d->has_days ? d->days : 0,
                  .directive = true};
    return fq_store_act_tx(st, d->case_uuid, FQ_ACT_EXTENSION, &a, err, errlen);
}

/* The notice numbered NUMBER among C's, or NULL. */
static const Fq__Notice *notice_numbered(const Fq__Case *c, const char *number)
{
    for (size_t i = 0; number && i < c->n_notices; i++)
        if (c->notices[i]->number && strcmp(c->notices[i]->number, number) == 0)
            return c->notices[i];
    return NULL;
}

/* Will HOLDER take an ack in the state C is in? Asked here, so that a directive it would
 * refuse is not sent. */
static fq_store_rc_t holder_may_ack(const fq_unit_cfg_t *holder, const Fq__Case *c, char *err,
                                    size_t errlen)
{
    fq_state_t from, to;
    fq_holder_rule_t rule;
    if (fq_state_parse(c->state, &from) < 0) {
        snprintf(err, errlen, "case %s is in no state known here", c->case_no);
        return FQ_STORE_REFUSED;
    }
    int moved =
        fq_case_transition(holder->tier, FQ_ACT_ACK, from, c->case_no, &to, &rule, err, errlen);
    return moved < 0 ? FQ_STORE_REFUSED : FQ_STORE_OK;
}

/* May this unit, not holding C, acknowledge notice A->notice on it? */
static fq_store_rc_t check_ack_relay(const fq_store_t *st, const Fq__Case *c, const fq_act_t *a,
                                     char *err, size_t errlen)
{
    if (fq_casework_check_text(a, FQ_TEXT_SHORT, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    const Fq__Notice *n = fq_text_blank(a->notice) ? NULL : notice_numbered(c, a->notice);
    const fq_unit_cfg_t *holder = fq_cfg_unit(st->cfg, c->holder);
    if (fq_text_blank(a->notice))
        snprintf(err, errlen, "case %s: which notice? (--notice NUMBER)", c->case_no);
    else if (!n)
        snprintf(err, errlen, "case %s: no such notice on this case", c->case_no);
    else if (n->acked_ms)
        snprintf(err, errlen, "case %s: that notice is already acknowledged", c->case_no);
    else if (!n->kind || !n->unit ||
             !fq_casework_notice_to(st->cfg, n->kind, n->unit, st->self->code))
        snprintf(err, errlen,
                 "case %s: notice %s is addressed to %s, not to this unit; only its addressee "
                 "signs for it",
                 c->case_no, n->number, n->addressee ? n->addressee : "another unit");
    else if (!holder || !toward(st, c->holder))
        snprintf(err, errlen, "case %s is held by %s, which this unit cannot reach", c->case_no,
                 c->holder);
    else
        return holder_may_ack(holder, c, err, errlen);
    return FQ_STORE_REFUSED;
}

fq_store_rc_t fq_store_ack_relay(const fq_store_t *st, const char *ref, const fq_act_t *a,
                                 bool *relayed, char *err, size_t errlen)
{
    *relayed = false;
    Fq__Case *c = NULL;
    fq_store_rc_t rc = fq_store_load(st, ref, &c, err, errlen);
    if (rc != FQ_STORE_OK || strcmp(c->holder, st->self->code) == 0) {
        fq_pb_case_free(c);
        return rc;
    }
    rc = check_ack_relay(st, c, a, err, errlen);
    if (rc == FQ_STORE_OK) {
        Fq__Directive d = FQ__DIRECTIVE__INIT;
        d.case_uuid = c->uuid;
        d.actor = (char *)a->actor;
        d.note = (char *)a->note;
        d.notice = (char *)a->notice;
        rc = send_ack(st, c->holder, st->self->code, &d, err, errlen);
        *relayed = rc == FQ_STORE_OK;
    }
    fq_pb_case_free(c);
    return rc;
}

fq_store_rc_t fq_store_decide_extension(const fq_store_t *st, const char *ref, bool grant,
                                        const char *actor, const char *note, char *err,
                                        size_t errlen)
{
    /* Checked here too, not only by the holder: a refusal there would only be logged. */
    fq_act_t said = {.actor = actor, .note = note};
    if (fq_casework_check_text(&said, FQ_TEXT_SHORT, err, errlen) < 0)
        return FQ_STORE_REFUSED;
    Fq__Case *c = NULL;
    fq_store_rc_t rc = fq_store_load(st, ref, &c, err, errlen);
    if (rc != FQ_STORE_OK)
        return rc;
    const fq_unit_cfg_t *holder = fq_cfg_unit(st->cfg, c->holder);
    if (!holder || strcmp(holder->parent, st->self->code) != 0 || c->extension_days <= 0) {
        snprintf(err, errlen, "case %s: no extension asked for by a unit directly below this one",
                 c->case_no);
        fq_pb_case_free(c);
        return FQ_STORE_REFUSED;
    }
    Fq__Directive d = FQ__DIRECTIVE__INIT;
    d.case_uuid = c->uuid;
    d.action = grant ? "extension_grant" : "extension_refuse";
    d.actor = (char *)actor;
    d.note = (char *)note;
    d.has_days = 1;
    d.days = c->extension_days;
    rc = fq_outbox_enqueue_directive(st->db, st->queued, st->self->code, holder->code, &d, err, errlen) < 0
             ? FQ_STORE_DBERR
             : FQ_STORE_OK;
    fq_pb_case_free(c);
    return rc;
}

/* Cases this unit holds whose clocks run and that have reached their reminder point, with the
 * notices they already have; 200 a pass, the next pass takes the rest. */
#define DUE_SQL                                                                                 \
    "SELECT c.uuid, (extract(epoch FROM c.deadline) * 1000)::int8, c.clock_start_ms,"           \
    " EXISTS (SELECT 1 FROM notices n WHERE n.unit = c.unit AND n.uuid = c.uuid AND"            \
    "   n.kind = 'reminder' AND n.at_ms >= c.clock_start_ms),"                                  \
    " EXISTS (SELECT 1 FROM notices n WHERE n.unit = c.unit AND n.uuid = c.uuid AND"            \
    "   n.kind = 'work_prompt' AND n.at_ms >= c.clock_start_ms),"                               \
    " EXISTS (SELECT 1 FROM notices n WHERE n.unit = c.unit AND n.uuid = c.uuid AND"            \
    "   n.kind = 'risk_warning' AND n.at_ms >= c.clock_start_ms)"                               \
    " FROM cases c WHERE c.unit = $1 AND c.holder = $1 AND c.deadline IS NOT NULL"             \
    " AND c.paused_ms = 0 AND c.state IN ('accepted', 'in_progress', 'reopened')"              \
    " AND c.clock_start_ms > 0"                                                                  \
    " AND c.clock_start_ms + (extract(epoch FROM c.deadline) * 1000 - c.clock_start_ms) * $2"  \
    "   <= $3 ORDER BY c.deadline LIMIT 200"

/* The notice due on one case, or NULL: reminder before the deadline, 工作提示函 once it has
 * passed, 风险预警函 the configured number of working days later. */
static const char *due_kind(const fq_store_t *st, const PGresult *res, int row)
{
    int64_t deadline = strtoll(PQgetvalue(res, row, 1), NULL, 10);
    bool reminded = PQgetvalue(res, row, 3)[0] == 't';
    bool prompted = PQgetvalue(res, row, 4)[0] == 't';
    bool warned = PQgetvalue(res, row, 5)[0] == 't';
    if (st->now_ms > deadline) {
        if (!prompted)
            return "work_prompt";
        int late = fq_cal_working_days_between(&st->cfg->calendar, deadline, st->now_ms);
        return !warned && late >= st->cfg->warning_after_days ? "risk_warning" : NULL;
    }
    return reminded ? NULL : "reminder";
}

/* Issue one notice in its own transaction, so one failing case does not hold up the others. */
static int issue(const fq_store_t *st, const char *uuid, const char *kind, char *err,
                 size_t errlen)
{
    fq_act_t a = {.actor = "系统 (督办)", .notice_kind = kind};
    if (fq_db_begin(st->db, err, errlen) < 0)
        return -1;
    fq_store_rc_t rc = fq_store_act_tx(st, uuid, FQ_ACT_NOTICE, &a, err, errlen);
    rc = fq_store_finish(st, rc, err, errlen);
    return rc == FQ_STORE_OK ? 1 : rc == FQ_STORE_REFUSED ? 0 : -1;
}

int fq_store_supervise(const fq_store_t *st, char *err, size_t errlen)
{
    char fraction[32];
    snprintf(fraction, sizeof fraction, "%.6f", st->cfg->reminder_fraction);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, fraction);
    fq_p_int(&p, st->now_ms);
    PGresult *res = fq_db_run(st->db, DUE_SQL, &p, err, errlen);
    if (!res)
        return -1;
    int issued = 0;
    for (int i = 0; i < PQntuples(res) && issued >= 0; i++) {
        const char *kind = due_kind(st, res, i);
        int rc = kind ? issue(st, PQgetvalue(res, i, 0), kind, err, errlen) : 0;
        issued = rc < 0 ? -1 : issued + rc;
    }
    PQclear(res);
    return issued;
}

static Fq__Notice *row_to_notice(const PGresult *res, int row)
{
    Fq__Notice *n = malloc(sizeof *n);
    if (!n)
        return NULL;
    fq__notice__init(n);
    char **texts[] = {&n->case_no, &n->number, &n->kind, &n->addressee, &n->reason, &n->unit,
                      &n->acked_by};
    for (int i = 0; i < 7; i++)
        *texts[i] = fq_pb_strdup(PQgetvalue(res, row, i));
    n->has_at_ms = n->has_acked_ms = 1;
    n->at_ms = strtoll(PQgetvalue(res, row, 7), NULL, 10);
    n->acked_ms = strtoll(PQgetvalue(res, row, 8), NULL, 10);
    return n;
}

fq_store_rc_t fq_store_notices(const fq_store_t *st, bool unacked_only, Fq__Notice ***out,
                               size_t *n, char *err, size_t errlen)
{
    /* Open: addressed to this unit, as it issued them or as the tier above its children: the
     * rule of fq_casework_notice_to, written as a filter; change the two together. */
    fq_arr_t children = FQ_ARR_INIT;
    for (size_t i = 0; i < st->cfg->nunits; i++)
        if (strcmp(st->cfg->units[i].parent, st->self->code) == 0)
            fq_arr_text(&children, st->cfg->units[i].code);
    fq_params_t p = {0};
    fq_p_text(&p, st->self->code);
    fq_p_text(&p, unacked_only ? "true" : "false");
    PGresult *res = NULL;
    if (fq_p_array(&p, &children, err, errlen) == 0)
        res = fq_db_run(st->db,
                        "SELECT c.case_no, n.number, n.kind, n.addressee, n.reason, n.at_unit,"
                        " n.acked_by, n.at_ms, n.acked_ms FROM notices n JOIN cases c ON"
                        " c.unit = n.unit AND c.uuid = n.uuid WHERE n.unit = $1 AND (NOT"
                        " $2::boolean OR (n.acked_ms = 0 AND (n.at_unit = $1 OR (n.kind ="
                        " 'risk_warning' AND n.at_unit = ANY($3::text[])))))"
                        " ORDER BY n.at_ms DESC LIMIT 1000",
                        &p, err, errlen);
    fq_arr_free(&children);
    if (!res)
        return FQ_STORE_DBERR;
    size_t rows = (size_t)PQntuples(res);
    *out = calloc(rows ? rows : 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; *out && i < rows; i++) {
        Fq__Notice *notice = row_to_notice(res, (int)i);
        if (!notice)
            break;
        (*out)[(*n)++] = notice;
    }
    PQclear(res);
    return *out ? FQ_STORE_OK : FQ_STORE_DBERR;
}
