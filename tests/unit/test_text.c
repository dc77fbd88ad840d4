/* test_text.c - the checks on users' free text (text.c): control characters per kind of field,
 * UTF-8 validity, limits in characters, and the field named in every refusal. */
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
    test_utf8();
    test_limits_in_characters();
    test_blank();
    CHECK_DONE();
}
