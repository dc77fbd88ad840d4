/* load_ops.c - fq-load's requests: one exchange over a socket, the requests a case is made of
 * (a submission of about 300 bytes, an action), and what each reply says. */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fq-load.h"

/* ---- one exchange -----------------------------------------------------------------------------
 */

/* A REQ socket for one request at a time, or a DEALER one for --pipeline. */
void *load_open_socket(void *ctx, const char *endpoint, int type)
{
    void *s = zmq_socket(ctx, type);
    int zero = 0, timeout = CALL_TIMEOUT_MS;
    int64_t cap = MAX_REPLY;
    if (s &&
        (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) < 0 ||
         zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) < 0 ||
         zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout) < 0 ||
         zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &cap, sizeof cap) < 0 || zmq_connect(s, endpoint) < 0)) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

void load_say(load_worker_t *w, const char *what, const char *why)
{
    pthread_mutex_lock(&w->run->out_lock);
    fprintf(stderr, "fq-load: %s: %s\n", what, why);
    pthread_mutex_unlock(&w->run->out_lock);
}

/* Send the packed request BUF on W's REQ socket and return the reply, or NULL. A REQ socket
 * that timed out is stuck waiting for its reply, so it is replaced by a fresh one. */
Fq__OpsReply *load_exchange(load_worker_t *w, const char *verb, const uint8_t *buf, size_t len)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    Fq__OpsReply *rep = NULL;
    if (w->sock && zmq_send(w->sock, buf, len, 0) >= 0 && zmq_msg_recv(&msg, w->sock, 0) >= 0)
        rep = fq__ops_reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
    else {
        load_say(w, verb, "no answer within the timeout; reconnecting");
        zmq_close(w->sock);
        w->sock = load_open_socket(w->run->ctx, w->run->o->endpoint, ZMQ_REQ);
    }
    zmq_msg_close(&msg);
    return rep;
}

/* REQ packed; caller frees; NULL when out of memory. */
static uint8_t *pack_request(const Fq__OpsRequest *req, size_t *len)
{
    *len = fq__ops_request__get_packed_size(req);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf)
        fq__ops_request__pack(req, buf);
    return buf;
}

Fq__OpsReply *load_call(load_worker_t *w, const Fq__OpsRequest *req)
{
    size_t len;
    uint8_t *buf = pack_request(req, &len);
    Fq__OpsReply *rep = buf ? load_exchange(w, req->verb, buf, len) : NULL;
    free(buf);
    return rep;
}

/* Call and check the status; on success return the reply (caller frees), else NULL. */
Fq__OpsReply *load_call_ok(load_worker_t *w, const Fq__OpsRequest *req)
{
    Fq__OpsReply *rep = load_call(w, req);
    if (rep && rep->status != 0) {
        load_say(w, req->verb, rep->error ? rep->error : "refused");
        fq__ops_reply__free_unpacked(rep, NULL);
        rep = NULL;
    }
    return rep;
}

/* What the reply REP (NULL: none came) to VERB on CASE_NO says: 0 when it shows that very case
 * in the state the action leads to (a daemon answering many requests at once must not mix them
 * up), -1 otherwise. Frees REP. */
int load_act_outcome(load_worker_t *w, const char *verb, const char *case_no, Fq__OpsReply *rep)
{
    if (!rep)
        return -1;
    if (rep->status != 0) {
        load_say(w, verb, rep->error ? rep->error : "refused");
        fq__ops_reply__free_unpacked(rep, NULL);
        return -1;
    }
    const char *leads_to = strcmp(verb, "accept") == 0 ? "accepted" : "escalated";
    const Fq__Case *c = rep->n_cases == 1 ? rep->cases[0] : NULL;
    int rc = c && c->case_no && strcmp(c->case_no, case_no) == 0 && c->state &&
                     strcmp(c->state, leads_to) == 0
                 ? 0
                 : -1;
    if (rc < 0)
        load_say(w, case_no, "the reply does not show this case in the state the action leads to");
    fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}

/* VERB (accept, escalate) on CASE_NO, packed (caller frees). */
uint8_t *load_pack_act(const char *verb, const char *case_no, size_t *len)
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = (char *)verb;
    req.case_ref = (char *)case_no;
    req.actor = "fq-load";
    return pack_request(&req, len);
}

/* Is case IDX one the daemon must refuse (--refuse-every)? */
bool load_meant_to_fail(const load_opts_t *o, long idx)
{
    return o->refuse_every > 0 && idx % o->refuse_every == o->refuse_every - 1;
}

/* Case IDX's title: --title and its index, so a reply shows which case it is about. */
static void case_title(const load_worker_t *w, long idx, char title[160])
{
    snprintf(title, 160, "%s #%ld", w->run->o->title, idx);
}

/* The submission of case IDX, packed (caller frees): about 300 bytes of text, like a real one. */
uint8_t *load_pack_submit(const load_worker_t *w, long idx, size_t *len)
{
    static const char description[] =
        "楼上住户深夜多次发出噪音，影响休息，双方协商未果，申请人请求社区网格员上门调解，"
        "并希望物业配合核实情况、留存记录。";
    char title[160];
    case_title(w, idx, title);
    Fq__Party party = FQ__PARTY__INIT, *parties[] = {&party};
    party.name = "王某";
    party.phone = "13800138000";
    party.role = "applicant";
    Fq__Case c = FQ__CASE__INIT;
    c.title = title;
    c.description = (char *)description;
    c.category =
        load_meant_to_fail(w->run->o, idx) ? "no-such-category" : (char *)w->run->o->category;
    c.source = "grid";
    c.address = "光明区东周社区1栋";
    c.n_parties = 1;
    c.parties = parties;
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "submit";
    req.actor = "fq-load";
    req.new_case = &c;
    return pack_request(&req, len);
}

/* Does REP show case IDX itself (its title)? A daemon answering many requests at once must not
 * mix them up. */
static bool shows_case(const load_worker_t *w, long idx, const Fq__OpsReply *rep)
{
    char title[160];
    case_title(w, idx, title);
    return rep->n_cases > 0 && rep->cases[0]->case_no && rep->cases[0]->title &&
           strcmp(rep->cases[0]->title, title) == 0;
}

/* What the reply REP (NULL: none came) to case IDX's submission says: 0 taken in, its number
 * to CASE_NO; 1 refused; -1 no answer, or an answer about another case. Frees REP. */
int load_submit_outcome(load_worker_t *w, long idx, Fq__OpsReply *rep, char case_no[64])
{
    if (!rep)
        return -1;
    int rc = rep->status != 0 ? 1 : shows_case(w, idx, rep) ? 0 : -1;
    if (rc < 0)
        load_say(w, "submit", "the reply does not show the case submitted");
    if (rc == 1 && !load_meant_to_fail(w->run->o, idx))
        load_say(w, "submit", rep->error ? rep->error : "refused");
    if (rc == 0)
        snprintf(case_no, 64, "%s", rep->cases[0]->case_no);
    fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}

void load_record(load_worker_t *w, const char *case_no)
{
    if (!w->run->out)
        return;
    pthread_mutex_lock(&w->run->out_lock);
    fprintf(w->run->out, "%s\n", case_no);
    pthread_mutex_unlock(&w->run->out_lock);
}
