/* casectl - the operators' tool: talks to one daemon's ops socket.
 * Exit status: 0 ok, 1 refused or failed, 2 usage. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casectl.h"
#include "client.h"
#include "config.h"
#include "pb.h"
#include "print.h"

#define ERRLEN 1024

typedef int (*s_verb_fn)(casectl_t *g, int argc, char **argv);

typedef struct {
    const char *name;
    s_verb_fn fn;      /* NULL: a verb on one case, see casectl_cmd_case */
    const char *opts;  /* for those, the letters of the options it takes */
    const char *usage; /* arguments after the verb */
    const char *help;  /* what it does, and an example */
} s_verb_t;

static const s_verb_t *find_verb(const char *name);

int casectl_verb_usage(const char *name, FILE *out, int rc)
{
    const s_verb_t *v = find_verb(name);
    fprintf(out, "usage: casectl [GLOBAL OPTIONS] %s %s\n\n%s\n", v->name, v->usage, v->help);
    return rc;
}

/* Send REQ, print refusals to stderr, return the reply or NULL (with *RC set). */
Fq__OpsReply *casectl_request(casectl_t *g, Fq__OpsRequest *req, int *rc)
{
    char err[ERRLEN];
    Fq__OpsReply *rep = casectl_call(g->endpoint, req, g->timeout_ms, err, sizeof err);
    if (!rep) {
        fprintf(stderr, "casectl: %s\n", err);
        *rc = 1;
        return NULL;
    }
    if (rep->status != 0) {
        /* A refusal may quote stored text (a history entry's action, a unit's name). */
        fputs("casectl: ", stderr);
        casectl_text(stderr, rep->unit ? rep->unit : g->endpoint);
        fputs(": ", stderr);
        casectl_text(stderr, rep->error ? rep->error : "refused");
        fputc('\n', stderr);
        *rc = rep->status == 2 ? 2 : 1;
        /* What status says of the links, and which entry verify found broken, still print. */
        if (strcmp(req->verb, "status") != 0 && !rep->has_entries) {
            fq__ops_reply__free_unpacked(rep, NULL);
            return NULL;
        }
        return rep;
    }
    *rc = 0;
    return rep;
}

/* A verb that takes no arguments was given ARGV[1]. */
static int no_arguments(const char *verb, char **argv)
{
    if (argv[1][0] == '-')
        return casectl_usage_error(verb, "unknown option %s", argv[1]);
    return casectl_usage_error(verb, "unexpected argument '%s'", argv[1]);
}

static int cmd_status(casectl_t *g, int argc, char **argv)
{
    if (argc > 1)
        return no_arguments("status", argv);
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "status";
    int rc;
    Fq__OpsReply *rep = casectl_request(g, &req, &rc);
    if (!rep)
        return rc;
    casectl_print_status(stdout, rep, g->cfg, g->json);
    fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}

static int cmd_units(casectl_t *g, int argc, char **argv)
{
    if (argc > 1)
        return no_arguments("units", argv);
    for (size_t i = 0; i < g->cfg->nunits; i++) {
        const fq_unit_cfg_t *u = &g->cfg->units[i];
        if (g->json) {
            printf("{\"code\":\"%s\",\"tier\":\"%s\",\"ops\":", u->code, fq_tier_name(u->tier));
            casectl_json_string(stdout, u->ops);
            printf(",\"parent\":");
            casectl_json_string(stdout, u->parent[0] ? u->parent : NULL);
            printf(",\"name\":");
            casectl_json_string(stdout, u->name);
            printf("}\n");
        } else
            printf("%s\t%s\t%s\t%s\n", u->code, fq_tier_name(u->tier), u->ops, u->name);
    }
    return 0;
}

static int cmd_roles(casectl_t *g, int argc, char **argv)
{
    if (argc > 1)
        return no_arguments("roles", argv);
    for (int t = 0; t < FQ_TIER_COUNT; t++) {
        const char *role = g->cfg->database_roles[t];
        if (!role)
            continue;
        if (g->json) /* both are checked identifiers: nothing to escape */
            printf("{\"tier\":\"%s\",\"role\":\"%s\",\"schema\":\"%s\"}\n",
                   fq_tier_name((fq_tier_t)t), role, fq_tier_name((fq_tier_t)t));
        else
            printf("%s\t%s\n", fq_tier_name((fq_tier_t)t), role);
    }
    return 0;
}

#define CASE_ARG "CASE"
/* Verbs with fn NULL name one case and go through casectl_cmd_case, which accepts only the
 * options whose letters are in opts: a actor, n note, r reason, t track, d dept, l lead, c co,
 * T to, D date, b by, k kind, N number, p parties, e terms, C court. */
static const s_verb_t s_verbs[] = {
    {"submit", casectl_cmd_submit, NULL,
     "--title TEXT --category CODE [--description TEXT] [--risk 1-4] [--amount YUAN]\n"
     "       [--source CHANNEL] [--party NAME:PHONE:ROLE]... [--address TEXT] [--grid ID]\n"
     "       [--reporter NAME] [--actor NAME]",
     "Take a new case in (受理登记) at this unit; prints its unified case number.\n"
     "Text is UTF-8 without control characters (--description may have newlines and tabs)\n"
     "or bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069);\n"
     "--title, --address, --reporter up to 200 characters, --description up to 4000.\n"
     "Example: casectl --config config/guangming.yaml --unit 440311001001 submit \\\n"
     "           --title '楼上噪音扰民' --category noise --party '王某:13800138000:申请人'"},
    {"show", NULL, "", CASE_ARG,
     "Show a case (by number or uuid) as this unit knows it: title, description, state,\n"
     "track, departments, documents, holder, source, reporter, address, grid, parties,\n"
     "notices and its whole history (一案一档).\n"
     "Text is shown with control characters escaped (\\x1b, \\u202e).\n"
     "Example: casectl --config config/guangming.yaml --unit 440311001001 show "
     "440311001001-20261122-0001"},
    {"list", casectl_cmd_list, NULL,
     "[--state S] [--track T] [--category C] [--dept D] [--unit CODE] [--from YYYY-MM-DD]\n"
     "       [--to YYYY-MM-DD] [--overdue] [--limit N (20)] [--page N]",
     "List this unit's cases, newest first, a page at a time; filters combine.\n"
     "Example: casectl ... list --track complex --dept labour_inspection --page 2"},
    {"accept", NULL, "an", CASE_ARG " [--actor NAME] [--note TEXT]",
     "Accept (受理) a case reported here, escalated from below, sent down or sent back."},
    {"triage", NULL, "antrT", CASE_ARG " [--track T --reason TEXT] [--to UNIT] [--actor NAME]",
     "Sort the case into a track (分流, 分级诊疗) by the deployment's rules, recording the rule\n"
     "that matched; or override with --track and a --reason. simple 普通门诊 stays; high_risk\n"
     "特需门诊 goes up to the district; long_term 社区门诊 goes down to a community (--to, or\n"
     "the one it came from).\n"
     "Example: casectl ... triage 440311001000-20261122-0003 --track high_risk --reason '涉众'"},
    {"start", NULL, "an", CASE_ARG " [--actor HANDLER] [--note TEXT]",
     "A handler takes the case on (调处中)."},
    {"assign", NULL, "alcn", CASE_ARG " --lead DEPT [--co DEPT]... [--actor NAME] [--note TEXT]",
     "Dispatch (派单) to a lead department (主办) and co-handlers (协办) of this unit's tier.\n"
     "Example: casectl ... assign CASE --lead labour_inspection --co justice_office"},
    {"dept-accept", NULL, "ad", CASE_ARG " --dept DEPT [--actor NAME]",
     "A department signs for the case (签收)."},
    {"dept-return", NULL, "adr", CASE_ARG " --dept DEPT --reason TEXT [--actor NAME]",
     "A department returns the case (退单). When the lead has returned it more often than the\n"
     "deployment allows (casework.max_returns), it goes to the tier above for a binding\n"
     "assignment."},
    {"dept-result", NULL, "adn", CASE_ARG " --dept DEPT --note RESULT [--actor NAME]",
     "A department reports its result; the lead's result resolves the case."},
    {"visit", NULL, "aDbn", CASE_ARG " --date YYYY-MM-DD --by WHO --note FOUND [--actor NAME]",
     "Record a follow-up visit (回访/随访) of a long-term (社区门诊) case."},
    {"attach", NULL, "akNDpeCn",
     CASE_ARG " --kind KIND --number NO --date YYYY-MM-DD [--parties TEXT] [--terms TEXT]\n"
     "       [--court COURT] [--actor NAME]",
     "Put a document on the case file: mediation_agreement (人民调解协议书),\n"
     "judicial_confirmation (司法确认, needs --court) or legal_opinion (法律意见书)."},
    {"resolve", NULL, "an", CASE_ARG " --note TEXT [--actor NAME]",
     "Record that the case is resolved (化解); the result goes back to the unit that took it\n"
     "in. The note saying how is required."},
    {"escalate", NULL, "an", CASE_ARG " [--actor NAME] [--note TEXT]",
     "Send the case up (上报) to the tier above, which must accept it."},
    {"dispatch", NULL, "aTn", CASE_ARG " --to UNIT [--actor NAME] [--note TEXT]",
     "Send the case down (下派) to a unit directly below, which accepts it."},
    {"return", NULL, "ar", CASE_ARG " --reason TEXT [--actor NAME]",
     "Send the case back (退回) to the unit below it came from, to be handled there."},
    {"withdraw", NULL, "ar", CASE_ARG " --reason TEXT [--actor NAME]",
     "The citizen withdraws the case (撤回)."},
    {"reopen", NULL, "ar", CASE_ARG " --reason TEXT [--actor NAME]",
     "Reopen (重办) a resolved or closed case."},
    {"close", NULL, "an", CASE_ARG " [--actor NAME] [--note TEXT]",
     "Close (办结) a resolved case once the citizen has been told."},
    {"pause", NULL, "ar", CASE_ARG " --reason TEXT [--actor NAME]",
     "Stop the case's clock (e.g. waiting for a court); the history says so."},
    {"resume", NULL, "an", CASE_ARG " [--actor NAME] [--note TEXT]",
     "Start the clock again; the deadline moves by the time (or working days) it stood still."},
    {"extend", NULL, "ary", CASE_ARG " --days N --reason TEXT [--actor NAME]",
     "Ask the tier above for more time (延期申请); it decides with `extension`."},
    {"extension", NULL, "agGn", CASE_ARG " --grant|--refuse [--note TEXT] [--actor NAME]",
     "At the tier above: decide on an extension a unit directly below asked for; the unit\n"
     "holding the case applies the decision and its new deadline comes back up."},
    {"feedback", NULL, "aHx",
     CASE_ARG " --channel phone|visit|sms|wechat|letter --text TEXT [--actor NAME]",
     "Record the feedback (反馈) given to the citizen on a resolved case."},
    {"satisfaction", NULL, "awm",
     CASE_ARG " --answer satisfied|basically_satisfied|unsatisfied [--comment TEXT]\n"
     "       [--actor NAME]",
     "The citizen's answer. 满意/基本满意 close the case; 不满意 reopens it under the\n"
     "department head (一把手重办) with a new deadline; a second 不满意 sends it up."},
    {"review", NULL, "ar", CASE_ARG " --reason TEXT [--actor NAME]",
     "A reviewer finds the last 不满意 unreasonable: it no longer counts against the unit."},
    {"ack", NULL, "aon", CASE_ARG " --notice NUMBER [--actor NAME] [--note TEXT]",
     "Acknowledge (签收) a notice (督办: 时限提醒, 工作提示函, 风险预警函) on the case, one\n"
     "addressed to this unit: each notice to the unit that issued it, a 风险预警函 to the tier\n"
     "above it too. Wherever the case is now: when another unit holds it, the acknowledgement\n"
     "goes to the holder, which records it."},
    {"notices", casectl_cmd_notices, NULL, "[--all]",
     "The open notices this unit is to acknowledge (not yet acknowledged, addressed to it),\n"
     "or --all: every notice on this unit's cases, acknowledged or not, to whomever."},
    {"stats", casectl_cmd_stats, NULL, "[--from YYYY-MM-DD] [--to YYYY-MM-DD]",
     "Figures for this unit and every unit below it that reported (分析研判): received,\n"
     "resolved, closed, 化解率, on-time rate, satisfaction rate, average working days,\n"
     "by category, track and source. Default: the current month."},
    {"report", casectl_cmd_report, NULL,
     "monthly [--month YYYY-MM] [--out DIR] | daily [--day YYYY-MM-DD] [--out DIR]",
     "Write the monthly report (月报) or the daily report of key disputes (日报) as Markdown\n"
     "and CSV with Chinese headings (--out - prints the Markdown). Stored text in them has\n"
     "its control characters escaped as on a terminal (\\x1b, \\u202e)."},
    {"verify", NULL, "", CASE_ARG,
     "Recompute the case file's hash chain; names the first entry that does not match\n"
     "(exit 1). With --json one object: case_no, entries, intact, broken_at (the entry\n"
     "that fails, from 1, or null) and message, for a broken chain too."},
    {"status", cmd_status, NULL, "",
     "The unit, its database and each link: up/down, last heartbeat, outbox depth,\n"
     "age of the oldest unacked message, messages the peer refused."},
    {"units", cmd_units, NULL, "",
     "List the units of the deployment file (--config only): code, tier, ops endpoint, name."},
    {"roles", cmd_roles, NULL, "",
     "List the database roles of the deployment file (--config only): tier and role, for\n"
     "each tier database.roles names. That tier's daemons connect as the role, which owns\n"
     "the tier's schema (community, street or district) and has no rights on the others."},
    {"keygen", casectl_cmd_keygen, NULL, "[UNIT...] [--replace]",
     "Make the units' CurveZMQ keypairs for the tier link (--config only), in the key\n"
     "directory link.keys names (default: keys/ beside the config file): UNIT.key, the\n"
     "secret key (mode 600), and UNIT.pub. Without UNIT (or --unit), every unit of the\n"
     "file. A unit that has a keypair keeps it unless --replace; then its parent or\n"
     "children need its new UNIT.pub. A unit's machine needs its own UNIT.key and the\n"
     "UNIT.pub of its parent and children.\n"
     "Example: casectl --config config/guangming.yaml keygen"},
};

static const s_verb_t *find_verb(const char *name)
{
    for (size_t i = 0; i < sizeof s_verbs / sizeof s_verbs[0]; i++)
        if (strcmp(s_verbs[i].name, name) == 0)
            return &s_verbs[i];
    return NULL;
}

/* Letters to change, add or drop to turn A into B; SIZE_MAX when either is longer than any verb
 * could be. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { LONGEST = 32 };
    size_t la = strlen(a), lb = strlen(b), row[LONGEST + 1];
    if (la > LONGEST || lb > LONGEST)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j], best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

/* The verb NAME was most likely meant to be: the first one it begins (three letters or more),
 * else the nearest one or two letters away; NULL when none is. */
static const s_verb_t *near_verb(const char *name)
{
    const s_verb_t *nearest = NULL;
    size_t best = 3, len = strlen(name);
    for (size_t i = 0; i < sizeof s_verbs / sizeof s_verbs[0]; i++) {
        if (len >= 3 && strncmp(s_verbs[i].name, name, len) == 0)
            return &s_verbs[i];
        size_t d = edit_distance(name, s_verbs[i].name);
        if (d < best) {
            best = d;
            nearest = &s_verbs[i];
        }
    }
    return nearest;
}

static const char s_usage_line[] =
    "usage: casectl [--config FILE --unit CODE | --endpoint EP] [--json] [--timeout MS]"
    " VERB [ARGS]\n";

/* A mistyped verb gets the verb it was likely meant to be and the list of verbs, not the whole
 * usage: the one line that matters should not scroll away. */
static void unknown_verb(const char *name)
{
    casectl_complain(NULL, "unknown verb '%s'", name);
    const s_verb_t *near = near_verb(name);
    if (near)
        fprintf(stderr, "did you mean '%s'?\n", near->name);
    fputs(s_usage_line, stderr);
    int col = fprintf(stderr, "verbs:");
    for (size_t i = 0; i < sizeof s_verbs / sizeof s_verbs[0]; i++) {
        if (col + 1 + (int)strlen(s_verbs[i].name) > 80)
            col = fprintf(stderr, "\n      ");
        col += fprintf(stderr, " %s", s_verbs[i].name);
    }
    fprintf(stderr, "\n'casectl help' says what each does, 'casectl help VERB' how.\n");
}

static void usage(FILE *out)
{
    fputs(s_usage_line, out);
    fprintf(out,
            "\n"
            "Operate a fengqiao daemon through its ops socket.\n\n"
            "  --config FILE   the deployment file (finds the unit's endpoint and names)\n"
            "  --unit CODE     the unit to talk to\n"
            "  --endpoint EP   talk to this ops endpoint directly (e.g. tcp://127.0.0.1:7120);\n"
            "                  not with --unit\n"
            "  --json          one JSON object per line\n"
            "  --timeout MS    how long to wait for an answer, 1 to 3600000 ms (default 5000)\n\n"
            "Verbs (casectl VERB --help, or casectl help VERB, for each):\n");
    for (size_t i = 0; i < sizeof s_verbs / sizeof s_verbs[0]; i++) {
        const char *nl = strchr(s_verbs[i].help, '\n');
        int len = nl ? (int)(nl - s_verbs[i].help) : (int)strlen(s_verbs[i].help);
        fprintf(out, "  %-9s %.*s\n", s_verbs[i].name, len, s_verbs[i].help);
    }
    fprintf(out, "\nExit status: 0 ok, 1 refused or failed, 2 usage (the first line says what was\n"
                 "wrong: casectl: [VERB: ]WHAT).\n");
}

#define TIMEOUT_MAX_MS 3600000

/* A whole number of milliseconds, nothing after it: "3s" once meant 3 ms. */
static int parse_timeout(const char *text, int *ms)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < 1 || v > TIMEOUT_MAX_MS)
        return -1;
    *ms = (int)v;
    return 0;
}

static int parse_global(int argc, char **argv, casectl_t *g)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"unit", required_argument, 0, 'u'},
        {"endpoint", required_argument, 0, 'e'}, {"json", no_argument, 0, 'j'},
        {"timeout", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    casectl_seen_t seen = {0};
    int c;
    while ((c = getopt_long(argc, argv, "+:c:u:e:jt:h", opts, NULL)) != -1) {
        if (strchr("cuet", c) && !casectl_opt_once(&seen, opts, c, NULL))
            return 2;
        switch (c) {
        case 'c': g->config_path = optarg; break;
        case 'u': g->unit = optarg; break;
        case 'e': g->endpoint = optarg; break;
        case 'j': g->json = true; break;
        case 't':
            if (parse_timeout(optarg, &g->timeout_ms) == 0)
                break;
            casectl_complain(NULL,
                             "--timeout needs a number of milliseconds from 1 to %d, not '%s'",
                             TIMEOUT_MAX_MS, optarg);
            return 2;
        case 'h': usage(stdout); return 0;
        default:
            casectl_opt_refused(NULL, opts, argv, c);
            usage(stderr);
            return 2;
        }
    }
    /* --endpoint used to override --unit without a word: an operator meant one of them. */
    if (!casectl_opt_apart(&seen, opts, 'e', 'u', NULL))
        return 2;
    return -1;
}

/* Load the deployment file when given, and find the endpoint from it when not given. */
static int resolve_target(casectl_t *g, const s_verb_t *v)
{
    char err[ERRLEN];
    if (g->config_path && !(g->cfg = fq_cfg_load(g->config_path, err, sizeof err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (v->fn == cmd_units || v->fn == cmd_roles || v->fn == casectl_cmd_keygen) { /* the file */
        if (g->cfg)
            return -1;
        casectl_complain(v->name, "needs --config FILE");
        return 2;
    }
    if (g->endpoint)
        return -1;
    if (!g->cfg || !g->unit) {
        casectl_complain(NULL, "say which daemon: --config FILE --unit CODE, or --endpoint");
        return 2;
    }
    const fq_unit_cfg_t *u = fq_cfg_unit(g->cfg, g->unit);
    if (!u) {
        casectl_complain(NULL, "no unit %s in %s", g->unit, g->config_path);
        return 2;
    }
    g->endpoint = u->ops;
    return -1;
}

/* --json is a global option, but people put it after the verb too: accept it there. */
static int take_json(int argc, char **argv, casectl_t *g)
{
    int kept = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--json") == 0)
            g->json = true;
        else
            argv[kept++] = argv[i];
    }
    return kept;
}

/* `casectl help [VERB]`, which people type as often as --help: the usage, or VERB's. */
static int help(int argc, char **argv)
{
    if (argc == 1) {
        usage(stdout);
        return 0;
    }
    if (argc > 2) {
        casectl_complain("help", "takes at most one verb, not '%s'", argv[2]);
        usage(stderr);
        return 2;
    }
    if (!find_verb(argv[1])) {
        unknown_verb(argv[1]);
        return 2;
    }
    return casectl_verb_usage(argv[1], stdout, 0);
}

int main(int argc, char **argv)
{
    casectl_t g = {.timeout_ms = 5000};
    int rc = parse_global(argc, argv, &g);
    if (rc >= 0)
        return rc;
    if (optind >= argc) {
        casectl_complain(NULL, "no verb given");
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[optind], "help") == 0)
        return help(argc - optind, argv + optind);
    const s_verb_t *v = find_verb(argv[optind]);
    if (!v) {
        unknown_verb(argv[optind]);
        return 2;
    }
    int vargc = argc - optind;
    char **vargv = argv + optind;
    vargc = take_json(vargc, vargv, &g);
    if (vargc > 1 && strcmp(vargv[1], "--help") == 0)
        return casectl_verb_usage(v->name, stdout, 0);
    rc = resolve_target(&g, v);
    if (rc < 0)
        rc = v->fn ? v->fn(&g, vargc, vargv) : casectl_cmd_case(&g, vargc, vargv, v->opts);
    fq_cfg_destroy(&g.cfg);
    return rc;
}
