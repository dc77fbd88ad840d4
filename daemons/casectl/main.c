/* casectl - the operators' tool: talks to one daemon's ops socket.
 * Exit status: 0 ok, 1 refused or failed, 2 usage. */
#include <getopt.h>
#include <stdbool.h>
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
    s_verb_fn fn;
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
        fprintf(stderr, "casectl: %s: %s\n", rep->unit ? rep->unit : g->endpoint,
                rep->error ? rep->error : "refused");
        *rc = rep->status == 2 ? 2 : 1;
        if (strcmp(req->verb, "status") != 0) {
            fq__ops_reply__free_unpacked(rep, NULL);
            return NULL;
        }
        return rep;
    }
    *rc = 0;
    return rep;
}

/* Options shared by the verbs that change a case. */
typedef struct {
    const char *actor;
    const char *note;
} s_act_opts_t;

static int parse_act(int argc, char **argv, s_act_opts_t *o)
{
    static const struct option opts[] = {{"actor", required_argument, 0, 'a'},
                                         {"note", required_argument, 0, 'n'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "a:n:h", opts, NULL)) != -1) {
        if (c == 'a')
            o->actor = optarg;
        else if (c == 'n')
            o->note = optarg;
        else
            return casectl_verb_usage(argv[0], c == 'h' ? stdout : stderr, c == 'h' ? 0 : 2);
    }
    if (optind != argc - 1) {
        fprintf(stderr, "casectl %s: name exactly one case (number or uuid)\n", argv[0]);
        return casectl_verb_usage(argv[0], stderr, 2);
    }
    return -1;
}

static int print_case_reply(casectl_t *g, Fq__OpsRequest *req)
{
    int rc;
    Fq__OpsReply *rep = casectl_request(g, req, &rc);
    if (!rep)
        return rc;
    if (rep->n_cases > 0)
        casectl_print_case(stdout, rep->cases[0], g->cfg, g->json);
    fq__ops_reply__free_unpacked(rep, NULL);
    return 0;
}

/* accept, resolve, escalate, close: the verb is the action. */
static int cmd_act(casectl_t *g, int argc, char **argv)
{
    s_act_opts_t o = {0};
    int rc = parse_act(argc, argv, &o);
    if (rc >= 0)
        return rc;
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = argv[0];
    req.case_ref = argv[optind];
    req.actor = (char *)o.actor;
    req.note = (char *)o.note;
    return print_case_reply(g, &req);
}

static int cmd_show(casectl_t *g, int argc, char **argv)
{
    s_act_opts_t o = {0};
    int rc = parse_act(argc, argv, &o);
    if (rc >= 0)
        return rc;
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "show";
    req.case_ref = argv[optind];
    return print_case_reply(g, &req);
}

static int cmd_list(casectl_t *g, int argc, char **argv)
{
    static const struct option opts[] = {{"state", required_argument, 0, 's'},
                                         {"limit", required_argument, 0, 'l'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "list";
    int c;
    char *end;
    optind = 0;
    while ((c = getopt_long(argc, argv, "s:l:h", opts, NULL)) != -1) {
        if (c == 's')
            req.state_filter = optarg;
        else if (c == 'l' && (req.limit = (uint32_t)strtoul(optarg, &end, 10)) > 0 && !*end)
            req.has_limit = 1;
        else
            return casectl_verb_usage("list", c == 'h' ? stdout : stderr, c == 'h' ? 0 : 2);
    }
    if (optind != argc)
        return casectl_verb_usage("list", stderr, 2);
    int rc;
    Fq__OpsReply *rep = casectl_request(g, &req, &rc);
    if (!rep)
        return rc;
    casectl_print_list(stdout, rep->cases, rep->n_cases, g->cfg, g->json);
    fq__ops_reply__free_unpacked(rep, NULL);
    return 0;
}

static int cmd_status(casectl_t *g, int argc, char **argv)
{
    if (argc > 1)
        return casectl_verb_usage("status", strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                          strcmp(argv[1], "--help") == 0 ? 0 : 2);
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
        return casectl_verb_usage("units", strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                          strcmp(argv[1], "--help") == 0 ? 0 : 2);
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

static const s_verb_t s_verbs[] = {
    {"submit", casectl_cmd_submit,
     "--title TEXT --category CODE [--description TEXT] [--risk 1-4] [--source CHANNEL]\n"
     "       [--party NAME:PHONE:ROLE]... [--address TEXT] [--grid ID] [--reporter NAME]",
     "Take a new case in (受理) at this unit; prints its unified case number.\n"
     "Example: casectl --config config/guangming.yaml --unit 440311001001 submit \\\n"
     "           --title '楼上噪音扰民' --category noise --party '王某:13800138000:申请人'"},
    {"show", cmd_show, "CASE",
     "Show a case (by number or uuid) as this unit knows it, with its whole history.\n"
     "Example: casectl --unit 440311001001 --config config/guangming.yaml show "
     "440311001001-20261122-0001"},
    {"list", cmd_list, "[--state STATE] [--limit N]",
     "List this unit's cases, newest first (default limit 100).\n"
     "Example: casectl ... list --state escalated"},
    {"accept", cmd_act, "CASE [--actor NAME] [--note TEXT]",
     "Accept (受理) a case reported here or escalated from below."},
    {"resolve", cmd_act, "CASE --note TEXT [--actor NAME]",
     "Record that the case is resolved (化解); the result goes back to the unit that took it\n"
     "in. The note saying how is required."},
    {"escalate", cmd_act, "CASE [--actor NAME] [--note TEXT]",
     "Send the case up (上报) to the tier above, which must accept it."},
    {"close", cmd_act, "CASE [--actor NAME] [--note TEXT]",
     "Close (办结) a resolved case once the citizen has been told."},
    {"status", cmd_status, "",
     "The unit, its database and each link: up/down, last heartbeat, outbox depth,\n"
     "age of the oldest unacked message, messages the peer refused."},
    {"units", cmd_units, "",
     "List the units of the deployment file (--config only): code, tier, ops endpoint, name."},
};

static const s_verb_t *find_verb(const char *name)
{
    for (size_t i = 0; i < sizeof s_verbs / sizeof s_verbs[0]; i++)
        if (strcmp(s_verbs[i].name, name) == 0)
            return &s_verbs[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: casectl [--config FILE --unit CODE | --endpoint EP] [--json] [--timeout MS]"
            " VERB [ARGS]\n\n"
            "Operate a fengqiao daemon through its ops socket.\n\n"
            "  --config FILE   the deployment file (finds the unit's endpoint and names)\n"
            "  --unit CODE     the unit to talk to\n"
            "  --endpoint EP   talk to this ops endpoint directly (e.g. tcp://127.0.0.1:7120)\n"
            "  --json          one JSON object per line\n"
            "  --timeout MS    how long to wait for an answer (default 5000)\n\n"
            "Verbs (casectl VERB --help for each):\n");
    for (size_t i = 0; i < sizeof s_verbs / sizeof s_verbs[0]; i++) {
        const char *nl = strchr(s_verbs[i].help, '\n');
        int len = nl ? (int)(nl - s_verbs[i].help) : (int)strlen(s_verbs[i].help);
        fprintf(out, "  %-9s %.*s\n", s_verbs[i].name, len, s_verbs[i].help);
    }
    fprintf(out, "\nExit status: 0 ok, 1 refused or failed, 2 usage.\n");
}

static int parse_global(int argc, char **argv, casectl_t *g)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"unit", required_argument, 0, 'u'},
        {"endpoint", required_argument, 0, 'e'}, {"json", no_argument, 0, 'j'},
        {"timeout", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "+c:u:e:jt:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': g->config_path = optarg; break;
        case 'u': g->unit = optarg; break;
        case 'e': g->endpoint = optarg; break;
        case 'j': g->json = true; break;
        case 't':
            g->timeout_ms = atoi(optarg);
            if (g->timeout_ms > 0)
                break;
            fprintf(stderr, "casectl: --timeout needs a positive number of milliseconds\n");
            return 2;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
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
    if (v->fn == cmd_units) {
        if (g->cfg)
            return -1;
        fprintf(stderr, "casectl units: needs --config FILE\n");
        return 2;
    }
    if (g->endpoint)
        return -1;
    if (!g->cfg || !g->unit) {
        fprintf(stderr, "casectl: say which daemon: --config FILE --unit CODE, or --endpoint\n");
        return 2;
    }
    const fq_unit_cfg_t *u = fq_cfg_unit(g->cfg, g->unit);
    if (!u) {
        fprintf(stderr, "casectl: no unit %s in %s\n", g->unit, g->config_path);
        return 2;
    }
    g->endpoint = u->ops;
    return -1;
}

int main(int argc, char **argv)
{
    casectl_t g = {.timeout_ms = 5000};
    int rc = parse_global(argc, argv, &g);
    if (rc >= 0)
        return rc;
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const s_verb_t *v = find_verb(argv[optind]);
    if (!v) {
        fprintf(stderr, "casectl: unknown verb '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    int vargc = argc - optind;
    char **vargv = argv + optind;
    if (vargc > 1 && strcmp(vargv[1], "--help") == 0)
        return casectl_verb_usage(v->name, stdout, 0);
    rc = resolve_target(&g, v);
    if (rc < 0)
        rc = v->fn(&g, vargc, vargv);
    fq_cfg_destroy(&g.cfg);
    return rc;
}
