/* text.h - what free text from users may hold, checked where a case's fields come in (intake,
 * actions, a neighbour's copies): valid UTF-8, no control characters (a newline and a tab only
 * in fields of several lines), no bidirectional controls, at most so many characters. And the
 * same text made harmless for a log line. Control characters in a field reach terminals (escape
 * sequences) and logs (a forged line) raw; bidirectional overrides and isolates make a title
 * display in another order than it is stored ("Trojan Source"); invalid UTF-8 would be refused
 * only by PostgreSQL, without naming the field. */
#ifndef FQ_TEXT_H
#define FQ_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    FQ_TEXT_LINE,  /* one line: a title, a name, a phone number, a code */
    FQ_TEXT_LINES, /* free text (a description, a note): newlines (\n or \r\n) and tabs too */
} fq_text_kind_t;

/* Limits in characters (Unicode code points), not bytes: a user counts 200 Chinese characters
 * as 200, though they are 600 bytes of UTF-8. The columns are `text`, unbounded. */
#define FQ_TEXT_SHORT 200   /* titles, names, addresses, actors */
#define FQ_TEXT_REASON 1000 /* reasons, comments */
#define FQ_TEXT_LONG 4000   /* descriptions, notes, feedback, a document's terms */
#define FQ_TEXT_CODE 64     /* codes: category, department, track, channel, notice number */

/* A history entry says what the user said and a little around it (回访 2026-03-01, 张三: NOTE;
 * an actor of the tier above as ACTOR (UNIT)): the limits a neighbour's copy is held to. */
#define FQ_EVENT_ACTOR_MAX (FQ_TEXT_SHORT + 40)
#define FQ_EVENT_NOTE_MAX (FQ_TEXT_LONG + 400)

/* Bytes a buffer needs for N characters and its NUL: UTF-8 takes at most 4 a character. */
#define FQ_TEXT_BYTES(n) (4 * (n) + 1)

/* One field to check: its name as the user knows it (--title is "title"), its value (NULL when
 * absent, which passes), its limit in characters and its kind. */
typedef struct {
    const char *name;
    const char *value;
    size_t max;
    fq_text_kind_t kind;
} fq_text_field_t;

/* The field's value must be valid UTF-8 of at most F->max characters, without control
 * characters (U+0000-U+001F, U+007F, U+0080-U+009F) but, in FQ_TEXT_LINES, \n, \r\n and \t,
 * and without bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
 * 0, or -1 with the reason, naming the field, in ERR. */
int fq_text_check(const fq_text_field_t *f, char *err, size_t errlen);

/* fq_text_check of FIELDS[0..N) in order: the first failure. */
int fq_text_check_all(const fq_text_field_t *fields, size_t n, char *err, size_t errlen);

/* True when S is NULL, empty or only white space (spaces, tabs, newlines, the ideographic space
 * U+3000 and Unicode's other spaces, zero-width space and BOM): a title of nothing. */
bool fq_text_blank(const char *s);

/* IN copied to OUT (OUTLEN > 0 bytes, NUL-terminated, cut at a whole character) with every
 * control character, bidirectional control and byte of invalid UTF-8 escaped (\n, \t, \r,
 * \xNN, \u0085, \u202e), so a log line stays one line of text, in its order. Returns the
 * length written. */
size_t fq_text_escape(char *out, size_t outlen, const char *in);

/* IN (NULL: nothing) written to OUT escaped as fq_text_escape does, however long, for a
 * terminal: text stored before these checks, or by another client, cannot drive it. With
 * FQ_TEXT_LINES a newline (\n or \r\n) is written as a newline and INDENT (may be NULL), and a
 * tab as it is, so that text of several lines stays readable; with FQ_TEXT_LINE they are
 * escaped too. */
void fq_text_print(FILE *out, const char *in, fq_text_kind_t kind, const char *indent);

/* How fq_text_print writes the character at IN (not at its end): *LEN gets its length in bytes
 * (1 for a byte of invalid UTF-8, 2 for the newline \r\n), and the result is its escape in ESC
 * (\x1b, \u202e, \xff) or NULL when it is written as it is, a newline and a tab too in
 * FQ_TEXT_LINES. For writers of other formats (a report's Markdown and CSV) that escape their
 * own characters as well. */
const char *fq_text_escape_next(const char *in, fq_text_kind_t kind, size_t *len, char esc[12]);

/* IN as a JSON string literal on OUT (NULL: null): quotes and backslashes escaped, and every
 * control character and bidirectional control as \n, \t, \r or \uNNNN; a byte of invalid
 * UTF-8, which JSON cannot carry, becomes U+FFFD (\ufffd). */
void fq_text_json(FILE *out, const char *in);

#endif
