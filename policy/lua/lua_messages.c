/* lua_messages.c - Lua's own error messages (parser and runtime: "attempt
 * to index a nil value (field 'x')", "'end' expected near <eof>") in the
 * language of the process, for the policy officers who read them. Matches
 * whole known sentences and rebuilds them from a translated template, so
 * no English is glued into a Chinese sentence; anything it does not know
 * stays as Lua wrote it. Runs only when a policy has failed, never per
 * household otherwise. */
#include "i18n.h"
#include "policy_lua_internal.h"

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

/* A Lua sentence (POSIX ERE, up to 4 groups) and its template, whose %s
 * take the groups in order. */
struct lua_sentence {
    const char *pattern;
    const char *msgid;
};

#define VAR "\\(([a-z]+) '([^']*)'\\)"

static const struct lua_sentence sentences[] = {
    {"attempt to index a ([a-z]+) value " VAR, N_("attempt to index a %s value (%s '%s')")},
    {"attempt to index a ([a-z]+) value", N_("attempt to index a %s value")},
    {"attempt to call a ([a-z]+) value " VAR, N_("attempt to call a %s value (%s '%s')")},
    {"attempt to call a ([a-z]+) value", N_("attempt to call a %s value")},
    {"attempt to perform arithmetic on a ([a-z]+) value " VAR,
     N_("attempt to perform arithmetic on a %s value (%s '%s')")},
    {"attempt to perform arithmetic on a ([a-z]+) value",
     N_("attempt to perform arithmetic on a %s value")},
    {"attempt to concatenate a ([a-z]+) value " VAR,
     N_("attempt to concatenate a %s value (%s '%s')")},
    {"attempt to concatenate a ([a-z]+) value", N_("attempt to concatenate a %s value")},
    {"attempt to get length of a ([a-z]+) value " VAR,
     N_("attempt to get length of a %s value (%s '%s')")},
    {"attempt to get length of a ([a-z]+) value", N_("attempt to get length of a %s value")},
    {"attempt to compare two ([a-z]+) values", N_("attempt to compare two %s values")},
    {"attempt to compare ([a-z]+) with ([a-z]+)", N_("attempt to compare %s with %s")},
    {"'([^']*)' expected \\(to close '([^']*)' at line ([0-9]+)\\) near (.*)",
     N_("'%s' expected (to close '%s' at line %s) near %s")},
    {"'([^']*)' expected near (.*)", N_("'%s' expected near %s")},
    {"unexpected symbol near (.*)", N_("unexpected symbol near %s")},
    {"unfinished string near (.*)", N_("unfinished string near %s")},
    {"malformed number near (.*)", N_("malformed number near %s")},
    {"bad argument #([0-9]+) to '([^']*)' \\(([a-z]+) expected, got ([a-z ]+)\\)",
     N_("bad argument #%s to '%s' (%s expected, got %s)")},
};

/* The kinds of variable Lua names in "(field 'x')"; printed through _(). */
static const char *const kinds[][2] = {
    {"global", N_("global")}, {"local", N_("local")},     {"method", N_("method")},
    {"field", N_("field")},   {"upvalue", N_("upvalue")}, {"constant", N_("constant")},
};

#define N_SENTENCES (sizeof sentences / sizeof sentences[0])

/* Compiled once, then only read: every worker thread may translate. */
static regex_t sentence_re[N_SENTENCES];
static int sentence_ok[N_SENTENCES];
static pthread_once_t compiled = PTHREAD_ONCE_INIT;

static void compile(void)
{
    for (size_t i = 0; i < N_SENTENCES; i++)
        sentence_ok[i] = regcomp(&sentence_re[i], sentences[i].pattern, REG_EXTENDED) == 0;
}

static const char *kind_word(const char *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i][0], kind) == 0)
            return _(kinds[i][1]);
    return kind;
}

void lua_message_translate(char *buf, size_t size)
{
    pthread_once(&compiled, compile);
    for (size_t i = 0; i < N_SENTENCES; i++) {
        regmatch_t m[5];
        if (!sentence_ok[i] || regexec(&sentence_re[i], buf, 5, m, 0) != 0)
            continue;
        char group[4][128];
        for (int g = 0; g < 4; g++) {
            group[g][0] = 0;
            if (m[g + 1].rm_so >= 0)
                snprintf(group[g], sizeof group[g], "%.*s", (int)(m[g + 1].rm_eo - m[g + 1].rm_so),
                         buf + m[g + 1].rm_so);
        }
        /* The variable's kind is the second group of the sentences that
         * name one: translated as a word of its own. */
        const char *arg1 = strstr(sentences[i].pattern, VAR) ? kind_word(group[1]) : group[1];
        char said[512], out[1024];
        snprintf(said, sizeof said, _(sentences[i].msgid), group[0], arg1, group[2], group[3]);
        snprintf(out, sizeof out, "%.*s%s%s", (int)m[0].rm_so, buf, said, buf + m[0].rm_eo);
        snprintf(buf, size, "%s", out);
        return;
    }
}
