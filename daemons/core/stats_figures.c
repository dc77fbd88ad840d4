/* stats_figures.c - hand-built DayFigures: allocation, freeing, adding one to another and
 * merging their count lists by key. Pure; no I/O. */
#include "stats_internal.h"

#include <stdlib.h>
#include <string.h>

#include "pb.h"

Fq__DayFigures *fq_figures_new(const char *unit, int day)
{
    Fq__DayFigures *d = malloc(sizeof *d);
    if (!d)
        return NULL;
    fq__day_figures__init(d);
    d->unit = fq_pb_strdup(unit ? unit : "");
    if (!d->unit) {
        free(d);
        return NULL;
    }
    d->has_day = day != 0;
    d->day = day;
    d->has_received = d->has_resolved = d->has_closed = d->has_on_time = 1;
    d->has_answered = d->has_satisfied = d->has_wd_sum = 1;
    return d;
}

static void counts_free(Fq__Count **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i]->key);
        free(list[i]);
    }
    free(list);
}

void fq_figures_free(Fq__DayFigures *d)
{
    if (!d)
        return;
    counts_free(d->by_category, d->n_by_category);
    counts_free(d->by_track, d->n_by_track);
    counts_free(d->by_source, d->n_by_source);
    free(d->unit);
    free(d);
}

void fq_stats_days_free(Fq__DayFigures **days, size_t n)
{
    for (size_t i = 0; days && i < n; i++)
        fq_figures_free(days[i]);
    free(days);
}

static Fq__Count *count_new(const char *key, uint32_t k)
{
    Fq__Count *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    fq__count__init(c);
    c->key = strdup(key);
    if (!c->key) {
        free(c);
        return NULL;
    }
    c->has_n = 1;
    c->n = k;
    return c;
}

int fq_figures_count(Fq__Count ***list, size_t *n, const char *key, uint32_t k)
{
    key = key ? key : "";
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i]->key ? (*list)[i]->key : "", key) == 0) {
            (*list)[i]->n += k;
            return 0;
        }
    Fq__Count **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return -1;
    *list = grown;
    Fq__Count *c = count_new(key, k);
    if (!c)
        return -1;
    grown[(*n)++] = c;
    return 0;
}

static int counts_add(Fq__Count ***list, size_t *n, Fq__Count *const *from, size_t nfrom)
{
    for (size_t i = 0; i < nfrom; i++)
        if (fq_figures_count(list, n, from[i]->key, from[i]->n) < 0)
            return -1;
    return 0;
}

int fq_figures_add(Fq__DayFigures *sum, const Fq__DayFigures *d)
{
    sum->received += d->received;
    sum->resolved += d->resolved;
    sum->closed += d->closed;
    sum->on_time += d->on_time;
    sum->answered += d->answered;
    sum->satisfied += d->satisfied;
    sum->wd_sum += d->wd_sum;
    if (counts_add(&sum->by_category, &sum->n_by_category, d->by_category, d->n_by_category) < 0 ||
        counts_add(&sum->by_track, &sum->n_by_track, d->by_track, d->n_by_track) < 0 ||
        counts_add(&sum->by_source, &sum->n_by_source, d->by_source, d->n_by_source) < 0)
        return -1;
    return 0;
}

static int by_key(const void *a, const void *b)
{
    const Fq__Count *x = *(Fq__Count *const *)a, *y = *(Fq__Count *const *)b;
    return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

void fq_figures_sort(Fq__DayFigures *d)
{
    if (d->n_by_category > 1)
        qsort(d->by_category, d->n_by_category, sizeof *d->by_category, by_key);
    if (d->n_by_track > 1)
        qsort(d->by_track, d->n_by_track, sizeof *d->by_track, by_key);
    if (d->n_by_source > 1)
        qsort(d->by_source, d->n_by_source, sizeof *d->by_source, by_key);
}

bool fq_stats_day_valid(int day)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = day / 10000, m = day / 100 % 100, d = day % 100;
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}
