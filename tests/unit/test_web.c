/* test_web.c - the console's pure parts: the form, path and cookie parser
 * (web/form.c), the secrets (web/auth.c: Argon2id, tokens, constant-time
 * equality), HTML escaping with ID masking (web/html.c), roles, and the
 * http.listen parser. The HTTP behaviour is tested against the real daemon
 * in tests/integration/web_*.py. */
#include "auth.h"
#include "config.h"
#include "form.h"
#include "html.h"
#include "store.h"
#include "testlib.h"
#include "web.h"

#include <stdlib.h>
#include <string.h>

static void form_decodes_pairs(void)
{
    struct form f;
    const char *q = "name=%E5%BC%A0%E4%B8%89&note=a+b%2Bc&empty=&flag&csrf=ab";
    CHECK(form_parse(q, strlen(q), &f) == 0);
    CHECK(f.n == 5);
    CHECK(strcmp(form_get(&f, "name"), "张三") == 0);
    CHECK(strcmp(form_get(&f, "note"), "a b+c") == 0);
    CHECK(strcmp(form_get(&f, "empty"), "") == 0);
    CHECK(strcmp(form_get(&f, "flag"), "") == 0);
    CHECK(form_get(&f, "missing") == NULL);
    form_free(&f);
    CHECK(form_parse("", 0, &f) == 0 && f.n == 0);
    form_free(&f);
    CHECK(form_parse("&&a=1&&", 7, &f) == 0 && f.n == 1);
    form_free(&f);
    /* Names without '=' decode to more bytes than they take (found by
     * fuzz_form under ASan): "a" is "a", "" and two NULs. */
    CHECK(form_parse("a", 1, &f) == 0 && f.n == 1 && strcmp(form_get(&f, "a"), "") == 0);
    form_free(&f);
    CHECK(form_parse("a&b&c", 5, &f) == 0 && f.n == 3 && form_get(&f, "c") != NULL);
    form_free(&f);
}

static void form_refuses_malformed_input(void)
{
    static const char *const bad[] = {
        "a=%",
        "a=%4",
        "a=%zz",
        "a=%00",
        "%g0=1",
        "a=%C0%AF" /* overlong '/' */,
        "a=%ED%A0%80" /* surrogate */,
        "a=%FF",
        "a=%01" /* control character */,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct form f;
        int rc = form_parse(bad[i], strlen(bad[i]), &f);
        if (rc != ERR_INVALID)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(rc == ERR_INVALID);
        form_free(&f);
    }
    /* A NUL inside the bytes (not encoded) is refused too. */
    struct form f;
    CHECK(form_parse("a=b\0c", 5, &f) == ERR_INVALID);
    form_free(&f);
    /* More pairs than FORM_MAX_PAIRS. */
    char many[FORM_MAX_PAIRS * 4 + 8] = "";
    for (int i = 0; i <= FORM_MAX_PAIRS; i++)
        strcat(many, "a=1&");
    CHECK(form_parse(many, strlen(many), &f) == ERR_INVALID);
    form_free(&f);
}

static void form_paths_and_cookies(void)
{
    char out[64];
    CHECK(form_decode_path("/household/42", 13, out, sizeof out) == 0);
    CHECK(strcmp(out, "/household/42") == 0);
    CHECK(form_decode_path("/a%20b+c", 8, out, sizeof out) == 0 && strcmp(out, "/a b+c") == 0);
    CHECK(form_decode_path("x", 1, out, sizeof out) == ERR_INVALID);
    CHECK(form_decode_path("/%0a", 4, out, sizeof out) == ERR_INVALID);
    CHECK(form_decode_path("/%zz", 4, out, sizeof out) == ERR_INVALID);
    char longp[100];
    memset(longp, 'a', sizeof longp);
    longp[0] = '/';
    CHECK(form_decode_path(longp, sizeof longp, out, sizeof out) == ERR_INVALID);

    char v[16];
    CHECK(form_cookie("a=1; fupin_session=abc; b=2", "fupin_session", v, sizeof v) == 0);
    CHECK(strcmp(v, "abc") == 0);
    CHECK(form_cookie("xfupin_session=abc", "fupin_session", v, sizeof v) == ERR_NOTFOUND);
    CHECK(form_cookie("fupin_session=0123456789abcdefXYZ", "fupin_session", v, sizeof v) ==
          ERR_INVALID);
    CHECK(form_cookie("", "a", v, sizeof v) == ERR_NOTFOUND);
    CHECK(form_cookie("a=", "a", v, sizeof v) == ERR_NOTFOUND || v[0] == 0);
}

/* The visitor behind a proxy: only the last entry, only an address. */
static void form_forwarded_for_takes_the_last_address(void)
{
    char a[46] = "";
    CHECK(form_forwarded_for("6.6.6.6, 10.0.0.1", a, sizeof a) == 0 && strcmp(a, "10.0.0.1") == 0);
    CHECK(form_forwarded_for(" 2001:db8::7 ", a, sizeof a) == 0 && strcmp(a, "2001:db8::7") == 0);
    CHECK(form_forwarded_for("10.0.0.1,", a, sizeof a) == ERR_INVALID);
    CHECK(form_forwarded_for("10.0.0.1, proxy.local", a, sizeof a) == ERR_INVALID);
    CHECK(form_forwarded_for("10.0.0.1 10.0.0.2", a, sizeof a) == ERR_INVALID);
    CHECK(form_forwarded_for("<script>", a, sizeof a) == ERR_INVALID);
    CHECK(form_forwarded_for("", a, sizeof a) == ERR_INVALID);
    CHECK(form_forwarded_for(NULL, a, sizeof a) == ERR_INVALID);
    char small[8] = "x";
    CHECK(form_forwarded_for("10.200.30.40", small, sizeof small) == ERR_INVALID &&
          strcmp(small, "x") == 0);
    CHECK(strcmp(a, "2001:db8::7") == 0); /* failures left it alone */
}

static void auth_hashes_with_argon2id(void)
{
    struct err e;
    CHECK(auth_init(&e) == 0);
    char hash[AUTH_HASH_SIZE];
    CHECK(auth_hash_password("correct horse", hash, &e) == 0);
    CHECK(strncmp(hash, "$argon2id$", 10) == 0);
    CHECK(strstr(hash, "correct") == NULL);
    CHECK(auth_verify_password(hash, "correct horse") == 1);
    CHECK(auth_verify_password(hash, "correct hors") == 0);
    CHECK(auth_verify_password(hash, "") == 0);
    CHECK(auth_verify_password(NULL, "correct horse") == 0);
    /* Only Argon2id hashes sign anybody in. */
    CHECK(auth_verify_password("plain", "plain") == 0);
    CHECK(auth_hash_password("", hash, &e) == ERR_INVALID);
    char huge[AUTH_PASSWORD_MAX + 2];
    memset(huge, 'x', sizeof huge - 1);
    huge[sizeof huge - 1] = 0;
    CHECK(auth_hash_password(huge, hash, &e) == ERR_INVALID);
}

static void auth_tokens_are_random_hex(void)
{
    char a[AUTH_TOKEN_SIZE], b[AUTH_TOKEN_SIZE], h[AUTH_TOKEN_SIZE];
    auth_token(a);
    auth_token(b);
    CHECK(strlen(a) == 64 && strspn(a, "0123456789abcdef") == 64);
    CHECK(strcmp(a, b) != 0);
    auth_token_hash("abc", h);
    /* SHA-256("abc") */
    CHECK(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    CHECK(auth_equal(a, a) == 1);
    CHECK(auth_equal(a, b) == 0);
    CHECK(auth_equal("abc", "abcd") == 0);
    CHECK(auth_equal(NULL, "a") == 0 && auth_equal("", "") == 0);
    char pw[13];
    auth_random_password(pw, sizeof pw);
    CHECK(strlen(pw) == 12 && strpbrk(pw, "0O1lI") == NULL);
}

static void html_escapes_and_masks(void)
{
    struct html h = {0};
    html_text(&h, "<script>alert('x')</script> & \"q\" 441602198001010011");
    CHECK(h.data && strstr(h.data, "<script") == NULL);
    CHECK_STR_CONTAINS(h.data,
                       "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    CHECK(strstr(h.data, "198001010011") == NULL);
    CHECK_STR_CONTAINS(h.data, "441602********0011");
    html_free(&h);
    html_url(&h, "a b/张");
    CHECK(h.data && strcmp(h.data, "a%20b%2F%E5%BC%A0") == 0);
    html_free(&h);
    html_rawf(&h, "%d-%s", 42, "x");
    CHECK(h.data && strcmp(h.data, "42-x") == 0);
    html_free(&h);
    /* A long text goes through the heap path of the escaper. */
    char *big = malloc(5000);
    memset(big, '<', 4999);
    big[4999] = 0;
    html_attr(&h, big);
    CHECK(h.len == 4999 * 4);
    html_free(&h);
    free(big);
}

static void roles_and_listen_addresses(void)
{
    CHECK(web_role_parse("town") == WEB_ROLE_TOWN);
    CHECK(web_role_parse("admin") == WEB_ROLE_ADMIN);
    CHECK(web_role_parse("Admin") == -1 && web_role_parse(NULL) == -1);
    CHECK(strcmp(web_role_name(WEB_ROLE_POLICY), "policy") == 0);

    char host[64];
    int port;
    struct err e;
    CHECK(config_listen_parse("127.0.0.1:8080", host, sizeof host, &port, &e) == 0);
    CHECK(strcmp(host, "127.0.0.1") == 0 && port == 8080);
    CHECK(config_listen_parse("8080", host, sizeof host, &port, &e) == 0);
    CHECK(strcmp(host, "127.0.0.1") == 0 && port == 8080);
    CHECK(config_listen_parse(":9000", host, sizeof host, &port, &e) == 0 && port == 9000);
    CHECK(config_listen_parse("[::1]:8080", host, sizeof host, &port, &e) == 0);
    CHECK(strcmp(host, "::1") == 0);
    CHECK(config_listen_parse("localhost:80", host, sizeof host, &port, &e) == 0);
    CHECK(strcmp(host, "127.0.0.1") == 0);
    static const char *const bad[] = {"",         "host:80",   "1.2.3.4:0", "1.2.3.4:65536",
                                      "1.2.3.4:", "[::1]8080", "[zz]:80",   "1.2.3.4:80x",
                                      "::1:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(config_listen_parse(bad[i], host, sizeof host, &port, &e) == ERR_INVALID);
}

static void region_scope_follows_parents(void)
{
    struct store *st = test_store_create("scope.db", NULL, 0);
    test_store_exec(st,
                    "INSERT INTO region(code, name, level, parent) VALUES"
                    " ('C', 'city', 'city', NULL), ('K', 'county', 'county', 'C'),"
                    " ('T1', 'town1', 'town', 'K'), ('T2', 'town2', 'town', 'K'),"
                    " ('V1', 'village1', 'village', 'T1'), ('V2', 'village2', 'village', 'T2')");
    struct web_user town = {.id = 1, .name = "t", .role = WEB_ROLE_TOWN, .region = "T1"};
    struct web_req r = {.method = "GET", .path = "/", .user = &town, .ro = st};
    struct err e;
    CHECK(web_region_allowed(&r, "T1", &e) == 1);
    CHECK(web_region_allowed(&r, "V1", &e) == 1);
    CHECK(web_region_allowed(&r, "V2", &e) == 0); /* another town's village */
    CHECK(web_region_allowed(&r, "T2", &e) == 0);
    CHECK(web_region_allowed(&r, "K", &e) == 0); /* above the user */
    CHECK(web_region_allowed(&r, "nowhere", &e) == 0);
    CHECK(web_region_allowed(&r, "", &e) == 0 && web_region_allowed(&r, NULL, &e) == 0);
    struct web_user city = {.id = 2, .name = "c", .role = WEB_ROLE_CITY, .region = "C"};
    r.user = &city;
    CHECK(web_region_allowed(&r, "V2", &e) == 1);
    struct web_user admin = {.id = 3, .name = "a", .role = WEB_ROLE_ADMIN, .region = ""};
    r.user = &admin;
    CHECK(web_region_allowed(&r, "V2", &e) == 1);
    r.user = NULL;
    CHECK(web_region_allowed(&r, "V1", &e) == 0);
    store_close(st);
}

int main(void)
{
    RUN(form_decodes_pairs);
    RUN(form_refuses_malformed_input);
    RUN(form_paths_and_cookies);
    RUN(form_forwarded_for_takes_the_last_address);
    RUN(auth_hashes_with_argon2id);
    RUN(auth_tokens_are_random_hex);
    RUN(html_escapes_and_masks);
    RUN(roles_and_listen_addresses);
    RUN(region_scope_follows_parents);
    return test_done();
}
