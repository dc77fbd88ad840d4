/* list.c - `casectl list`: filters, paging and the table. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "casectl.h"
#include "print.h"

static int parse_count(const char *text, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (*end || end == text || v > 1000000)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse(int argc, char **argv, Fq__OpsRequest *req, uint32_t *page)
{
    static const struct option opts[] = {
        {"state", required_argument, 0, 's'},  {"track", required_argument, 0, 't'},
        {"category", required_argument, 0, 'c'}, {"dept", required_argument, 0, 'd'},
        {"unit", required_argument, 0, 'u'},   {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 'T'},     {"overdue", no_argument, 0, 'o'},
        {"limit", required_argument, 0, 'l'},  {"page", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    char **texts[128] = {['s'] = &req->state_filter, ['t'] = &req->track_filter,
                         ['c'] = &req->category_filter, ['d'] = &req->dept_filter,
                         ['u'] = &req->unit_filter,  ['f'] = &req->from_day,
                         ['T'] = &req->to_day};
    casectl_seen_t seen = {0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h')
            return casectl_verb_usage("list", stdout, 0);
        if (c == '?' || c == ':') {
            casectl_opt_refused("list", opts, argv, c);
            return casectl_verb_usage("list", stderr, 2);
        }
        if (!casectl_opt_once(&seen, opts, c, "list"))
            return 2;
        if (c > 0 && c < 128 && texts[c])
            *texts[c] = optarg;
        else if (c == 'o')
            req->has_overdue = req->overdue = 1;
        else if (c == 'l' && parse_count(optarg, &req->limit) == 0 && req->limit > 0)
            req->has_limit = 1;
        else if (!(c == 'p' && parse_count(optarg, page) == 0 && *page > 0))
            return casectl_usage_error("list",
                                       "--%s needs a whole number from 1 to 1000000, not '%s'",
                                       c == 'l' ? "limit" : "page", optarg);
    }
    if (optind != argc)
        return casectl_usage_error("list", "unexpected argument '%s'", argv[optind]);
    return -1;
}

int casectl_cmd_list(casectl_t *g, int argc, char **argv)
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "list";
    uint32_t page = 1;
    int rc = parse(argc, argv, &req, &page);
    if (rc >= 0)
        return rc;
    if (!req.has_limit) {
        req.has_limit = 1;
        req.limit = 20;
    }
    req.has_offset = 1;
    req.offset = (page - 1) * req.limit;
    Fq__OpsReply *rep = casectl_request(g, &req, &rc);
    if (!rep)
        return rc;
    casectl_print_list(stdout, rep->cases, rep->n_cases, g->cfg, g->json);
    if (!g->json && rep->n_cases)
        printf("第 %u 页, 第 %u-%zu 条, 共 %u 条%s\n", page, req.offset + 1,
               req.offset + rep->n_cases, rep->total,
               req.offset + rep->n_cases < rep->total ? " (--page N for more)" : "");
    else if (!g->json)
        printf("第 %u 页: 没有案件, 共 %u 条\n", page, rep->total);
    fq__ops_reply__free_unpacked(rep, NULL);
    return 0;
}
