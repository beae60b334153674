/* deliver_attach.c - the full list a digest mail carries: every live alert
 * its supervisor sees, as xlsx built through export/ when the mail goes out
 * (a retry builds it again from the database, so nothing of megabytes sits
 * in the outbox), or a note to export it at the office when it would pass
 * supervision.digest_attachment_kb. Reads the database, never writes it. */
#include "date.h"
#include "deliver_internal.h"
#include "export.h"
#include "i18n.h"
#include "nightly_digest.h"
#include "store_nightly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTACHMENT_KB_DEFAULT 5120

enum {
    COL_ID,
    COL_KIND,
    COL_STATE,
    COL_LEVEL,
    COL_ORIGIN,
    COL_PLACE,
    COL_HEAD,
    COL_HEAD_ID,
    COL_CADRE,
    COL_PHONE,
    COL_TITLE,
    COL_DUE,
    COL_DAYS,
    COL_ESCALATED,
    COL_MESSAGE,
    N_COLS
};

struct list_ctx {
    struct export *x;
    const char *date;
    char region[64];
    long rows;
};

static int on_row(void *ctx, const struct nightly_alert *a, struct err *e)
{
    struct list_ctx *c = ctx;
    char id[24], days[24] = "";
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    int ok = 0;
    long d = a->due ? date_diff(a->due, c->date, &ok) : 0;
    if (ok && d > 0)
        snprintf(days, sizeof days, "%ld", d);
    if (!c->region[0] && a->sup_region)
        snprintf(c->region, sizeof c->region, "%s", a->sup_region);
    const char *cells[N_COLS] = {
        [COL_ID] = id,
        [COL_KIND] = nightly_kind_label(a->kind),
        [COL_STATE] =
            strcmp(a->state, "acked") == 0 ? _("acknowledged by the office") : _("not yet handled"),
        [COL_LEVEL] = nightly_level_label(a->level),
        [COL_ORIGIN] = nightly_level_label(a->origin_level),
        [COL_PLACE] = a->village_name ? a->village_name : a->village,
        [COL_HEAD] = a->head_name,
        [COL_HEAD_ID] = a->head_id_masked,
        [COL_CADRE] = a->cadre_name,
        [COL_PHONE] = a->cadre_phone,
        [COL_TITLE] = a->title,
        [COL_DUE] = a->due,
        [COL_DAYS] = days,
        [COL_ESCALATED] = a->escalated_at,
        [COL_MESSAGE] = a->message,
    };
    c->rows++;
    return export_row(c->x, cells, e);
}

/* The payload's "date" ("YYYY-MM-DD"), the digest's as-of day. */
static int payload_date(const char *payload, char out[11])
{
    const char *p = payload ? strstr(payload, ",\"date\":\"") : NULL;
    if (!p || strlen(p + 9) < 10)
        return 0;
    memcpy(out, p + 9, 10);
    out[10] = 0;
    return date_is_valid(out);
}

void deliver_attachment_free(struct deliver_attachment *att)
{
    free(att->data);
    free(att->note);
    memset(att, 0, sizeof *att);
}

int deliver_digest_attachment(const struct config *cfg, struct store *st,
                              const struct outbox_msg *m, struct deliver_attachment *att,
                              struct err *e)
{
    memset(att, 0, sizeof *att);
    char date[11];
    if (!st || m->supervisor_id <= 0 || !strstr(m->payload, ",\"kind\":\"digest\",") ||
        !payload_date(m->payload, date))
        return 0;
    double kb = ATTACHMENT_KB_DEFAULT;
    if (config_param_number(cfg, "supervision.digest_attachment_kb", atoi(date), &kb) != 0)
        kb = ATTACHMENT_KB_DEFAULT;
    static const struct export_column cols[N_COLS] = {
        [COL_ID] = {"alert_id", N_("Item no. (#)"), EXPORT_NUMBER},
        [COL_KIND] = {"kind", N_("Kind of item"), EXPORT_TEXT},
        [COL_STATE] = {"state", N_("Item state"), EXPORT_TEXT},
        [COL_LEVEL] = {"level", N_("Now with"), EXPORT_TEXT},
        [COL_ORIGIN] = {"origin_level", N_("Raised at"), EXPORT_TEXT},
        [COL_PLACE] = {"village", N_("Village or region"), EXPORT_TEXT},
        [COL_HEAD] = {"head_name", N_("Household head (name)"), EXPORT_TEXT},
        [COL_HEAD_ID] = {"head_id", N_("Head's ID number (masked)"), EXPORT_TEXT},
        [COL_CADRE] = {"cadre", N_("Cadre in charge"), EXPORT_TEXT},
        [COL_PHONE] = {"cadre_phone", N_("Cadre's phone"), EXPORT_TEXT},
        [COL_TITLE] = {"title", N_("Help task"), EXPORT_TEXT},
        [COL_DUE] = {"due", N_("Task due date"), EXPORT_TEXT},
        [COL_DAYS] = {"days_overdue", N_("Days past due"), EXPORT_NUMBER},
        [COL_ESCALATED] = {"escalated_at", N_("Escalated on"), EXPORT_TEXT},
        [COL_MESSAGE] = {"message", N_("Alert details"), EXPORT_TEXT},
    };
    struct export_column headers[N_COLS];
    for (int i = 0; i < N_COLS; i++)
        headers[i] = (struct export_column){cols[i].key, _(cols[i].header), cols[i].kind};

    /* Built in a temporary file (gone at close): a county's list can be
     * megabytes, read into memory only when it is under the cap. */
    FILE *tmp = tmpfile();
    if (!tmp)
        return err_set(e, ERR_FAIL, "digest attachment: no temporary file");
    struct list_ctx c = {.date = date};
    int rc = export_open(&c.x, EXPORT_XLSX, NULL, tmp, _("Supervision list"), headers, N_COLS, e);
    if (rc) {
        fclose(tmp);
        return rc;
    }
    rc = store_nightly_supervisor_alerts(st, m->supervisor_id, on_row, &c, e);
    int crc = export_close(c.x, rc ? NULL : e);
    if (!rc)
        rc = crc;
    long size = rc ? -1 : (fflush(tmp), fseek(tmp, 0, SEEK_END), ftell(tmp));
    if (rc || c.rows == 0 || size < 0) {
        fclose(tmp);
        return rc;
    }
    const char *region = c.region[0] ? c.region : "CODE";
    if (kb <= 0 || size > (long)(kb * 1024)) {
        char note[512];
        if (kb <= 0)
            snprintf(note, sizeof note,
                     _("The full list (%ld items) is not attached to mails; export it at the "
                       "office:\n  fupin alert list --region %s --open --format xlsx --output "
                       "list.xlsx\n"),
                     c.rows, region);
        else
            snprintf(note, sizeof note,
                     _("The full list (%ld items, %ld KB) is larger than a mail may carry "
                       "(%ld KB); export it at the office:\n  fupin alert list --region %s "
                       "--open --format xlsx --output list.xlsx\n"),
                     c.rows, (size + 1023) / 1024, (long)kb, region);
        fclose(tmp);
        att->note = strdup(note);
        return att->note ? 0 : err_set(e, ERR_FAIL, "out of memory");
    }
    att->data = malloc((size_t)size ? (size_t)size : 1);
    rewind(tmp);
    if (!att->data || fread(att->data, 1, (size_t)size, tmp) != (size_t)size) {
        fclose(tmp);
        deliver_attachment_free(att);
        return err_set(e, ERR_FAIL, "digest attachment: cannot read the temporary file back");
    }
    fclose(tmp);
    att->len = (size_t)size;
    snprintf(att->name, sizeof att->name, "fupin-list-%.40s-%s.xlsx", region, date);
    /* A region code is digits; anything else would need quoting in a
     * MIME parameter, so it is replaced. */
    for (char *p = att->name; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              *p == '-' || *p == '.'))
            *p = '_';
    return 0;
}
