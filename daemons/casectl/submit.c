/* submit.c - `casectl submit`: build a Case from the command line and take it in. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "casectl.h"
#include "pb.h"
#include "print.h"

#define MAX_PARTIES 50

/* "name:phone:role" (phone and role optional) into P, pointing into TEXT, which is modified. */
static void parse_party(char *text, Fq__Party *p)
{
    fq__party__init(p);
    p->name = text;
    char *colon = strchr(text, ':');
    if (!colon)
        return;
    *colon = '\0';
    p->phone = colon + 1;
    colon = strchr(p->phone, ':');
    if (colon) {
        *colon = '\0';
        p->role = colon + 1;
    }
}

typedef struct {
    Fq__Case c;
    Fq__Party party_store[MAX_PARTIES];
    Fq__Party *parties[MAX_PARTIES];
} s_form_t;

static int add_party(s_form_t *f, char *text)
{
    if (f->c.n_parties >= MAX_PARTIES) {
        casectl_complain("submit", "at most %d parties", MAX_PARTIES);
        return -1;
    }
    size_t i = f->c.n_parties++;
    parse_party(text, &f->party_store[i]);
    f->parties[i] = &f->party_store[i];
    f->c.parties = f->parties;
    return 0;
}

static int parse_risk(const char *text, Fq__Case *c)
{
    char *end;
    long risk = strtol(text, &end, 10);
    if (*end || risk < 1 || risk > 4) {
        casectl_complain("submit", "--risk must be 1 to 4, not '%s'", text);
        return -1;
    }
    c->has_risk = 1;
    c->risk = (int32_t)risk;
    return 0;
}

static int parse_amount(const char *text, Fq__Case *c)
{
    char *end;
    long long amount = strtoll(text, &end, 10);
    if (*end || end == text || amount < 0) {
        casectl_complain("submit", "--amount is whole yuan, 0 or more, not '%s'", text);
        return -1;
    }
    c->has_amount = 1;
    c->amount = amount;
    return 0;
}

static int parse_form(int argc, char **argv, s_form_t *f, const char **actor)
{
    static const struct option opts[] = {
        {"title", required_argument, 0, 't'},    {"category", required_argument, 0, 'c'},
        {"description", required_argument, 0, 'd'}, {"risk", required_argument, 0, 'r'},
        {"source", required_argument, 0, 's'},   {"party", required_argument, 0, 'p'},
        {"address", required_argument, 0, 'a'},  {"grid", required_argument, 0, 'g'},
        {"reporter", required_argument, 0, 'R'}, {"actor", required_argument, 0, 'A'},
        {"amount", required_argument, 0, 'm'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    char **fields[] = {['t'] = &f->c.title,   ['c'] = &f->c.category, ['d'] = &f->c.description,
                       ['s'] = &f->c.source,  ['a'] = &f->c.address,  ['g'] = &f->c.grid,
                       ['R'] = &f->c.reporter};
    casectl_seen_t seen = {0};
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (ch == 'h')
            return casectl_verb_usage("submit", stdout, 0);
        if (ch == '?' || ch == ':') {
            casectl_opt_refused("submit", opts, argv, ch);
            return casectl_verb_usage("submit", stderr, 2);
        }
        if (ch != 'p' && !casectl_opt_once(&seen, opts, ch, "submit")) /* --party repeats */
            return 2;
        if (ch == 'p'   ? add_party(f, optarg) < 0
            : ch == 'r' ? parse_risk(optarg, &f->c) < 0
            : ch == 'm' ? parse_amount(optarg, &f->c) < 0
                        : 0)
            return 2;
        if (ch == 'A')
            *actor = optarg;
        else if (ch < (int)(sizeof fields / sizeof fields[0]) && fields[ch])
            *fields[ch] = optarg;
    }
    if (optind != argc)
        return casectl_usage_error("submit", "unexpected argument '%s'", argv[optind]);
    if (!f->c.title || !f->c.category)
        return casectl_usage_error("submit", "--title and --category are required");
    return -1;
}

int casectl_cmd_submit(casectl_t *g, int argc, char **argv)
{
    s_form_t *f = calloc(1, sizeof *f);
    if (!f)
        return 1;
    fq__case__init(&f->c);
    const char *actor = NULL;
    int rc = parse_form(argc, argv, f, &actor);
    if (rc < 0) {
        Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
        req.verb = "submit";
        req.new_case = &f->c;
        req.actor = (char *)(actor ? actor : f->c.reporter);
        Fq__OpsReply *rep = casectl_request(g, &req, &rc);
        if (rep && rep->n_cases > 0)
            casectl_print_submitted(stdout, rep->cases[0], g->json);
        if (rep)
            fq__ops_reply__free_unpacked(rep, NULL);
    }
    free(f);
    return rc;
}
