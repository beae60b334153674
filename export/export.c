/* export.c - the four list formats (see export.h). A cell goes through one
 * pipeline: copy, mask resident IDs, then the format's own escaping (terminal
 * escapes, JSON, CSV quoting with a formula guard, xlsx text cells). Never
 * holds more than the table's first screenful of rows in memory. */
#include "export.h"
#include "i18n.h"
#include "json.h"
#include "scrub.h"
#include "term.h"
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* The table's widths come from the first rows; later rows are cut to fit. */
#define TABLE_SAMPLE_ROWS 200
#define TABLE_MAX_WIDTH 40
/* Excel's limit for one cell's text (characters). */
#define XLSX_MAX_CELL 32767
#define XLSX_MAX_WIDTH 80

struct export
{
    enum export_format format;
    struct export_column *cols;
    size_t ncols;
    FILE *out;     /* where the text formats go, and the xlsx copy */
    int own_out;   /* out was opened from path */
    char *path;    /* NULL: writing to the caller's stream */
    int failed;    /* a row failed: close removes path */
    size_t rows;   /* data rows written */
    char *scratch; /* the current cell, scrubbed */
    size_t scratch_size;
    char *scratch2; /* the same made safe for the format, when it was not */
    size_t scratch2_size;
    size_t *widths;     /* table: column widths; xlsx: widest cell per column */
    int offset_s;       /* the offices' zone, for EXPORT_TIME cells */
    char(*times)[20];   /* EXPORT_TIME cells on that clock, one per column */
    const char **shown; /* a row's cells with those in place */

    /* table: the first rows, held until the widths are known */
    char **sample; /* TABLE_SAMPLE_ROWS * ncols escaped cells */
    size_t nsample;
    int sample_flushed;

    /* xlsx */
    lxw_workbook *wb;
    lxw_worksheet *ws;      /* the sheet being written */
    lxw_worksheet **sheets; /* all of them, for the widths at close */
    lxw_format *bold;
    char *tmp_path;
    char *sheet;
    int nsheets;
    size_t sheet_rows; /* rows per sheet, header included */
    size_t row_in_sheet;
};

int export_format_parse(const char *s, enum export_format *f)
{
    static const char *const names[] = {"table", "json", "csv", "xlsx"};
    for (int i = 0; s && i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *f = (enum export_format)i;
            return 0;
        }
    }
    return ERR_INVALID;
}

int export_format_is_binary(enum export_format f)
{
    return f == EXPORT_XLSX;
}

/* ---- display width ---- */

/* The code point at p (valid UTF-8 assumed) and its length in *n. */
static unsigned decode(const unsigned char *p, size_t *n)
{
    unsigned c = p[0];
    if (c < 0x80 || (c & 0xc0) == 0x80 || c >= 0xf8) {
        *n = 1;
        return c;
    }
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *n = 1;
            return c;
        }
        cp = cp << 6 | (p[i] & 0x3f);
    }
    *n = len;
    return cp;
}

/* East Asian Wide and Fullwidth ranges (Unicode's EastAsianWidth.txt, the
 * blocks Chinese text uses), and the zero-width combining marks. */
static int char_width(unsigned cp)
{
    if ((cp >= 0x0300 && cp <= 0x036f) || cp == 0x200b || (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
        (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
        (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

size_t export_display_width(const char *s)
{
    size_t w = 0, n;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p += n)
        w += (size_t)char_width(decode(p, &n));
    return w;
}

/* The byte length of s's longest prefix of at most width columns. */
static size_t prefix_fitting(const char *s, size_t width, size_t *used)
{
    size_t w = 0, n, at = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (p[at]) {
        unsigned cp = decode(p + at, &n);
        size_t cw = (size_t)char_width(cp);
        if (w + cw > width)
            break;
        w += cw;
        at += n;
    }
    *used = w;
    return at;
}

/* ---- cells ---- */

/* Makes buf (*buf, *size) hold at least need bytes; -1 when out of memory. */
static int reserve(char **buf, size_t *size, size_t need)
{
    if (need <= *size)
        return 0;
    char *b = realloc(*buf, need * 2);
    if (!b)
        return -1;
    *buf = b;
    *size = need * 2;
    return 0;
}

/* The length of the valid UTF-8 character at p (overlong forms, surrogates
 * and code points past U+10FFFF are not), or 0. */
static size_t utf8_valid_len(const unsigned char *p)
{
    size_t n;
    unsigned cp = decode(p, &n);
    if (n == 1)
        return p[0] < 0x80 ? 1 : 0;
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* s, or a copy in scratch2 with every byte that is not UTF-8 replaced by
 * U+FFFD: a JSON parser refuses such bytes, and spreadsheets garble them. */
static const char *valid_utf8(struct export *x, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n;
    for (; *p; p += n)
        if (!(n = utf8_valid_len(p)))
            break;
    if (!*p)
        return s;
    if (reserve(&x->scratch2, &x->scratch2_size, strlen(s) * 3 + 1))
        return NULL;
    char *o = x->scratch2;
    for (p = (const unsigned char *)s; *p; p += n) {
        if ((n = utf8_valid_len(p)) != 0) {
            memcpy(o, p, n);
            o += n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            n = 1;
        }
    }
    *o = '\0';
    return x->scratch2;
}

/* Copies cell into the scratch buffer, masks resident IDs there and makes
 * it safe for the format: valid UTF-8 for JSON and CSV; for xlsx also no
 * control character, which XML cannot hold and which broke the whole
 * workbook (shown as \xNN, as on a terminal). The table escapes its own. */
static const char *scrubbed(struct export *x, const char *cell, struct err *e)
{
    size_t len = cell ? strlen(cell) : 0;
    if (reserve(&x->scratch, &x->scratch_size, len + 1)) {
        err_set(e, ERR_FAIL, "export: out of memory");
        return NULL;
    }
    memcpy(x->scratch, cell ? cell : "", len + 1);
    scrub_ids(x->scratch);
    const char *s = x->scratch;
    if (x->format == EXPORT_JSON || x->format == EXPORT_CSV) {
        s = valid_utf8(x, s);
    } else if (x->format == EXPORT_XLSX && !term_is_clean(s)) {
        if (reserve(&x->scratch2, &x->scratch2_size, len * 4 + 8)) {
            s = NULL;
        } else {
            const char *t = term_escape(x->scratch, x->scratch2, x->scratch2_size);
            if (t != x->scratch2)
                memmove(x->scratch2, t, strlen(t) + 1);
            s = x->scratch2;
        }
    }
    if (!s)
        err_set(e, ERR_FAIL, "export: out of memory");
    return s;
}

/* A number as JSON writes it (and only that): -?digits[.digits][e[+-]digits].
 * Anything else in a number column is written as text. */
static int is_number(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return 0;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return 0; /* a leading zero is a code ("0012"), not a number */
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0' && isfinite(strtod(s, NULL)) && p - s <= 17;
}

/* Spreadsheets run a cell starting with one of these as a formula (and tab
 * or CR at the start can smuggle one in): "=HYPERLINK(...)" in a name. */
static int is_formula_like(const char *s)
{
    return s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

/* ---- table ---- */

static char *escaped_copy(const char *s)
{
    /* Every byte escapes to at most 4 ("\xNN"). */
    size_t size = strlen(s) * 4 + 8;
    char *buf = malloc(size);
    if (!buf)
        return NULL;
    const char *t = term_escape(s, buf, size);
    if (t != buf)
        memcpy(buf, t, strlen(t) + 1);
    return buf;
}

static void table_cell(struct export *x, size_t c, const char *s)
{
    int last = c + 1 == x->ncols;
    if (last) {
        fputs(s, x->out);
        fputc('\n', x->out);
        return;
    }
    size_t used, w = x->widths[c];
    size_t len = prefix_fitting(s, w, &used);
    if (s[len]) {
        /* Too wide: cut with "..." so the columns after it stay aligned. */
        len = prefix_fitting(s, w > 3 ? w - 3 : 0, &used);
        fwrite(s, 1, len, x->out);
        fputs(w >= 3 ? "..." : "", x->out);
        used += w >= 3 ? 3 : 0;
    } else {
        fwrite(s, 1, len, x->out);
    }
    for (; used < w + 2; used++)
        fputc(' ', x->out);
}

static void table_flush_sample(struct export *x)
{
    for (size_t c = 0; c < x->ncols; c++) {
        size_t w = export_display_width(x->cols[c].header);
        for (size_t r = 0; r < x->nsample; r++) {
            size_t cw = export_display_width(x->sample[r * x->ncols + c]);
            if (cw > w)
                w = cw;
        }
        x->widths[c] = w > TABLE_MAX_WIDTH ? TABLE_MAX_WIDTH : w;
    }
    for (size_t c = 0; c < x->ncols; c++)
        table_cell(x, c, x->cols[c].header);
    for (size_t r = 0; r < x->nsample; r++) {
        for (size_t c = 0; c < x->ncols; c++) {
            table_cell(x, c, x->sample[r * x->ncols + c]);
            free(x->sample[r * x->ncols + c]);
            x->sample[r * x->ncols + c] = NULL;
        }
    }
    x->nsample = 0;
    x->sample_flushed = 1;
}

static int table_row(struct export *x, const char *const *cells, struct err *e)
{
    if (!x->sample_flushed && x->nsample == TABLE_SAMPLE_ROWS)
        table_flush_sample(x);
    for (size_t c = 0; c < x->ncols; c++) {
        const char *s = scrubbed(x, cells[c], e);
        if (!s)
            return ERR_FAIL;
        char *esc = escaped_copy(s);
        if (!esc)
            return err_set(e, ERR_FAIL, "export: out of memory");
        if (x->sample_flushed) {
            table_cell(x, c, esc);
            free(esc);
        } else {
            x->sample[x->nsample * x->ncols + c] = esc;
        }
    }
    if (!x->sample_flushed)
        x->nsample++;
    return 0;
}

/* ---- JSON ---- */

static int json_row(struct export *x, const char *const *cells, struct err *e)
{
    fputs(x->rows ? ",\n  {" : "\n  {", x->out);
    for (size_t c = 0; c < x->ncols; c++) {
        const char *s = scrubbed(x, cells[c], e);
        if (!s)
            return ERR_FAIL;
        if (c)
            fputc(',', x->out);
        json_key(x->out, x->cols[c].key);
        if (x->cols[c].kind == EXPORT_NUMBER && !cells[c])
            fputs("null", x->out);
        else if (x->cols[c].kind == EXPORT_NUMBER && is_number(s))
            fputs(s, x->out);
        else
            json_string(x->out, cells[c] ? s : NULL);
    }
    fputc('}', x->out);
    return 0;
}

/* ---- CSV ---- */

static void csv_cell(FILE *f, const char *s, int guard)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL || guard;
    if (quote)
        fputc('"', f);
    /* A leading apostrophe is what Excel itself shows for "this is text". */
    if (guard)
        fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quote)
        fputc('"', f);
}

static int csv_row(struct export *x, const char *const *cells, struct err *e)
{
    for (size_t c = 0; c < x->ncols; c++) {
        const char *s = scrubbed(x, cells ? cells[c] : x->cols[c].header, e);
        if (!s)
            return ERR_FAIL;
        if (c)
            fputc(',', x->out);
        int numeric = cells && x->cols[c].kind == EXPORT_NUMBER && is_number(s);
        csv_cell(x->out, s, !numeric && is_formula_like(s));
    }
    fputs("\r\n", x->out);
    return 0;
}

/* ---- xlsx ---- */

static int xlsx_fail(struct err *e, const char *what, lxw_error rc)
{
    return err_set(e, ERR_FAIL, "export: xlsx %s: %s", what, lxw_strerror(rc));
}

/* The length of s cut to at most max bytes at a character boundary. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

static int xlsx_add_sheet(struct export *x, struct err *e)
{
    char name[128];
    x->nsheets++;
    if (x->nsheets == 1) {
        snprintf(name, sizeof name, "%s", x->sheet);
    } else {
        /* Sheet names hold at most 31 characters: room for " (NN)". */
        size_t keep = utf8_cut(x->sheet, 24);
        snprintf(name, sizeof name, "%.*s (%d)", (int)keep, x->sheet, x->nsheets);
    }
    lxw_worksheet **sheets = realloc(x->sheets, (size_t)x->nsheets * sizeof *sheets);
    if (!sheets)
        return err_set(e, ERR_FAIL, "export: out of memory");
    x->sheets = sheets;
    x->ws = workbook_add_worksheet(x->wb, name);
    if (!x->ws)
        return err_set(e, ERR_INVALID, "export: \"%s\" is not a valid worksheet name", name);
    sheets[x->nsheets - 1] = x->ws;
    worksheet_freeze_panes(x->ws, 1, 0);
    for (size_t c = 0; c < x->ncols; c++) {
        lxw_error rc = worksheet_write_string(x->ws, 0, (lxw_col_t)c, x->cols[c].header, x->bold);
        if (rc)
            return xlsx_fail(e, "header", rc);
    }
    x->row_in_sheet = 1;
    return 0;
}

static void xlsx_note_width(struct export *x, size_t c, const char *s)
{
    size_t w = export_display_width(s);
    if (w > x->widths[c])
        x->widths[c] = w;
}

static int xlsx_row(struct export *x, const char *const *cells, struct err *e)
{
    if (x->row_in_sheet >= x->sheet_rows) {
        int rc = xlsx_add_sheet(x, e);
        if (rc)
            return rc;
    }
    lxw_row_t row = (lxw_row_t)x->row_in_sheet;
    for (size_t c = 0; c < x->ncols; c++) {
        if (!cells[c] || !cells[c][0])
            continue;
        const char *s = scrubbed(x, cells[c], e);
        if (!s)
            return ERR_FAIL;
        lxw_error rc;
        if (x->cols[c].kind == EXPORT_NUMBER && is_number(s)) {
            rc = worksheet_write_number(x->ws, row, (lxw_col_t)c, strtod(s, NULL), NULL);
        } else {
            /* A string cell is never evaluated, "=..." included. */
            ((char *)s)[utf8_cut(s, XLSX_MAX_CELL)] = '\0'; /* s is our buffer */
            rc = worksheet_write_string(x->ws, row, (lxw_col_t)c, s, NULL);
        }
        if (rc)
            return xlsx_fail(e, "cell", rc);
        xlsx_note_width(x, c, s);
    }
    x->row_in_sheet++;
    return 0;
}

static int xlsx_open(struct export *x, const char *sheet, struct err *e)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t n = strlen(dir) + 32;
    x->tmp_path = malloc(n);
    x->sheet = strdup(sheet ? sheet : "Sheet");
    if (!x->tmp_path || !x->sheet)
        return err_set(e, ERR_FAIL, "export: out of memory");
    snprintf(x->tmp_path, n, "%s/fupin-export-XXXXXX", dir);
    int fd = mkstemp(x->tmp_path);
    if (fd < 0) {
        int errno_ = errno;
        free(x->tmp_path);
        x->tmp_path = NULL;
        return err_set(e, ERR_FAIL, "export: temporary file in %s: %s", dir, strerror(errno_));
    }
    close(fd);
    /* constant_memory: each row goes to libxlsxwriter's temporary file as
     * soon as the next one starts, so a million rows take no more memory
     * than one. */
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir};
    x->wb = workbook_new_opt(x->tmp_path, &opts);
    if (!x->wb)
        return err_set(e, ERR_FAIL, "export: cannot start the xlsx workbook");
    x->bold = workbook_add_format(x->wb);
    format_set_bold(x->bold);
    return xlsx_add_sheet(x, e);
}

static int copy_file(const char *from, FILE *to, struct err *e)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return err_set(e, ERR_FAIL, "export: reading the workbook back: %s", strerror(errno));
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, to) != n)
            break;
    }
    int bad = ferror(in);
    fclose(in);
    if (bad)
        return err_set(e, ERR_FAIL, "export: reading the workbook back failed");
    return 0;
}

static int xlsx_close(struct export *x, struct err *e)
{
    int rc = 0;
    if (!x->failed) {
        /* Widths are known only now; libxlsxwriter writes the columns at close. */
        for (int i = 0; i < x->nsheets; i++) {
            for (size_t c = 0; c < x->ncols; c++) {
                size_t w = x->widths[c];
                size_t hw = export_display_width(x->cols[c].header);
                if (hw > w)
                    w = hw;
                if (w > XLSX_MAX_WIDTH)
                    w = XLSX_MAX_WIDTH;
                worksheet_set_column(x->sheets[i], (lxw_col_t)c, (lxw_col_t)c, (double)w + 2, NULL);
            }
        }
    }
    lxw_error lrc = workbook_close(x->wb);
    x->wb = NULL;
    if (!x->failed && lrc)
        rc = xlsx_fail(e, "close", lrc);
    if (!x->failed && !rc)
        rc = copy_file(x->tmp_path, x->out, e);
    unlink(x->tmp_path);
    return rc;
}

/* ---- the interface ---- */

static void export_free(struct export *x)
{
    if (x->sample) {
        for (size_t i = 0; i < x->nsample * x->ncols; i++)
            free(x->sample[i]);
        free(x->sample);
    }
    if (x->cols) {
        for (size_t c = 0; c < x->ncols; c++) {
            free((char *)x->cols[c].key);
            free((char *)x->cols[c].header);
        }
        free(x->cols);
    }
    if (x->wb)
        workbook_close(x->wb);
    if (x->tmp_path) {
        unlink(x->tmp_path);
        free(x->tmp_path);
    }
    free(x->sheet);
    free(x->sheets);
    free(x->widths);
    free(x->scratch);
    free(x->scratch2);
    free(x->times);
    free(x->shown);
    free(x->path);
    free(x);
}

int export_open(struct export **out, enum export_format f, const char *path, FILE *stream,
                const char *sheet, const struct export_column *cols, size_t ncols, struct err *e)
{
    *out = NULL;
    if (ncols == 0 || (!path && !stream))
        return err_set(e, ERR_INVALID, "export: no columns or no output");
    struct export *x = calloc(1, sizeof *x);
    if (!x)
        return err_set(e, ERR_FAIL, "export: out of memory");
    x->format = f;
    x->ncols = ncols;
    x->sheet_rows = EXPORT_XLSX_SHEET_ROWS;
    tz_offset(TZ_DEFAULT, &x->offset_s, NULL);
    x->cols = calloc(ncols, sizeof *x->cols);
    x->widths = calloc(ncols, sizeof *x->widths);
    x->times = calloc(ncols, sizeof *x->times);
    x->shown = calloc(ncols, sizeof *x->shown);
    if (!x->cols || !x->widths || !x->times || !x->shown)
        goto oom;
    for (size_t c = 0; c < ncols; c++) {
        x->cols[c].key = strdup(cols[c].key ? cols[c].key : "");
        x->cols[c].header = strdup(cols[c].header ? cols[c].header : "");
        x->cols[c].kind = cols[c].kind;
        if (!x->cols[c].key || !x->cols[c].header)
            goto oom;
    }
    if (f == EXPORT_TABLE && !(x->sample = calloc(TABLE_SAMPLE_ROWS * ncols, sizeof(char *))))
        goto oom;
    if (path) {
        if (!(x->path = strdup(path)))
            goto oom;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            int errno_ = errno;
            free(x->path);
            x->path = NULL;
            export_free(x);
            return err_set(e, ERR_INVALID, _("%s: cannot write: %s"), path, strerror(errno_));
        }
        /* A list of households is personal data, also in a file that was there. */
        fchmod(fd, 0600);
        x->out = fdopen(fd, "wb");
        if (!x->out) {
            close(fd);
            goto oom;
        }
        x->own_out = 1;
    } else {
        x->out = stream;
    }
    int rc = 0;
    switch (f) {
    case EXPORT_TABLE:
        break;
    case EXPORT_JSON:
        fputc('[', x->out);
        break;
    case EXPORT_CSV:
        /* The BOM is how Excel knows the file is UTF-8 (else it reads GBK). */
        fputs("\xef\xbb\xbf", x->out);
        rc = csv_row(x, NULL, e);
        break;
    case EXPORT_XLSX:
        rc = xlsx_open(x, sheet, e);
        break;
    default:
        rc = err_set(e, ERR_INVALID, "export: unknown format %d", (int)f);
    }
    if (rc) {
        x->failed = 1;
        struct err ignored;
        export_close(x, &ignored);
        return rc;
    }
    *out = x;
    return 0;
oom:
    export_free(x);
    return err_set(e, ERR_FAIL, "export: out of memory");
}

void export_set_sheet_rows(struct export *x, size_t rows)
{
    if (rows >= 2 && rows <= EXPORT_XLSX_SHEET_ROWS)
        x->sheet_rows = rows;
}

void export_set_zone(struct export *x, int offset_s)
{
    x->offset_s = offset_s;
}

/* cells with the EXPORT_TIME ones on the offices' clock, for the formats
 * people read; JSON keeps what is stored. */
static const char *const *shown_cells(struct export *x, const char *const *cells)
{
    if (x->format == EXPORT_JSON)
        return cells;
    for (size_t c = 0; c < x->ncols; c++)
        x->shown[c] =
            x->cols[c].kind == EXPORT_TIME ? tz_show(cells[c], x->offset_s, x->times[c]) : cells[c];
    return x->shown;
}

int export_row(struct export *x, const char *const *cells, struct err *e)
{
    int rc;
    if (x->failed)
        return err_set(e, ERR_FAIL, "export: an earlier row failed");
    cells = shown_cells(x, cells);
    switch (x->format) {
    case EXPORT_TABLE:
        rc = table_row(x, cells, e);
        break;
    case EXPORT_JSON:
        rc = json_row(x, cells, e);
        break;
    case EXPORT_CSV:
        rc = csv_row(x, cells, e);
        break;
    default:
        rc = xlsx_row(x, cells, e);
        break;
    }
    if (rc)
        x->failed = 1;
    else
        x->rows++;
    return rc;
}

int export_close(struct export *x, struct err *e)
{
    if (!x)
        return 0;
    int rc = x->failed ? ERR_FAIL : 0;
    if (x->failed)
        err_set(e, ERR_FAIL, "export: not finished after an error");
    switch (x->failed ? -1 : (int)x->format) {
    case EXPORT_TABLE:
        if (!x->sample_flushed)
            table_flush_sample(x);
        break;
    case EXPORT_JSON:
        fputs(x->rows ? "\n]\n" : "]\n", x->out);
        break;
    case EXPORT_XLSX:
        rc = xlsx_close(x, e);
        break;
    default:
        break;
    }
    if (x->format == EXPORT_XLSX && x->failed && x->wb) {
        workbook_close(x->wb);
        x->wb = NULL;
    }
    if (x->out && fflush(x->out) != 0 && !rc)
        rc = err_set(e, ERR_FAIL, _("writing the list: %s"), strerror(errno));
    if (x->out && ferror(x->out) && !rc)
        rc = err_set(e, ERR_FAIL, _("writing the list failed"));
    if (x->own_out && fclose(x->out) != 0 && !rc)
        rc = err_set(e, ERR_FAIL, _("writing the list: %s"), strerror(errno));
    if (rc && x->path)
        unlink(x->path);
    export_free(x);
    return rc;
}
