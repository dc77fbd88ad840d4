/* test_text.c - the checks on users' free text (text.c): control characters per kind of field,
 * bidirectional controls, UTF-8 validity, limits in characters, and the field named in every
 * refusal; the escapes of what is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "text.h"

static char s_err[256];

/* fq_text_check of VALUE as field NAME of KIND, at most MAX characters: 0 or -1. */
static int check(const char *name, const char *value, size_t max, fq_text_kind_t kind)
{
    s_err[0] = '\0';
    fq_text_field_t f = {.name = name, .value = value, .max = max, .kind = kind};
    return fq_text_check(&f, s_err, sizeof s_err);
}

static void test_control_characters(void)
{
    CHECK(check("title", "楼上噪音扰民", 200, FQ_TEXT_LINE) == 0);
    CHECK(check("title", NULL, 200, FQ_TEXT_LINE) == 0);
    CHECK(check("title", "噪音\n伪造的一行", 200, FQ_TEXT_LINE) < 0);
    CHECK_STR(s_err, "title: control character U+000A at character 3; it must be one line of "
                     "printable text");
    CHECK(check("title", "a\tb", 200, FQ_TEXT_LINE) < 0);
    CHECK(check("title", "x\x1b[2J", 200, FQ_TEXT_LINE) < 0);
    CHECK_STR(s_err, "title: control character U+001B at character 2; it must be one line of "
                     "printable text");
    CHECK(check("address", "del\x7f", 200, FQ_TEXT_LINE) < 0);
    CHECK(strstr(s_err, "address: control character U+007F") == s_err);
    /* C1 controls: U+009B is a one-byte CSI to some terminals. */
    CHECK(check("reporter", "a\xc2\x9b\x32J", 200, FQ_TEXT_LINE) < 0); /* \x32 is 2 */
    CHECK(strstr(s_err, "U+009B") != NULL);
    /* Several lines: newlines, CRLF and tabs, nothing else. */
    CHECK(check("description", "第一行\n第二行\r\n\t第三行", 4000, FQ_TEXT_LINES) == 0);
    CHECK(check("description", "覆盖\r伪造", 4000, FQ_TEXT_LINES) < 0);
    CHECK_STR(s_err, "description: control character U+000D at character 3; only newlines and "
                     "tabs are allowed");
    CHECK(check("note", "bell\a", 4000, FQ_TEXT_LINES) < 0);
    CHECK(strstr(s_err, "note: control character U+0007") == s_err);
}

/* The bidirectional embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069) in UTF-8:
 * a title holding them can display in another order than it is ("Trojan Source"). */
static const char *const s_bidi[] = {
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
};

static void test_bidi_controls(void)
{
    static const unsigned cps[] = {0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
                                   0x2066, 0x2067, 0x2068, 0x2069};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char value[32], want[160];
        snprintf(value, sizeof value, "欠薪%sabc", s_bidi[i]);
        snprintf(want, sizeof want,
                 "title: bidirectional control character U+%04X at character 3; it would show "
                 "the text in another order than it is written",
                 cps[i]);
        CHECK(check("title", value, 200, FQ_TEXT_LINE) < 0);
        CHECK_STR(s_err, want);
        /* Refused in free text too: newlines and tabs are the only exceptions there. */
        CHECK(check("description", value, 4000, FQ_TEXT_LINES) < 0);
        CHECK(strstr(s_err, "description: bidirectional control character") == s_err);
    }
    /* "Trojan Source": an override that turns the rest of a note around. */
    CHECK(check("note", "已化解\u202e退回", 4000, FQ_TEXT_LINES) < 0);
    CHECK(strstr(s_err, "note: bidirectional control character U+202E at character 4") == s_err);
    /* Their neighbours are ordinary: the paragraph separator U+2029, the narrow no-break space
     * U+202F, U+2065 and the deprecated format character U+206A; and the marks LRM, RLM. */
    CHECK(check("title", "a\u2029b\u202fc\u2065d\u206ae", 200, FQ_TEXT_LINE) == 0);
    CHECK(check("title", "a\u200eb\u200fc", 200, FQ_TEXT_LINE) == 0);
}

/* What a log line shows of text with control characters, bidirectional controls and invalid
 * bytes: every one escaped, the rest as it is. */
static void test_escape(void)
{
    char out[128];
    size_t n = fq_text_escape(out, sizeof out, "标题\x1b[2J\xc2\x9b\u202e\u2066x\xff\n\t\x7f");
    CHECK_STR(out, "标题\\x1b[2J\\u009b\\u202e\\u2066x\\xff\\n\\t\\x7f");
    CHECK(n == strlen(out));
    /* Cut at a whole escape, never in the middle of one: 9 bytes hold ab, the escape and NUL. */
    fq_text_escape(out, 9, "ab\u202ecd");
    CHECK_STR(out, "ab\\u202e");
    fq_text_escape(out, 8, "ab\u202ecd");
    CHECK_STR(out, "ab");
    /* One character at a time, for other formats' writers: a newline of either kind and a tab
     * are kept in text of several lines, escaped in one line. */
    char esc[12];
    size_t len;
    CHECK_STR(fq_text_escape_next("\x1b[", FQ_TEXT_LINES, &len, esc), "\\x1b");
    CHECK(len == 1);
    CHECK_STR(fq_text_escape_next("\u202ex", FQ_TEXT_LINES, &len, esc), "\\u202e");
    CHECK(len == 3);
    CHECK_STR(fq_text_escape_next("\xffx", FQ_TEXT_LINES, &len, esc), "\\xff");
    CHECK(len == 1);
    CHECK(fq_text_escape_next("中", FQ_TEXT_LINE, &len, esc) == NULL && len == 3);
    CHECK(fq_text_escape_next("\r\nx", FQ_TEXT_LINES, &len, esc) == NULL && len == 2);
    CHECK(fq_text_escape_next("\tx", FQ_TEXT_LINES, &len, esc) == NULL && len == 1);
    CHECK_STR(fq_text_escape_next("\rx", FQ_TEXT_LINES, &len, esc), "\\r");
    CHECK_STR(fq_text_escape_next("\nx", FQ_TEXT_LINE, &len, esc), "\\n");
}

static void test_utf8(void)
{
    CHECK(check("title", "ok \xe4\xb8\xad \xf0\x9f\x98\x80", 200, FQ_TEXT_LINE) == 0);
    CHECK(check("title", "abc\xff", 200, FQ_TEXT_LINE) < 0);
    CHECK_STR(s_err, "title: not valid UTF-8 (byte 0xff at byte 4)");
    CHECK(check("description", "\xe4\xb8", 4000, FQ_TEXT_LINES) < 0); /* cut short */
    CHECK_STR(s_err, "description: not valid UTF-8 (byte 0xe4 at byte 1)");
    CHECK(check("title", "\xc0\xaf", 200, FQ_TEXT_LINE) < 0);         /* overlong '/' */
    CHECK(check("title", "\xed\xa0\x80", 200, FQ_TEXT_LINE) < 0);     /* a surrogate */
    CHECK(check("title", "\xf4\x90\x80\x80", 200, FQ_TEXT_LINE) < 0); /* past U+10FFFF */
    CHECK(check("title", "\x80", 200, FQ_TEXT_LINE) < 0);             /* a lone continuation */
}

/* N copies of the 3-byte character 中. */
static char *chinese(size_t n)
{
    char *s = malloc(3 * n + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < n; i++)
        memcpy(s + 3 * i, "中", 3);
    s[3 * n] = '\0';
    return s;
}

static void test_limits_in_characters(void)
{
    char *ok = chinese(200), *over = chinese(201);
    CHECK(check("title", ok, 200, FQ_TEXT_LINE) == 0); /* 600 bytes */
    CHECK(check("title", over, 200, FQ_TEXT_LINE) < 0);
    CHECK_STR(s_err, "title: 201 characters long, at most 200 allowed");
    free(ok);
    free(over);
    fq_text_field_t fields[] = {
        {.name = "title", .value = "fine", .max = 200},
        {.name = "party 2 phone", .value = "1380013800012345678901234567890123", .max = 32},
    };
    CHECK(fq_text_check_all(fields, 2, s_err, sizeof s_err) < 0);
    CHECK_STR(s_err, "party 2 phone: 34 characters long, at most 32 allowed");
}

/* What fq_text_print (KIND, INDENT) or, with JSON, fq_text_json writes of IN. */
static char *printed(const char *in, fq_text_kind_t kind, const char *indent, bool json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    if (json)
        fq_text_json(f, in);
    else
        fq_text_print(f, in, kind, indent);
    fclose(f);
    return buf;
}

/* For a terminal: escaped as a log line is, whatever its length; free text keeps its lines
 * (indented) and tabs, a lone \r is escaped. */
static void test_print(void)
{
    char *out = printed("标题\x1b[2J\xc2\x9b\u202ex\xff\n", FQ_TEXT_LINE, "  ", false);
    CHECK_STR(out, "标题\\x1b[2J\\u009b\\u202ex\\xff\\n");
    free(out);
    out = printed("第一行\n第二行\r\n\t第三行\r覆盖\x1b[0m", FQ_TEXT_LINES, "    ", false);
    CHECK_STR(out, "第一行\n    第二行\n    \t第三行\\r覆盖\\x1b[0m");
    free(out);
    out = printed(NULL, FQ_TEXT_LINE, NULL, false);
    CHECK_STR(out, "");
    free(out);
    char *big = chinese(3000); /* 9000 bytes: no buffer cuts it short */
    out = printed(big, FQ_TEXT_LINE, NULL, false);
    CHECK_STR(out, big);
    free(out);
    free(big);
}

/* For JSON: quotes, backslashes, every control and bidirectional control escaped; invalid
 * bytes, which JSON cannot carry, replaced. */
static void test_json(void)
{
    char *out = printed("a\"b\\c\n\t\r\x1b\x7f\xc2\x9b\u2066\xff中", FQ_TEXT_LINE, NULL, true);
    CHECK_STR(out, "\"a\\\"b\\\\c\\n\\t\\r\\u001b\\u007f\\u009b\\u2066\\ufffd中\"");
    free(out);
    out = printed(NULL, FQ_TEXT_LINE, NULL, true);
    CHECK_STR(out, "null");
    free(out);
}

static void test_blank(void)
{
    CHECK(fq_text_blank(NULL));
    CHECK(fq_text_blank(""));
    CHECK(fq_text_blank("   "));
    CHECK(fq_text_blank("\xe3\x80\x80\xe3\x80\x80")); /* U+3000 ideographic space, twice */
    CHECK(fq_text_blank(" \t\n\xc2\xa0\xe2\x80\x8b\xef\xbb\xbf")); /* NBSP, ZWSP, BOM */
    CHECK(!fq_text_blank("\xe3\x80\x80噪音\xe3\x80\x80"));
    CHECK(!fq_text_blank(" x "));
    CHECK(!fq_text_blank("\xff")); /* not blank: refused as invalid UTF-8 instead */
}

int main(void)
{
    test_control_characters();
    test_bidi_controls();
    test_escape();
    test_utf8();
    test_print();
    test_json();
    test_limits_in_characters();
    test_blank();
    CHECK_DONE();
}
