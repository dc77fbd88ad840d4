/* log.c - line-oriented logging with the unit code on every line and personal data masked. */
#include "log.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "text.h"

static char s_unit[32] = "-";
static fq_log_level_t s_min = FQ_LOG_INFO;
static FILE *s_stream;

/* Lines held for fq_log_flush (fq_log_hold); empty when none are. */
static bool s_hold;
static char s_held[16384]; /* several lines: a line is at most 4 kB (fq_log) */
static size_t s_nheld;

static const char *s_level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void fq_log_init(const char *unit, fq_log_level_t min_level, FILE *stream)
{
    snprintf(s_unit, sizeof s_unit, "%s", unit ? unit : "-");
    s_min = min_level;
    s_stream = stream;
}

static FILE *log_stream(void)
{
    return s_stream ? s_stream : stderr;
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
    char raw[2048], line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* Users' text is logged (titles, actors, a peer's reasons): a newline in it would forge a
     * line, an escape sequence would reach the terminal of whoever reads the log. */
    fq_text_escape(line, sizeof line, raw);
    fq_log_mask(line);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    char whole[sizeof line + 128];
    int len = snprintf(whole, sizeof whole, "%s.%03d %s %s %s\n", stamp, (int)(tv.tv_usec / 1000),
                       s_unit, s_level_names[level], line);
    size_t n = len < 0 ? 0 : (size_t)len < sizeof whole ? (size_t)len : sizeof whole - 1;
    if (s_nheld + n > sizeof s_held)
        fq_log_flush();
    memcpy(s_held + s_nheld, whole, n);
    s_nheld += n;
    if (!s_hold || level >= FQ_LOG_WARN)
        fq_log_flush();
}

void fq_log_hold(bool hold)
{
    s_hold = hold;
    if (!hold)
        fq_log_flush();
}

void fq_log_flush(void)
{
    if (s_nheld == 0)
        return;
    fwrite(s_held, 1, s_nheld, log_stream());
    fflush(log_stream());
    s_nheld = 0;
}
