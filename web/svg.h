/* svg.h - the console's charts: horizontal bar and stacked bar charts drawn
 * on the server as inline SVG inside the page. No script, no external file,
 * no font download: a chart works offline and prints. Labels are data and
 * go through html_text (escaped, resident IDs masked). */
#ifndef FUPIN_SVG_H
#define FUPIN_SVG_H

#include "html.h"

#include <stddef.h>

struct svg_bar {
    const char *label; /* text (escaped here) */
    double value;      /* >= 0 */
    const char *href;  /* NULL: no link; else a URL the page built (escaped here) */
};

/* A horizontal bar chart of n bars, each with its label and value; title is
 * plain text (the chart's accessible name). Writes nothing for n == 0. */
void svg_bars(struct html *h, const char *title, const struct svg_bar *bars, size_t n);

struct svg_stack {
    const char *label;    /* text (escaped here) */
    const double *values; /* one per series, each >= 0 */
};

/* A horizontal stacked bar chart: one bar per row, one colour per series
 * (at most 6; series names are plain text), with a legend. */
void svg_stacked(struct html *h, const char *title, const char *const *series, size_t nseries,
                 const struct svg_stack *rows, size_t n);

#endif
