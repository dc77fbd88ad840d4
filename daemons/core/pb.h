/* pb.h - helpers around the protobuf-c messages we build by hand (not by unpacking): allocation,
 * freeing, uuids and clocks. Messages built here are freed with fq_pb_* functions, never with
 * the generated *__free_unpacked. */
#ifndef FQ_PB_H
#define FQ_PB_H

#include <stddef.h>
#include <stdint.h>

#include "fengqiao.pb-c.h"

/* strdup that maps NULL to NULL and aborts the message on allocation failure by returning
 * NULL; callers treat NULL fields as absent. */
char *fq_pb_strdup(const char *s);

/* New zeroed Case / Event / LinkStatus, owned by the caller; NULL on allocation failure. */
Fq__Case *fq_pb_case_new(void);
Fq__Event *fq_pb_event_new(void);
Fq__Party *fq_pb_party_new(void);

/* Free a hand-built Case with its parties and history; accepts NULL. */
void fq_pb_case_free(Fq__Case *c);
void fq_pb_cases_free(Fq__Case **cases, size_t n);

/* Append to a repeated field; return 0 or -1 (the item is not taken on failure). */
int fq_pb_case_add_event(Fq__Case *c, Fq__Event *e);
int fq_pb_case_add_party(Fq__Case *c, Fq__Party *p);
int fq_pb_case_add_document(Fq__Case *c, Fq__Document *d);
int fq_pb_case_add_assignment(Fq__Case *c, Fq__Assignment *a);

/* Free one hand-built Document / Assignment; accept NULL. */
void fq_pb_document_free(Fq__Document *d);
void fq_pb_assignment_free(Fq__Assignment *a);
void fq_pb_notice_free(Fq__Notice *n);
void fq_pb_feedback_free(Fq__Feedback *f);
void fq_pb_notices_free(Fq__Notice **notices, size_t n);
int fq_pb_case_add_notice(Fq__Case *c, Fq__Notice *n);
int fq_pb_case_add_feedback(Fq__Case *c, Fq__Feedback *f);

/* A new uuid in its 36-character text form: time-ordered (version 7), so keys made later sort
 * later. */
void fq_uuid7(char out[37]);

/* Wall-clock time in milliseconds since the epoch, moved forward by the test clock when
 * FQ_TEST_CLOCK_FILE is set (tests only; see pb.c). */
int64_t fq_now_ms(void);

/* Monotonic milliseconds, for timers. */
int64_t fq_mono_ms(void);

#endif
