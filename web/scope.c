/* scope.c - who may see what: roles by name, a user's region and what lies
 * below it, and the error and redirect answers pages share. Never widens a
 * scope: an unknown region or a store error is "not allowed". */
#include "i18n.h"
#include "store_user.h"
#include "web.h"

#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {
    [WEB_ROLE_CADRE] = "cadre", [WEB_ROLE_TOWN] = "town",     [WEB_ROLE_COUNTY] = "county",
    [WEB_ROLE_CITY] = "city",   [WEB_ROLE_POLICY] = "policy", [WEB_ROLE_ADMIN] = "admin",
};

int web_role_parse(const char *s)
{
    for (int i = 0; s && i < (int)(sizeof role_names / sizeof role_names[0]); i++)
        if (strcmp(s, role_names[i]) == 0)
            return i;
    return -1;
}

const char *web_role_name(enum web_role r)
{
    return (unsigned)r < sizeof role_names / sizeof role_names[0] ? role_names[r] : NULL;
}

int web_region_allowed(const struct web_req *r, const char *code, struct err *e)
{
    if (!r->user || !code || !code[0])
        return 0;
    /* Policy staff and admins without a region see the whole database. */
    if (!r->user->region[0])
        return 1;
    if (strcmp(code, r->user->region) == 0)
        return 1;
    return store_region_within(r->ro, code, r->user->region, e);
}

int web_error(struct web_resp *out, int status, const char *msg)
{
    /* Whatever a failing page had set is dropped: an error is never a
     * download or a redirect. */
    html_free(&out->body);
    free(out->location);
    free(out->filename);
    out->location = out->filename = NULL;
    out->status = status;
    out->content_type = NULL;
    const char *title = status == 404   ? _("Page not found")
                        : status == 403 ? _("Not allowed")
                        : status == 429 ? _("Too many attempts")
                        : status >= 500 ? _("Server error")
                                        : _("Bad request");
    html_page_begin(&out->body, NULL, title);
    html_raw(&out->body, "<div class=\"card error\"><h1>");
    html_text(&out->body, title);
    html_raw(&out->body, "</h1><p>");
    html_text(&out->body, msg);
    html_raw(&out->body, "</p><p><a href=\"/\">");
    html_text(&out->body, _("Back to the overview"));
    html_raw(&out->body, "</a></p></div>");
    html_page_end(&out->body);
    return 0;
}

int web_redirect(struct web_resp *out, const char *location)
{
    out->status = 303;
    free(out->location);
    out->location = strdup(location);
    if (!out->location)
        out->status = 500;
    return 0;
}
