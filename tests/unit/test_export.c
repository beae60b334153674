/* test_export.c - the four list formats: what a terminal, a script, Excel
 * and a spreadsheet reader get; resident IDs masked and formulas defused in
 * every one of them; xlsx read back (Python's zipfile, then openpyxl when
 * it is there) with its headers, widths and a second sheet past the limit. */
#include "export.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct export_column cols[] = {
    {"id", "编号", EXPORT_NUMBER},
    {"name", "户主", EXPORT_TEXT},
    {"reason", "原因", EXPORT_TEXT},
};
static const char *const row_plain[] = {"7", "王小明", "危房改造"};
static const char *const row_id[] = {"8", "李四 441602198001010011", "=HYPERLINK(\"x\")"};
static const char *const row_null[] = {NULL, "-5", NULL};
static char dir[256]; /* one folder for the whole run */

/* Runs one export of the three rows into a memory stream; returns the text
 * (malloc'd) and its length. */
static char *export_to_memory(enum export_format f, size_t *len)
{
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);
    struct export *x;
    struct err e;
    CHECK(export_open(&x, f, NULL, out, "清单", cols, 3, &e) == 0);
    CHECK(export_row(x, row_plain, &e) == 0);
    CHECK(export_row(x, row_id, &e) == 0);
    CHECK(export_row(x, row_null, &e) == 0);
    CHECK(export_close(x, &e) == 0);
    fclose(out);
    return buf;
}

static void export_format_names_parse(void)
{
    enum export_format f;
    CHECK(export_format_parse("xlsx", &f) == 0 && f == EXPORT_XLSX);
    CHECK(export_format_parse("table", &f) == 0 && f == EXPORT_TABLE);
    CHECK(export_format_parse("XLSX", &f) == ERR_INVALID);
    CHECK(export_format_parse("", &f) == ERR_INVALID);
    CHECK(export_format_parse(NULL, &f) == ERR_INVALID);
    CHECK(export_format_is_binary(EXPORT_XLSX) && !export_format_is_binary(EXPORT_CSV));
}

static void export_display_width_counts_chinese_twice(void)
{
    CHECK(export_display_width("abc") == 3);
    CHECK(export_display_width("王小明") == 6);
    CHECK(export_display_width("危房C级") == 7);
    CHECK(export_display_width("，（）") == 6); /* fullwidth punctuation */
    CHECK(export_display_width("") == 0);
}

static void export_table_aligns_chinese_columns(void)
{
    size_t len;
    char *t = export_to_memory(EXPORT_TABLE, &len);
    /* Header then three rows; the third column starts at the same display
     * column on every line. */
    char *save = NULL, *line = strtok_r(t, "\n", &save);
    int lines = 0;
    size_t col3 = 0;
    for (; line; line = strtok_r(NULL, "\n", &save), lines++) {
        const char *third = lines == 0 ? strstr(line, "原因") : NULL;
        if (lines == 1)
            third = strstr(line, "危房改造");
        if (lines == 2)
            third = strstr(line, "=HYPERLINK");
        if (!third)
            continue;
        char prefix[256];
        snprintf(prefix, sizeof prefix, "%.*s", (int)(third - line), line);
        size_t w = export_display_width(prefix);
        if (!col3)
            col3 = w;
        CHECK(w == col3);
    }
    CHECK(lines == 4);
    CHECK(col3 > 0);
    free(t);
    t = export_to_memory(EXPORT_TABLE, &len);
    CHECK(strstr(t, "441602198001010011") == NULL);
    CHECK_STR_CONTAINS(t, "441602********0011");
    free(t);
}

static void export_table_escapes_terminal_controls(void)
{
    char *buf = NULL;
    size_t len;
    FILE *out = open_memstream(&buf, &len);
    struct export *x;
    struct err e;
    const char *row[] = {"1", "a\x1b[31mred", "b\nforged line"};
    CHECK(export_open(&x, EXPORT_TABLE, NULL, out, NULL, cols, 3, &e) == 0);
    CHECK(export_row(x, row, &e) == 0);
    CHECK(export_close(x, &e) == 0);
    fclose(out);
    CHECK(strchr(buf, '\x1b') == NULL);
    CHECK_STR_CONTAINS(buf, "b\\x0aforged line\n");
    free(buf);
}

static void export_json_is_one_array_with_stable_keys(void)
{
    size_t len;
    char *t = export_to_memory(EXPORT_JSON, &len);
    CHECK(t[0] == '[');
    CHECK_STR_CONTAINS(t, "{\"id\":7,\"name\":\"王小明\",\"reason\":\"危房改造\"}");
    CHECK_STR_CONTAINS(t, "\"name\":\"李四 441602********0011\"");
    CHECK_STR_CONTAINS(t, "{\"id\":null,\"name\":\"-5\",\"reason\":null}");
    CHECK(len > 4 && strcmp(t + len - 4, "}\n]\n") == 0);
    free(t);

    /* No rows: still an array. */
    char *buf = NULL;
    FILE *out = open_memstream(&buf, &len);
    struct export *x;
    struct err e;
    CHECK(export_open(&x, EXPORT_JSON, NULL, out, NULL, cols, 3, &e) == 0);
    CHECK(export_close(x, &e) == 0);
    fclose(out);
    CHECK(strcmp(buf, "[]\n") == 0);
    free(buf);
}

static void export_csv_has_bom_quotes_and_defused_formulas(void)
{
    size_t len;
    char *t = export_to_memory(EXPORT_CSV, &len);
    CHECK(memcmp(t, "\xef\xbb\xbf", 3) == 0);
    CHECK(strncmp(t + 3, "编号,户主,原因\r\n", strlen("编号,户主,原因\r\n")) == 0);
    CHECK_STR_CONTAINS(t, "\r\n7,王小明,危房改造\r\n");
    /* The formula starts with an apostrophe inside quotes; its own quotes
     * are doubled; the ID is masked. */
    CHECK_STR_CONTAINS(t, "\r\n8,李四 441602********0011,\"'=HYPERLINK(\"\"x\"\")\"\r\n");
    CHECK_STR_CONTAINS(t, "\r\n,\"'-5\",\r\n");
    CHECK(strstr(t, "441602198001010011") == NULL);
    free(t);
}

static void export_to_a_path_is_private(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/list.csv", dir);
    struct export *x;
    struct err e;
    CHECK(export_open(&x, EXPORT_CSV, path, NULL, NULL, cols, 3, &e) == 0);
    CHECK(export_row(x, row_plain, &e) == 0);
    CHECK(export_close(x, &e) == 0);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK(sb.st_size > 10);

    /* A folder that is not there: a clear error, nothing left behind. */
    snprintf(path, sizeof path, "%s/missing/list.csv", dir);
    CHECK(export_open(&x, EXPORT_CSV, path, NULL, NULL, cols, 3, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "missing/list.csv");
}

/* Reads the workbook at path with Python and prints one line per sheet:
 * "name rows header1|header2|... width1|width2|... cell" (the cell is C3
 * of the first sheet, with its type). */
static char *read_xlsx(const char *path)
{
    static const char script[] =
        "import sys, zipfile, re\n"
        "z = zipfile.ZipFile(sys.argv[1])\n"
        "names = sorted(n for n in z.namelist() if n.startswith('xl/worksheets/sheet'))\n"
        "for n in names:\n"
        "    x = z.read(n).decode()\n"
        "    rows = len(re.findall(r'<row ', x))\n"
        "    frozen = 'state=\"frozen\"' in x and 'ySplit=\"1\"' in x\n"
        "    widths = re.findall(r'<col [^>]*width=\"([0-9.]+)\"', x)\n"
        "    print(n, rows, 'frozen' if frozen else 'loose', '|'.join(widths))\n"
        "print('formula' if '<f>' in z.read(names[0]).decode() else 'noformula')\n"
        "every = b''.join(z.read(n) for n in z.namelist())\n"
        "print('leak' if b'441602198001010011' in every else 'clean')\n";
    char *py = test_write_file(dir, "read_xlsx.py", script);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", py, path);
    free(py);
    char *out = NULL;
    CHECK(test_run(cmd, &out) == 0);
    return out;
}

static void export_xlsx_has_headers_widths_and_text_cells(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/list.xlsx", dir);
    struct export *x;
    struct err e;
    CHECK(export_open(&x, EXPORT_XLSX, path, NULL, "清单", cols, 3, &e) == 0);
    CHECK(export_row(x, row_plain, &e) == 0);
    CHECK(export_row(x, row_id, &e) == 0);
    CHECK(export_row(x, row_null, &e) == 0);
    CHECK(export_close(x, &e) == 0);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    char *out = read_xlsx(path);
    /* One sheet, header and three rows, frozen; the name column is as wide
     * as "李四 441602********0011" (23 columns) plus a margin. */
    CHECK_STR_CONTAINS(out, "xl/worksheets/sheet1.xml 4 frozen 6.");
    CHECK_STR_CONTAINS(out, "|25.");
    CHECK_STR_CONTAINS(out, "noformula");
    CHECK_STR_CONTAINS(out, "clean");
    free(out);
}

static void export_xlsx_to_a_stream_matches_the_file(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/stream.xlsx", dir);
    FILE *out = fopen(path, "wb");
    struct export *x;
    struct err e;
    CHECK(export_open(&x, EXPORT_XLSX, NULL, out, NULL, cols, 3, &e) == 0);
    CHECK(export_row(x, row_plain, &e) == 0);
    CHECK(export_close(x, &e) == 0);
    fclose(out);
    char *text = read_xlsx(path);
    CHECK_STR_CONTAINS(text, "xl/worksheets/sheet1.xml 2 frozen");
    free(text);
}

static void export_xlsx_continues_on_a_second_sheet(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/long.xlsx", dir);
    struct export *x;
    struct err e;
    CHECK(export_open(&x, EXPORT_XLSX, path, NULL, "清单", cols, 3, &e) == 0);
    /* Ten rows per sheet (header included) stand for Excel's 1,048,576:
     * 20 rows fill sheet 1 (9), sheet 2 (9) and start sheet 3 (2). */
    export_set_sheet_rows(x, 10);
    for (int i = 0; i < 20; i++)
        CHECK(export_row(x, row_plain, &e) == 0);
    CHECK(export_close(x, &e) == 0);
    char *out = read_xlsx(path);
    CHECK_STR_CONTAINS(out, "sheet1.xml 10 frozen");
    CHECK_STR_CONTAINS(out, "sheet2.xml 10 frozen");
    CHECK_STR_CONTAINS(out, "sheet3.xml 3 frozen");
    free(out);
}

/* Bytes a database can hold but XML and JSON cannot: control characters
 * and broken UTF-8 in a name. The workbook stays well-formed (they show
 * as \xNN), JSON and CSV get U+FFFD. */
static void export_bad_bytes_keep_every_format_valid(void)
{
    const char *bad[] = {"9",
                         "a\x01"
                         "b\x1b[31mc<&>",
                         "\xff\xfe\xc0\xaf z"};
    char path[512];
    snprintf(path, sizeof path, "%s/bad.xlsx", dir);
    struct export *x;
    struct err e;
    CHECK(export_open(&x, EXPORT_XLSX, path, NULL, NULL, cols, 3, &e) == 0);
    CHECK(export_row(x, bad, &e) == 0);
    CHECK(export_close(x, &e) == 0);
    static const char script[] = "import sys, zipfile, xml.etree.ElementTree as ET\n"
                                 "z = zipfile.ZipFile(sys.argv[1])\n"
                                 "x = z.read('xl/worksheets/sheet1.xml')\n"
                                 "ET.fromstring(x)\n"
                                 "print('wellformed', x.count(b'\\\\x01'))\n";
    char *py = test_write_file(dir, "wellformed.py", script);
    char cmd[1024], *out = NULL;
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", py, path);
    free(py);
    CHECK(test_run(cmd, &out) == 0);
    CHECK_STR_CONTAINS(out, "wellformed 1");
    free(out);

    for (int f = EXPORT_JSON; f <= EXPORT_CSV; f++) {
        char *buf = NULL;
        size_t len;
        FILE *o = open_memstream(&buf, &len);
        CHECK(export_open(&x, (enum export_format)f, NULL, o, NULL, cols, 3, &e) == 0);
        CHECK(export_row(x, bad, &e) == 0);
        CHECK(export_close(x, &e) == 0);
        fclose(o);
        CHECK(strstr(buf, "\xff") == NULL && strstr(buf, "\xc0") == NULL);
        CHECK_STR_CONTAINS(buf, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd z");
        free(buf);
    }
}

/* Excel's real limit, once: 1,048,575 rows and the header fill the first
 * sheet, the rest (and the header again) go to the second. */
static void export_xlsx_past_excel_rows_starts_a_second_sheet(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/million.xlsx", dir);
    static const struct export_column two[] = {{"id", "编号", EXPORT_NUMBER},
                                               {"name", "户主", EXPORT_TEXT}};
    struct export *x;
    struct err e;
    CHECK(export_open(&x, EXPORT_XLSX, path, NULL, "清单", two, 2, &e) == 0);
    char id[24];
    const char *row[] = {id, "户主"};
    int failed = 0;
    for (long i = 1; i <= (long)EXPORT_XLSX_SHEET_ROWS - 1 + 5 && !failed; i++) {
        snprintf(id, sizeof id, "%ld", i);
        failed = export_row(x, row, &e) != 0;
    }
    CHECK(!failed);
    CHECK(export_close(x, &e) == 0);
    static const char script[] = "import sys, zipfile\n"
                                 "z = zipfile.ZipFile(sys.argv[1])\n"
                                 "for n in sorted(z.namelist()):\n"
                                 "    if n.startswith('xl/worksheets/sheet'):\n"
                                 "        f, rows, tail = z.open(n), 0, b''\n"
                                 "        while True:\n"
                                 "            chunk = f.read(1 << 20)\n"
                                 "            if not chunk:\n"
                                 "                break\n"
                                 "            rows += (tail + chunk).count(b'<row ')\n"
                                 "            tail = chunk[-4:]\n"
                                 "        print(n, rows)\n";
    char *py = test_write_file(dir, "count_rows.py", script);
    char cmd[1024], *out = NULL;
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", py, path);
    free(py);
    CHECK(test_run(cmd, &out) == 0);
    CHECK_STR_CONTAINS(out, "sheet1.xml 1048576\n");
    CHECK_STR_CONTAINS(out, "sheet2.xml 6\n");
    free(out);
}

/* With openpyxl (Debian's python3-openpyxl), what a spreadsheet user sees:
 * the sheet names, headers and the formula cell as text. */
static void export_xlsx_reads_back_in_openpyxl(void)
{
    /* A python3 of its own (a virtualenv) may lack the Debian package. */
    const char *py = "python3";
    if (test_run("python3 -c 'import openpyxl' 2>/dev/null", NULL) != 0)
        py = "/usr/bin/python3";
    if (test_run("/usr/bin/python3 -c 'import openpyxl' 2>/dev/null", NULL) != 0 &&
        strcmp(py, "python3") != 0) {
        printf("skip openpyxl: not installed\n");
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/list.xlsx", dir);
    char cmd[1024];
    snprintf(
        cmd, sizeof cmd,
        "%s -c \"import openpyxl,sys; wb = openpyxl.load_workbook(sys.argv[1]);"
        " ws = wb.worksheets[0]; print(wb.sheetnames[0], ws.max_row,"
        " [c.value for c in ws[1]], ws['C3'].data_type, ws['C3'].value, ws['A2'].value)\" '%s'",
        py, path);
    char *out = NULL;
    CHECK(test_run(cmd, &out) == 0);
    CHECK_STR_CONTAINS(out, "清单 4 ['编号', '户主', '原因'] s =HYPERLINK(\"x\") 7");
    if (test_failures)
        fprintf(stderr, "openpyxl: %s\n", out ? out : "");
    free(out);
}

/* A time column: people's formats show the offices' clock, JSON what is
 * stored (UTC); what is no stored time passes as it is. */
static void export_times_on_the_offices_clock(void)
{
    static const struct export_column tcols[] = {{"id", "编号", EXPORT_NUMBER},
                                                 {"opened_at", "发起时间", EXPORT_TIME}};
    static const char *const rows[][2] = {
        {"1", "2026-12-06 20:30:00"}, {"2", "2026-12-06"}, {"3", NULL}};
    static const char *const want[] = {"2026-12-07 04:30:00", "2026-12-06 20:30:00"};
    for (int f = EXPORT_TABLE; f <= EXPORT_XLSX; f++) {
        char path[512];
        snprintf(path, sizeof path, "%s/times.%d", dir, f);
        struct export *x;
        struct err e;
        CHECK(export_open(&x, (enum export_format)f, path, NULL, NULL, tcols, 2, &e) == 0);
        export_set_zone(x, 8 * 3600);
        for (int i = 0; i < 3; i++)
            CHECK(export_row(x, rows[i], &e) == 0);
        CHECK(export_close(x, &e) == 0);
        char cmd[1024], *out = NULL;
        snprintf(cmd, sizeof cmd,
                 f == EXPORT_XLSX
                     ? "python3 -c \"import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                       "print(b''.join(z.read(n) for n in z.namelist()).decode())\" '%s'"
                     : "cat '%s'",
                 path);
        CHECK(test_run(cmd, &out) == 0);
        CHECK_STR_CONTAINS(out, want[f == EXPORT_JSON]);
        CHECK(!strstr(out, want[f != EXPORT_JSON]));
        CHECK_STR_CONTAINS(out, "2026-12-06");
        free(out);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    RUN(export_format_names_parse);
    RUN(export_display_width_counts_chinese_twice);
    RUN(export_table_aligns_chinese_columns);
    RUN(export_table_escapes_terminal_controls);
    RUN(export_json_is_one_array_with_stable_keys);
    RUN(export_csv_has_bom_quotes_and_defused_formulas);
    RUN(export_to_a_path_is_private);
    RUN(export_xlsx_has_headers_widths_and_text_cells);
    RUN(export_xlsx_to_a_stream_matches_the_file);
    RUN(export_xlsx_continues_on_a_second_sheet);
    RUN(export_bad_bytes_keep_every_format_valid);
    RUN(export_xlsx_past_excel_rows_starts_a_second_sheet);
    RUN(export_xlsx_reads_back_in_openpyxl);
    RUN(export_times_on_the_offices_clock);
    return test_done();
}
