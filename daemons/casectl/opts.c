/* opts.c - what casectl says of a command line it cannot take. Every usage error prints one
 * line "casectl: [VERB: ]WHAT" first, then the usage where there is one: an option getopt
 * refused (unknown, ambiguous, missing its value), a bad value, an argument too many or too
 * few. And options given once: a second --title (or --lead, or --grant after --refuse) used to
 * replace the first without a word, so an operator's mistake went to the daemon as the last
 * value. A single-valued option given twice, and two options that contradict each other, are
 * usage errors that say which. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "casectl.h"

static void vcomplain(const char *verb, const char *fmt, va_list ap)
{
    fprintf(stderr, "casectl: %s%s", verb ? verb : "", verb ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void casectl_complain(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vcomplain(verb, fmt, ap);
    va_end(ap);
}

int casectl_usage_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vcomplain(verb, fmt, ap);
    va_end(ap);
    return casectl_verb_usage(verb, stderr, 2);
}

/* The long name of option VAL in OPTS, for a message. */
static const char *name_of(const struct option *opts, int val)
{
    for (; opts->name; opts++)
        if (opts->val == val)
            return opts->name;
    return "?";
}

/* The options of OPTS whose long name begins with the N bytes of NAME; *EXACT is the one named
 * in full, if any. */
static int matches(const struct option *opts, const char *name, size_t n,
                   const struct option **exact)
{
    int count = 0;
    *exact = NULL;
    for (; opts->name; opts++) {
        if (strncmp(opts->name, name, n) != 0)
            continue;
        count++;
        if (strlen(opts->name) == n || !*exact)
            *exact = opts;
    }
    return count;
}

void casectl_opt_refused(const char *verb, const struct option *opts, char **argv, int c)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (c == ':') { /* optopt is the option's value, so an abbreviation is named in full */
        const char *name = optopt ? name_of(opts, optopt) : "?";
        if (strcmp(name, "?") != 0)
            casectl_complain(verb, "--%s needs a value", name);
        else
            casectl_complain(verb, "%s needs a value", arg);
        return;
    }
    if (strncmp(arg, "--", 2) != 0) {
        casectl_complain(verb, "unknown option -%c", optopt ? optopt : '?');
        return;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    const struct option *o;
    int count = matches(opts, name, n, &o);
    bool whole = o && strlen(o->name) == n; /* named in full, though others begin so */
    if ((count == 1 || whole) && eq && o->has_arg == no_argument)
        casectl_complain(verb, "--%s takes no value", o->name);
    else if (count > 1 && !whole)
        casectl_complain(verb, "%.*s is ambiguous (--%s or another)", (int)(n + 2), arg, o->name);
    else
        casectl_complain(verb, "unknown option %.*s", (int)(n + 2), arg);
}

bool casectl_opt_once(casectl_seen_t *seen, const struct option *opts, int val, const char *verb)
{
    unsigned char i = (unsigned char)val;
    if (i < sizeof seen->seen && !seen->seen[i]) {
        seen->seen[i] = true;
        return true;
    }
    casectl_complain(verb, "--%s given twice; give it once", name_of(opts, val));
    return false;
}

bool casectl_opt_apart(const casectl_seen_t *seen, const struct option *opts, int val, int other,
                       const char *verb)
{
    unsigned char i = (unsigned char)val, j = (unsigned char)other;
    if (i >= sizeof seen->seen || j >= sizeof seen->seen || !seen->seen[i] || !seen->seen[j])
        return true;
    casectl_complain(verb, "--%s and --%s conflict; give one of them", name_of(opts, other),
                     name_of(opts, val));
    return false;
}
