/* log.h - one logging call for the whole process: level, unit code on every line, personal data
 * masked. Only the layer that handles an error logs it. */
#ifndef FQ_LOG_H
#define FQ_LOG_H

#include <stdbool.h>
#include <stdio.h>

typedef enum { FQ_LOG_DEBUG = 0, FQ_LOG_INFO, FQ_LOG_WARN, FQ_LOG_ERROR } fq_log_level_t;

/* Set the unit code printed on every line, the lowest level printed and the stream (borrowed,
 * stderr when NULL). May be called again, e.g. once the unit is known. */
void fq_log_init(const char *unit, fq_log_level_t min_level, FILE *stream);

/* Format and write one line; the level is checked before any formatting. Control characters
 * and invalid UTF-8 in the formatted text come out escaped (fq_text_escape), so text from users
 * can neither break the line nor reach a terminal as an escape sequence. */
void fq_log(fq_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* HOLD: DEBUG and INFO lines wait in a buffer until fq_log_flush, a WARN or ERROR line, or a
 * full buffer, and go out together in one write. A daemon holds them within a turn of its loop
 * and flushes before it waits: a line per case taken in would otherwise cost a system call per
 * case. Not holding (the default) flushes every line at once. */
void fq_log_hold(bool hold);
void fq_log_flush(void);

/* Mask mainland mobile numbers (1xxxxxxxxxx -> 138****1234) and 18-character ID numbers in TEXT,
 * in place. Exposed for the tests. */
void fq_log_mask(char *text);

#define fq_debug(...) fq_log(FQ_LOG_DEBUG, __VA_ARGS__)
#define fq_info(...) fq_log(FQ_LOG_INFO, __VA_ARGS__)
#define fq_warn(...) fq_log(FQ_LOG_WARN, __VA_ARGS__)
#define fq_error(...) fq_log(FQ_LOG_ERROR, __VA_ARGS__)

#endif
