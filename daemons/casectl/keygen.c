/* keygen.c - `casectl keygen`: the units' CurveZMQ keypairs for the tier link (keys.h). Works on
 * the deployment file's key directory only; no daemon is asked. */
#include <stdio.h>
#include <string.h>

#include "casectl.h"
#include "keys.h"
#include "print.h"

#define ERRLEN 512

static const char *const s_outcome[] = {
    [FQ_KEYGEN_WROTE] = "wrote",
    [FQ_KEYGEN_KEPT] = "kept",
    [FQ_KEYGEN_PUBLIC_OUT] = "public",
};

static void print_outcome(const casectl_t *g, const char *unit, int outcome)
{
    char sec[FQ_KEY_PATH_MAX], pub[FQ_KEY_PATH_MAX];
    fq_key_path(g->cfg, unit, true, sec);
    fq_key_path(g->cfg, unit, false, pub);
    if (g->json) {
        printf("{\"unit\":\"%s\",\"result\":\"%s\",\"secret_key\":", unit, s_outcome[outcome]);
        casectl_json_string(stdout, sec);
        printf(",\"public_key\":");
        casectl_json_string(stdout, pub);
        printf("}\n");
    } else if (outcome == FQ_KEYGEN_WROTE)
        printf("%s: new keypair: %s (secret, mode 600), %s\n", unit, sec, pub);
    else if (outcome == FQ_KEYGEN_KEPT)
        printf("%s: kept its keypair: %s\n", unit, sec);
    else
        printf("%s: wrote its public key %s from its secret key\n", unit, pub);
}

static int keygen_one(const casectl_t *g, const char *unit, bool replace)
{
    char err[ERRLEN];
    int outcome = fq_keygen(g->cfg, unit, replace, err, sizeof err);
    if (outcome < 0) {
        casectl_complain("keygen", "%s: %s", unit, err);
        return 1;
    }
    print_outcome(g, unit, outcome);
    return 0;
}

/* The units named in ARGV[1..ARGC) (or by --unit) exist; no key is written otherwise. */
static int check_units(const casectl_t *g, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--replace") == 0)
            continue;
        if (argv[i][0] == '-')
            return casectl_usage_error("keygen", "unknown option %s", argv[i]);
        if (!fq_cfg_unit(g->cfg, argv[i])) {
            casectl_complain("keygen", "no unit %s in %s", argv[i], g->config_path);
            return 2;
        }
    }
    if (g->unit && !fq_cfg_unit(g->cfg, g->unit)) {
        casectl_complain("keygen", "no unit %s in %s", g->unit, g->config_path);
        return 2;
    }
    return 0;
}

int casectl_cmd_keygen(casectl_t *g, int argc, char **argv)
{
    int rc = check_units(g, argc, argv);
    if (rc)
        return rc;
    bool replace = false, named = false;
    for (int i = 1; i < argc; i++)
        replace = replace || strcmp(argv[i], "--replace") == 0;
    for (int i = 1; i < argc && rc == 0; i++)
        if (argv[i][0] != '-') {
            named = true;
            rc = keygen_one(g, argv[i], replace);
        }
    if (!named && g->unit)
        return keygen_one(g, g->unit, replace);
    for (size_t i = 0; !named && i < g->cfg->nunits && rc == 0; i++)
        rc = keygen_one(g, g->cfg->units[i].code, replace);
    return rc;
}
