/* load_street.c - fq-load's street operator: lists the escalated cases the street holds,
 * oldest first, and has the workers accept and escalate each batch. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fq-load.h"

/* ---- street: the operator ------------------------------------------------------------------- */

/* A list of the escalated cases the street holds: OFFSET, LIMIT; NULL on failure. */
static Fq__OpsReply *list_held(load_worker_t *w, const char *unit, unsigned offset, unsigned limit)
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "list";
    req.state_filter = "escalated";
    req.unit_filter = (char *)unit;
    req.has_limit = req.has_offset = 1;
    req.limit = limit;
    req.offset = offset;
    return load_call_ok(w, &req);
}

/* The oldest (up to STREET_BATCH) escalated cases the street holds, into run->batch, oldest
 * first (list pages newest first). Returns how many, -1 on failure. */
static long fetch_batch(load_worker_t *w, const char *unit, long want)
{
    Fq__OpsReply *rep = list_held(w, unit, 0, 1);
    if (!rep)
        return -1;
    unsigned total = rep->total;
    fq__ops_reply__free_unpacked(rep, NULL);
    unsigned limit = (unsigned)(want < STREET_BATCH ? want : STREET_BATCH);
    if (total == 0 || limit == 0)
        return 0;
    rep = list_held(w, unit, total > limit ? total - limit : 0, limit);
    if (!rep)
        return -1;
    load_run_t *run = w->run;
    run->nbatch = 0;
    for (size_t i = rep->n_cases; i-- > 0;)
        if (rep->cases[i]->case_no)
            run->batch[run->nbatch++] = strdup(rep->cases[i]->case_no);
    fq__ops_reply__free_unpacked(rep, NULL);
    return run->nbatch;
}

/* Accept and escalate run->batch with every worker; the main thread's socket lists. */
static void forward_batch(load_worker_t *ws, int n)
{
    load_run_t *run = ws[0].run;
    atomic_store(&run->next, 0);
    for (int i = 0; i < n; i++)
        pthread_create(&ws[i].thread, NULL, load_worker_fn(run->o), &ws[i]);
    for (int i = 0; i < n; i++)
        pthread_join(ws[i].thread, NULL);
    for (long i = 0; i < run->nbatch; i++)
        free(run->batch[i]);
    run->nbatch = 0;
}

static long forwarded(const load_worker_t *ws, int n)
{
    long ok = 0;
    for (int i = 0; i < n; i++)
        ok += ws[i].ok;
    return ok;
}

/* Should the operator stop, now that nothing is waiting (or the count is reached)? */
static bool street_done(const load_opts_t *o, long done, double t0)
{
    if (o->count > 0 && done >= o->count)
        return true;
    if (o->until_file && access(o->until_file, F_OK) == 0)
        return true;
    return o->timeout_s > 0 && load_now() - t0 >= o->timeout_s;
}

/* The street's own unit code, from a status reply (every reply names the unit). */
static int street_unit(load_worker_t *w, char unit[32])
{
    Fq__OpsRequest req = FQ__OPS_REQUEST__INIT;
    req.verb = "status";
    Fq__OpsReply *rep = load_call(w, &req);
    int rc = rep && rep->unit ? 0 : -1;
    if (rc == 0)
        snprintf(unit, 32, "%s", rep->unit);
    if (rep)
        fq__ops_reply__free_unpacked(rep, NULL);
    return rc;
}

int load_run_street(load_worker_t *ws, int n, load_worker_t *lister)
{
    load_run_t *run = ws[0].run;
    const load_opts_t *o = run->o;
    char unit[32];
    if (street_unit(lister, unit) < 0)
        return -1;
    run->batch = calloc(STREET_BATCH, sizeof *run->batch);
    if (!run->batch)
        return -1;
    for (;;) {
        long done = forwarded(ws, n);
        long want = o->count > 0 ? o->count - done : STREET_BATCH;
        long got = want > 0 ? fetch_batch(lister, unit, want) : 0;
        if (got > 0) {
            forward_batch(ws, n);
            continue;
        }
        if (got < 0)
            usleep(100000);
        if (street_done(o, done, run->t0))
            break;
        usleep(5000);
    }
    free(run->batch);
    return 0;
}
