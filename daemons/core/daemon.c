/* daemon.c - start-up, the one zmq_poll loop, database reconnection and shutdown. */
#include "daemon.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "keys.h"
#include "log.h"
#include "ops.h"
#include "pb.h"
#include "stats.h"
#include "store.h"

#define ERRLEN 1024
#define DB_BACKOFF_MAX_MS 5000

static volatile sig_atomic_t s_stop;
static volatile sig_atomic_t s_hup;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        s_hup = 1;
    else
        s_stop = 1;
}

static void usage(FILE *out, const char *prog, fq_tier_t tier)
{
    fprintf(out,
            "usage: %s --config FILE --unit CODE [--check-config] [--log-level LEVEL]\n"
            "\n"
            "The %s daemon of fengqiao: serves one %s unit of a deployment. It takes cases in\n"
            "on its ops socket (see casectl), keeps them in PostgreSQL (schema %s) and exchanges\n"
            "them with the tier above and below over the reliable link.\n"
            "\n"
            "  --config FILE      the deployment's YAML file\n"
            "  --unit CODE        the 12-digit code of the unit to serve\n"
            "  --check-config     validate the file, the unit and its link keys, then exit\n"
            "                     (0 valid, 1 not)\n"
            "  --log-level LEVEL  debug, info (default), warn or error\n"
            "  --help             this text\n"
            "\n"
            "Keys: the link speaks CurveZMQ. The unit's secret key CODE.key, and the CODE.pub\n"
            "of its parent and children, are read from the file's key directory (link.keys,\n"
            "default keys/ beside the file); `casectl --config FILE keygen` makes them.\n"
            "\n"
            "Database: database.url of the file, as the role database.roles names for the\n"
            "tier (the url's user when it names none); the role owns the tier's schema.\n"
            "\n"
            "Environment: FQ_DATABASE_URL overrides database.url of the file.\n"
            "Signals: SIGTERM/SIGINT stop after the current message; nothing is lost.\n",
            prog, fq_tier_name(tier), fq_tier_name(tier), fq_tier_name(tier));
}

typedef struct {
    const char *config;
    const char *unit;
    int check_only;
    fq_log_level_t level;
} s_args_t;

static int parse_level(const char *s, fq_log_level_t *level)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *level = (fq_log_level_t)i;
            return 0;
        }
    return -1;
}

/* Returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, fq_tier_t tier, s_args_t *a)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},   {"unit", required_argument, 0, 'u'},
        {"check-config", no_argument, 0, 'k'},   {"log-level", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    *a = (s_args_t){NULL, NULL, 0, FQ_LOG_INFO};
    int c;
    while ((c = getopt_long(argc, argv, "c:u:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->config = optarg; break;
        case 'u': a->unit = optarg; break;
        case 'k': a->check_only = 1; break;
        case 'l':
            if (parse_level(optarg, &a->level) == 0)
                break;
            fprintf(stderr, "%s: unknown log level '%s'\n", argv[0], optarg);
            return 2;
        case 'h': usage(stdout, argv[0], tier); return 0;
        default: usage(stderr, argv[0], tier); return 2;
        }
    }
    if (optind < argc || !a->config || !a->unit) {
        fprintf(stderr, "%s: --config and --unit are required\n", argv[0]);
        usage(stderr, argv[0], tier);
        return 2;
    }
    return -1;
}

/* Load the file and find our unit, which must be of this daemon's tier. */
static int load_config(fq_daemon_t *d, const s_args_t *a, fq_tier_t tier)
{
    char err[ERRLEN];
    d->cfg = fq_cfg_load(a->config, err, sizeof err);
    if (!d->cfg) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    d->self = fq_cfg_unit(d->cfg, a->unit);
    if (!d->self) {
        fprintf(stderr, "%s: no unit %s in this file\n", a->config, a->unit);
        return 1;
    }
    if (d->self->tier != tier) {
        fprintf(stderr, "%s: unit %s (%s) is a %s, not a %s; start it with %sd\n", a->config,
                a->unit, d->self->name, fq_tier_name(d->self->tier), fq_tier_name(tier),
                fq_tier_name(d->self->tier));
        return 1;
    }
    return 0;
}

/* --check-config: the link keys the unit would read at start are there and right. */
static int check_keys(const fq_daemon_t *d)
{
    char err[ERRLEN];
    int rc = fq_key_check_unit(d->cfg, d->self, err, sizeof err);
    if (err[0])
        fprintf(stderr, "%s%s\n", rc < 0 ? "" : "warning: ", err);
    return rc < 0 ? 1 : 0;
}

fq_store_t fq_daemon_store(fq_daemon_t *d)
{
    return (fq_store_t){
        .db = d->db, .cfg = d->cfg, .self = d->self, .now_ms = fq_now_ms(), .queued = &d->queued};
}

/* What the link hands over, inside its receive transaction. */
static fq_store_rc_t apply_message(void *arg, const char *peer, const Fq__Envelope *env,
                                   char *err, size_t errlen)
{
    fq_daemon_t *d = arg;
    fq_store_t st = fq_daemon_store(d);
    switch (env->body_case) {
    case FQ__ENVELOPE__BODY_SYNC: return fq_store_apply(&st, peer, env->sync->case_, err, errlen);
    case FQ__ENVELOPE__BODY_DIRECTIVE:
        return fq_store_directive(&st, peer, env->directive, err, errlen);
    case FQ__ENVELOPE__BODY_STATS: return fq_stats_receive(&st, peer, env->stats, err, errlen);
    default: snprintf(err, errlen, "unexpected message body"); return FQ_STORE_REFUSED;
    }
}

/* The case copies ENVS[0..N) carry, NULL for any other message and for every message from the
 * first directive on (see apply_run); NULL with ERR when out of memory. The caller frees it. */
static const Fq__Case **copies_of(const Fq__Envelope *const *envs, size_t n, char *err,
                                  size_t errlen)
{
    const Fq__Case **copies = calloc(n ? n : 1, sizeof *copies);
    if (!copies) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n && envs[i]->body_case != FQ__ENVELOPE__BODY_DIRECTIVE; i++)
        if (envs[i]->body_case == FQ__ENVELOPE__BODY_SYNC)
            copies[i] = envs[i]->sync->case_;
    return copies;
}

/* A run of messages from PEER: the copies of cases new to us, then those of cases we hold, go in
 * set-based. A directive names a case we hold, which the parent learned from a copy of ours;
 * should one come ahead of the copy that brings its case (only a broken parent would send
 * that), it must still find the case missing, and a copy after it must find the case as the
 * directive left it, so copies after a directive wait their turn. */
static fq_store_rc_t apply_run(void *arg, const char *peer, const Fq__Envelope *const *envs,
                               size_t n, bool *taken, char *err, size_t errlen)
{
    fq_daemon_t *d = arg;
    fq_store_t st = fq_daemon_store(d);
    const Fq__Case **copies = copies_of(envs, n, err, errlen);
    if (!copies)
        return FQ_STORE_DBERR;
    fq_store_rc_t rc = fq_store_apply_new(&st, peer, copies, n, taken, err, errlen);
    if (rc == FQ_STORE_OK)
        rc = fq_store_apply_known(&st, peer, copies, n, taken, err, errlen);
    free(copies);
    return rc;
}

/* A run of copies the link sends to the database whole: every one of a case new to us (a run
 * with anything but copies in it is refused as not new, and goes the other way). */
static fq_store_rc_t send_new(void *arg, const char *peer, const Fq__Envelope *const *envs,
                              size_t n, char *err, size_t errlen)
{
    fq_daemon_t *d = arg;
    fq_store_t st = fq_daemon_store(d);
    const Fq__Case **copies = copies_of(envs, n, err, errlen);
    if (!copies)
        return FQ_STORE_REFUSED; /* nothing sent: the run goes the other way */
    fq_store_rc_t rc = fq_store_send_new(&st, peer, copies, n, err, errlen);
    free(copies);
    return rc;
}

static void try_db(fq_daemon_t *d)
{
    int64_t now = fq_mono_ms();
    if (fq_db_connected(d->db) || now < d->db_retry_at_ms)
        return;
    char err[ERRLEN];
    if (fq_db_connect(d->db, err, sizeof err) == 0) {
        const char *role = d->cfg->database_roles[d->self->tier];
        fq_info("database connected (schema %s, %s %s)", fq_db_schema(d->db), role ? "role" : "as",
                role ? role : "the url's user");
        d->db_backoff_ms = 100;
        fq_link_kick(d->link);
        return;
    }
    fq_warn("database unavailable, retrying in %d ms: %s", d->db_backoff_ms, err);
    d->db_retry_at_ms = now + d->db_backoff_ms;
    d->db_backoff_ms = d->db_backoff_ms * 2 > DB_BACKOFF_MAX_MS ? DB_BACKOFF_MAX_MS
                                                                 : d->db_backoff_ms * 2;
}

static int open_all(fq_daemon_t *d)
{
    char err[ERRLEN];
    d->zctx = zmq_ctx_new();
    d->db = fq_db_new(d->cfg->database_url, d->cfg->database_roles[d->self->tier], d->self->tier,
                      d->self->code);
    if (!d->zctx || !d->db) {
        fq_error("out of memory");
        return 1;
    }
    d->ops = fq_ops_open(d, err, sizeof err);
    const fq_link_handler_t handler = {apply_message, apply_run, send_new, d};
    if (d->ops)
        d->link = fq_link_new(d->zctx, d->cfg, d->self, &handler, err, sizeof err);
    if (!d->ops || !d->link) {
        fq_error("%s", err);
        return 1;
    }
    d->db_backoff_ms = 100;
    d->replan_at_ms = fq_mono_ms() + d->cfg->replan_interval_ms;
    return 0;
}

/* Every database.replan_interval_ms: the prepared statements go, and with them their plans
 * (fq_db_forget_plans), so none outlives the table sizes it was made for by longer than that. */
static void forget_plans(fq_daemon_t *d, int64_t now)
{
    if (now < d->replan_at_ms)
        return;
    d->replan_at_ms = now + d->cfg->replan_interval_ms;
    char err[ERRLEN];
    if (fq_db_forget_plans(d->db, err, sizeof err) < 0)
        fq_warn("dropping the prepared statements failed: %s", err);
}

/* Once a second: notices that have fallen due, this unit's figures up the link, and plans that
 * have lived long enough. */
static void on_supervision_timer(fq_daemon_t *d)
{
    int64_t now = fq_mono_ms();
    if (!fq_db_connected(d->db) || now < d->supervise_at_ms)
        return;
    d->supervise_at_ms = now + 1000;
    forget_plans(d, now);
    fq_store_t st = fq_daemon_store(d);
    char err[ERRLEN];
    int issued = fq_store_supervise(&st, err, sizeof err);
    if (issued < 0)
        fq_warn("supervision pass failed: %s", err);
    else if (issued > 0)
        fq_info("issued %d notice(s)", issued);
    if (fq_stats_report_up(&st, err, sizeof err) < 0)
        fq_warn("statistics report failed: %s", err);
}

static int serve(fq_daemon_t *d)
{
    zmq_pollitem_t items[4];
    while (!s_stop) {
        if (fq_link_broken(d->link)) {
            fq_error("the link's ZAP handler stopped: no handshake can be checked, stopping");
            return 1;
        }
        try_db(d);
        /* a transaction may have finished inside the last turn's other work (every database
         * call waits for those in flight first): what it held back goes before the poll sleeps */
        fq_ops_serve_held(d);
        fq_link_serve_held(d->link, d->db);
        items[0] =
            (zmq_pollitem_t){.socket = d->ops, .events = fq_ops_wants_more(d) ? ZMQ_POLLIN : 0};
        int n = 1 + fq_link_poll_items(d->link, items + 1, 2);
        int db_fd = fq_db_async_socket(d->db);
        if (db_fd >= 0) /* the outcome of a transaction sent whole */
            items[n] = (zmq_pollitem_t){.fd = db_fd, .events = ZMQ_POLLIN};
        int timeout = fq_db_connected(d->db) ? fq_link_timeout_ms(d->link) : 100;
        fq_log_flush(); /* the turn's lines go out before the loop waits */
        if (zmq_poll(items, n + (db_fd >= 0), timeout) < 0 && zmq_errno() != EINTR)
            break;
        /* libpq may have read the outcome already while sending: look even if not readable */
        fq_db_async_on_readable(d->db);
        fq_ops_serve_held(d);
        fq_link_serve_held(d->link, d->db);
        if (items[0].revents & ZMQ_POLLIN)
            fq_ops_on_readable(d);
        fq_link_on_readable(d->link, d->db, items + 1, n - 1);
        on_supervision_timer(d);
        /* what the requests, the link's input and the supervision pass queued is committed */
        fq_link_kick_queued(d->link, &d->queued);
        fq_link_on_timer(d->link, d->db);
        if (s_hup) {
            s_hup = 0;
            fq_info("SIGHUP: nothing to reload; restart the daemon to change the deployment");
        }
    }
    return 0;
}

static void close_all(fq_daemon_t *d)
{
    if (d->db) /* answer the requests whose transaction is in flight while the socket is open */
        fq_db_async_settle(d->db);
    if (d->ops_held)
        fq_ops_close(d);
    fq_link_destroy(&d->link);
    if (d->zctx)
        zmq_ctx_term(d->zctx);
    fq_db_destroy(&d->db);
    fq_cfg_destroy(&d->cfg);
}

int fq_daemon_main(int argc, char **argv, fq_tier_t tier)
{
    s_args_t args;
    int rc = parse_args(argc, argv, tier, &args);
    if (rc >= 0)
        return rc;
    fq_daemon_t d = {0};
    rc = load_config(&d, &args, tier);
    if (rc == 0 && args.check_only)
        rc = check_keys(&d);
    if (rc == 0 && args.check_only)
        printf("%s: valid; unit %s %s (%s)\n", args.config, d.self->code, d.self->name,
               fq_tier_name(tier));
    if (rc != 0 || args.check_only) {
        fq_cfg_destroy(&d.cfg);
        return rc;
    }
    fq_log_init(d.self->code, args.level, stderr);
    fq_log_hold(true);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = open_all(&d);
    if (rc == 0) {
        fq_info("%s %s serving: ops %s%s%s", fq_tier_name(tier), d.self->name, d.self->ops,
                d.self->link ? ", link " : "", d.self->link ? d.self->link : "");
        rc = serve(&d);
        fq_info("stopping");
    }
    close_all(&d);
    fq_log_hold(false);
    return rc;
}
