/* casectl.h - what casectl's verb files share: the global options and the call helpers. */
#ifndef CASECTL_H
#define CASECTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "fengqiao.pb-c.h"

typedef struct {
    const char *config_path;
    const char *unit;
    const char *endpoint;
    bool json;
    int timeout_ms;
    fq_cfg_t *cfg; /* loaded from config_path, or NULL */
} casectl_t;

/* "casectl: VERB: WHAT" (VERB NULL: "casectl: WHAT") on stderr, one line: what casectl says
 * of something wrong before anything else it prints about it. */
void casectl_complain(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A usage error of VERB: casectl_complain, then VERB's usage on stderr; returns 2. */
int casectl_usage_error(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* getopt_long refused an option of VERB (NULL: a global one) with C, '?' or ':' (its optstring
 * begins with ':', so that it prints nothing itself); say which and why: an unknown or
 * ambiguous option, one without its value, a value given to a flag. Prints the line only. */
void casectl_opt_refused(const char *verb, const struct option *opts, char **argv, int c);

/* The options a parse has seen, by their getopt value (opts.c). Zero-initialise. */
typedef struct {
    bool seen[128];
} casectl_seen_t;

/* Option VAL (named in OPTS) of VERB (NULL: a global option) is seen now: false, with "--NAME
 * given twice" printed, when it was seen before. For single-valued options; a repeatable one
 * (--party, --co) does not ask. */
bool casectl_opt_once(casectl_seen_t *seen, const struct option *opts, int val, const char *verb);

/* Options VAL and OTHER may not go together: false, with "--OTHER and --VAL conflict"
 * printed, when both were seen. */
bool casectl_opt_apart(const casectl_seen_t *seen, const struct option *opts, int val, int other,
                       const char *verb);

/* Print the usage of verb NAME to OUT and return RC. */
int casectl_verb_usage(const char *name, FILE *out, int rc);

/* Send REQ and return the reply (caller frees), or NULL with *RC set and the refusal printed.
 * A refusal that carries something to print (status's links, verify's finding of a broken
 * chain) is printed and returned too, with *RC 1. */
Fq__OpsReply *casectl_request(casectl_t *g, Fq__OpsRequest *req, int *rc);

/* The verbs in their own files: submit.c, list.c, act.c (every verb naming one case, taking
 * only the options whose letters are in ALLOWED_OPTS). */
int casectl_cmd_submit(casectl_t *g, int argc, char **argv);
int casectl_cmd_list(casectl_t *g, int argc, char **argv);
int casectl_cmd_case(casectl_t *g, int argc, char **argv, const char *allowed_opts);
int casectl_cmd_notices(casectl_t *g, int argc, char **argv);

/* stats.c: figures and reports. */
int casectl_cmd_stats(casectl_t *g, int argc, char **argv);
int casectl_cmd_report(casectl_t *g, int argc, char **argv);

/* keygen.c: the units' link keys, in the deployment's key directory (no daemon is asked). */
int casectl_cmd_keygen(casectl_t *g, int argc, char **argv);

#endif
