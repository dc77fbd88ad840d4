/* log.c - line-oriented logging with the unit code on every line and personal data masked. */
#include "log.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static char s_unit[32] = "-";
static fq_log_level_t s_min = FQ_LOG_INFO;
static FILE *s_stream;

static const char *s_level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void fq_log_init(const char *unit, fq_log_level_t min_level, FILE *stream)
{
    snprintf(s_unit, sizeof s_unit, "%s", unit ? unit : "-");
    s_min = min_level;
    s_stream = stream;
}

/* Length of the run of digits (and, for IDs, a final X) starting at P. */
static size_t digit_run(const char *p)
{
    size_t n = 0;
    while (isdigit((unsigned char)p[n]))
        n++;
    if (n == 17 && (p[n] == 'X' || p[n] == 'x'))
        n++;
    return n;
}

void fq_log_mask(char *text)
{
    char *p = text;
    while (*p) {
        if (!isdigit((unsigned char)*p)) {
            p++;
            continue;
        }
        size_t n = digit_run(p);
        if (n == 11 && p[0] == '1')
            memset(p + 3, '*', 4); /* mobile: keep prefix and last four */
        else if (n == 18)
            memset(p + 6, '*', 8); /* resident ID: keep region and last four */
        p += n;
    }
}

void fq_log(fq_log_level_t level, const char *fmt, ...)
{
    if (level < s_min)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fq_log_mask(line);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    FILE *out = s_stream ? s_stream : stderr;
    fprintf(out, "%s.%03d %s %s %s\n", stamp, (int)(tv.tv_usec / 1000), s_unit,
            s_level_names[level], line);
    fflush(out);
}
