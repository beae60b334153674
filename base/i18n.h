/* i18n.h - translated messages. Every string a person reads goes through
 * _() (or N_() where it must be a constant, then _() where it is printed);
 * msgids are English, po/zh_CN.po holds the Chinese, which is the default
 * language. Log lines for operators stay English. Never calls setlocale()
 * on LC_NUMERIC or LC_TIME: numbers in JSON, configs and SQL keep their dot. */
#ifndef FUPIN_I18N_H
#define FUPIN_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* The gettext domain: po/<lang>.po is built into <lang>/LC_MESSAGES/fupin.mo. */
#define I18N_DOMAIN "fupin"

/* Call first in main(), before any thread exists (it calls setenv). Picks
 * the language a person asked for through a non-C LANGUAGE, LC_ALL or
 * LC_MESSAGES (LANG alone is the machine's default and does not count),
 * else Chinese, until i18n_apply_config; then binds the catalogue, which is
 * looked up next to the executable first (see i18n_locale_dir). */
void i18n_init(void);

/* The config's top-level language: ("zh-CN" or "en"; NULL or "" means no
 * choice). Applied only when the environment asked for nothing; sets
 * LANGUAGE so that worker processes started later speak the same. Returns 0,
 * or ERR_INVALID for any other value (config_load has already refused it). */
int i18n_apply_config(const char *language);

/* The language in use: "zh_CN" or "en". */
const char *i18n_language(void);

/* The folder holding <lang>/LC_MESSAGES/fupin.mo that i18n_init bound: the
 * first that has the Chinese catalogue of $FUPIN_LOCALEDIR, <exe dir>/locale
 * (the build tree), <exe dir>/../share/locale (an installed binary), the
 * compiled-in install folder. Valid for the life of the process. */
const char *i18n_locale_dir(void);

#endif
