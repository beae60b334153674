/* cmd_user.c - `fupin user add|passwd|disable|list`: the web console's
 * accounts, and the demo city's one user per role (`init --demo`). A
 * password is read from the terminal without echo, or as one line of
 * standard input when that is not a terminal; never from the command line,
 * where every user of the machine could read it (ps, shell history). */
#include "auth.h"
#include "cli.h"
#include "export.h"
#include "form.h"
#include "i18n.h"
#include "store_user.h"
#include "term.h"
#include "tz.h"
#include "web.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PASSWORD_MIN 8

static const char *const user_usage =
    N_("usage: fupin user add NAME --role ROLE [--region CODE]\n"
       "       fupin user passwd NAME\n"
       "       fupin user disable NAME\n"
       "       fupin user list\n"
       "\n"
       "The web console's accounts. ROLE is cadre, town, county, city, policy or\n"
       "admin; a user sees the region CODE and everything below it (required for\n"
       "cadre, town, county and city; policy staff and admins without one see every\n"
       "region). The password is asked on the terminal, or read as one line of\n"
       "standard input when that is not a terminal; never from the command line.\n"
       "disable ends the user's sessions; the last active admin cannot be disabled.\n");

static const char *role_label(const char *role)
{
    switch (web_role_parse(role)) {
    case WEB_ROLE_CADRE:
        return _("cadre");
    case WEB_ROLE_TOWN:
        return _("town supervisor");
    case WEB_ROLE_COUNTY:
        return _("county supervisor");
    case WEB_ROLE_CITY:
        return _("city supervisor");
    case WEB_ROLE_POLICY:
        return _("policy staff");
    case WEB_ROLE_ADMIN:
        return _("administrator");
    }
    return role;
}

/* A user name: 1-63 bytes of UTF-8 text, no spaces or control characters. */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || !form_is_text(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
            return 0;
    return 1;
}

/* One line from f into buf, without its line end; -1 at end of file. */
static int read_line(FILE *f, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, f))
        return -1;
    size_t n = strlen(buf);
    int whole = n && buf[n - 1] == '\n';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    if (!whole && !feof(f)) {
        /* Longer than buf: refused as too long rather than cut. */
        int c;
        while ((c = fgetc(f)) != EOF && c != '\n')
            ;
        return -2;
    }
    return 0;
}

static int ask(const char *prompt, char *buf, size_t size)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return -1;
    struct termios old, quiet;
    int fd = fileno(tty);
    if (tcgetattr(fd, &old) != 0) {
        fclose(tty);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    fputs(prompt, tty);
    fflush(tty);
    tcsetattr(fd, TCSAFLUSH, &quiet);
    int rc = read_line(tty, buf, size);
    tcsetattr(fd, TCSAFLUSH, &old);
    fclose(tty);
    return rc;
}

/* The new password into buf: asked twice on a terminal, else one line of
 * standard input. Prints why and returns EXIT_USAGE when it is refused. */
static int read_password(const struct cli *cli, char *buf, size_t size)
{
    int rc;
    if (isatty(STDIN_FILENO)) {
        char again[AUTH_PASSWORD_MAX + 2];
        rc = ask(_("New password: "), buf, size);
        if (rc == 0 && (rc = ask(_("Repeat the password: "), again, sizeof again)) == 0 &&
            strcmp(buf, again) != 0) {
            fprintf(stderr, _("fupin %s: the two passwords differ\n"), cli->argv[0]);
            return EXIT_USAGE;
        }
    } else {
        rc = read_line(stdin, buf, size);
    }
    if (rc == -2 || (rc == 0 && strlen(buf) > AUTH_PASSWORD_MAX)) {
        fprintf(stderr, _("fupin %s: the password is longer than %d characters\n"), cli->argv[0],
                AUTH_PASSWORD_MAX);
        return EXIT_USAGE;
    }
    if (rc != 0 || strlen(buf) < PASSWORD_MIN) {
        fprintf(stderr,
                _("fupin %s: a password of at least %d characters is needed (on the terminal, "
                  "or as one line of standard input)\n"),
                cli->argv[0], PASSWORD_MIN);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* What the command line did, in the console's audit log. */
static void audit(struct store *st, const char *action, const char *name, const char *detail)
{
    struct store_audit a = {.action = action, .subject = name, .remote = "cli", .detail = detail};
    struct err e;
    if (store_audit_add(st, &a, NULL, &e) != 0)
        fprintf(stderr, "fupin user: %s\n", term_str(e.msg));
}

static int fail(const struct err *e, int rc)
{
    fprintf(stderr, "fupin user: %s\n", term_str(e->msg));
    return cli_exit_code(rc);
}

static int user_add(const struct cli *cli, struct store *st, const char *usage)
{
    const char *name = NULL, *role = NULL, *region = NULL;
    for (int i = 2; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        if ((strcmp(a, "--role") == 0 || strcmp(a, "--region") == 0) && i + 1 < cli->argc) {
            *(a[3] == 'o' ? &role : &region) = cli->argv[++i];
        } else if (strcmp(a, "--role") == 0 || strcmp(a, "--region") == 0) {
            return cli_usage_error(cli, usage, _("%s needs a value"), a);
        } else if (a[0] == '-' || name) {
            return cli_usage_error(cli, usage,
                                   _("unexpected argument \"%s\" (a password is never taken "
                                     "from the command line)"),
                                   term_str(a));
        } else {
            name = a;
        }
    }
    if (!name || !name_ok(name))
        return cli_usage_error(cli, usage,
                               _("a user name of 1 to 63 characters without spaces is needed"));
    int r = web_role_parse(role);
    if (r < 0)
        return cli_usage_error(
            cli, usage, _("--role: \"%s\" is not cadre, town, county, city, policy or admin"),
            role ? term_str(role) : "");
    struct err e = {{0}};
    int rc;
    if (!region && r != WEB_ROLE_POLICY && r != WEB_ROLE_ADMIN)
        return cli_usage_error(cli, usage, _("--region: the role %s needs a region"), role);
    if (region && (rc = store_region_get(st, region, NULL, 0, NULL, 0, &e)) != 0)
        return rc == ERR_NOTFOUND
                   ? cli_usage_error(cli, usage, _("--region: no region %s"), term_str(region))
                   : fail(&e, rc);
    char password[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_SIZE];
    if ((rc = read_password(cli, password, sizeof password)) != 0)
        return rc;
    rc = auth_hash_password(password, hash, &e);
    memset(password, 0, sizeof password);
    if (rc || (rc = store_user_add(st, name, role, region, hash, NULL, NULL, &e)) != 0)
        return fail(&e, rc);
    audit(st, "user_add", name, role);
    printf(_("user %s added (%s, %s)\n"), term_str(name), role_label(role),
           region ? term_str(region) : _("all regions"));
    return EXIT_OK;
}

/* s, then spaces up to width terminal columns and one more: printf's
 * %-20s counts bytes, and a Chinese character is three bytes but two
 * columns, so its columns would not line up. */
static void put_col(FILE *out, const char *s, size_t width)
{
    fputs(s, out);
    for (size_t w = export_display_width(s); w < width; w++)
        fputc(' ', out);
    fputc(' ', out);
}

static int print_user(void *ctx, const struct store_user *u, struct err *e)
{
    const struct config *cfg = ctx;
    char at[20];
    put_col(stdout, term_str(u->name), 20);
    put_col(stdout, role_label(u->role), 18);
    put_col(stdout, u->region[0] ? term_str(u->region) : _("all regions"), 14);
    put_col(stdout, u->disabled ? _("disabled") : _("active"), 8);
    printf("%s\n", tz_show(u->created_at, config_offset_s(cfg), at));
    return 0;
}

int cmd_user(struct cli *cli)
{
    const char *usage = _(user_usage);
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc < 2)
        return cli_usage_error(cli, usage, _("which: add, passwd, disable or list?"));
    const char *sub = cli->argv[1];
    int known = strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0 ||
                strcmp(sub, "disable") == 0 || strcmp(sub, "list") == 0;
    if (!known)
        return cli_usage_error(cli, usage, _("unknown subcommand \"%s\""), term_str(sub));
    int one_name = strcmp(sub, "passwd") == 0 || strcmp(sub, "disable") == 0;
    if (one_name && cli->argc != 3)
        return cli_usage_error(cli, usage,
                               cli->argc < 3 ? _("%s needs the user's name")
                                             : _("%s takes only the user's name (a password is "
                                                 "never taken from the command line)"),
                               sub);
    if (strcmp(sub, "list") == 0 && cli->argc != 2)
        return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), term_str(cli->argv[2]));

    struct config *cfg;
    int code = cli_load_config(cli, &cfg);
    if (code)
        return code;
    struct err e = {{0}};
    struct store *st = NULL;
    int rc = auth_init(&e);
    if (rc || (rc = store_open(cfg->database, STORE_WRITE, &st, &e)) != 0) {
        code = fail(&e, rc);
        goto done;
    }
    if (strcmp(sub, "add") == 0) {
        code = user_add(cli, st, usage);
    } else if (strcmp(sub, "list") == 0) {
        rc = store_user_list(st, print_user, cfg, &e);
        code = rc ? fail(&e, rc) : EXIT_OK;
    } else if (strcmp(sub, "disable") == 0) {
        const char *name = cli->argv[2];
        if ((rc = store_user_disable(st, name, &e)) != 0) {
            code = fail(&e, rc);
        } else {
            audit(st, "user_disable", name, NULL);
            printf(_("user %s disabled; their sessions have ended\n"), term_str(name));
        }
    } else {
        const char *name = cli->argv[2];
        struct store_user u;
        char password[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_SIZE];
        if ((rc = store_user_get(st, name, &u, &e)) != 0) {
            code = fail(&e, rc);
        } else if ((code = read_password(cli, password, sizeof password)) == EXIT_OK) {
            rc = auth_hash_password(password, hash, &e);
            memset(password, 0, sizeof password);
            if (rc || (rc = store_user_set_hash(st, name, hash, &e)) != 0) {
                code = fail(&e, rc);
            } else {
                audit(st, "user_passwd", name, NULL);
                printf(_("password of %s changed; their sessions have ended\n"), term_str(name));
            }
        }
    }
done:
    store_close(st);
    config_free(cfg);
    return code;
}

/* ---- init --demo ---- */

struct demo_user {
    const char *name, *role, *level; /* level: the region the user gets */
};

int cli_demo_users(struct store *st, FILE *out, struct err *e)
{
    static const struct demo_user users[] = {
        {"demo_admin", "admin", NULL}, {"demo_policy", "policy", NULL},
        {"demo_city", "city", "city"}, {"demo_county", "county", "county"},
        {"demo_town", "town", "town"}, {"demo_cadre", "cadre", "village"},
    };
    int rc = auth_init(e);
    if (rc)
        return rc;
    /* One chain down the demo city: its city, first county, first town
     * and first village, so each login sees a part of the one below. */
    char chain[4][32] = {{0}};
    if ((rc = store_region_first(st, NULL, "city", chain[0], sizeof chain[0], e)) != 0)
        return rc;
    for (int i = 1; i < 4; i++) {
        static const char *const levels[] = {"city", "county", "town", "village"};
        if ((rc = store_region_first(st, chain[i - 1], levels[i], chain[i], sizeof chain[i], e)))
            return rc;
    }
    fprintf(out, "%s\n",
            _("web console logins (shown only now; change one with fupin user "
              "passwd NAME):"));
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        const struct demo_user *u = &users[i];
        const char *region = NULL;
        for (int k = 0; u->level && k < 4; k++) {
            static const char *const levels[] = {"city", "county", "town", "village"};
            if (strcmp(u->level, levels[k]) == 0)
                region = chain[k];
        }
        char password[13], hash[AUTH_HASH_SIZE];
        auth_random_password(password, sizeof password);
        if ((rc = auth_hash_password(password, hash, e)) != 0 ||
            (rc = store_user_add(st, u->name, u->role, region, hash, NULL, NULL, e)) != 0)
            return rc;
        fputs("  ", out);
        put_col(out, u->name, 12);
        put_col(out, role_label(u->role), 18);
        put_col(out, region ? region : _("all regions"), 14);
        fprintf(out, "%s\n", password);
    }
    return 0;
}
