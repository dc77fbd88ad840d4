/* fuzz_ops.c - libFuzzer target: bytes as a request on a daemon's ops socket (an OpsRequest).
 *
 * Runs what a daemon runs on a request before its database: the decoding, and for a submission
 * its checks (fq_store_check_submission); the text fields a request may carry as a day, a
 * state or a case number go through their parsers. The deployment is FQ_FUZZ_CONFIG (default
 * config/guangming.yaml).
 *
 * With FQ_FUZZ_SEEDS=DIR it writes a few well-formed requests there (a submission it checks
 * passes, a list with filters, an action on a case) and exits: the corpus scripts/fuzz starts
 * from.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "case.h"
#include "config.h"
#include "fengqiao.pb-c.h"
#include "fuzz_common.h"
#include "store_internal.h"

static fq_cfg_t *s_cfg;

/* ---- seeds ------------------------------------------------------------------------------- */

static void write_seeds(const char *dir)
{
    Fq__Party parties[2] = {FQ__PARTY__INIT, FQ__PARTY__INIT};
    Fq__Party *pp[2] = {&parties[0], &parties[1]};
    parties[0].name = "王某", parties[0].phone = "13800138000", parties[0].role = "申请人";
    parties[1].name = "赵某", parties[1].phone = "13800138001", parties[1].role = "被申请人";
    Fq__Case c = FQ__CASE__INIT;
    c.title = "楼上噪音扰民";
    c.description = "夜间持续噪音，多次沟通无果";
    c.category = s_cfg->ncategories ? s_cfg->categories[0].code : "noise";
    c.source = "grid", c.address = "东周社区 3 栋", c.has_risk = 1, c.risk = 2;
    c.has_amount = 1, c.amount = 5000;
    c.n_parties = 2, c.parties = pp;
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "submit", req.actor = "grid-01", req.new_case = &c;
    char err[256];
    if (fq_store_check_submission(s_cfg, &c, req.actor, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_ops: the seed submission is refused: %s\n", err);
        exit(1);
    }
    fuzz_write_seed(dir, "submit", &req.base);

    req = (Fq__OpsRequest)FQ__OPS_REQUEST__INIT;
    req.verb = "list", req.state_filter = "escalated", req.from_day = "2026-11-01";
    req.to_day = "2026-11-22", req.has_limit = 1, req.limit = 20, req.has_overdue = 1;
    req.overdue = 1;
    fuzz_write_seed(dir, "list", &req.base);

    req = (Fq__OpsRequest)FQ__OPS_REQUEST__INIT;
    req.verb = "escalate", req.case_ref = "440311001001-20261122-0001", req.actor = "grid-01";
    req.note = "需要街道协调";
    fuzz_write_seed(dir, "escalate", &req.base);
}

/* ---- the target -------------------------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    s_cfg = fuzz_load_config("fuzz_ops");
    if (getenv("FQ_FUZZ_SEEDS")) {
        write_seeds(getenv("FQ_FUZZ_SEEDS"));
        exit(0);
    }
    return 0;
}

static volatile unsigned s_sink; /* what the parsers returned (wrapping), so that the calls stay */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fq__OpsRequest *req = fq__ops_request__unpack(NULL, size, data);
    if (!req)
        return 0;
    char err[256];
    if (req->verb && strcmp(req->verb, "submit") == 0)
        s_sink +=
            (unsigned)fq_store_check_submission(s_cfg, req->new_case, req->actor, err, sizeof err);
    if (req->from_day)
        s_sink += (unsigned)fq_cal_parse_day(req->from_day);
    if (req->to_day)
        s_sink += (unsigned)fq_cal_parse_day(req->to_day);
    fq_state_t state;
    if (req->state_filter)
        s_sink += (unsigned)fq_state_parse(req->state_filter, &state);
    char unit[FQ_UNIT_CODE_LEN + 1];
    int day, seq;
    if (req->case_ref)
        s_sink += (unsigned)fq_case_no_parse(req->case_ref, unit, &day, &seq);
    fq__ops_request__free_unpacked(req, NULL);
    return 0;
}
