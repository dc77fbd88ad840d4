/* test_db_array.c - arrays in PostgreSQL's binary format for set-based writes: the header,
 * each element type's bytes, NULLs, uuids read as the server reads them, the empty array, and
 * the arrays that must not be sent. */
#include "check.h"
#include "db_array.h"

#include <stdint.h>

/* The big-endian 32-bit integer at AT. */
static uint32_t get32(const unsigned char *at)
{
    return (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 | at[3];
}

/* Finish A as the only parameter of a query; the parameter's bytes, or NULL when refused. */
static const unsigned char *sent(fq_params_t *p, fq_arr_t *a, char *err, size_t errlen)
{
    *p = (fq_params_t){0};
    err[0] = '\0';
    if (fq_p_array(p, a, err, errlen) < 0)
        return NULL;
    return (const unsigned char *)p->values[0];
}

/* Does the array in BYTES have the one-dimension header of N elements of type OID? */
static int header_is(const unsigned char *bytes, uint32_t oid, uint32_t n, int nulls)
{
    return bytes && get32(bytes) == 1 && get32(bytes + 4) == (uint32_t)nulls &&
           get32(bytes + 8) == oid && get32(bytes + 12) == n && get32(bytes + 16) == 1;
}

static void test_texts_and_nulls(void)
{
    fq_arr_t a = FQ_ARR_INIT;
    fq_params_t p;
    char err[128];
    fq_arr_text(&a, "邻居 \"噪音\" {x}\\");
    fq_arr_text(&a, NULL);
    fq_arr_text(&a, "");
    const unsigned char *b = sent(&p, &a, err, sizeof err);
    CHECK(p.formats[0] == 1 && p.n == 1);
    CHECK(header_is(b, 25, 3, 1));
    size_t first = strlen("邻居 \"噪音\" {x}\\");
    CHECK(b && get32(b + 20) == first && memcmp(b + 24, "邻居 \"噪音\" {x}\\", first) == 0);
    CHECK(b && get32(b + 24 + first) == UINT32_MAX); /* NULL: length -1, no bytes */
    CHECK(b && get32(b + 28 + first) == 0);          /* the empty string */
    CHECK(p.lengths[0] == (int)(20 + 4 + first + 4 + 4));
    fq_arr_free(&a);
    CHECK(a.buf == NULL && a.n == 0 && a.type == FQ_ARR_UNTYPED);

    fq_arr_text(&a, "x");
    b = sent(&p, &a, err, sizeof err);
    CHECK(header_is(b, 25, 1, 0)); /* no NULL: the flag is clear */
    fq_arr_free(&a);
}

static void test_ints_bools_bytes(void)
{
    fq_arr_t a = FQ_ARR_INIT;
    fq_params_t p;
    char err[128];
    fq_arr_int(&a, INT64_MIN);
    fq_arr_int(&a, 42);
    const unsigned char *b = sent(&p, &a, err, sizeof err);
    CHECK(header_is(b, 20, 2, 0));
    CHECK(b && get32(b + 20) == 8 && get32(b + 24) == 0x80000000u && get32(b + 28) == 0);
    CHECK(b && get32(b + 32) == 8 && get32(b + 36) == 0 && get32(b + 40) == 42);
    fq_arr_free(&a);

    fq_arr_bool(&a, true);
    fq_arr_bool(&a, false);
    b = sent(&p, &a, err, sizeof err);
    CHECK(header_is(b, 16, 2, 0));
    CHECK(b && get32(b + 20) == 1 && b[24] == 1 && get32(b + 25) == 1 && b[29] == 0);
    fq_arr_free(&a);

    static const unsigned char body[] = {0, 0xff, '\\', 'x'};
    fq_arr_bytes(&a, body, sizeof body);
    fq_arr_bytes(&a, body, 0);
    b = sent(&p, &a, err, sizeof err);
    CHECK(header_is(b, 17, 2, 0));
    CHECK(b && get32(b + 20) == 4 && memcmp(b + 24, body, 4) == 0 && get32(b + 28) == 0);
    fq_arr_free(&a);
}

/* The forms PostgreSQL's uuid_in reads, all the same uuid; and forms it refuses. */
static void test_uuids(void)
{
    static const unsigned char want[16] = {0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
                                           0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11};
    static const char *const good[] = {
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",    "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",  "a0eebc999c0b4ef8bb6d6bb9bd380a11",
        "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}"};
    fq_params_t p;
    char err[128];
    for (size_t i = 0; i < FQ_NELEMS(good); i++) {
        fq_arr_t a = FQ_ARR_INIT;
        fq_arr_uuid(&a, good[i]);
        fq_arr_uuid(&a, NULL);
        const unsigned char *b = sent(&p, &a, err, sizeof err);
        CHECK(header_is(b, 2950, 2, 1));
        CHECK(b && get32(b + 20) == 16 && memcmp(b + 24, want, 16) == 0);
        CHECK(b && get32(b + 40) == UINT32_MAX);
        fq_arr_free(&a);
    }
    static const char *const bad[] = {
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",   /* a digit short */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111", /* a digit more */
        "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11",  /* a hyphen inside a group of four */
        "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", /* two hyphens */
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", /* a brace not closed */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", /* nor opened */
        "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",  /* not hex */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", /* a trailing hyphen */
        "",
        "C-20261122-0001"};
    for (size_t i = 0; i < FQ_NELEMS(bad); i++) {
        fq_arr_t a = FQ_ARR_INIT;
        fq_arr_uuid(&a, good[0]);
        fq_arr_uuid(&a, bad[i]);
        CHECK(sent(&p, &a, err, sizeof err) == NULL);
        CHECK(strstr(err, "not a uuid") != NULL);
        CHECK(bad[i][0] == '\0' || strstr(err, bad[i]) != NULL);
        CHECK(p.n == 0); /* nothing was added to the query */
        fq_arr_free(&a);
    }
}

static void test_empty_and_refused(void)
{
    fq_arr_t a = FQ_ARR_INIT;
    fq_params_t p;
    char err[128];
    sent(&p, &a, err, sizeof err);
    CHECK(p.n == 1 && p.formats[0] == 0); /* the literal, which fits any array type */
    CHECK_STR(p.values[0], "{}");

    fq_arr_text(&a, "state");
    fq_arr_int(&a, 1); /* a column's appends must be of one type */
    CHECK(sent(&p, &a, err, sizeof err) == NULL);
    CHECK(strstr(err, "one type") != NULL);
    fq_arr_free(&a);

    fq_arr_t zeroed[2] = {0}; /* as the writers declare their columns */
    fq_arr_bool(&zeroed[1], true);
    CHECK(header_is(sent(&p, &zeroed[1], err, sizeof err), 16, 1, 0));
    fq_arr_free(&zeroed[1]);
}

static void test_growth(void)
{
    fq_arr_t a = FQ_ARR_INIT;
    fq_params_t p;
    char err[128];
    for (int i = 0; i < 5000; i++)
        fq_arr_int(&a, i);
    const unsigned char *b = sent(&p, &a, err, sizeof err);
    CHECK(header_is(b, 20, 5000, 0));
    CHECK(p.lengths[0] == 20 + 5000 * 12);
    CHECK(b && get32(b + 20 + 4999 * 12) == 8 && get32(b + 20 + 4999 * 12 + 8) == 4999);
    fq_arr_free(&a);
}

int main(void)
{
    test_texts_and_nulls();
    test_ints_bools_bytes();
    test_uuids();
    test_empty_and_refused();
    test_growth();
    CHECK_DONE();
}
