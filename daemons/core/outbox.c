/* outbox.c - SQL of the reliable link: outbox, inbox and quarantine tables. */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_array.h"

void fq_queued_note(fq_queued_t *q, const char *peer)
{
    if (!q || q->all)
        return;
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->peer[i], peer) == 0)
            return;
    if (q->n == FQ_QUEUED_MAX) {
        q->all = true;
        return;
    }
    snprintf(q->peer[q->n++], sizeof q->peer[0], "%s", peer);
}

int fq_outbox_enqueue(fq_db_t *db, fq_queued_t *queued, const char *unit, const char *peer,
                      int kind, const void *body, size_t len, char *err, size_t errlen)
{
    fq_queued_note(queued, peer);
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    fq_p_bytes(&p, body, len);
    fq_p_int(&p, kind);
    return fq_db_send(db,
                      "WITH s AS (INSERT INTO link_out (unit, peer, next_seq) VALUES ($1, $2, 1) "
                      "  ON CONFLICT (unit, peer) DO UPDATE SET next_seq = link_out.next_seq + 1"
                      "  RETURNING next_seq) "
                      "INSERT INTO outbox (unit, peer, seq, body, body_kind)"
                      " SELECT $1, $2, next_seq, $3, $4 FROM s",
                      &p, err, errlen);
}

int fq_outbox_enqueue_many(fq_db_t *db, fq_queued_t *queued, const char *unit,
                           const char *peer, int kind, struct fq_arr *bodies, char *err,
                           size_t errlen)
{
    fq_queued_note(queued, peer);
    char kind_text[16];
    snprintf(kind_text, sizeof kind_text, "%d", kind);
    const char *head[] = {unit, peer, kind_text};
    /* link_out.next_seq is the last sequence number used: move it on by the run's length and
     * number the run up to it */
    return fq_db_exec_arrays(
        db,
        "WITH b AS (SELECT body, ord FROM unnest($4::bytea[]) WITH ORDINALITY AS u(body, ord)),"
        " s AS (INSERT INTO link_out (unit, peer, next_seq)"
        "   VALUES ($1, $2, (SELECT count(*) FROM b)) ON CONFLICT (unit, peer)"
        "   DO UPDATE SET next_seq = link_out.next_seq + excluded.next_seq RETURNING next_seq)"
        " INSERT INTO outbox (unit, peer, seq, body, body_kind)"
        " SELECT $1, $2, s.next_seq - (SELECT count(*) FROM b) + b.ord, b.body, $3::int"
        " FROM s, b",
        head, FQ_NELEMS(head), bodies, 1, err, errlen);
}

/* Pack MSG with PACK (its generated pack function) and queue it as KIND. */
static int enqueue_packed(fq_db_t *db, fq_queued_t *queued, const char *unit, const char *peer,
                          int kind, const ProtobufCMessage *msg, char *err, size_t errlen)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    protobuf_c_message_pack(msg, buf);
    int rc = fq_outbox_enqueue(db, queued, unit, peer, kind, buf, len, err, errlen);
    free(buf);
    return rc;
}

int fq_outbox_enqueue_stats(fq_db_t *db, fq_queued_t *queued, const char *unit,
                            const char *peer, const Fq__StatsReport *report, char *err,
                            size_t errlen)
{
    return enqueue_packed(db, queued, unit, peer, FQ__ENVELOPE__BODY_STATS, &report->base, err,
                          errlen);
}

int fq_outbox_enqueue_directive(fq_db_t *db, fq_queued_t *queued, const char *unit,
                                const char *peer, const Fq__Directive *directive, char *err,
                                size_t errlen)
{
    return enqueue_packed(db, queued, unit, peer, FQ__ENVELOPE__BODY_DIRECTIVE, &directive->base,
                          err, errlen);
}

static int row_to_msg(const PGresult *res, int row, fq_outmsg_t *m)
{
    m->seq = strtoull(PQgetvalue(res, row, 0), NULL, 10);
    m->kind = atoi(PQgetvalue(res, row, 3));
    snprintf(m->msg_id, sizeof m->msg_id, "%s", PQgetvalue(res, row, 1));
    m->body = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, 2), &m->len);
    return m->body ? 0 : -1;
}

int fq_outbox_fetch(fq_db_t *db, const char *unit, const char *peer, uint64_t after, int limit,
                    fq_outmsg_t **out, size_t *n, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    fq_p_int(&p, (int64_t)after);
    fq_p_int(&p, limit);
    /* outbox_window (migration 0013) reads the key in order and never sorts: an outbox is a
     * queue, a few rows most of the time and a whole outage's backlog after one, and a plan
     * that sorted it read the whole backlog for every window sent. */
    PGresult *res =
        fq_db_run(db, "SELECT seq, msg_id, body, body_kind FROM outbox_window($1, $2, $3, $4)", &p,
                  err, errlen);
    if (!res)
        return -1;
    size_t rows = (size_t)PQntuples(res);
    *out = calloc(rows ? rows : 1, sizeof **out);
    *n = 0;
    int rc = *out ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < rows; i++, (*n)++)
        rc = row_to_msg(res, (int)i, &(*out)[i]);
    PQclear(res);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory reading the outbox");
        fq_outbox_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void fq_outbox_free(fq_outmsg_t *msgs, size_t n)
{
    for (size_t i = 0; msgs && i < n; i++)
        PQfreemem(msgs[i].body);
    free(msgs);
}

int fq_outbox_ack(fq_db_t *db, const char *unit, const char *peer, uint64_t upto,
                  uint64_t rejected, const char *reason, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    fq_p_int(&p, (int64_t)upto);
    fq_params_t poison = {0};
    fq_p_text(&poison, unit);
    fq_p_text(&poison, peer);
    fq_p_int(&poison, (int64_t)rejected);
    fq_p_text(&poison, reason && *reason ? reason : "rejected by peer");
    if (fq_db_begin(db, err, errlen) < 0)
        return -1;
    /* planned at every run, as the fetch is (a kept plan could scan the whole backlog) */
    if ((rejected && fq_db_send_once(db,
                                     "UPDATE outbox SET poisoned_reason = $4 WHERE unit = $1 AND "
                                     "peer = $2 AND seq = $3",
                                     &poison, err, errlen) < 0) ||
        /* from the last recorded ack on: the rows below it are gone, and an index scan from
         * the start of the link would walk past every one of them not yet vacuumed */
        fq_db_send_once(db,
                        "DELETE FROM outbox WHERE unit = $1 AND peer = $2 AND seq <= $3 AND "
                        "seq > (SELECT acked_seq FROM link_out WHERE unit = $1 AND peer = $2) AND "
                        "poisoned_reason IS NULL",
                        &p, err, errlen) < 0 ||
        fq_db_send(db,
                   "UPDATE link_out SET acked_seq = GREATEST(acked_seq, $3) WHERE unit = $1 "
                   "AND peer = $2",
                   &p, err, errlen) < 0) {
        fq_db_rollback(db);
        return -1;
    }
    if (fq_db_commit(db, err, errlen) < 0) { /* where a statement sent ahead fails too */
        fq_db_rollback(db);
        return -1;
    }
    return 0;
}

int fq_outbox_marks(fq_db_t *db, const char *unit, const char *peer, uint64_t *acked,
                    uint64_t *assigned, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    PGresult *res =
        fq_db_run(db, "SELECT acked_seq, next_seq FROM link_out WHERE unit = $1 AND peer = $2", &p,
                  err, errlen);
    if (!res)
        return -1;
    bool found = PQntuples(res) > 0;
    *acked = found ? strtoull(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    *assigned = found ? strtoull(PQgetvalue(res, 0, 1), NULL, 10) : 0;
    PQclear(res);
    return 0;
}

int fq_outbox_stats(fq_db_t *db, const char *unit, const char *peer, fq_outbox_stats_t *stats,
                    char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    /* Nothing here reads the waiting rows one by one: after an outage they are the whole
     * backlog (migration 0012). Every sequence number up to next_seq was given to a row, and
     * the ones at or below acked_seq are deleted or refused, so next_seq - acked_seq rows wait,
     * but for any refused above the ack. Seqs are handed out in commit order, so the row just
     * above the ack is the oldest waiting: it is read by its key, as an ordered scan above the
     * ack can be planned as a read and sort of every row there. Planned at every run, as the
     * fetch is. */
    PGresult *res = fq_db_run_once(
        db,
        "WITH l AS (SELECT next_seq, acked_seq FROM link_out WHERE unit = $1 AND peer = $2),"
        " r AS (SELECT count(*) AS n, count(*) FILTER (WHERE seq > (SELECT acked_seq FROM l))"
        "   AS above FROM outbox WHERE unit = $1 AND peer = $2 AND poisoned_reason IS NOT NULL)"
        " SELECT greatest(coalesce((SELECT next_seq - acked_seq FROM l), 0) - r.above, 0),"
        " coalesce((extract(epoch FROM now() - (SELECT created_at FROM outbox WHERE unit = $1"
        "   AND peer = $2 AND seq = (SELECT acked_seq + 1 FROM l))) * 1000)::int8, 0),"
        " r.n FROM r",
        &p, err, errlen);
    if (!res)
        return -1;
    stats->depth = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    stats->oldest_age_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    stats->poisoned = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
    PQclear(res);
    return 0;
}

int fq_inbox_last(fq_db_t *db, const char *unit, const char *peer, int lock, uint64_t *last,
                  char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    if (lock && fq_db_send(db,
                           "INSERT INTO inbox (unit, peer) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                           &p, err, errlen) < 0)
        return -1;
    PGresult *res = fq_db_run(db,
                              lock ? "SELECT last_seq FROM inbox WHERE unit = $1 AND peer = $2 "
                                     "FOR UPDATE"
                                   : "SELECT last_seq FROM inbox WHERE unit = $1 AND peer = $2",
                              &p, err, errlen);
    if (!res)
        return -1;
    *last = PQntuples(res) ? strtoull(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return 0;
}

int fq_inbox_advance(fq_db_t *db, const char *unit, const char *peer, uint64_t seq, char *err,
                     size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    fq_p_int(&p, (int64_t)seq);
    return fq_db_send(db, "UPDATE inbox SET last_seq = $3 WHERE unit = $1 AND peer = $2", &p,
                      err, errlen);
}

int fq_inbox_send_move(fq_db_t *db, const char *unit, const char *peer, uint64_t from, uint64_t seq,
                       char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    /* a peer first heard of may have no row yet; at any other FROM it has one */
    if (from == 0 &&
        fq_db_async_send(db,
                         "INSERT INTO inbox (unit, peer) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                         &p, false, err, errlen) < 0)
        return -1;
    fq_p_int(&p, (int64_t)from);
    fq_p_int(&p, (int64_t)seq);
    return fq_db_async_send(db,
                            "WITH moved AS (UPDATE inbox SET last_seq = $4 WHERE unit = $1"
                            " AND peer = $2 AND last_seq = $3::int8 RETURNING 1)"
                            " SELECT fq_expect(count(*) = 1, 'the inbox from ' || $2 ||"
                            " ' is no longer at ' || $3::int8) FROM moved",
                            &p, false, err, errlen);
}

int fq_quarantine(fq_db_t *db, const char *unit, const char *peer, const char *reason,
                  const void *bytes, size_t len, char *err, size_t errlen)
{
    fq_params_t p = {0};
    fq_p_text(&p, unit);
    fq_p_text(&p, peer);
    fq_p_text(&p, reason);
    fq_p_bytes(&p, bytes ? bytes : "", bytes ? len : 0);
    return fq_db_exec(db,
                      "INSERT INTO quarantine (unit, peer, reason, bytes) VALUES ($1, $2, $3, $4)",
                      &p, err, errlen);
}
