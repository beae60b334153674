/* config_listen.c - the web console's listen address (http.listen), parsed
 * once for the loader's file:line message and once more by the server, and
 * the trusted proxies' addresses (http.trusted_proxies). Only literal
 * addresses and localhost: a name would need DNS at start-up. */
#include "config.h"
#include "i18n.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, int *port, struct err *e)
{
    char *end;
    long v = (*s >= '0' && *s <= '9') ? strtol(s, &end, 10) : -1;
    if (v < 1 || v > 65535 || *end || strlen(s) > 5)
        return err_set(e, ERR_INVALID, _("\"%.40s\" is not a port (1-65535)"), s);
    *port = (int)v;
    return 0;
}

int config_listen_parse(const char *s, char *host, size_t host_size, int *port, struct err *e)
{
    char buf[80];
    if (!s || !*s || strlen(s) >= sizeof buf)
        return err_set(e, ERR_INVALID, _("expected an address HOST:PORT, like 127.0.0.1:8080"));
    memcpy(buf, s, strlen(s) + 1);
    const char *h = "127.0.0.1", *p = buf;
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (!close || close[1] != ':')
            return err_set(e, ERR_INVALID,
                           _("\"%.40s\": an IPv6 address is written [ADDRESS]:PORT"), s);
        *close = 0;
        h = buf + 1;
        p = close + 2;
        unsigned char a[16];
        if (inet_pton(AF_INET6, h, a) != 1)
            return err_set(e, ERR_INVALID, _("\"%.40s\" is not an IPv6 address"), h);
    } else {
        char *colon = strrchr(buf, ':');
        if (colon) {
            *colon = 0;
            p = colon + 1;
            if (buf[0])
                h = buf;
        }
        unsigned char a[4];
        if (strcmp(h, "localhost") == 0)
            h = "127.0.0.1";
        else if (strchr(h, ':') || inet_pton(AF_INET, h, a) != 1)
            return err_set(e, ERR_INVALID,
                           _("\"%.40s\" is not an IPv4 address (write 0.0.0.0 for every "
                             "address, [::1] for IPv6)"),
                           h);
    }
    int rc = parse_port(p, port, e);
    if (rc)
        return rc;
    if (strlen(h) >= host_size)
        return err_set(e, ERR_INVALID, _("\"%.40s\" is not an address"), h);
    memcpy(host, h, strlen(h) + 1);
    return 0;
}

/* The binary form of a literal address: its family, or 0 when it is none. */
static int addr_parse(const char *s, size_t len, unsigned char out[16])
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = 0;
    memset(out, 0, 16);
    if (inet_pton(AF_INET, buf, out) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, buf, out) == 1)
        return AF_INET6;
    return 0;
}

/* Calls fn on each item of the comma list (spaces trimmed) until it
 * returns nonzero; returns that. */
static int each_addr(const char *list, int (*fn)(const char *, size_t, void *), void *ctx)
{
    for (const char *p = list; p && *p;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, ",");
        size_t len = n;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        int rc = fn(p, len, ctx);
        if (rc)
            return rc;
        p += n + (p[n] == ',');
    }
    return 0;
}

static int check_one(const char *s, size_t len, void *ctx)
{
    unsigned char a[16];
    if (addr_parse(s, len, a))
        return 0;
    err_set(ctx, ERR_INVALID, _("\"%.*s\" is not an IP address"), (int)(len > 60 ? 60 : len), s);
    return ERR_INVALID;
}

int config_addrs_check(const char *list, struct err *e)
{
    return each_addr(list, check_one, e);
}

struct addr_probe {
    int family;
    unsigned char a[16];
};

static int same_one(const char *s, size_t len, void *ctx)
{
    const struct addr_probe *p = ctx;
    unsigned char a[16];
    return addr_parse(s, len, a) == p->family && memcmp(a, p->a, 16) == 0;
}

int config_addr_in(const char *list, const char *addr)
{
    struct addr_probe p;
    if (!list || !addr || !(p.family = addr_parse(addr, strlen(addr), p.a)))
        return 0;
    return each_addr(list, same_one, &p);
}
