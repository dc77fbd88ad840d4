/* test_db_array.c - array literals for set-based writes: quoting, NULLs, integers, the empty
 * array, and reuse after reading the value. */
#include "check.h"
#include "db_array.h"

static void test_text_quoting(void)
{
    fq_arr_t a = FQ_ARR_INIT;
    fq_arr_text(&a, "邻居 噪音");
    fq_arr_text(&a, "say \"hi\", then \\ leave {now}");
    fq_arr_text(&a, NULL);
    fq_arr_text(&a, "");
    CHECK_STR(fq_arr_value(&a), "{\"邻居 噪音\",\"say \\\"hi\\\", then \\\\ leave {now}\",NULL,\"\"}");
    CHECK(a.n == 4);
    fq_arr_free(&a);
}

static void test_ints_and_empty(void)
{
    fq_arr_t a = FQ_ARR_INIT;
    CHECK_STR(fq_arr_value(&a), "{}");
    fq_arr_int(&a, -9223372036854775807LL - 1);
    fq_arr_int(&a, 0);
    fq_arr_int(&a, 42);
    CHECK_STR(fq_arr_value(&a), "{-9223372036854775808,0,42}");
    fq_arr_int(&a, 7); /* appending after reading the value goes on from where it was */
    CHECK_STR(fq_arr_value(&a), "{-9223372036854775808,0,42,7}");
    fq_arr_free(&a);
    CHECK(a.buf == NULL && a.n == 0);
}

static void test_growth(void)
{
    fq_arr_t a = FQ_ARR_INIT;
    for (int i = 0; i < 5000; i++)
        fq_arr_text(&a, "\"\"\"\"");
    const char *v = fq_arr_value(&a);
    CHECK(v != NULL);
    CHECK(v && strlen(v) == 2 + 5000 * 10 + 4999);
    CHECK(v && v[0] == '{' && v[strlen(v) - 1] == '}');
    fq_arr_free(&a);
}

int main(void)
{
    test_text_quoting();
    test_ints_and_empty();
    test_growth();
    CHECK_DONE();
}
