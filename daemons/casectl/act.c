/* act.c - the verbs that name one case: show, verify and every action on it. Each verb allows
 * only the options its help lists; the daemon checks the rest. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "casectl.h"
#include "print.h"

#define MAX_CO 20

typedef struct {
    Fq__OpsRequest req;
    Fq__Document doc;
    char *co[MAX_CO];
} s_form_t;

static const struct option s_opts[] = {
    {"actor", required_argument, 0, 'a'},   {"note", required_argument, 0, 'n'},
    {"reason", required_argument, 0, 'r'},  {"track", required_argument, 0, 't'},
    {"dept", required_argument, 0, 'd'},    {"lead", required_argument, 0, 'l'},
    {"co", required_argument, 0, 'c'},      {"to", required_argument, 0, 'T'},
    {"date", required_argument, 0, 'D'},    {"by", required_argument, 0, 'b'},
    {"kind", required_argument, 0, 'k'},    {"number", required_argument, 0, 'N'},
    {"parties", required_argument, 0, 'p'}, {"terms", required_argument, 0, 'e'},
    {"court", required_argument, 0, 'C'},   {"days", required_argument, 0, 'y'},
    {"grant", no_argument, 0, 'g'},         {"refuse", no_argument, 0, 'G'},
    {"channel", required_argument, 0, 'H'}, {"text", required_argument, 0, 'x'},
    {"answer", required_argument, 0, 'w'},  {"comment", required_argument, 0, 'm'},
    {"notice", required_argument, 0, 'o'},  {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

/* The long name of option VAL. */
static const char *name_of(int val)
{
    for (const struct option *o = s_opts; o->name; o++)
        if (o->val == val)
            return o->name;
    return "?";
}

/* Is option VAL allowed for a verb whose allowed options are the letters in ALLOWED? */
static bool allowed(const char *allowed_opts, int val)
{
    return val != 0 && strchr(allowed_opts, val) != NULL;
}

static char **field(s_form_t *f, int val)
{
    switch (val) {
    case 'a': return &f->req.actor;
    case 'n': return &f->req.note;
    case 'r': return &f->req.reason;
    case 't': return &f->req.track;
    case 'd': return &f->req.dept;
    case 'l': return &f->req.lead;
    case 'T': return &f->req.to_unit;
    case 'D': return &f->req.visit_date;
    case 'b': return &f->req.visit_by;
    case 'k': return &f->doc.kind;
    case 'N': return &f->doc.number;
    case 'p': return &f->doc.parties;
    case 'e': return &f->doc.terms;
    case 'C': return &f->doc.court;
    case 'H': return &f->req.channel;
    case 'x': return &f->req.text;
    case 'w': return &f->req.answer;
    case 'm': return &f->req.comment;
    case 'o': return &f->req.notice;
    default: return NULL;
    }
}

/* Every option but --co (repeatable) once, and not both --grant and --refuse. */
static bool once(casectl_seen_t *seen, int c, const char *verb)
{
    if (c == 'c')
        return true;
    return casectl_opt_once(seen, s_opts, c, verb) &&
           (c != 'g' || casectl_opt_apart(seen, s_opts, 'g', 'G', verb)) &&
           (c != 'G' || casectl_opt_apart(seen, s_opts, 'G', 'g', verb));
}

static int parse(int argc, char **argv, const char *allowed_opts, s_form_t *f)
{
    casectl_seen_t seen = {0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", s_opts, NULL)) != -1) {
        if (c == 'h')
            return casectl_verb_usage(argv[0], stdout, 0);
        if (c == '?' || c == ':')
            casectl_opt_refused(argv[0], s_opts, argv, c);
        else if (!allowed(allowed_opts, c))
            casectl_complain(argv[0], "--%s is not an option of this verb", name_of(c));
        if (c == '?' || c == ':' || !allowed(allowed_opts, c))
            return casectl_verb_usage(argv[0], stderr, 2);
        if (!once(&seen, c, argv[0]))
            return 2;
        if (c == 'c' && f->req.n_co >= MAX_CO) {
            casectl_complain(argv[0], "at most %d --co departments", MAX_CO);
            return 2;
        }
        if (c == 'c')
            f->co[f->req.n_co++] = optarg;
        else if (c == 'g' || c == 'G') {
            f->req.has_grant = 1;
            f->req.grant = c == 'g';
        } else if (c == 'y') {
            char *end;
            f->req.days = (int32_t)strtol(optarg, &end, 10);
            f->req.has_days = 1;
            if (*end || end == optarg) {
                casectl_complain(argv[0], "--days is a whole number, not '%s'", optarg);
                return 2;
            }
        } else
            *field(f, c) = optarg;
    }
    if (optind == argc)
        return casectl_usage_error(argv[0], "name the case (number or uuid)");
    if (optind != argc - 1)
        return casectl_usage_error(argv[0], "unexpected argument '%s': name one case only",
                                   argv[optind + 1]);
    return -1;
}

int casectl_cmd_case(casectl_t *g, int argc, char **argv, const char *allowed_opts)
{
    s_form_t *f = calloc(1, sizeof *f);
    if (!f)
        return 1;
    fq__ops_request__init(&f->req);
    fq__document__init(&f->doc);
    int rc = parse(argc, argv, allowed_opts, f);
    if (rc < 0) {
        f->req.verb = argv[0];
        f->req.case_ref = argv[optind];
        f->req.co = f->co;
        if (f->doc.kind || f->doc.number) {
            f->doc.date = f->req.visit_date; /* --date is the document's date for attach */
            f->req.visit_date = NULL;
            f->req.document = &f->doc;
        }
        Fq__OpsReply *rep = casectl_request(g, &f->req, &rc);
        if (rep && rep->has_entries)
            casectl_print_verify(stdout, rep, g->json);
        else if (rep && rep->message)
            casectl_print_message(stdout, f->req.case_ref, rep->message, g->json);
        else if (rep && rep->n_cases > 0)
            casectl_print_case(stdout, rep->cases[0], g->cfg, g->json);
        if (rep)
            fq__ops_reply__free_unpacked(rep, NULL);
    }
    free(f);
    return rc;
}
