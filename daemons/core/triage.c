/* triage.c - 分流: which of the four graded tracks (分级诊疗) a new case goes to (contract in
 * triage.h).
 *
 * The deployment's rules are tried in order and the first whose every condition holds decides;
 * a case no rule takes gets the configured default. The tracks follow 西安街道's 门诊 (seed 001):
 * simple cases are mediated the same day, complex ones get a file and a joint team, high-risk
 * ones a consultation led from the district, long-term ones follow-up by the community.
 */
#include "triage.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#define DEFAULT_TRACK "complex" /* when the configuration names none: 当天不能调解的 */

static const struct {
    const char *code;
    const char *label;
} s_tracks[] = {
    {"simple", "普通门诊"},
    {"complex", "专科门诊"},
    {"high_risk", "特需门诊"},
    {"long_term", "社区门诊"},
};

static int s_listed(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* Any of R's keywords in the title or the description; byte substrings suffice for UTF-8. */
static int s_mentions(const fq_triage_rule_cfg_t *r, const fq_triage_case_t *c)
{
    for (size_t i = 0; i < r->nkeywords; i++)
        if ((c->title && strstr(c->title, r->keywords[i])) ||
            (c->description && strstr(c->description, r->keywords[i])))
            return 1;
    return 0;
}

/* Every condition R gives holds for C; a condition left at 0 (or no list) holds always. */
static int s_matches(const fq_triage_rule_cfg_t *r, const fq_triage_case_t *c)
{
    if (r->ncategories && !s_listed(r->categories, r->ncategories, c->category))
        return 0;
    if ((r->risk_min && c->risk < r->risk_min) || (r->risk_max && c->risk > r->risk_max))
        return 0;
    if (c->parties < r->parties_min || c->amount < r->amount_min)
        return 0;
    return r->nkeywords == 0 || s_mentions(r, c);
}

/* The first rule of CFG that takes C, else the default; OUT's strings are borrowed from CFG. */
void fq_triage(const fq_cfg_t *cfg, const fq_triage_case_t *c, fq_triage_result_t *out)
{
    assert(c && out);
    for (size_t i = 0; cfg && i < cfg->ntriage_rules; i++) {
        const fq_triage_rule_cfg_t *r = &cfg->triage_rules[i];
        if (s_matches(r, c)) {
            out->track = r->track;
            out->rule = r->name;
            out->index = (int)i + 1;
            return;
        }
    }
    out->track = cfg && cfg->triage_default ? cfg->triage_default : DEFAULT_TRACK;
    out->rule = NULL;
    out->index = 0;
}

/* 1 for simple, complex, high_risk, long_term; 0 for anything else, NULL included. */
int fq_track_valid(const char *track)
{
    return *fq_track_label(track) != '\0';
}

/* The track's Chinese name (a constant), or "" when TRACK is unknown or NULL. */
const char *fq_track_label(const char *track)
{
    for (size_t i = 0; track && i < sizeof s_tracks / sizeof s_tracks[0]; i++)
        if (strcmp(track, s_tracks[i].code) == 0)
            return s_tracks[i].label;
    return "";
}
