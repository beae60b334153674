/* no_entry.c - a deliberately broken plugin for the loader's tests: a valid
 * shared object that exports no fupin_plugin_entry. The loader must refuse it. */
#include "fupin_plugin.h"

FUPIN_PLUGIN_EXPORT int fupin_plugin_entry_misspelt(void);

FUPIN_PLUGIN_EXPORT int fupin_plugin_entry_misspelt(void)
{
    return 42;
}
