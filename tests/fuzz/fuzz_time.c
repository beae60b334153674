/* fuzz_time.c - the stored times people read (base/tz.c), on any bytes: a
 * database row any program can write goes through tz_show before a list,
 * a page or a spreadsheet shows it. What is no stored time must come back
 * as the very same pointer; a time must come back as 19 characters that
 * read as a time again and, shown on the opposite clock, give the input
 * back. tz_day_start must give the UTC instant that tz_show turns into the
 * day's first second. Input: the first byte picks the offset. */
#include "date.h"
#include "fuzz.h"
#include "tz.h"

#include <stdlib.h>
#include <string.h>

static void check_time(const char *shown)
{
    char again[20];
    if (strlen(shown) != 19 || tz_show(shown, 0, again) == shown || strcmp(again, shown) != 0)
        fuzz_fail("\"%s\" does not read as a stored time", shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64)
        return 0;
    /* -14 h .. +14 h in quarter hours, as tz_offset accepts. */
    int offset_s = ((int)data[0] % 113 - 56) * 900;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;

    char buf[20], back[20];
    const char *shown = tz_show(s, offset_s, buf);
    if (shown != s) {
        if (shown != buf)
            fuzz_fail("tz_show returned neither its input nor its buffer");
        check_time(shown);
        if (strcmp(tz_show(shown, -offset_s, back), s) != 0)
            fuzz_fail("\"%s\" shown at %d s is \"%s\", and back \"%s\"", s, offset_s, shown, back);
    }
    const char *start = tz_day_start(s, offset_s, buf);
    if (start != s) {
        check_time(start);
        char local[20];
        const char *first = tz_show(start, offset_s, local);
        if (!date_is_valid(s) || strncmp(first, s, 10) != 0 || strcmp(first + 10, " 00:00:00") != 0)
            fuzz_fail("the day \"%s\" starts at \"%s\" UTC, shown as \"%s\"", s, start, first);
    } else if (date_is_valid(s) && !(strcmp(s, "0001-01-01") == 0 && offset_s > 0)) {
        /* Only the first day, east of UTC, starts before the year 1. */
        fuzz_fail("tz_day_start refused the date \"%s\"", s);
    }
    free(s);
    return 0;
}
