/* i18n.c - which language fupin speaks and where its catalogue is. Chinese
 * unless a person asked otherwise; the choice travels to child processes in
 * LANGUAGE. Never touches LC_NUMERIC, LC_TIME or LC_COLLATE. */
#include "i18n.h"
#include "err.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FUPIN_LOCALEDIR
#define FUPIN_LOCALEDIR "/usr/local/share/locale"
#endif

static const char *language = "zh_CN";
static int from_environment; /* a person's LANGUAGE/LC_ALL/LC_MESSAGES wins over the config */
static char locale_dir[4096] = FUPIN_LOCALEDIR;

/* "C", "POSIX", "C.UTF-8" and friends name no language: they are what
 * containers, cron and CI set, not a person's choice. */
static int is_no_language(const char *v)
{
    return !v || !*v || strcmp(v, "POSIX") == 0 || strcmp(v, "C") == 0 || strncmp(v, "C.", 2) == 0;
}

/* The language of one entry (zh_CN.UTF-8, zh, en_GB, en), or NULL when we
 * have nothing closer than English for it. */
static const char *language_of(const char *entry, size_t len)
{
    if (len >= 2 && strncmp(entry, "zh", 2) == 0)
        return "zh_CN";
    if (len >= 2 && strncmp(entry, "en", 2) == 0)
        return "en";
    return NULL;
}

/* LANGUAGE is a list in order of preference ("fr:zh_CN"); the first entry
 * we have wins, and a list of only languages we lack means English, the
 * second language. LC_ALL and LC_MESSAGES hold one locale name. */
static const char *language_from_env(void)
{
    static const char *const vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (is_no_language(v))
            continue;
        for (const char *p = v; *p;) {
            size_t n = strcspn(p, ":");
            const char *lang = language_of(p, n);
            if (lang)
                return lang;
            p += n;
            if (*p == ':')
                p++;
        }
        return "en";
    }
    return NULL;
}

static int has_catalogue(const char *dir)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/zh_CN/LC_MESSAGES/" I18N_DOMAIN ".mo", dir);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The build tree puts locale/ beside the binary; an install puts the binary
 * in bin/ and the catalogue in share/locale/. Looking there first lets a
 * build run from any working directory without being installed. */
static void find_locale_dir(void)
{
    const char *env = getenv("FUPIN_LOCALEDIR");
    if (env && *env && has_catalogue(env)) {
        snprintf(locale_dir, sizeof locale_dir, "%s", env);
        return;
    }
    char exe[2048];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"/locale", "/../share/locale"};
            char dir[4096];
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                snprintf(dir, sizeof dir, "%s%s", exe, rel[i]);
                if (has_catalogue(dir)) {
                    snprintf(locale_dir, sizeof locale_dir, "%s", dir);
                    return;
                }
            }
        }
    }
    snprintf(locale_dir, sizeof locale_dir, "%s", FUPIN_LOCALEDIR);
}

/* gettext caches translations per domain; textdomain() after LANGUAGE
 * changed is what makes the next gettext() look again. */
static void use_language(const char *lang)
{
    language = lang;
    setenv("LANGUAGE", lang, 1);
    textdomain(I18N_DOMAIN);
}

/* glibc ignores LANGUAGE while LC_MESSAGES is "C" and converts messages to
 * the LC_CTYPE charset (ASCII under "C": Chinese strerror() text would come
 * out as "????"). C.UTF-8 is built into Debian's glibc, needs no installed
 * locale and has no language of its own: LANGUAGE alone decides. */
static void set_utf8(int category)
{
    if (!setlocale(category, "C.UTF-8") && !setlocale(category, "C.utf8"))
        setlocale(category, "");
}

void i18n_init(void)
{
    const char *lang = language_from_env();
    from_environment = lang != NULL;
    set_utf8(LC_CTYPE);
    set_utf8(LC_MESSAGES);
    find_locale_dir();
    bindtextdomain(I18N_DOMAIN, locale_dir);
    bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
    use_language(lang ? lang : "zh_CN");
}

int i18n_apply_config(const char *lang)
{
    const char *chosen;
    if (!lang || !*lang || strcmp(lang, "zh-CN") == 0)
        chosen = "zh_CN";
    else if (strcmp(lang, "en") == 0)
        chosen = "en";
    else
        return ERR_INVALID;
    if (!from_environment && strcmp(chosen, language) != 0)
        use_language(chosen);
    return 0;
}

const char *i18n_language(void)
{
    return language;
}

const char *i18n_locale_dir(void)
{
    return locale_dir;
}
