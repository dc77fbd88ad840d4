/* ops.c - what each casectl verb does: one handler per verb, and the writes read together
 * (submissions and actions on cases) carried out under one commit. Reading the requests off the
 * ops socket, holding them and answering them is ops_socket.c's. */
#include "ops_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "log.h"
#include "pb.h"
#include "stats.h"
#include "store.h"
#include "text.h"

typedef void (*s_handler_fn)(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep,
                             char *err);

void fq_ops_reply_status(Fq__OpsReply *rep, int status, const char *error)
{
    rep->has_status = 1;
    rep->status = status;
    free(rep->error);
    rep->error = fq_pb_strdup(error);
}

void fq_ops_reply_rc(Fq__OpsReply *rep, fq_store_rc_t rc, const char *err)
{
    if (rc == FQ_STORE_OK)
        fq_ops_reply_status(rep, 0, NULL);
    else if (rc == FQ_STORE_REFUSED)
        fq_ops_reply_status(rep, 1, err);
    else {
        char msg[FQ_OPS_ERRLEN + 40];
        snprintf(msg, sizeof msg, "database error: %s", err);
        fq_ops_reply_status(rep, 1, msg);
    }
}

static void add_case(Fq__OpsReply *rep, Fq__Case *c)
{
    Fq__Case **grown = realloc(rep->cases, (rep->n_cases + 1) * sizeof *grown);
    if (!grown) {
        fq_pb_case_free(c);
        return;
    }
    grown[rep->n_cases++] = c;
    rep->cases = grown;
}

/* Reply with the case as it now stands. */
static void reply_case(fq_daemon_t *d, const char *ref, Fq__OpsReply *rep, char *err)
{
    fq_store_t st = fq_daemon_store(d);
    Fq__Case *c = NULL;
    fq_store_rc_t rc = fq_store_load(&st, ref, &c, err, FQ_OPS_ERRLEN);
    fq_ops_reply_rc(rep, rc, err);
    if (c)
        add_case(rep, c);
}

void fq_ops_reply_submitted(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep,
                            const char *case_no, const char *uuid)
{
    Fq__Case *c = fq_pb_case_new();
    if (!c) {
        fq_ops_reply_status(rep, 1, "out of memory");
        return;
    }
    c->case_no = fq_pb_strdup(case_no);
    c->uuid = fq_pb_strdup(uuid);
    c->state = fq_pb_strdup("reported");
    c->holder = fq_pb_strdup(d->self->code);
    c->origin_unit = fq_pb_strdup(d->self->code);
    c->title = fq_pb_strdup(req->new_case->title);
    fq_ops_reply_status(rep, 0, NULL);
    add_case(rep, c);
}

/* What a request to act on a case says, as the store takes it. */
static fq_act_t act_of(const Fq__OpsRequest *req)
{
    return (fq_act_t){.actor = req->actor,
                      .note = req->note,
                      .reason = req->reason,
                      .track = req->track,
                      .dept = req->dept,
                      .lead = req->lead,
                      .co = req->co,
                      .nco = req->n_co,
                      .to_unit = req->to_unit,
                      .visit_date = req->visit_date,
                      .visit_by = req->visit_by,
                      .document = req->document,
                      .days = req->has_days ? req->days : 0,
                      .channel = req->channel,
                      .text = req->text,
                      .answer = req->answer,
                      .comment = req->comment,
                      .notice = req->notice};
}

static bool is_submit(const Fq__OpsRequest *req)
{
    return strcmp(req->verb, "submit") == 0;
}

/* One action on a case inside the batch's transaction, under its own savepoint: a refusal
 * undoes only its own writes. Returns the store's outcome; DBERR loses the whole batch. */
static fq_store_rc_t act_one(fq_daemon_t *d, const Fq__OpsRequest *req, char *err,
                             size_t errlen)
{
    fq_store_t st = fq_daemon_store(d);
    if (fq_db_send(d->db, "SAVEPOINT request", NULL, err, errlen) < 0)
        return FQ_STORE_DBERR;
    fq_act_t a = act_of(req);
    fq_store_rc_t rc = fq_store_act_in(&st, req->case_ref, req->verb, &a, err, errlen);
    char ignored[256];
    if (rc == FQ_STORE_REFUSED &&
        fq_db_exec(d->db, "ROLLBACK TO SAVEPOINT request", NULL, ignored, sizeof ignored) < 0)
        return FQ_STORE_DBERR;
    if (rc != FQ_STORE_DBERR &&
        fq_db_send(d->db, "RELEASE SAVEPOINT request", NULL, ignored, sizeof ignored) < 0)
        return FQ_STORE_DBERR;
    return rc;
}

/* The batch's submissions, in order, for fq_store_submit_many; SUB_OF[i] is request i's. */
static size_t gather_submissions(Fq__OpsRequest *const *reqs, size_t n, fq_submission_t *subs,
                                 fq_submission_t **sub_of)
{
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        sub_of[i] = NULL;
        if (!is_submit(reqs[i]))
            continue;
        subs[ns] = (fq_submission_t){.in = reqs[i]->new_case, .actor = reqs[i]->actor};
        sub_of[i] = &subs[ns++];
    }
    return ns;
}

/* Lock together the cases the batch's actions name. */
static fq_store_rc_t lock_named(const fq_store_t *st, Fq__OpsRequest *const *reqs, size_t n,
                                char *err, size_t errlen)
{
    const char **refs = calloc(n ? n : 1, sizeof *refs);
    if (!refs) {
        snprintf(err, errlen, "out of memory");
        return FQ_STORE_DBERR;
    }
    size_t nrefs = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_submit(reqs[i]))
            refs[nrefs++] = reqs[i]->case_ref;
    fq_store_rc_t rc = nrefs ? fq_store_batch_lock(st, refs, nrefs, err, errlen) : FQ_STORE_OK;
    free(refs);
    return rc;
}

/* One action of the batch: in ST->batch without a savepoint (a refusal comes before any
 * write, unless the batch ends up late), else under its own savepoint. */
static fq_store_rc_t act_in_batch(fq_daemon_t *d, const fq_store_t *st,
                                  const Fq__OpsRequest *req, char *err, size_t errlen)
{
    if (!st->batch)
        return act_one(d, req, err, errlen);
    fq_act_t a = act_of(req);
    return fq_store_act_in(st, req->case_ref, req->verb, &a, err, errlen);
}

/* The batch's actions, in order; in ST->batch, their cases locked first and the copies they
 * owe queued last. */
static fq_store_rc_t act_all(fq_daemon_t *d, const fq_store_t *st, Fq__OpsRequest *const *reqs,
                             Fq__OpsReply *const *reps, size_t n, char *err, size_t errlen)
{
    fq_store_rc_t rc = st->batch ? lock_named(st, reqs, n, err, errlen) : FQ_STORE_OK;
    for (size_t i = 0; rc == FQ_STORE_OK && i < n; i++) {
        if (st->batch && fq_store_batch_late(st->batch))
            return FQ_STORE_OK; /* write_all rolls it back */
        if (is_submit(reqs[i]))
            continue;
        fq_store_rc_t one = act_in_batch(d, st, reqs[i], err, errlen);
        if (one == FQ_STORE_REFUSED)
            fq_ops_reply_rc(reps[i], one, err);
        rc = one == FQ_STORE_DBERR ? one : FQ_STORE_OK;
    }
    if (rc == FQ_STORE_OK && st->batch && !fq_store_batch_late(st->batch))
        rc = fq_store_batch_flush(st, err, errlen);
    return rc;
}

/* Submissions first, all together; then the actions, batched when BATCH is given, else each
 * under its savepoint. *LATE: the batch was rolled back because an action was refused after
 * writing; run it again without BATCH. */
static fq_store_rc_t write_all(fq_daemon_t *d, Fq__OpsRequest *const *reqs,
                               Fq__OpsReply *const *reps, size_t n, fq_submission_t *subs,
                               size_t ns, fq_store_batch_t *batch, bool *late, char *err,
                               size_t errlen)
{
    fq_store_t st = fq_daemon_store(d);
    st.batch = batch;
    if (fq_db_begin(d->db, err, errlen) < 0)
        return FQ_STORE_DBERR;
    fq_store_rc_t rc = ns ? fq_store_submit_many(&st, subs, ns, err, errlen) : FQ_STORE_OK;
    if (rc == FQ_STORE_OK)
        rc = act_all(d, &st, reqs, reps, n, err, errlen);
    *late = batch && fq_store_batch_late(batch);
    if (rc == FQ_STORE_OK && !*late && fq_db_commit(d->db, err, errlen) < 0)
        rc = FQ_STORE_DBERR;
    if (rc != FQ_STORE_OK || *late)
        fq_db_rollback(d->db);
    return rc;
}

/* Forget the refusals given in a batch that is to be run again. */
static void forget_replies(Fq__OpsReply *const *reps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        reps[i]->has_status = 0;
        reps[i]->status = 0;
        free(reps[i]->error);
        reps[i]->error = NULL;
    }
}

/* write_all batched; when that comes out late, again with a savepoint per action. *KEPT is
 * the batch when it committed, for the replies to take their cases from (the caller's), else
 * NULL. */
static fq_store_rc_t write_batched(fq_daemon_t *d, Fq__OpsRequest *const *reqs,
                                   Fq__OpsReply *const *reps, size_t n, fq_submission_t *subs,
                                   fq_submission_t **sub_of, fq_store_batch_t **kept, char *err,
                                   size_t errlen)
{
    fq_store_batch_t *batch = fq_store_batch_new();
    bool late = false;
    size_t ns = gather_submissions(reqs, n, subs, sub_of);
    fq_store_rc_t rc = write_all(d, reqs, reps, n, subs, ns, batch, &late, err, errlen);
    if (rc == FQ_STORE_OK && !late)
        *kept = batch;
    else
        fq_store_batch_destroy(&batch);
    if (late) {
        fq_info("ops: an action was refused after writing; running its batch of %zu again "
                "with a savepoint per action", n);
        forget_replies(reps, n);
        ns = gather_submissions(reqs, n, subs, sub_of);
        rc = write_all(d, reqs, reps, n, subs, ns, NULL, &late, err, errlen);
    }
    return rc;
}

/* The cases of the actions DONE[0..N) into CASES (the caller's): those BATCH read for their
 * copies taken from it, the others read together. */
static void cases_acted(fq_daemon_t *d, fq_store_batch_t *batch, Fq__OpsRequest *const *reqs,
                        const size_t *done, size_t n, Fq__Case **cases)
{
    char err[FQ_OPS_ERRLEN];
    fq_store_t st = fq_daemon_store(d);
    const char **refs = calloc(n, sizeof *refs);
    size_t *at = calloc(n, sizeof *at), nrefs = 0;
    Fq__Case **read = calloc(n, sizeof *read);
    for (size_t k = 0; k < n; k++) {
        const char *ref = reqs[done[k]]->case_ref;
        if (!(cases[k] = fq_store_batch_take_flushed(batch, ref)) && refs && at) {
            at[nrefs] = k;
            refs[nrefs++] = ref;
        }
    }
    if (nrefs && refs && at && read &&
        fq_store_load_many(&st, refs, nrefs, read, err, sizeof err) == FQ_STORE_OK)
        for (size_t j = 0; j < nrefs; j++)
            cases[at[j]] = read[j];
    free(refs);
    free(at);
    free(read);
}

/* After COMMIT: the actions DONE[0..N) (indexes into REQS) succeeded; each is answered with
 * its case as it now stands: as BATCH (when given) read it for its copies, or read back with
 * the others. A case two of them named is read again on its own for the second. */
static void reply_acted(fq_daemon_t *d, fq_store_batch_t *batch, Fq__OpsRequest *const *reqs,
                        Fq__OpsReply *const *reps, const size_t *done, size_t n)
{
    char err[FQ_OPS_ERRLEN];
    Fq__Case **cases = calloc(n, sizeof *cases);
    if (cases)
        cases_acted(d, batch, reqs, done, n, cases);
    for (size_t k = 0; k < n; k++) {
        const Fq__OpsRequest *req = reqs[done[k]];
        fq_info("case %s: %s by %s", req->case_ref, req->verb, req->actor ? req->actor : "-");
        if (cases && cases[k]) {
            fq_ops_reply_status(reps[done[k]], 0, NULL);
            add_case(reps[done[k]], cases[k]);
        } else
            reply_case(d, req->case_ref, reps[done[k]], err);
    }
    free(cases);
}

/* Carry out N writes (submissions and actions on cases) under one commit: the disk, not the
 * request count, sets the pace. A refused one changes nothing and does not disturb the others;
 * a database failure fails all, and nobody is told of a change before its COMMIT. */
static void write_batch(fq_daemon_t *d, Fq__OpsRequest *const *reqs, Fq__OpsReply *const *reps,
                        size_t n)
{
    char err[FQ_OPS_ERRLEN] = "out of memory";
    fq_submission_t *subs = calloc(n, sizeof *subs), **sub_of = calloc(n, sizeof *sub_of);
    size_t *done = calloc(n, sizeof *done), ndone = 0;
    fq_store_rc_t rc = FQ_STORE_DBERR;
    fq_store_batch_t *batch = NULL;
    if (subs && sub_of && done)
        rc = write_batched(d, reqs, reps, n, subs, sub_of, &batch, err, sizeof err);
    for (size_t i = 0; i < n; i++) {
        if (sub_of && sub_of[i] && sub_of[i]->rc == FQ_STORE_REFUSED)
            fq_ops_reply_rc(reps[i], FQ_STORE_REFUSED, sub_of[i]->err);
        else if (reps[i]->has_status && reps[i]->status != 0)
            continue; /* an action refused */
        else if (rc != FQ_STORE_OK)
            fq_ops_reply_rc(reps[i], FQ_STORE_DBERR, err);
        else if (sub_of[i]) {
            fq_info("case %s submitted: %s", sub_of[i]->case_no, reqs[i]->new_case->title);
            fq_ops_reply_submitted(d, reqs[i], reps[i], sub_of[i]->case_no, sub_of[i]->uuid);
        } else
            done[ndone++] = i;
    }
    if (ndone)
        reply_acted(d, batch, reqs, reps, done, ndone);
    fq_store_batch_destroy(&batch);
    free(subs);
    free(sub_of);
    free(done);
}

static void on_write(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    Fq__OpsRequest *reqs[] = {(Fq__OpsRequest *)req};
    Fq__OpsReply *reps[] = {rep};
    write_batch(d, reqs, reps, 1);
}

static void on_show(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    reply_case(d, req->case_ref, rep, err);
}

static void on_list(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    fq_store_t st = fq_daemon_store(d);
    fq_list_filter_t f = {req->state_filter,
                          req->track_filter,
                          req->category_filter,
                          req->dept_filter,
                          req->unit_filter,
                          req->from_day,
                          req->to_day,
                          req->has_overdue && req->overdue,
                          req->has_offset ? req->offset : 0,
                          req->has_limit && req->limit > 0 && req->limit <= 1000 ? req->limit
                                                                                 : 100};
    Fq__Case **cases = NULL;
    size_t n = 0;
    unsigned total = 0;
    fq_store_rc_t rc = fq_store_list(&st, &f, &cases, &n, &total, err, FQ_OPS_ERRLEN);
    fq_ops_reply_rc(rep, rc, err);
    if (rc == FQ_STORE_OK) {
        rep->cases = cases;
        rep->n_cases = n;
        rep->has_total = 1;
        rep->total = total;
    }
}


static void on_notices(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    fq_store_t st = fq_daemon_store(d);
    bool all = req->state_filter && strcmp(req->state_filter, "all") == 0;
    fq_store_rc_t rc =
        fq_store_notices(&st, !all, &rep->notices, &rep->n_notices, err, FQ_OPS_ERRLEN);
    fq_ops_reply_rc(rep, rc, err);
}

/* A notice acknowledged by a unit it is addressed to: as any action when that unit holds the
 * case, else as a directive that goes to the holder. */
static void on_ack(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    fq_store_t st = fq_daemon_store(d);
    if (fq_db_begin(d->db, err, FQ_OPS_ERRLEN) < 0) {
        fq_ops_reply_rc(rep, FQ_STORE_DBERR, err);
        return;
    }
    fq_act_t a = act_of(req);
    bool relayed = false;
    fq_store_rc_t rc = fq_store_ack_relay(&st, req->case_ref, &a, &relayed, err, FQ_OPS_ERRLEN);
    if (relayed && fq_db_commit(d->db, err, FQ_OPS_ERRLEN) < 0)
        rc = FQ_STORE_DBERR;
    if (!relayed || rc != FQ_STORE_OK)
        fq_db_rollback(d->db);
    if (rc == FQ_STORE_OK && !relayed) {
        on_write(d, req, rep, err); /* this unit holds the case */
        return;
    }
    fq_ops_reply_rc(rep, rc, err);
    if (rc == FQ_STORE_OK) {
        fq_info("case %s: notice %s acknowledged by %s, sent to the holder", req->case_ref,
                req->notice, req->actor ? req->actor : "-");
        rep->message = fq_pb_strdup("notice acknowledged; the acknowledgement is on its way to "
                                    "the unit holding the case");
    }
}

/* The tier above decides on an extension; the decision travels down as a directive. */
static void on_extension(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep,
                         char *err)
{
    fq_store_t st = fq_daemon_store(d);
    if (!req->has_grant) {
        fq_ops_reply_status(rep, 2, "say --grant or --refuse");
        return;
    }
    if (fq_db_begin(d->db, err, FQ_OPS_ERRLEN) < 0) {
        fq_ops_reply_rc(rep, FQ_STORE_DBERR, err);
        return;
    }
    fq_store_rc_t rc = fq_store_decide_extension(&st, req->case_ref, req->grant, req->actor,
                                                 req->note, err, FQ_OPS_ERRLEN);
    rc = rc == FQ_STORE_OK && fq_db_commit(d->db, err, FQ_OPS_ERRLEN) < 0 ? FQ_STORE_DBERR : rc;
    if (rc != FQ_STORE_OK)
        fq_db_rollback(d->db);
    fq_ops_reply_rc(rep, rc, err);
    if (rc == FQ_STORE_OK) {
        rep->message = fq_pb_strdup(req->grant ? "extension granted; the decision is on its way "
                                                 "to the unit holding the case"
                                               : "extension refused; the decision is on its way "
                                                 "to the unit holding the case");
    }
}


static void on_stats(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    fq_store_t st = fq_daemon_store(d);
    int from = fq_cal_parse_day(req->from_day), to = fq_cal_parse_day(req->to_day);
    if (from < 0 || to < 0 || to < from) {
        fq_ops_reply_status(rep, 2, "stats needs --from and --to as YYYY-MM-DD, from not after to");
        return;
    }
    fq_store_rc_t rc = fq_stats_summary(&st, from, to, &rep->stats, err, FQ_OPS_ERRLEN);
    fq_ops_reply_rc(rep, rc, err);
}

static void on_report(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    fq_store_t st = fq_daemon_store(d);
    fq_store_rc_t rc;
    if (req->month)
        rc = fq_report_monthly(&st, req->month, &rep->report_markdown, &rep->report_csv, err,
                               FQ_OPS_ERRLEN);
    else if (req->day)
        rc = fq_report_daily(&st, req->day, &rep->report_markdown, &rep->report_csv, err,
                             FQ_OPS_ERRLEN);
    else {
        fq_ops_reply_status(rep, 2,
                            "a report is monthly (--month YYYY-MM) or daily (--day YYYY-MM-DD)");
        return;
    }
    fq_ops_reply_rc(rep, rc, err);
}

/* The finding goes with the refusal of a broken chain too, for casectl --json to print. */
static void on_verify(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    fq_store_t st = fq_daemon_store(d);
    char message[256] = "";
    fq_verify_t found;
    fq_store_rc_t rc =
        fq_store_verify(&st, req->case_ref, &found, message, sizeof message, err, FQ_OPS_ERRLEN);
    fq_ops_reply_rc(rep, rc, err);
    if (rc == FQ_STORE_OK)
        rep->message = fq_pb_strdup(message);
    if (rc != FQ_STORE_DBERR && found.entries > 0) {
        rep->case_no = fq_pb_strdup(found.case_no);
        rep->has_entries = rep->has_broken_at = 1;
        rep->entries = (uint32_t)found.entries;
        rep->broken_at = (uint32_t)found.broken_at;
    }
}

static void on_status(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep, char *err)
{
    if (fq_db_connected(d->db))
        fq_ops_reply_status(rep, 0, NULL);
    else
        fq_ops_reply_status(rep, 1, "database unavailable; reconnecting");
    fq_link_status(d->link, d->db, &rep->links, &rep->n_links);
}

typedef struct {
    const char *verb;
    s_handler_fn fn;
    int needs_case; /* the request must name a case */
} s_verb_t;

/* Every verb that acts on a case by name goes through on_action and the state machine. */
static const s_verb_t s_verbs[] = {
    {"submit", on_write, 0},       {"show", on_show, 1},           {"list", on_list, 0},
    {"status", on_status, 0},       {"verify", on_verify, 1},       {"accept", on_write, 1},
    {"triage", on_write, 1},       {"start", on_write, 1},        {"assign", on_write, 1},
    {"dept-accept", on_write, 1},  {"dept-return", on_write, 1},  {"dept-result", on_write, 1},
    {"visit", on_write, 1},        {"attach", on_write, 1},       {"resolve", on_write, 1},
    {"escalate", on_write, 1},     {"dispatch", on_write, 1},     {"return", on_write, 1},
    {"withdraw", on_write, 1},     {"reopen", on_write, 1},       {"close", on_write, 1},
    {"pause", on_write, 1},        {"resume", on_write, 1},       {"extend", on_write, 1},
    {"feedback", on_write, 1},     {"satisfaction", on_write, 1}, {"review", on_write, 1},
    {"ack", on_ack, 1},            {"extension", on_extension, 1}, {"notices", on_notices, 0},
    {"stats", on_stats, 0},         {"report", on_report, 0},
};

static const s_verb_t *find_verb(const char *verb);
static int case_ref_check(const Fq__OpsRequest *req, char *err, size_t errlen);

/* The verb of a request no verb has, as a reply may show it: escaped and cut short. */
static void unknown_verb(const char *verb, char *err, size_t errlen)
{
    char shown[48];
    fq_text_escape(shown, sizeof shown, verb ? verb : "");
    snprintf(err, errlen, "unknown request '%s'", shown);
}

static void dispatch(fq_daemon_t *d, const Fq__OpsRequest *req, Fq__OpsReply *rep)
{
    char err[FQ_OPS_ERRLEN] = "";
    const s_verb_t *v = find_verb(req->verb);
    if (!v) {
        unknown_verb(req->verb, err, sizeof err);
        fq_ops_reply_status(rep, 2, err);
    } else if (v->needs_case && case_ref_check(req, err, sizeof err) < 0)
        fq_ops_reply_status(rep, 2, err);
    else if (v->fn != on_status && !fq_db_connected(d->db))
        fq_ops_reply_status(rep, 1, "database unavailable; the daemon is reconnecting, try again");
    else
        v->fn(d, req, rep, err);
}

static const s_verb_t *find_verb(const char *verb)
{
    for (size_t i = 0; verb && i < sizeof s_verbs / sizeof s_verbs[0]; i++)
        if (strcmp(verb, s_verbs[i].verb) == 0)
            return &s_verbs[i];
    return NULL;
}

/* The case a request names, a number or uuid: one line, since refusals repeat it. */
static int case_ref_check(const Fq__OpsRequest *req, char *err, size_t errlen)
{
    if (!req->case_ref || !*req->case_ref) {
        snprintf(err, errlen, "this request needs a case number or uuid");
        return -1;
    }
    const fq_text_field_t f = {.name = "case", .value = req->case_ref, .max = FQ_TEXT_CODE};
    return fq_text_check(&f, err, errlen);
}

static bool case_ref_ok(const Fq__OpsRequest *req)
{
    char ignored[FQ_OPS_ERRLEN];
    return case_ref_check(req, ignored, sizeof ignored) == 0;
}

/* A well-formed write: it can join the others under one commit. */
static bool batchable(const fq_ops_pending_t *p)
{
    const s_verb_t *v = p->req ? find_verb(p->req->verb) : NULL;
    return v && v->fn == on_write && (!v->needs_case || case_ref_ok(p->req));
}

bool fq_ops_is_submission(const fq_ops_pending_t *p)
{
    return batchable(p) && is_submit(p->req);
}

void fq_ops_serve_batch(fq_daemon_t *d, fq_ops_pending_t *pending, size_t n)
{
    Fq__OpsRequest *reqs[FQ_OPS_DRAIN_MAX];
    Fq__OpsReply *reps[FQ_OPS_DRAIN_MAX];
    for (size_t i = 0; i < n;) {
        if (!batchable(&pending[i]) || !fq_db_connected(d->db)) {
            if (pending[i].req)
                dispatch(d, pending[i].req, &pending[i].rep);
            i++;
            continue;
        }
        size_t k = 0;
        for (; i < n && batchable(&pending[i]); i++, k++) {
            reqs[k] = pending[i].req;
            reps[k] = &pending[i].rep;
        }
        write_batch(d, reqs, reps, k);
    }
}
