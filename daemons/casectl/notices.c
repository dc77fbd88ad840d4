/* notices.c - `casectl notices`: the supervision notices (督办) on this unit's cases. */
#include <string.h>

#include "casectl.h"
#include "print.h"

int casectl_cmd_notices(casectl_t *g, int argc, char **argv)
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "notices";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--all") == 0)
            req.state_filter = "all";
        else if (strcmp(argv[i], "--help") == 0)
            return casectl_verb_usage("notices", stdout, 0);
        else if (argv[i][0] == '-')
            return casectl_usage_error("notices", "unknown option %s", argv[i]);
        else
            return casectl_usage_error("notices", "unexpected argument '%s'", argv[i]);
    }
    int rc;
    Fq__OpsReply *rep = casectl_request(g, &req, &rc);
    if (!rep)
        return rc;
    casectl_print_notices(stdout, rep->notices, rep->n_notices, g->json);
    fq__ops_reply__free_unpacked(rep, NULL);
    return 0;
}
