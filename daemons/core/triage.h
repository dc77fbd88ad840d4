/* triage.h - 分流 into the four graded tracks (分级诊疗) by the deployment's rules. Pure
 * functions over the configuration; no I/O. */
#ifndef FQ_TRIAGE_H
#define FQ_TRIAGE_H

#include <stddef.h>

#include "config.h"

/* What triage looks at. Strings are borrowed; NULL counts as empty. */
typedef struct {
    const char *category;
    int risk;                 /* 1..4 */
    int parties;              /* number of parties */
    long long amount;         /* amount in dispute, yuan */
    const char *title;
    const char *description;
} fq_triage_case_t;

typedef struct {
    const char *track;        /* borrowed from the configuration or a constant */
    const char *rule;         /* name of the matching rule, NULL when the default applied */
    int index;                /* 1-based position of the matching rule, 0 for the default */
} fq_triage_result_t;

/* Apply CFG's rules to C: the first rule whose every condition holds decides; otherwise the
 * configured default track (or "complex" when none is configured). */
void fq_triage(const fq_cfg_t *cfg, const fq_triage_case_t *c, fq_triage_result_t *out);

/* The four tracks: simple (普通门诊), complex (专科门诊), high_risk (特需门诊),
 * long_term (社区门诊). fq_track_valid returns 1 for those codes, 0 otherwise;
 * fq_track_label returns the Chinese name, or "" for an unknown code. */
int fq_track_valid(const char *track);
const char *fq_track_label(const char *track);

#endif
