/* print.h - casectl's output: readable text with Chinese labels, or one JSON object a line. */
#ifndef CASECTL_PRINT_H
#define CASECTL_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "fengqiao.pb-c.h"

/* CFG (may be NULL) supplies Chinese names of units and categories. */
void casectl_print_case(FILE *out, const Fq__Case *c, const fq_cfg_t *cfg, bool json);
void casectl_print_list(FILE *out, Fq__Case *const *cases, size_t n, const fq_cfg_t *cfg,
                        bool json);
void casectl_print_status(FILE *out, const Fq__OpsReply *rep, const fq_cfg_t *cfg, bool json);
void casectl_print_submitted(FILE *out, const Fq__Case *c, bool json);
void casectl_print_notices(FILE *out, Fq__Notice *const *notices, size_t n, bool json);

/* What verify found in a case's file (REP's case_no, entries, broken_at): in text the daemon's
 * message when the chain holds (a broken one was printed as the refusal), in JSON one object
 * {"case_no", "entries", "intact", "broken_at" (null when intact), "message"}. */
void casectl_print_verify(FILE *out, const Fq__OpsReply *rep, bool json);

/* The daemon's MESSAGE about case REF (an extension decided), as text or as one JSON object
 * {"case", "message"}. */
void casectl_print_message(FILE *out, const char *ref, const char *message, bool json);

/* JSON string literal of S (NULL prints null), control characters, bidirectional controls and
 * invalid UTF-8 escaped (fq_text_json). */
void casectl_json_string(FILE *out, const char *s);

/* S (NULL: nothing) for a terminal, on one line: control characters, bidirectional controls and
 * bytes of invalid UTF-8 escaped as the daemons' log lines escape them (\x1b, \n, \u202e). */
void casectl_text(FILE *out, const char *s);

#endif
