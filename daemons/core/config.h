/* config.h - one deployment's YAML configuration, loaded and validated as a whole.
 *
 * A deployment file describes the unit tree (district, streets, communities), the database, the
 * link timings, the categories and the departments. Every error is reported as
 * "file:line:col: message" using libyaml's marks, and the loader refuses the file as a whole:
 * a daemon never starts on a half-understood configuration.
 */
#ifndef FQ_CONFIG_H
#define FQ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "calendar.h"

#define FQ_UNIT_CODE_LEN 12 /* 统计用区划代码: 6 county + 3 township + 3 village digits */

/* Limits fq_cfg_load enforces; lengths are in bytes of UTF-8. */
#define FQ_CFG_FILE_MAX (4L * 1024 * 1024) /* the whole file, checked before parsing */
#define FQ_CFG_NAME_MAX 200                /* deployment, unit, category, department names */
#define FQ_CFG_IDENT_MAX 64                /* category/department codes: [A-Za-z0-9_-] */
#define FQ_CFG_ENDPOINT_MAX 256            /* ops/link: tcp://, ipc:// or inproc:// */
#define FQ_CFG_URL_MAX 1024                /* database.url and FQ_DATABASE_URL */
#define FQ_CFG_ROLE_MAX 63                 /* database.roles: PostgreSQL's NAMEDATALEN - 1 */
#define FQ_CFG_PATH_MAX 1024               /* link.keys, once made absolute */
#define FQ_CFG_UNITS_MAX 4096              /* units in one file */
#define FQ_CFG_LIST_MAX 1024               /* categories, departments, categories per department */

typedef enum { FQ_TIER_COMMUNITY = 0, FQ_TIER_STREET = 1, FQ_TIER_DISTRICT = 2 } fq_tier_t;
#define FQ_TIER_COUNT 3

typedef struct {
    char code[FQ_UNIT_CODE_LEN + 1];
    char *name;                            /* Chinese name, e.g. 光明街道综治中心 */
    fq_tier_t tier;
    char parent[FQ_UNIT_CODE_LEN + 1];     /* "" for the district */
    char *ops;                             /* ZeroMQ endpoint the ops socket binds */
    char *link;                            /* endpoint bound for children; NULL for communities */
} fq_unit_cfg_t;

typedef struct {
    char *code;                            /* e.g. "neighbour" */
    char *name;                            /* e.g. 邻里纠纷 */
    char *track;                           /* default track: simple|complex|high_risk|long_term */
} fq_category_cfg_t;

typedef struct {
    char *code;                            /* e.g. "justice_office" */
    char *name;                            /* e.g. 司法所 */
    fq_tier_t tier;
    char *presence;                        /* resident (常驻) | rotating (轮驻) | on_call (随驻) */
    char **categories;                     /* category codes this department handles */
    size_t ncategories;
} fq_department_cfg_t;

/* One triage (分流) rule: every condition given must hold; the first matching rule wins. */
typedef struct {
    char *name;                            /* e.g. 高风险隐患, recorded in the case's history */
    char *track;                           /* the track it assigns */
    char **categories;                     /* any of these categories; none = any category */
    size_t ncategories;
    int risk_min;                          /* 0 = no lower bound; else 1..4 */
    int risk_max;                          /* 0 = no upper bound; else 1..4 */
    int parties_min;                       /* 0 = any number of parties */
    long long amount_min;                  /* amount in dispute, yuan; 0 = any */
    char **keywords;                       /* any of these in the title or description */
    size_t nkeywords;
} fq_triage_rule_cfg_t;

/* A deadline rule for a track or a category (a category's rule wins over its track's). */
typedef struct {
    char *code;                            /* the track or category it applies to */
    fq_sla_t sla;
} fq_sla_cfg_t;

typedef struct {
    char *path;                            /* the file it was loaded from */
    char *name;                            /* deployment name */
    char *database_url;                    /* libpq conninfo; FQ_DATABASE_URL overrides it */
    char *database_roles[FQ_TIER_COUNT];   /* database.roles: the role each tier's daemons
                                              connect as, owner of that tier's schema and of
                                              nothing else; NULL = the url's user */
    int replan_interval_ms;                /* database.replan_interval_ms: how long a prepared
                                              statement's plan is kept at most (10000) */
    int heartbeat_ms;                      /* link heartbeat interval (default 1000) */
    int link_timeout_ms;                   /* peer silent this long = link down (default 3000) */
    int resend_ms;                         /* unacked this long = go back and resend (2000) */
    int window;                            /* messages in flight per link (default 256) */
    size_t max_message_bytes;              /* largest message accepted (default 262144) */
    char *keys_dir;                        /* link.keys: the units' CurveZMQ keys (keys.h);
                                              relative to the config file's directory */
    fq_unit_cfg_t *units;
    size_t nunits;
    fq_category_cfg_t *categories;
    size_t ncategories;
    fq_department_cfg_t *departments;
    size_t ndepartments;
    char *triage_default;                  /* track when no rule matches (default "complex") */
    fq_triage_rule_cfg_t *triage_rules;    /* in order; the first match wins */
    size_t ntriage_rules;
    int max_returns;                       /* department returns (退单) of a case before it goes
                                              to the tier above for a binding assignment (2) */
    fq_calendar_t calendar;                /* calendar: weekend, holidays, workdays (调休) */
    int sla_cutoff_minutes;                /* sla.cutoff, default 17:30 */
    fq_sla_cfg_t *sla_tracks;              /* sla.tracks */
    size_t nsla_tracks;
    fq_sla_cfg_t *sla_categories;          /* sla.categories */
    size_t nsla_categories;
    double reminder_fraction;              /* notices.reminder_at: share of the time, 0.5 */
    int warning_after_days;                /* notices.warning_after_working_days: 风险预警函
                                              this many working days after the deadline (2) */
    bool auto_escalate;                    /* notices.auto_escalate (false) */
    int stats_interval_ms;                 /* stats.report_interval_ms: figures up the link
                                              (60000) */
} fq_cfg_t;

/* Load and validate PATH. Returns a new config owned by the caller, or NULL with
 * "file:line:col: message" written to ERR. Does not open sockets or connect anywhere. */
fq_cfg_t *fq_cfg_load(const char *path, char *err, size_t errlen);

/* Free a config and clear the pointer; accepts NULL and a pointer to NULL. */
void fq_cfg_destroy(fq_cfg_t **self_p);

/* Borrowed lookups into CFG; NULL when absent. */
const fq_unit_cfg_t *fq_cfg_unit(const fq_cfg_t *cfg, const char *code);
const fq_unit_cfg_t *fq_cfg_parent(const fq_cfg_t *cfg, const fq_unit_cfg_t *unit);
const fq_category_cfg_t *fq_cfg_category(const fq_cfg_t *cfg, const char *code);
const fq_department_cfg_t *fq_cfg_department(const fq_cfg_t *cfg, const char *code);

/* Is unit CODE the unit TOP or one below it in CFG? False for a unit CFG does not name. */
bool fq_cfg_within(const fq_cfg_t *cfg, const char *code, const char *top);

/* Borrowed into CODES (room for cfg->nunits): the codes of unit TOP and of every unit below it,
 * TOP first. Returns how many; 0 when CFG does not name TOP. */
size_t fq_cfg_subtree(const fq_cfg_t *cfg, const char *top, const char **codes);

/* The deadline rule for a case of TRACK and CATEGORY: the category's, else the track's, else
 * 7 working days. The cut-off is the deployment's. */
fq_sla_t fq_cfg_sla(const fq_cfg_t *cfg, const char *track, const char *category);

/* "community", "street", "district"; and the reverse (returns -1 when unknown). */
const char *fq_tier_name(fq_tier_t tier);
int fq_tier_parse(const char *name, fq_tier_t *tier);

#endif
