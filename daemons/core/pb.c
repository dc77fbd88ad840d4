/* pb.c - allocation and freeing of hand-built protobuf-c messages; uuids; clocks. */
#include "pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

char *fq_pb_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

Fq__Case *fq_pb_case_new(void)
{
    Fq__Case *c = malloc(sizeof *c);
    if (c)
        fq__case__init(c);
    return c;
}

Fq__Event *fq_pb_event_new(void)
{
    Fq__Event *e = malloc(sizeof *e);
    if (e)
        fq__event__init(e);
    return e;
}

Fq__Party *fq_pb_party_new(void)
{
    Fq__Party *p = malloc(sizeof *p);
    if (p)
        fq__party__init(p);
    return p;
}

static void event_free(Fq__Event *e)
{
    free(e->prev_hash);
    free(e->hash);
    free(e->uuid);
    free(e->unit);
    free(e->action);
    free(e->from_state);
    free(e->to_state);
    free(e->actor);
    free(e->note);
    free(e);
}

static void party_free(Fq__Party *p)
{
    free(p->name);
    free(p->phone);
    free(p->role);
    free(p);
}

void fq_pb_document_free(Fq__Document *d)
{
    if (!d)
        return;
    char *strings[] = {d->uuid, d->kind, d->number, d->date, d->parties, d->terms, d->court,
                       d->unit};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    free(d);
}

void fq_pb_assignment_free(Fq__Assignment *a)
{
    if (!a)
        return;
    char *strings[] = {a->dept, a->role, a->status, a->reason, a->result, a->unit};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    free(a);
}

void fq_pb_notice_free(Fq__Notice *n)
{
    if (!n)
        return;
    char *strings[] = {n->uuid, n->number, n->kind, n->addressee, n->reason, n->unit,
                       n->acked_by, n->case_no};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    free(n);
}

void fq_pb_notices_free(Fq__Notice **notices, size_t n)
{
    for (size_t i = 0; notices && i < n; i++)
        fq_pb_notice_free(notices[i]);
    free(notices);
}

void fq_pb_feedback_free(Fq__Feedback *f)
{
    if (!f)
        return;
    char *strings[] = {f->uuid, f->channel, f->text, f->answer, f->comment, f->review_reason,
                       f->unit};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    free(f);
}

void fq_pb_case_free(Fq__Case *c)
{
    if (!c)
        return;
    fq_pb_notices_free(c->notices, c->n_notices);
    for (size_t i = 0; i < c->n_feedback; i++)
        fq_pb_feedback_free(c->feedback[i]);
    free(c->feedback);
    free(c->track_rule);
    for (size_t i = 0; i < c->n_documents; i++)
        fq_pb_document_free(c->documents[i]);
    free(c->documents);
    for (size_t i = 0; i < c->n_assignments; i++)
        fq_pb_assignment_free(c->assignments[i]);
    free(c->assignments);
    char *strings[] = {c->uuid,   c->case_no, c->title,    c->description, c->category,
                       c->track,  c->source,  c->address,  c->grid,        c->reporter,
                       c->state,  c->holder,  c->origin_unit};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    for (size_t i = 0; i < c->n_parties; i++)
        party_free(c->parties[i]);
    free(c->parties);
    for (size_t i = 0; i < c->n_history; i++)
        event_free(c->history[i]);
    free(c->history);
    free(c);
}

void fq_pb_cases_free(Fq__Case **cases, size_t n)
{
    for (size_t i = 0; cases && i < n; i++)
        fq_pb_case_free(cases[i]);
    free(cases);
}

/* Grow a repeated field by one; the generic shape of both appends. */
static int append(void ***items, size_t *n, void *item)
{
    void **grown = realloc(*items, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    grown[(*n)++] = item;
    *items = grown;
    return 0;
}

int fq_pb_case_add_event(Fq__Case *c, Fq__Event *e)
{
    return append((void ***)&c->history, &c->n_history, e);
}

int fq_pb_case_add_party(Fq__Case *c, Fq__Party *p)
{
    return append((void ***)&c->parties, &c->n_parties, p);
}

int fq_pb_case_add_document(Fq__Case *c, Fq__Document *d)
{
    return append((void ***)&c->documents, &c->n_documents, d);
}

int fq_pb_case_add_assignment(Fq__Case *c, Fq__Assignment *a)
{
    return append((void ***)&c->assignments, &c->n_assignments, a);
}

int fq_pb_case_add_notice(Fq__Case *c, Fq__Notice *n)
{
    return append((void ***)&c->notices, &c->n_notices, n);
}

int fq_pb_case_add_feedback(Fq__Case *c, Fq__Feedback *f)
{
    return append((void ***)&c->feedback, &c->n_feedback, f);
}

/* N random bytes into OUT from the kernel's generator, taken a page at a time: a bulk intake
 * makes two uuids per case, and a system call for each cost more than the rest of making it.
 * Each thread keeps its own page, and no byte is handed out twice. */
static void random_bytes(unsigned char *out, size_t n)
{
    static _Thread_local unsigned char pool[4096];
    static _Thread_local size_t left;
    if (left < n) {
        if (getrandom(pool, sizeof pool, 0) == (ssize_t)sizeof pool)
            left = sizeof pool;
        else { /* does not fail on Linux once the pool is ready; time-seeded rather than crash */
            srand((unsigned)fq_mono_ms());
            for (size_t i = 0; i < sizeof pool; i++)
                pool[i] = (unsigned char)rand();
            left = sizeof pool;
        }
    }
    memcpy(out, pool + sizeof pool - left, n);
    left -= n;
}

/* Time-ordered (version 7, RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Every
 * table is keyed by these uuids, and a new key that sorts after the last one lands at the right
 * edge of its indexes, where the pages are already in memory, instead of on a random page of an
 * index that may have outgrown the buffers; the random bits keep two daemons' keys apart. */
void fq_uuid7(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    random_bytes(b + 6, sizeof b - 6);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x70);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 0x0f];
    }
    *o = '\0';
}

/* Tests move time forward without sleeping: FQ_TEST_CLOCK_FILE names a file holding a number
 * of seconds added to the wall clock. It is read again at most every 100 ms, so every daemon of
 * a test deployment jumps together when the test rewrites it. Unset, the clock is the wall's. */
static int64_t clock_offset_ms(void)
{
    static const char *path;
    static int checked;
    static int64_t offset, read_at;
    if (!checked) {
        path = getenv("FQ_TEST_CLOCK_FILE");
        checked = 1;
    }
    if (!path || !*path)
        return 0;
    int64_t mono = fq_mono_ms();
    if (read_at && mono - read_at < 100)
        return offset;
    read_at = mono;
    FILE *f = fopen(path, "r");
    long long secs;
    if (f && fscanf(f, "%lld", &secs) == 1)
        offset = secs * 1000;
    if (f)
        fclose(f);
    return offset;
}

int64_t fq_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + clock_offset_ms();
}

int64_t fq_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
