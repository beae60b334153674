/* i18n.h - translated messages. Every string a person reads goes through
 * _() (or N_() where it must be a constant, then _() where it is printed);
 * msgids are English, po/zh_CN.po holds the Chinese, which is the default
 * language. Log lines for operators stay English. */
#ifndef FUPIN_I18N_H
#define FUPIN_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
