/* test_idcard.c - resident ID numbers: checksum, embedded birth date,
 * building IDs and the lowercase 'x' check character. */
#include "idcard.h"
#include "err.h"
#include "testlib.h"

#include <string.h>

static void idcard_known_good_ids_are_valid(void)
{
    /* The example printed in GB 11643-1999 itself. */
    CHECK(idcard_is_valid("11010519491231002X"));
    /* 4*7+4*9+1*10+6*5+0*8+2*4+1*2+9*1+8*6+0*3+0*7+1*9+0*10+1*5+0*8+0*4+1*2
     * = 187; 187 % 11 = 0 -> '1'. */
    CHECK(idcard_is_valid("441602198001010011"));
    CHECK(idcard_is_valid("110101199003077651"));
    CHECK(idcard_check_digit("11010519491231002") == 'X');
    CHECK(idcard_check_digit("44160219800101001") == '1');
    CHECK(idcard_check_digit("44162119851201008") == 'X');
}

static void idcard_bad_checksum_is_invalid(void)
{
    CHECK(!idcard_is_valid("441602198001010012"));
    CHECK(!idcard_is_valid("110105194912310021"));
    CHECK(!idcard_is_valid("44160219800101001X"));
}

static void idcard_bad_shape_is_invalid(void)
{
    CHECK(!idcard_is_valid(NULL));
    CHECK(!idcard_is_valid(""));
    CHECK(!idcard_is_valid("44160219800101001"));   /* 17 */
    CHECK(!idcard_is_valid("4416021980010100111")); /* 19 */
    CHECK(!idcard_is_valid("4416021980O1010011"));  /* letter O */
    CHECK(!idcard_is_valid("44160219800101001Y"));
    CHECK(idcard_check_digit(NULL) == 0);
    CHECK(idcard_check_digit("4416021980010100") == 0);
    CHECK(idcard_check_digit("4416021980010100a") == 0);
}

static void idcard_bad_birth_date_is_invalid(void)
{
    char first17[18], id[19];
    /* Right checksum, impossible dates. */
    const char *dates[] = {"19800230", "19801301", "19800000", "18991231", "19810229"};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        snprintf(first17, sizeof first17, "441602%s001", dates[i]);
        snprintf(id, sizeof id, "%s%c", first17, idcard_check_digit(first17));
        CHECK(strlen(id) == 18);
        CHECK(!idcard_is_valid(id));
    }
    /* Leap day of a leap year is fine. */
    snprintf(first17, sizeof first17, "441602%s001", "20000229");
    snprintf(id, sizeof id, "%s%c", first17, idcard_check_digit(first17));
    CHECK(idcard_is_valid(id));
}

static void idcard_lowercase_x_is_accepted(void)
{
    CHECK(idcard_is_valid("11010519491231002x"));
    CHECK(idcard_is_valid("44162119851201008x"));
    /* but only where X is the right answer */
    CHECK(!idcard_is_valid("44160219800101001x"));
}

static void idcard_make_builds_valid_ids(void)
{
    char id[19];
    CHECK(idcard_make(id, "110105", "1949-12-31", 2) == 0);
    CHECK(strcmp(id, "11010519491231002X") == 0);
    CHECK(idcard_make(id, "441621", "1985-12-01", 8) == 0);
    CHECK(strcmp(id, "44162119851201008X") == 0);
    CHECK(idcard_make(id, "441625", "2012-02-29", 999) == 0);
    CHECK(idcard_is_valid(id));
    CHECK(idcard_matches_birth(id, "2012-02-29"));
    CHECK(!idcard_matches_birth(id, "2012-02-28"));
    CHECK(strncmp(id, "441625", 6) == 0);
    CHECK(strncmp(id + 14, "999", 3) == 0);

    CHECK(idcard_make(id, "44160", "1980-01-01", 1) == ERR_INVALID && id[0] == 0);
    CHECK(idcard_make(id, "44160a", "1980-01-01", 1) == ERR_INVALID);
    CHECK(idcard_make(id, "441602", "1980-02-30", 1) == ERR_INVALID);
    CHECK(idcard_make(id, "441602", "19800101", 1) == ERR_INVALID);
    CHECK(idcard_make(id, "441602", "1980-01-01", 1000) == ERR_INVALID);
    CHECK(idcard_make(id, "441602", "1980-01-01", -1) == ERR_INVALID);
    CHECK(idcard_make(id, NULL, "1980-01-01", 1) == ERR_INVALID);
}

static void idcard_matches_birth_handles_bad_input(void)
{
    CHECK(idcard_matches_birth("11010519491231002X", "1949-12-31"));
    CHECK(!idcard_matches_birth("11010519491231002X", "1949-12-30"));
    CHECK(!idcard_matches_birth(NULL, "1949-12-31"));
    CHECK(!idcard_matches_birth("1101051949", "1949-12-31"));
    CHECK(!idcard_matches_birth("11010519491231002X", NULL));
    CHECK(!idcard_matches_birth("11010519491231002X", "19491231"));
}

int main(void)
{
    RUN(idcard_known_good_ids_are_valid);
    RUN(idcard_bad_checksum_is_invalid);
    RUN(idcard_bad_shape_is_invalid);
    RUN(idcard_bad_birth_date_is_invalid);
    RUN(idcard_lowercase_x_is_accepted);
    RUN(idcard_make_builds_valid_ids);
    RUN(idcard_matches_birth_handles_bad_input);
    return test_done();
}
