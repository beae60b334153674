/* pages.c - the console's routes (web.h web_routes[]). A placeholder until
 * the pages land: only the overview's address, answering with the frame. */
#include "i18n.h"
#include "web.h"

static int page_home(struct web_req *r, struct web_resp *out, struct err *e)
{
    html_page_begin(&out->body, r, _("Poverty Alleviation Console"));
    html_raw(&out->body, "<h1>");
    html_text(&out->body, _("Poverty Alleviation Console"));
    html_raw(&out->body, "</h1>");
    html_page_end(&out->body);
    return 0;
}

const struct web_route web_routes[] = {
    {"GET", "/", WEB_ROLES_ALL, page_home},
    {0},
};
