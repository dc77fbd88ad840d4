/* text.c - checking users' free text (UTF-8, control characters, bidirectional controls, length
 * in characters) and escaping it for log lines, terminals and JSON. */
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The code point of the UTF-8 sequence at S into *CP: its length in bytes, or 0 when S does not
 * start a valid one (a stray or missing continuation byte, an overlong form, a surrogate, past
 * U+10FFFF), as PostgreSQL would refuse it. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (len == 0 || s[0] > 0xf4)
        return 0;
    uint32_t c = s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < least[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

/* C0 controls, DEL and the C1 controls (U+0085 is a newline to some, U+009B an escape). */
static bool is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* Unicode's bidirectional embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069):
 * they make what follows display in another order than it is stored ("Trojan Source"). */
static bool is_bidi(uint32_t c)
{
    return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* May a field of KIND hold control character C at S (where \r must begin \r\n)? */
static bool control_allowed(uint32_t c, const unsigned char *s, fq_text_kind_t kind)
{
    return kind == FQ_TEXT_LINES && (c == '\n' || c == '\t' || (c == '\r' && s[1] == '\n'));
}

static int fail_control(const fq_text_field_t *f, uint32_t c, size_t at, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: control character U+%04X at character %zu; %s", f->name, (unsigned)c,
             at,
             f->kind == FQ_TEXT_LINE ? "it must be one line of printable text"
                                     : "only newlines and tabs are allowed");
    return -1;
}

static int fail_bidi(const fq_text_field_t *f, uint32_t c, size_t at, char *err, size_t errlen)
{
    snprintf(err, errlen,
             "%s: bidirectional control character U+%04X at character %zu; it would show the "
             "text in another order than it is written",
             f->name, (unsigned)c, at);
    return -1;
}

int fq_text_check(const fq_text_field_t *f, char *err, size_t errlen)
{
    if (!f->value)
        return 0;
    const unsigned char *s = (const unsigned char *)f->value, *p = s;
    size_t chars = 0;
    while (*p) {
        uint32_t c;
        size_t len = utf8_next(p, &c);
        if (len == 0) {
            snprintf(err, errlen, "%s: not valid UTF-8 (byte 0x%02x at byte %zu)", f->name, *p,
                     (size_t)(p - s) + 1);
            return -1;
        }
        chars++;
        if (is_control(c) && !control_allowed(c, p, f->kind))
            return fail_control(f, c, chars, err, errlen);
        if (is_bidi(c))
            return fail_bidi(f, c, chars, err, errlen);
        p += len;
    }
    if (chars > f->max) {
        snprintf(err, errlen, "%s: %zu characters long, at most %zu allowed", f->name, chars,
                 f->max);
        return -1;
    }
    return 0;
}

int fq_text_check_all(const fq_text_field_t *fields, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (fq_text_check(&fields[i], err, errlen) < 0)
            return -1;
    return 0;
}

/* White space and the invisible characters a title of nothing may be made of. */
static bool is_space(uint32_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200b) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000 || c == 0xfeff;
}

bool fq_text_blank(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t c;
        size_t len = utf8_next(p, &c);
        if (len == 0 || !is_space(c))
            return false;
        p += len;
    }
    return true;
}

/* The escape of the character C at P, LEN bytes long (0: P is a byte of invalid UTF-8), into
 * ESC (12 bytes): \n, \t, \r, \xNN or \uNNNN; NULL when the character is shown as it is. */
static const char *escape_of(const unsigned char *p, size_t len, uint32_t c, char esc[12])
{
    if (len == 0)
        snprintf(esc, 12, "\\x%02x", *p);
    else if (c == '\n' || c == '\t' || c == '\r')
        snprintf(esc, 12, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
    else if (c < 0x80 && is_control(c))
        snprintf(esc, 12, "\\x%02x", (unsigned)c);
    else if (is_control(c) || is_bidi(c))
        snprintf(esc, 12, "\\u%04x", (unsigned)c);
    else
        return NULL;
    return esc;
}

size_t fq_text_escape(char *out, size_t outlen, const char *in)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t n = 0;
    while (*p) {
        uint32_t c = 0;
        size_t len = utf8_next(p, &c);
        char esc[12];
        const char *piece = escape_of(p, len, c, esc);
        size_t plen = piece ? strlen(piece) : len;
        if (n + plen >= outlen)
            break;
        memcpy(out + n, piece ? piece : (const char *)p, plen);
        n += plen;
        p += len ? len : 1;
    }
    out[n] = '\0';
    return n;
}

void fq_text_print(FILE *out, const char *in, fq_text_kind_t kind, const char *indent)
{
    const unsigned char *p = (const unsigned char *)(in ? in : "");
    while (*p) {
        uint32_t c = 0;
        size_t len = utf8_next(p, &c);
        char esc[12];
        const char *piece = escape_of(p, len, c, esc);
        if (piece && len && control_allowed(c, p, kind)) {
            fputs(c == '\t' ? "\t" : "\n", out);
            if (c != '\t' && indent)
                fputs(indent, out);
            len += c == '\r'; /* \r\n is one newline */
        } else if (piece)
            fputs(piece, out);
        else
            fwrite(p, 1, len, out);
        p += len ? len : 1;
    }
}

const char *fq_text_escape_next(const char *in, fq_text_kind_t kind, size_t *len, char esc[12])
{
    const unsigned char *p = (const unsigned char *)in;
    uint32_t c = 0;
    size_t n = utf8_next(p, &c);
    *len = n ? n : 1;
    if (n && control_allowed(c, p, kind)) {
        *len += c == '\r'; /* \r\n is one newline */
        return NULL;
    }
    return escape_of(p, n, c, esc);
}

void fq_text_json(FILE *out, const char *in)
{
    if (!in) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)in; *p;) {
        uint32_t c = 0;
        size_t len = utf8_next(p, &c);
        if (len == 0)
            fputs("\\ufffd", out); /* JSON is Unicode: a byte that is not is replaced */
        else if (c == '"' || c == '\\')
            fprintf(out, "\\%c", (char)c);
        else if (c == '\n' || c == '\t' || c == '\r')
            fprintf(out, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
        else if (is_control(c) || is_bidi(c))
            fprintf(out, "\\u%04x", (unsigned)c);
        else
            fwrite(p, 1, len, out);
        p += len ? len : 1;
    }
    fputc('"', out);
}
