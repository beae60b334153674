/* users_page.c - GET /users, the administrators' list of console users
 * (server-side, beside login and logout: accounts are the server's). Read
 * only: users are added, disabled and given passwords with `fupin user` on
 * the server, where a password never crosses the network. */
#include "i18n.h"
#include "server_internal.h"
#include "store_user.h"
#include "tz.h"

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

struct users_ctx {
    const struct web_req *r;
    struct html *h;
};

static int row(void *ctx, const struct store_user *u, struct err *e)
{
    const struct users_ctx *uc = ctx;
    struct html *h = uc->h;
    char at[20];
    html_raw(h, "<tr><td>");
    html_text(h, u->name);
    html_raw(h, "</td><td>");
    html_text(h, role_label(u->role));
    html_raw(h, "</td><td>");
    html_text(h, u->region[0] ? u->region : _("all regions"));
    html_raw(h, "</td><td>");
    html_text(h, u->disabled ? _("disabled") : _("active"));
    html_raw(h, "</td><td>");
    html_text(h, tz_show(u->created_at, config_offset_s(uc->r->cfg), at));
    html_raw(h, "</td></tr>");
    return 0;
}

int web_users_page(struct web_req *r, struct web_resp *out, struct err *e)
{
    struct html *h = &out->body;
    html_page_begin(h, r, _("Users"));
    html_raw(h, "<h1>");
    html_text(h, _("Users"));
    html_raw(h, "</h1><p class=\"muted\">");
    html_text(h, _("Users are added, disabled and given new passwords on the server with fupin "
                   "user; a password never travels through the console."));
    html_raw(h, "</p><table><thead><tr><th>");
    html_text(h, _("User name"));
    html_raw(h, "</th><th>");
    html_text(h, _("Role"));
    html_raw(h, "</th><th>");
    html_text(h, _("Region"));
    html_raw(h, "</th><th>");
    html_text(h, _("State"));
    html_raw(h, "</th><th>");
    html_text(h, _("Created"));
    html_raw(h, "</th></tr></thead><tbody>");
    struct users_ctx uc = {r, h};
    int rc = store_user_list(r->ro, row, &uc, e);
    html_raw(h, "</tbody></table>");
    html_page_end(h);
    return rc;
}
