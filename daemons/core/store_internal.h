/* store_internal.h - what the store's files share and nothing outside them needs. */
#ifndef FQ_STORE_INTERNAL_H
#define FQ_STORE_INTERNAL_H

#include "case.h"
#include "store.h"

/* The most parties a case may name: at intake and in a neighbour's copy alike. */
#define FQ_MAX_PARTIES 50

/* S, or "" for a field the sender left out (the columns are NOT NULL DEFAULT ''). */
static inline const char *fq_or_empty(const char *s)
{
    return s ? s : "";
}

/* The columns fq_store_row_to_case reads, in its order. */
#define FQ_CASE_COLUMNS                                                                         \
    "uuid, case_no, title, description, category, risk, track, source, address, grid,"        \
    " reporter, state, holder, origin_unit, version,"                                          \
    " (extract(epoch FROM created_at) * 1000)::int8,"                                          \
    " (extract(epoch FROM updated_at) * 1000)::int8,"                                          \
    " coalesce((extract(epoch FROM deadline) * 1000)::int8, 0),"                               \
    " amount, bounce_count, track_rule, binding, clock_start_ms, paused_ms, extension_days,"  \
    " unsatisfied"

/* A Case from row ROW of a result selected with FQ_CASE_COLUMNS; NULL when out of memory. */
Fq__Case *fq_store_row_to_case(const PGresult *res, int row);

/* Run SQL (prepared once: it finds its cases with FQ_CASES_BY_REFS) with this unit as $1 and
 * the refs among REFS[0..N) that are case numbers as $2 (text[]) and those that are uuids as
 * $3 (uuid[]). */
PGresult *fq_store_run_by_refs(const fq_store_t *st, const char *sql, const char *const *refs,
                               size_t n, char *err, size_t errlen);

/* FROM clauses: the rows of cases of the unit in $1, as c, found by one primary-key probe per
 * key, in uuid order, locked when LOCK is "FOR UPDATE". FQ_CASES_BY_UUIDS takes the uuids of
 * array parameter PARAM; FQ_CASES_BY_REFS the refs of fq_store_run_by_refs ($2 case numbers, $3
 * uuids). A plain `uuid = ANY(...)` is planned from the table's statistics, and on a table not
 * yet analyzed (a street filling with a backlog) the planner read every row of the unit for
 * each lookup. OFFSET 0 keeps each probe a subquery the planner may not fold into a join over
 * the table, so these statements are prepared once per connection and not planned again for
 * every list, which cost more than running them. The lists are read through a scalar subquery
 * (db_array.h says why). */
#define FQ_CASES_BY_KEYS(KEYS, LOCK)                                                               \
    " FROM (SELECT DISTINCT u FROM (" KEYS ") AS a(u) ORDER BY u) AS k(key)"                       \
    " CROSS JOIN LATERAL"                                                                          \
    " (SELECT * FROM cases WHERE uuid = k.key AND unit = $1 OFFSET 0 " LOCK ") c"
#define FQ_CASES_BY_UUIDS(PARAM, LOCK)                                                             \
    FQ_CASES_BY_KEYS("SELECT unnest((SELECT " PARAM "::uuid[]))", LOCK)
#define FQ_CASES_BY_REFS(LOCK)                                                                     \
    FQ_CASES_BY_KEYS("SELECT unnest((SELECT $3::uuid[])) UNION ALL SELECT n.uuid"                  \
                     " FROM unnest((SELECT $2::text[])) AS r(no) CROSS JOIN LATERAL"               \
                     " (SELECT uuid FROM cases WHERE case_no = r.no AND unit = $1 OFFSET 0) n",    \
                     LOCK)

/* The end of an UPDATE of cases (aliased c) whose FROM list ends with a set of rows carrying
 * each case's uuid as KEY: each row found by one primary-key probe and updated through its
 * ctid. The plain join (`WHERE c.unit = $1 AND c.uuid = r.uuid`) is planned from the table's
 * statistics, and on a table not yet analyzed (a fresh deployment's first burst) the planner
 * hashed the batch and read every row of the unit: 90 ms for 256 cases among 30,000, against
 * 11 ms by probes. The statements that use this lock their rows FOR UPDATE earlier in the same
 * transaction, so no ctid can move under them. */
#define FQ_UPDATE_CASES_AT(KEY)                                                                    \
    " CROSS JOIN LATERAL"                                                                          \
    " (SELECT k.ctid AS tid FROM cases k WHERE k.uuid = " KEY " AND k.unit = $1 OFFSET 0) t"       \
    " WHERE c.ctid = t.tid"

/* Is C the case REF names (its number, or its uuid in any case)? */
bool fq_store_names(const Fq__Case *c, const char *ref);

/* True when REF has the shape of a uuid rather than a case number. */
bool fq_store_looks_like_uuid(const char *ref);

/* Queue this unit's current copy of case UUID (with its whole history) for PEER. Runs inside
 * the caller's transaction; in a batch (ST->batch), when the batch is flushed. */
fq_store_rc_t fq_store_send(const fq_store_t *st, const char *uuid, const char *peer, char *err,
                            size_t errlen);

/* How many units below may hold copies of one case (cases.children), and that list as text:
 * the codes separated by spaces. A dispatch to one more is refused (casework.c). */
#define FQ_MAX_CHILDREN 16
#define FQ_CHILDREN_LEN (FQ_MAX_CHILDREN * (FQ_UNIT_CODE_LEN + 1))
#define FQ_CHILDREN_TEXT "array_to_string(children, ' ')"

/* fq_store_send to every unit of CHILDREN (as FQ_CHILDREN_LEN) but SKIP (NULL: none). A code
 * that is not a unit directly below this one (the configuration changed) is passed over. */
fq_store_rc_t fq_store_send_children(const fq_store_t *st, const char *uuid, const char *children,
                                     const char *skip, char *err, size_t errlen);

/* How many units CHILDREN lists, and whether CODE is one of them. */
int fq_children_count(const char *children);
bool fq_children_has(const char *children, const char *code);

/* A neighbour's copy C as a row of `cases`, past the unit and the two columns that depend on
 * who sent it (from_child, sent_up): TEXTS are uuid, case_no, title, description, category,
 * track, source, address, grid, reporter, state, holder, origin_unit, track_rule, binding;
 * INTS are risk, version, created_ms, updated_ms, deadline_ms, amount, bounce_count,
 * clock_start_ms, paused_ms, extension_days, unsatisfied. Borrowed from C. */
enum { FQ_COPY_TEXTS = 15, FQ_COPY_INTS = 11 };
void fq_store_copy_columns(const Fq__Case *c, const char *texts[FQ_COPY_TEXTS],
                           int64_t ints[FQ_COPY_INTS]);

/* History entry E of a neighbour's copy of case CASE_UUID as a row of `case_events`, past the
 * unit: case uuid, event_uuid, at_unit, action, from_state, to_state, actor, note, prev_hash,
 * hash (then at_ms, E's own). Borrowed from E. */
enum { FQ_EVENT_TEXTS = 10 };
void fq_store_event_columns(const char *case_uuid, const Fq__Event *e,
                            const char *texts[FQ_EVENT_TEXTS]);

/* The hash of the entry a new entry of case UUID (an SQL expression; $1 is the unit) chains
 * to: the case's one entry that no other entry names as previous, or '' for the first. Taken
 * as `prev` of a subquery with OFFSET 0, so that it is looked up once per entry: folded into
 * the statement, it would be looked up again for each place prev is used. The
 * entries are walked newest first in the order of the index (uuid, unit, at), so the tip, which
 * is nearly always the newest, ends the walk: one probe for it, not one for every entry. `at`
 * is made from at_ms everywhere, so the two orders agree. */
#define FQ_CHAIN_TIP(UUID)                                                                      \
    "coalesce((SELECT e.hash FROM case_events e WHERE e.unit = $1 AND e.uuid = " UUID           \
    " AND NOT EXISTS (SELECT 1 FROM case_events f WHERE f.unit = e.unit AND f.uuid = e.uuid"    \
    " AND f.prev_hash = e.hash) ORDER BY e.at DESC LIMIT 1), '')"

/* Append one history entry to case UUID; sent ahead (fq_db_send), its outcome known by COMMIT.
 * In a batch (ST->batch) it waits for the batch's next history write instead. */
fq_store_rc_t fq_store_add_event(const fq_store_t *st, const char *uuid, const char *action,
                                 const char *from, const char *to, const char *actor,
                                 const char *note, char *err, size_t errlen);

/* Record the parties of case UUID (ignoring ones already recorded). */
fq_store_rc_t fq_store_insert_parties(const fq_store_t *st, const char *uuid,
                                      Fq__Party *const *parties, size_t n, char *err,
                                      size_t errlen);

/* A submission IN by ACTOR must be complete, within its sizes and name a known category: 0, or
 * -1 with the reason in ERR. Pure; checked before anything of a batch is written. */
int fq_store_check_submission(const fq_cfg_t *cfg, const Fq__Case *in, const char *actor, char *err,
                              size_t errlen);

/* The free text of case C and its parties, and ACTOR (NULL: none), as fq_text_check takes it:
 * a title is one line of at most 200 characters, a description lines of at most 4000, .... 0, or
 * -1 with the reason, naming the field, in ERR. Intake and a neighbour's copies alike. */
int fq_store_check_case_text(const Fq__Case *c, const char *actor, char *err, size_t errlen);

/* A neighbour's copy C must be complete and talk about units and categories we know: 0, or -1
 * with the reason in ERR. Pure; both ways of applying copies check with it. */
int fq_store_check_copy(const fq_store_t *st, const Fq__Case *c, char *err, size_t errlen);

/* Whether unit CODE, one the deployment has, is on PEER's side of the tree: at or below PEER
 * when PEER is a child of this unit, outside this unit's part of the tree when it is the
 * parent. */
bool fq_store_on_side(const fq_store_t *st, const char *peer, const char *code);

/* What this unit has of a case a copy would move on (borrowed strings). */
typedef struct {
    const char *holder, *origin;
    int64_t version;
} fq_store_held_t;

/* A copy C from PEER that would write the case row: new to us (HELD NULL) or newer than HELD.
 * It must come from where the case can have moved (sync_sides.c): 0, or -1 with the reason in
 * ERR. Pure. */
int fq_store_check_moved(const fq_store_t *st, const char *peer, const Fq__Case *c,
                         const fq_store_held_t *held, char *err, size_t errlen);

/* The actions a Directive may carry (extension_grant, ...), NULL-terminated. */
extern const char *const fq_store_directive_actions[];

/* A directive D from neighbour PEER must name a case and one of fq_store_directive_actions, an
 * extension decision must come from the tier above, and an ack of a notice must be signed by a
 * unit on PEER's side of this unit, its text fit for a history entry: 0, or -1 with the reason
 * in ERR. Pure; fq_store_directive checks with it before it reads the case. */
int fq_store_check_directive(const fq_store_t *st, const char *peer, const Fq__Directive *d,
                             char *err, size_t errlen);

/* fq_store_act inside the caller's transaction, for an action of the daemon's own (a notice,
 * a directive from a neighbour). */
fq_store_rc_t fq_store_act_tx(const fq_store_t *st, const char *ref, fq_action_t action,
                              const fq_act_t *a, char *err, size_t errlen);

/* Set-based writes of a neighbour's copies (sync_batch.c): the rows of one table for every copy
 * COPIES[i] with WHICH[i], in one statement, nothing when none carries any. Each leaves what is
 * stored as applying the copies one after the other would: history entries, documents,
 * notices, feedback records and departments already stored are kept; a notice takes a later
 * acknowledgement, a feedback record a review that finds it unreasonable (a statement of their
 * own). An entry, document, notice or feedback record new here must have been made on the side
 * of the tree neighbour PEER stands for, else the statement fails (DBERR) naming it. */
fq_store_rc_t fq_store_merge_events(const fq_store_t *st, const char *peer,
                                    const Fq__Case *const *copies, size_t n, const bool *which,
                                    char *err, size_t errlen);
fq_store_rc_t fq_store_merge_documents(const fq_store_t *st, const char *peer,
                                       const Fq__Case *const *copies, size_t n, const bool *which,
                                       char *err, size_t errlen);
fq_store_rc_t fq_store_merge_notices(const fq_store_t *st, const char *peer,
                                     const Fq__Case *const *copies, size_t n, const bool *which,
                                     char *err, size_t errlen);
fq_store_rc_t fq_store_merge_feedback(const fq_store_t *st, const char *peer,
                                      const Fq__Case *const *copies, size_t n, const bool *which,
                                      char *err, size_t errlen);
fq_store_rc_t fq_store_add_departments(const fq_store_t *st, const Fq__Case *const *copies,
                                       size_t n, const bool *which, char *err, size_t errlen);

/* Owe PEER a copy of case UUID, queued by fq_store_batch_flush. */
fq_store_rc_t fq_store_batch_defer(fq_store_batch_t *b, const char *uuid, const char *peer,
                                   char *err, size_t errlen);

/* Keep a history entry of case UUID for ST->batch's next history write: one statement for
 * the entries of many cases, made before the batch's copies are read and whenever a case gets
 * its second entry (which chains to the first). */
fq_store_rc_t fq_store_batch_add_event(const fq_store_t *st, const char *uuid,
                                       const char *action, const char *from, const char *to,
                                       const char *actor, const char *note, char *err,
                                       size_t errlen);

/* An action of the batch was refused after it had written. */
void fq_store_batch_mark_late(fq_store_batch_t *b);

/* Commit when RC is OK, roll back otherwise; returns the final outcome. */
fq_store_rc_t fq_store_finish(const fq_store_t *st, fq_store_rc_t rc, char *err, size_t errlen);

#endif
