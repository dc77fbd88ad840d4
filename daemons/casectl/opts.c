/* opts.c - options given once: a second --title (or --lead, or --grant after --refuse) used to
 * replace the first without a word, so an operator's mistake went to the daemon as the last
 * value. A single-valued option given twice, and two options that contradict each other, are
 * usage errors that say which. */
#include <stdio.h>
#include <string.h>

#include "casectl.h"

/* The long name of option VAL in OPTS, for a message. */
static const char *name_of(const struct option *opts, int val)
{
    for (; opts->name; opts++)
        if (opts->val == val)
            return opts->name;
    return "?";
}

bool casectl_opt_once(casectl_seen_t *seen, const struct option *opts, int val, const char *verb)
{
    unsigned char i = (unsigned char)val;
    if (i < sizeof seen->seen && !seen->seen[i]) {
        seen->seen[i] = true;
        return true;
    }
    fprintf(stderr, "casectl%s%s: --%s given twice; give it once\n", verb ? " " : "",
            verb ? verb : "", name_of(opts, val));
    return false;
}

bool casectl_opt_apart(const casectl_seen_t *seen, const struct option *opts, int val, int other,
                       const char *verb)
{
    unsigned char i = (unsigned char)val, j = (unsigned char)other;
    if (i >= sizeof seen->seen || j >= sizeof seen->seen || !seen->seen[i] || !seen->seen[j])
        return true;
    fprintf(stderr, "casectl%s%s: --%s and --%s conflict; give one of them\n", verb ? " " : "",
            verb ? verb : "", name_of(opts, other), name_of(opts, val));
    return false;
}
