/* idcard.c - see idcard.h. The checksum is ISO 7064 MOD 11-2 as GB 11643
 * prescribes. Never logs or stores an ID: callers decide what to do with it. */
#include "idcard.h"
#include "date.h"
#include "err.h"

#include <string.h>

static int all_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

char idcard_check_digit(const char *first17)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char codes[] = "10X98765432";
    if (!first17 || strnlen(first17, 17) < 17 || !all_digits(first17, 17))
        return 0;
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * weights[i];
    return codes[sum % 11];
}

/* "YYYYMMDD" at s -> "YYYY-MM-DD" in out[11]. */
static void embedded_date(const char *s, char out[11])
{
    memcpy(out, s, 4);
    out[4] = '-';
    memcpy(out + 5, s + 4, 2);
    out[7] = '-';
    memcpy(out + 8, s + 6, 2);
    out[10] = 0;
}

int idcard_is_valid(const char *id)
{
    if (!id || strlen(id) != 18 || !all_digits(id, 17))
        return 0;
    char date[11];
    embedded_date(id + 6, date);
    int y, m, d;
    if (date_parse(date, &y, &m, &d) != 0 || y < 1900)
        return 0;
    char last = id[17] == 'x' ? 'X' : id[17];
    return idcard_check_digit(id) == last;
}

int idcard_make(char out[19], const char *region6, const char *birth_date, int seq3_with_sex)
{
    int y, m, d;
    out[0] = 0;
    if (!region6 || strlen(region6) != 6 || !all_digits(region6, 6) ||
        date_parse(birth_date, &y, &m, &d) != 0 || y < 1900 || y > 9999 || seq3_with_sex < 0 ||
        seq3_with_sex > 999)
        return ERR_INVALID;
    memcpy(out, region6, 6);
    memcpy(out + 6, birth_date, 4);
    memcpy(out + 10, birth_date + 5, 2);
    memcpy(out + 12, birth_date + 8, 2);
    out[14] = (char)('0' + seq3_with_sex / 100);
    out[15] = (char)('0' + seq3_with_sex / 10 % 10);
    out[16] = (char)('0' + seq3_with_sex % 10);
    out[17] = idcard_check_digit(out);
    out[18] = 0;
    return 0;
}

int idcard_matches_birth(const char *id, const char *birth_date)
{
    if (!id || !birth_date || strnlen(id, 14) < 14 || strlen(birth_date) != 10)
        return 0;
    char date[11];
    embedded_date(id + 6, date);
    return strcmp(date, birth_date) == 0;
}
