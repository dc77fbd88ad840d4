/* sync_sides.c - where a neighbour's copy may move a case to, and from.
 *
 * Only the holder acts on a case, and every action's copy travels the tree from the unit that
 * made it to every unit holding a copy, in order. So a copy from neighbour P that changes our
 * row was made on P's side: the case we have as held by H can be moved on only from H's side,
 * and whoever made the copy handed the case to a unit next to it (on P's side, or us) or back
 * to where it was taken in (a resolution goes to the origin, however far). A copy that says
 * otherwise was forged or is from a broken peer; it is refused whole and quarantined. */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

bool fq_store_on_side(const fq_store_t *st, const char *peer, const char *code)
{
    if (!fq_cfg_unit(st->cfg, code))
        return false;
    if (strcmp(peer, st->self->parent) == 0)
        return !fq_cfg_within(st->cfg, code, st->self->code);
    return fq_cfg_within(st->cfg, code, peer);
}

static bool here_or_on_side(const fq_store_t *st, const char *peer, const char *code)
{
    return strcmp(code, st->self->code) == 0 || fq_store_on_side(st, peer, code);
}

/* A new case reaches us from the side it was taken in on: it cannot have gone past us. */
static int check_origin(const fq_store_t *st, const char *peer, const Fq__Case *c, char *err,
                        size_t errlen)
{
    if (here_or_on_side(st, peer, c->origin_unit))
        return 0;
    snprintf(err, errlen,
             "case %s: the copy from %s says it was taken in at %s, which is neither this unit"
             " nor on the side of the tree that %s stands for",
             c->case_no, peer, c->origin_unit, peer);
    return -1;
}

/* The case as we have it (HELD) moves on only where its holder is. */
static int check_mover(const fq_store_t *st, const char *peer, const Fq__Case *c,
                       const fq_store_held_t *held, char *err, size_t errlen)
{
    if (fq_store_on_side(st, peer, held->holder))
        return 0;
    snprintf(err, errlen,
             "case %s: version %d from %s, but this unit has version %lld held by %s, which is"
             " not on the side of the tree that %s stands for; only the holder moves a case on",
             c->case_no, (int)c->version, peer, (long long)held->version, held->holder, peer);
    return -1;
}

/* The copy's holder: next to whoever made it, or the unit the case was taken in at ORIGIN. */
static int check_holder(const fq_store_t *st, const char *peer, const Fq__Case *c,
                        const char *origin, char *err, size_t errlen)
{
    if (strcmp(c->holder, origin) == 0 || here_or_on_side(st, peer, c->holder))
        return 0;
    snprintf(err, errlen,
             "case %s: the copy from %s says it is held by %s, which is neither this unit, nor"
             " where the case was taken in, nor on the side of the tree that %s stands for",
             c->case_no, peer, c->holder, peer);
    return -1;
}

int fq_store_check_moved(const fq_store_t *st, const char *peer, const Fq__Case *c,
                         const fq_store_held_t *held, char *err, size_t errlen)
{
    if (!held)
        return check_origin(st, peer, c, err, errlen) < 0
                   ? -1
                   : check_holder(st, peer, c, c->origin_unit, err, errlen);
    if (check_mover(st, peer, c, held, err, errlen) < 0)
        return -1;
    return check_holder(st, peer, c, held->origin, err, errlen);
}
