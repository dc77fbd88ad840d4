/* print.c - rendering cases, lists and link status as text or JSON lines. Every text that came
 * from the daemon is printed escaped (text.c): a title stored before the daemons checked text,
 * or by another client, holding an escape sequence must not drive the operator's terminal. */
#include "print.h"

#include <string.h>
#include <time.h>

#include "case.h"
#include "report_internal.h"
#include "text.h"
#include "triage.h"

static const char *track_label(const char *track)
{
    return fq_track_label(track);
}

static const char *state_label(const char *state)
{
    fq_state_t st;
    return fq_state_parse(state, &st) == 0 ? fq_state_label(st) : "";
}

static const char *unit_name(const fq_cfg_t *cfg, const char *code)
{
    const fq_unit_cfg_t *u = cfg && code ? fq_cfg_unit(cfg, code) : NULL;
    return u ? u->name : "";
}

static const char *category_name(const fq_cfg_t *cfg, const char *code)
{
    const fq_category_cfg_t *c = cfg && code ? fq_cfg_category(cfg, code) : NULL;
    return c ? c->name : "";
}

/* China Standard Time, as every tier's staff read it. */
static void format_time(char *out, size_t outlen, int64_t ms, bool iso)
{
    if (ms <= 0) {
        snprintf(out, outlen, iso ? "" : "-");
        return;
    }
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
    if (iso)
        snprintf(out, outlen, "%s.%03d+08:00", base, (int)(ms % 1000));
    else
        snprintf(out, outlen, "%s", base);
}

void casectl_json_string(FILE *out, const char *s)
{
    fq_text_json(out, s);
}

void casectl_text(FILE *out, const char *s)
{
    fq_text_print(out, s, FQ_TEXT_LINE, NULL);
}

static void json_field(FILE *out, const char *key, const char *value, bool first)
{
    fprintf(out, "%s\"%s\":", first ? "" : ",", key);
    casectl_json_string(out, value);
}

static void json_time(FILE *out, const char *key, int64_t ms)
{
    char buf[48];
    format_time(buf, sizeof buf, ms, true);
    json_field(out, key, ms > 0 ? buf : NULL, false);
}

static void json_event(FILE *out, const Fq__Event *e)
{
    char at[48];
    format_time(at, sizeof at, e->at_ms, true);
    json_field(out, "at", at, true);
    json_field(out, "unit", e->unit, false);
    json_field(out, "action", e->action, false);
    json_field(out, "from_state", e->from_state, false);
    json_field(out, "to_state", e->to_state, false);
    json_field(out, "actor", e->actor, false);
    json_field(out, "note", e->note, false);
    json_field(out, "hash", e->hash, false);
}

static void json_case_body(FILE *out, const Fq__Case *c, const fq_cfg_t *cfg)
{
    json_field(out, "case_no", c->case_no, true);
    const char *fields[][2] = {{"uuid", c->uuid},
                               {"title", c->title},
                               {"description", c->description},
                               {"state", c->state},
                               {"state_label", state_label(c->state)},
                               {"track", c->track},
                               {"track_label", track_label(c->track)},
                               {"category", c->category},
                               {"category_name", category_name(cfg, c->category)},
                               {"source", c->source},
                               {"unit", c->holder},
                               {"unit_name", unit_name(cfg, c->holder)},
                               {"origin_unit", c->origin_unit},
                               {"origin_unit_name", unit_name(cfg, c->origin_unit)},
                               {"address", c->address},
                               {"grid", c->grid},
                               {"reporter", c->reporter}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        json_field(out, fields[i][0], fields[i][1], false);
    json_field(out, "track_rule", c->track_rule, false);
    fprintf(out, ",\"risk\":%d,\"version\":%d,\"amount\":%lld,\"bounce_count\":%d,"
                 "\"binding\":%s",
            c->risk, c->version, (long long)c->amount, c->bounce_count,
            c->binding ? "true" : "false");
    json_time(out, "deadline", c->deadline_ms);
    json_time(out, "clock_start", c->clock_start_ms);
    json_time(out, "paused_since", c->paused_ms);
    fprintf(out, ",\"extension_days\":%d,\"unsatisfied\":%d", c->extension_days,
            c->unsatisfied);
    json_time(out, "created", c->created_ms);
    json_time(out, "updated", c->updated_ms);
}

static void json_notice_body(FILE *out, const Fq__Notice *n)
{
    json_field(out, "number", n->number, true);
    json_field(out, "case_no", n->case_no, false);
    json_field(out, "kind", n->kind, false);
    json_field(out, "addressee", n->addressee, false);
    json_field(out, "reason", n->reason, false);
    json_field(out, "unit", n->unit, false);
    json_time(out, "at", n->at_ms);
    json_time(out, "acked", n->acked_ms);
    json_field(out, "acked_by", n->acked_by, false);
}

static void json_notice(FILE *out, const Fq__Notice *n)
{
    fputc('{', out);
    json_notice_body(out, n);
    fputc('}', out);
}

static void json_party(FILE *out, const void *item)
{
    const Fq__Party *p = item;
    json_field(out, "name", p->name, true);
    json_field(out, "phone", p->phone, false);
    json_field(out, "role", p->role, false);
}

static void json_assignment(FILE *out, const void *item)
{
    const Fq__Assignment *a = item;
    json_field(out, "dept", a->dept, true);
    json_field(out, "role", a->role, false);
    json_field(out, "status", a->status, false);
    json_field(out, "reason", a->reason, false);
    json_field(out, "result", a->result, false);
}

static void json_document(FILE *out, const void *item)
{
    const Fq__Document *d = item;
    json_field(out, "kind", d->kind, true);
    json_field(out, "number", d->number, false);
    json_field(out, "date", d->date, false);
    json_field(out, "parties", d->parties, false);
    json_field(out, "terms", d->terms, false);
    json_field(out, "court", d->court, false);
    json_field(out, "unit", d->unit, false);
}

static void json_feedback(FILE *out, const void *item)
{
    const Fq__Feedback *f = item;
    json_field(out, "channel", f->channel, true);
    json_field(out, "text", f->text, false);
    json_field(out, "answer", f->answer, false);
    json_field(out, "comment", f->comment, false);
    fprintf(out, ",\"unreasonable\":%s", f->unreasonable ? "true" : "false");
    json_field(out, "review_reason", f->review_reason, false);
    json_time(out, "at", f->at_ms);
}

static void json_notice_fields(FILE *out, const void *item)
{
    json_notice_body(out, item);
}

static void json_event_fields(FILE *out, const void *item)
{
    json_event(out, item);
}

/* ,"KEY":[{...},{...}] with each item's fields printed by FIELDS. */
static void json_array(FILE *out, const char *key, void *const *items, size_t n,
                       void (*fields)(FILE *, const void *))
{
    fprintf(out, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",{" : "{", out);
        fields(out, items[i]);
        fputc('}', out);
    }
    fputc(']', out);
}

static void json_case(FILE *out, const Fq__Case *c, const fq_cfg_t *cfg)
{
    fputc('{', out);
    json_case_body(out, c, cfg);
    json_array(out, "parties", (void *const *)c->parties, c->n_parties, json_party);
    json_array(out, "departments", (void *const *)c->assignments, c->n_assignments,
               json_assignment);
    json_array(out, "documents", (void *const *)c->documents, c->n_documents, json_document);
    json_array(out, "notices", (void *const *)c->notices, c->n_notices, json_notice_fields);
    json_array(out, "feedback", (void *const *)c->feedback, c->n_feedback, json_feedback);
    json_array(out, "history", (void *const *)c->history, c->n_history, json_event_fields);
    fputs("}\n", out);
}

/* Print TEXT (escaped, and cut short past 500 bytes or so: a column holds a code or a name)
 * padded to WIDTH terminal columns: a CJK character (a three-byte UTF-8 sequence here) takes
 * two columns, which printf's byte-counted %-Ns does not know. */
static void pad(FILE *out, const char *text, int width)
{
    char shown[512];
    fq_text_escape(shown, sizeof shown, text ? text : "");
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)shown; *p; p++)
        if ((*p & 0xc0) != 0x80)
            cols += *p >= 0xe0 ? 2 : 1;
    fputs(shown, out);
    for (; cols < width; cols++)
        fputc(' ', out);
}

#define LABEL_WIDTH 20

/* What a value's second line starts with, to stand under its first. */
static const char s_indent[] = "                    ";
_Static_assert(sizeof s_indent == LABEL_WIDTH + 1, "s_indent is LABEL_WIDTH spaces");

static void label(FILE *out, const char *text)
{
    pad(out, text, LABEL_WIDTH);
}

/* TEXT escaped, between BEFORE and AFTER. */
static void text_in(FILE *out, const char *before, const char *text, const char *after)
{
    fputs(before, out);
    casectl_text(out, text);
    fputs(after, out);
}

static void text_unit(FILE *out, const char *what, const fq_cfg_t *cfg, const char *code)
{
    const char *name = unit_name(cfg, code);
    label(out, what);
    fprintf(out, "%s%s", name, *name ? " (" : "");
    text_in(out, "", code ? code : "-", *name ? ")\n" : "\n");
}

/* One history entry a line: a note of several lines shows its newlines escaped. */
static void text_event(FILE *out, const Fq__Event *e, const fq_cfg_t *cfg)
{
    char at[32];
    format_time(at, sizeof at, e->at_ms, false);
    fq_action_t act;
    const char *act_label = fq_action_parse(e->action, &act) == 0 ? fq_action_label(act) : "";
    fprintf(out, "  %s  %s (", at, unit_name(cfg, e->unit));
    text_in(out, "", e->unit, ")  ");
    fprintf(out, "%s ", act_label);
    casectl_text(out, e->action);
    fprintf(out, "  %s → %s", state_label(e->from_state), state_label(e->to_state));
    if (e->actor && *e->actor)
        text_in(out, "  经办 ", e->actor, "");
    if (e->note && *e->note)
        text_in(out, "  «", e->note, "»");
    fputc('\n', out);
}

static const char *notice_label(const char *kind)
{
    return strcmp(kind, "reminder") == 0       ? "时限提醒"
           : strcmp(kind, "work_prompt") == 0  ? "工作提示函"
           : strcmp(kind, "risk_warning") == 0 ? "风险预警函"
                                               : kind;
}

static const char *dept_name(const fq_cfg_t *cfg, const char *code)
{
    const fq_department_cfg_t *d = cfg && code ? fq_cfg_department(cfg, code) : NULL;
    return d ? d->name : "";
}

static void text_departments(FILE *out, const Fq__Case *c, const fq_cfg_t *cfg)
{
    for (size_t i = 0; i < c->n_assignments; i++) {
        const Fq__Assignment *a = c->assignments[i];
        label(out, strcmp(a->role, "lead") == 0 ? "主办 lead" : "协办 co-handler");
        fprintf(out, "%s (", dept_name(cfg, a->dept));
        text_in(out, "", a->dept, ")  ");
        casectl_text(out, a->status);
        if (*a->reason)
            text_in(out, "  退单理由 ", a->reason, "");
        if (*a->result)
            text_in(out, "  结果 ", a->result, "");
        fputc('\n', out);
    }
}

static void text_documents(FILE *out, const Fq__Case *c)
{
    static const char *kinds[][2] = {{"mediation_agreement", "人民调解协议书"},
                                     {"judicial_confirmation", "司法确认书"},
                                     {"legal_opinion", "法律意见书"}};
    for (size_t i = 0; i < c->n_documents; i++) {
        const Fq__Document *d = c->documents[i];
        const char *kind = d->kind;
        for (size_t k = 0; k < 3; k++)
            if (strcmp(d->kind, kinds[k][0]) == 0)
                kind = kinds[k][1];
        label(out, "文书 document");
        casectl_text(out, kind);
        text_in(out, " ", d->number, " (");
        text_in(out, "", d->date, ")");
        if (*d->court)
            text_in(out, "  ", d->court, "");
        if (*d->parties)
            text_in(out, "  当事人 ", d->parties, "");
        if (*d->terms)
            text_in(out, "  «", d->terms, "»");
        fputc('\n', out);
    }
}

/* Number, title, description (its lines under each other), state, category, track, amount and
 * returns. */
static void text_head(FILE *out, const Fq__Case *c, const fq_cfg_t *cfg)
{
    label(out, "案件编号 case");
    text_in(out, "", c->case_no, "\n");
    label(out, "标题 title");
    text_in(out, "", c->title, "\n");
    if (c->description && *c->description) {
        label(out, "描述 description");
        fq_text_print(out, c->description, FQ_TEXT_LINES, s_indent);
        fputc('\n', out);
    }
    label(out, "状态 state");
    fprintf(out, "%s ", state_label(c->state));
    text_in(out, "", c->state, "\n");
    label(out, "类别 category");
    fprintf(out, "%s (", category_name(cfg, c->category));
    text_in(out, "", c->category, ")");
    fprintf(out, "  风险 risk %d\n", c->risk);
    bool rule = c->track_rule && *c->track_rule;
    label(out, "分级 track");
    fprintf(out, "%s ", track_label(c->track));
    casectl_text(out, *c->track ? c->track : "未分流");
    if (rule)
        text_in(out, " (", c->track_rule, ")");
    fputc('\n', out);
    if (c->amount > 0) {
        label(out, "涉及金额 amount");
        fprintf(out, "%lld 元\n", (long long)c->amount);
    }
    if (c->bounce_count > 0 || c->binding) {
        label(out, "退单 returns");
        fprintf(out, "%d%s\n", c->bounce_count, c->binding ? "  上级指定 binding" : "");
    }
}

/* LABEL and the stored TEXT on a line of their own, when there is any. */
static void text_line(FILE *out, const char *what, const char *text)
{
    if (!text || !*text)
        return;
    label(out, what);
    text_in(out, "", text, "\n");
}

/* How the case came in: the channel (its name, and the code as stored), who reported it, where
 * and in which grid. */
static void text_intake(FILE *out, const Fq__Case *c)
{
    if (c->source && *c->source) {
        const char *name = fq_report_source_label(c->source);
        label(out, "来源 source");
        if (strcmp(name, c->source) != 0)
            fprintf(out, "%s (", name);
        text_in(out, "", c->source, strcmp(name, c->source) != 0 ? ")\n" : "\n");
    }
    text_line(out, "报告人 reporter", c->reporter);
    text_line(out, "地址 address", c->address);
    text_line(out, "网格 grid", c->grid);
}

/* Who holds it, since when, until when, how it came in and who the parties are. */
static void text_where(FILE *out, const Fq__Case *c, const fq_cfg_t *cfg)
{
    char deadline[32], created[32];
    format_time(deadline, sizeof deadline, c->deadline_ms, false);
    format_time(created, sizeof created, c->created_ms, false);
    text_unit(out, "承办单位 holder", cfg, c->holder);
    text_unit(out, "受理单位 origin", cfg, c->origin_unit);
    label(out, "登记时间 created");
    fprintf(out, "%s\n", created);
    text_intake(out, c);
    label(out, "办理时限 deadline");
    fprintf(out, "%s%s%s\n", deadline, c->paused_ms ? "  (计时暂停 paused)" : "",
            c->extension_days ? "  (延期申请中 extension asked)" : "");
    for (size_t i = 0; i < c->n_parties; i++) {
        label(out, "当事人 party");
        text_in(out, "", c->parties[i]->name, " ");
        text_in(out, "", c->parties[i]->phone, " ");
        text_in(out, "", c->parties[i]->role, "\n");
    }
}

/* NUMBER KIND 致 ADDRESSEE: REASON  (签收), without the end of the line. */
static void text_notice(FILE *out, const Fq__Notice *n)
{
    text_in(out, "", n->number, " ");
    casectl_text(out, notice_label(n->kind));
    text_in(out, " 致 ", n->addressee, ": ");
    text_in(out, "", n->reason, n->acked_ms ? "  (已签收)" : "  (未签收)");
}

static void text_supervision(FILE *out, const Fq__Case *c)
{
    for (size_t i = 0; i < c->n_notices; i++) {
        const Fq__Notice *n = c->notices[i];
        label(out, "督办 notice");
        text_notice(out, n);
        fputc('\n', out);
    }
    for (size_t i = 0; i < c->n_feedback; i++) {
        const Fq__Feedback *f = c->feedback[i];
        bool answer = *f->answer;
        label(out, answer ? "满意度 answer" : "反馈 feedback");
        text_in(out, "", answer ? f->answer : f->channel, answer ? " " : ": ");
        text_in(out, "", answer ? f->comment : f->text,
                f->unreasonable ? "  (复核: 不合理诉求)\n" : "\n");
    }
}

static void text_case(FILE *out, const Fq__Case *c, const fq_cfg_t *cfg)
{
    text_head(out, c, cfg);
    text_departments(out, c, cfg);
    text_documents(out, c);
    text_where(out, c, cfg);
    text_supervision(out, c);
    fprintf(out, "一案一档 history (%zu):\n", c->n_history);
    for (size_t i = 0; i < c->n_history; i++)
        text_event(out, c->history[i], cfg);
}

void casectl_print_case(FILE *out, const Fq__Case *c, const fq_cfg_t *cfg, bool json)
{
    if (json)
        json_case(out, c, cfg);
    else
        text_case(out, c, cfg);
}

/* Case number, state, track, category, holder in columns, then the title. */
static void list_row(FILE *out, const char *const cols[6])
{
    static const int widths[] = {28, 12, 10, 16, 22};
    for (int i = 0; i < 5; i++)
        pad(out, cols[i], widths[i] + 1);
    text_in(out, "", cols[5], "\n");
}

void casectl_print_list(FILE *out, Fq__Case *const *cases, size_t n, const fq_cfg_t *cfg,
                        bool json)
{
    if (!json)
        list_row(out, (const char *[]){"案件编号", "状态", "分级", "类别", "承办单位", "标题"});
    for (size_t i = 0; i < n; i++) {
        const Fq__Case *c = cases[i];
        if (json) {
            fputc('{', out);
            json_case_body(out, c, cfg);
            fputs("}\n", out);
            continue;
        }
        const char *holder = unit_name(cfg, c->holder);
        const char *category = category_name(cfg, c->category);
        list_row(out, (const char *[]){c->case_no, state_label(c->state),
                                       *c->track ? track_label(c->track) : "-",
                                       *category ? category : c->category,
                                       *holder ? holder : c->holder, c->title});
    }
}

void casectl_print_submitted(FILE *out, const Fq__Case *c, bool json)
{
    if (!json) {
        text_in(out, "", c->case_no, "\n");
        return;
    }
    fputc('{', out);
    json_field(out, "case_no", c->case_no, true);
    json_field(out, "uuid", c->uuid, false);
    json_field(out, "state", c->state, false);
    json_field(out, "unit", c->holder, false);
    fputs("}\n", out);
}

static void json_link(FILE *out, const Fq__LinkStatus *l)
{
    json_field(out, "peer", l->peer, true);
    json_field(out, "direction", l->direction, false);
    fprintf(out, ",\"up\":%s", l->up ? "true" : "false");
    json_time(out, "last_heartbeat", l->last_heartbeat_ms);
    fprintf(out, ",\"outbox_depth\":%llu,\"oldest_unacked_ms\":%lld,\"poisoned\":%llu",
            (unsigned long long)l->outbox_depth, (long long)l->oldest_unacked_ms,
            (unsigned long long)l->poisoned);
}

void casectl_print_status(FILE *out, const Fq__OpsReply *rep, const fq_cfg_t *cfg, bool json)
{
    bool db_up = rep->status == 0;
    if (json) {
        fputc('{', out);
        json_field(out, "unit", rep->unit, true);
        json_field(out, "name", rep->unit_name, false);
        json_field(out, "database", db_up ? "up" : "down", false);
        fputs(",\"links\":[", out);
        for (size_t i = 0; i < rep->n_links; i++) {
            fputs(i ? ",{" : "{", out);
            json_link(out, rep->links[i]);
            fputc('}', out);
        }
        fputs("]}\n", out);
        return;
    }
    text_in(out, "", rep->unit, " ");
    casectl_text(out, rep->unit_name);
    fprintf(out, "  数据库 database: %s\n", db_up ? "up" : "down");
    for (size_t i = 0; i < rep->n_links; i++) {
        const Fq__LinkStatus *l = rep->links[i];
        char beat[32], direction[32], peer[64];
        format_time(beat, sizeof beat, l->last_heartbeat_ms, false);
        fq_text_escape(direction, sizeof direction, l->direction ? l->direction : "");
        fq_text_escape(peer, sizeof peer, l->peer ? l->peer : "");
        fprintf(out,
                "  %-4s %s %-16s %-4s last heartbeat %s  outbox %llu  oldest unacked %lld ms"
                "  poisoned %llu\n",
                direction, peer, unit_name(cfg, l->peer), l->up ? "up" : "down", beat,
                (unsigned long long)l->outbox_depth, (long long)l->oldest_unacked_ms,
                (unsigned long long)l->poisoned);
    }
}

void casectl_print_notices(FILE *out, Fq__Notice *const *notices, size_t n, bool json)
{
    for (size_t i = 0; i < n; i++) {
        const Fq__Notice *notice = notices[i];
        if (json) {
            json_notice(out, notice);
            fputc('\n', out);
            continue;
        }
        char at[32];
        format_time(at, sizeof at, notice->at_ms, false);
        fprintf(out, "%s  ", at);
        text_in(out, "", notice->number, "  ");
        casectl_text(out, notice_label(notice->kind));
        text_in(out, "  案件 ", notice->case_no, "");
        text_in(out, "  致 ", notice->addressee, ": ");
        text_in(out, "", notice->reason, notice->acked_ms ? "  (已签收)\n" : "  (未签收)\n");
    }
    if (!json && n == 0)
        fprintf(out, "没有督办通知 (no notices)\n");
}

void casectl_print_verify(FILE *out, const Fq__OpsReply *rep, bool json)
{
    bool intact = rep->broken_at == 0;
    if (!json) {
        if (intact)
            text_in(out, "", rep->message, "\n");
        return;
    }
    fputc('{', out);
    json_field(out, "case_no", rep->case_no, true);
    fprintf(out, ",\"entries\":%u,\"intact\":%s,\"broken_at\":", rep->entries,
            intact ? "true" : "false");
    if (intact)
        fputs("null", out);
    else
        fprintf(out, "%u", rep->broken_at);
    json_field(out, "message", intact ? rep->message : rep->error, false);
    fputs("}\n", out);
}

void casectl_print_message(FILE *out, const char *ref, const char *message, bool json)
{
    if (!json) {
        text_in(out, "", message, "\n");
        return;
    }
    fputc('{', out);
    json_field(out, "case", ref, true);
    json_field(out, "message", message, false);
    fputs("}\n", out);
}
