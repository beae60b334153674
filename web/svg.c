/* svg.c - inline SVG charts (see svg.h). Geometry is computed here in whole
 * pixels; the page's stylesheet is not needed to read a chart. Never loads
 * anything from elsewhere and never writes data unescaped. */
#include "svg.h"

#include <math.h>
#include <stdio.h>

enum { LABEL_W = 210, BAR_W = 380, ROW_H = 22, VALUE_W = 70, PAD = 4 };

/* A colour-blind-safe palette (Okabe-Ito), in series order. */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73",
                                      "#D55E00", "#CC79A7", "#56B4E9"};
#define PALETTE_N (sizeof palette / sizeof palette[0])

static void number(struct html *h, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        html_rawf(h, "%.0f", v);
    else
        html_rawf(h, "%.1f", v);
}

static void begin(struct html *h, const char *title, int height)
{
    int width = LABEL_W + BAR_W + VALUE_W;
    html_rawf(h,
              "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
              "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
              width, height, width, height);
    html_attr(h, title);
    html_raw(h, "\"><title>");
    html_text(h, title);
    html_raw(h, "</title>");
}

static void label(struct html *h, int y, const char *text)
{
    html_rawf(h,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\" "
              "dominant-baseline=\"middle\">",
              LABEL_W - PAD, y + ROW_H / 2);
    html_text(h, text);
    html_raw(h, "</text>");
}

void svg_bars(struct html *h, const char *title, const struct svg_bar *bars, size_t n)
{
    if (!n)
        return;
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (bars[i].value > max)
            max = bars[i].value;
    begin(h, title, (int)n * ROW_H + PAD);
    for (size_t i = 0; i < n; i++) {
        int y = (int)i * ROW_H + PAD;
        double v = bars[i].value > 0 ? bars[i].value : 0;
        int w = max > 0 ? (int)lround(v / max * BAR_W) : 0;
        if (bars[i].href) {
            html_raw(h, "<a href=\"");
            html_attr(h, bars[i].href);
            html_raw(h, "\">");
        }
        label(h, y, bars[i].label);
        html_rawf(h, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>",
                  LABEL_W, y + 3, w, ROW_H - 6, palette[0]);
        html_text(h, bars[i].label);
        html_raw(h, "：");
        number(h, v);
        html_raw(h, "</title></rect>");
        html_rawf(h, "<text x=\"%d\" y=\"%d\" font-size=\"12\" dominant-baseline=\"middle\">",
                  LABEL_W + w + PAD, y + ROW_H / 2);
        number(h, v);
        html_raw(h, "</text>");
        if (bars[i].href)
            html_raw(h, "</a>");
    }
    html_raw(h, "</svg>");
}

void svg_stacked(struct html *h, const char *title, const char *const *series, size_t nseries,
                 const struct svg_stack *rows, size_t n)
{
    if (!n || !nseries)
        return;
    if (nseries > PALETTE_N)
        nseries = PALETTE_N;
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t s = 0; s < nseries; s++)
            sum += rows[i].values[s] > 0 ? rows[i].values[s] : 0;
        if (sum > max)
            max = sum;
    }
    int legend_y = (int)n * ROW_H + PAD * 2;
    begin(h, title, legend_y + ROW_H);
    for (size_t i = 0; i < n; i++) {
        int y = (int)i * ROW_H + PAD, x = LABEL_W;
        double sum = 0;
        label(h, y, rows[i].label);
        for (size_t s = 0; s < nseries; s++) {
            double v = rows[i].values[s] > 0 ? rows[i].values[s] : 0;
            int w = max > 0 ? (int)lround(v / max * BAR_W) : 0;
            sum += v;
            if (!w)
                continue;
            html_rawf(h, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>",
                      x, y + 3, w, ROW_H - 6, palette[s]);
            html_text(h, rows[i].label);
            html_raw(h, " · ");
            html_text(h, series[s]);
            html_raw(h, "：");
            number(h, v);
            html_raw(h, "</title></rect>");
            x += w;
        }
        html_rawf(h, "<text x=\"%d\" y=\"%d\" font-size=\"12\" dominant-baseline=\"middle\">",
                  x + PAD, y + ROW_H / 2);
        number(h, sum);
        html_raw(h, "</text>");
    }
    int x = LABEL_W;
    for (size_t s = 0; s < nseries; s++) {
        html_rawf(h, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", x,
                  legend_y, palette[s]);
        html_rawf(h, "<text x=\"%d\" y=\"%d\" font-size=\"12\">", x + 16, legend_y + 11);
        html_text(h, series[s]);
        html_raw(h, "</text>");
        x += 100;
    }
    html_raw(h, "</svg>");
}
