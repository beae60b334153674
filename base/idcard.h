/* idcard.h - resident identity numbers (居民身份证号码, GB 11643-1999):
 * 6-digit region, 8-digit birth date, 3-digit sequence (odd = male), check
 * character. Pure functions on strings: no I/O, no database, no logging. */
#ifndef FUPIN_IDCARD_H
#define FUPIN_IDCARD_H

/* The check character ('0'..'9' or 'X') for the first 17 characters of an
 * ID, which must be digits; 0 when first17 is NULL or not 17 digits. */
char idcard_check_digit(const char *first17);

/* Nonzero when id is exactly 18 characters: 17 digits, a valid birth date
 * (YYYYMMDD, year 1900 or later) at offset 6, and the right check character.
 * A lowercase 'x' is accepted as the check character 'X', since case
 * workers type it both ways; idcard_make always writes 'X'. */
int idcard_is_valid(const char *id);

/* Builds an ID into out[19] from a 6-digit region code, a birth date
 * "YYYY-MM-DD" and a sequence 0..999 whose last digit is odd for men and
 * even for women. Returns 0, or ERR_INVALID (out is then "") on bad input. */
int idcard_make(char out[19], const char *region6, const char *birth_date, int seq3_with_sex);

/* Nonzero when the birth date embedded in id (offset 6, YYYYMMDD) is
 * birth_date ("YYYY-MM-DD"). Does not check the rest of id. */
int idcard_matches_birth(const char *id, const char *birth_date);

#endif
