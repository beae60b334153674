/* deliver_curl.c - the network channels through libcurl: a webhook POST
 * shaped for enterprise-chat robots, and SMTP mail (RFC 5322, UTF-8 subject
 * as RFC 2047 encoded words, base64 body). Only http(s) and smtp(s) URLs are
 * followed; redirects never are. Never logs message bodies. */
#define _GNU_SOURCE /* asprintf */
#include "deliver_internal.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct buf {
    char *data;
    size_t len, cap, off;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

static int buf_str(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

static size_t on_response(char *p, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t len = size * n;
    /* Keep only the start: enough for a robot's {"errcode":..}. */
    if (b->len < 4096)
        buf_add(b, p, len < 4096 - b->len ? len : 4096 - b->len);
    return len;
}

static size_t on_upload(char *p, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t left = b->len - b->off, want = size * n;
    size_t give = left < want ? left : want;
    memcpy(p, b->data + b->off, give);
    b->off += give;
    return give;
}

/* curl failures no retry can mend: the URL or its scheme is wrong. */
static int curl_is_permanent(CURLcode cc)
{
    return cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL;
}

static void common_opts(CURL *c, const struct config_channel *ch, char *errbuf)
{
    long timeout = ch->timeout_s > 0 ? ch->timeout_s : 10;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
}

int deliver_webhook(const struct config_channel *ch, const struct outbox_msg *m, struct err *e)
{
    /* A supervisor's own robot URL in address wins over the channel's. */
    const char *url = m->address && (strncmp(m->address, "http://", 7) == 0 ||
                                     strncmp(m->address, "https://", 8) == 0)
                          ? m->address
                          : ch->url;
    if (!url || !*url)
        return err_set(e, ERR_INVALID, "channel webhook has no url");
    struct buf body = {0}, resp = {0};
    const char *lit;
    size_t lit_len;
    int rc = 0;
    /* {"msgtype":"text","text":{"content":...}} is what WeCom/DingTalk-style
     * robots take; "fupin" carries the full digest for programs. */
    if (buf_str(&body, "{\"msgtype\":\"text\",\"text\":{\"content\":") ||
        (deliver_text_literal(m->payload, &lit, &lit_len) ? buf_add(&body, lit, lit_len)
                                                          : buf_str(&body, "\"fupin\"")) ||
        buf_str(&body, "},\"fupin\":") || buf_str(&body, m->payload) || buf_str(&body, "}")) {
        rc = err_set(e, ERR_FAIL, "out of memory");
        goto done;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        rc = err_set(e, ERR_FAIL, "curl_easy_init failed");
        goto done;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr =
        curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    common_opts(c, ch, errbuf);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_response);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        rc = err_set(e, curl_is_permanent(cc) ? ERR_INVALID : ERR_FAIL, "webhook: %s",
                     errbuf[0] ? errbuf : curl_easy_strerror(cc));
    } else if (status >= 400 && status <= 499 && status != 408 && status != 429) {
        /* The request itself is refused (bad URL, gone, forbidden): sending
         * it again cannot help. 408 and 429 ask for a later try. */
        rc = err_set(e, ERR_INVALID, "webhook: HTTP %ld", status);
    } else if (status < 200 || status > 299) {
        rc = err_set(e, ERR_FAIL, "webhook: HTTP %ld", status);
    } else if (resp.data) {
        /* Chat robots answer 200 with a nonzero errcode when they refuse. */
        const char *ec = strstr(resp.data, "\"errcode\":");
        if (ec && atol(ec + 10) != 0)
            rc = err_set(e, ERR_FAIL, "webhook: refused with errcode %ld", atol(ec + 10));
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
done:
    free(body.data);
    free(resp.data);
    return rc;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of s[0..n) appended to b, with CRLF every 76 characters when wrap. */
static int base64(struct buf *b, const unsigned char *s, size_t n, int wrap)
{
    char q[4];
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        q[0] = b64[v >> 18 & 63];
        q[1] = b64[v >> 12 & 63];
        q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        if (buf_add(b, q, 4))
            return -1;
        col += 4;
        if (wrap && col >= 76 && i + 3 < n) {
            if (buf_str(b, "\r\n"))
                return -1;
            col = 0;
        }
    }
    return wrap ? buf_str(b, "\r\n") : 0;
}

/* RFC 2047 encoded words of at most 45 bytes of whole UTF-8 characters. */
static int encode_subject(struct buf *b, const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t j = i + 45 < n ? i + 45 : n;
        while (j > i && j < n && ((unsigned char)s[j] & 0xc0) == 0x80)
            j--;
        if (buf_str(b, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?") ||
            base64(b, (const unsigned char *)s + i, j - i, 0) || buf_str(b, "?="))
            return -1;
        i = j;
    }
    return 0;
}

static int build_mail(struct buf *b, const struct config_channel *ch, const struct outbox_msg *m,
                      const struct deliver_attachment *att)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char line[512], digits[32] = "";
    size_t k = 0;
    for (const char *p = m->created_at ? m->created_at : ""; *p && k + 1 < sizeof digits; p++)
        if (*p >= '0' && *p <= '9')
            digits[k++] = *p;
    digits[k] = 0;
    char *text = deliver_text(m->payload);
    const char *body = text ? text : m->payload;
    /* The note on the full list goes at the end of the text. */
    char *with_note = NULL;
    if (att && att->note && asprintf(&with_note, "%s\n%s", body, att->note) >= 0)
        body = with_note;
    char subject[256];
    size_t sl = strcspn(body, "\n");
    snprintf(subject, sizeof subject, "%.*s", (int)(sl < 200 ? sl : 200), body);
    while (strlen(subject) && ((unsigned char)subject[strlen(subject) - 1] & 0xc0) == 0x80 &&
           sl >= 200)
        subject[strlen(subject) - 1] = 0; /* never cut a character in half */
    int rc = 0;
    snprintf(line, sizeof line,
             "Date: %s, %02d %s %d %02d:%02d:%02d +0000\r\n"
             "From: <%s>\r\nTo: <%s>\r\n"
             /* Stable per outbox row: a resend in the at-least-once window
              * carries the same id, so mail clients can drop the copy. */
             "Message-ID: <fupin-outbox-%" PRId64 "-%s@fupin.invalid>\r\n"
             "MIME-Version: 1.0\r\nSubject: ",
             days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec, ch->from ? ch->from : "", m->address ? m->address : "", m->id,
             digits);
    if (buf_str(b, line) || encode_subject(b, subject[0] ? subject : "fupin") ||
        buf_str(b, "\r\nContent-Type: multipart/mixed; boundary=\"fupin-part\"\r\n\r\n"
                   "--fupin-part\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\n") ||
        base64(b, (const unsigned char *)body, strlen(body), 1) ||
        buf_str(b, "--fupin-part\r\nContent-Type: application/json; charset=UTF-8\r\n"
                   "Content-Disposition: attachment; filename=\"digest.json\"\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\n") ||
        base64(b, (const unsigned char *)m->payload, strlen(m->payload), 1))
        rc = -1;
    if (!rc && att && att->data) {
        snprintf(line, sizeof line,
                 "--fupin-part\r\nContent-Type: application/"
                 "vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=\"%s\"\r\n"
                 "Content-Disposition: attachment; filename=\"%s\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\n",
                 att->name, att->name);
        if (buf_str(b, line) || base64(b, (const unsigned char *)att->data, att->len, 1))
            rc = -1;
    }
    if (!rc && buf_str(b, "--fupin-part--\r\n"))
        rc = -1;
    free(text);
    free(with_note);
    return rc;
}

int deliver_email(const struct config_channel *ch, const struct outbox_msg *m,
                  const struct deliver_attachment *att, struct err *e)
{
    if (!ch->url || !*ch->url || !ch->from || !*ch->from)
        return err_set(e, ERR_INVALID, "channel email needs url and from");
    /* Checked again here, not only at load: the sender and the recipient go
     * into SMTP commands and headers verbatim, and the recipient comes from
     * the database, which anyone with write access can fill. */
    if (!config_mail_address_ok(ch->from))
        return err_set(e, ERR_INVALID, "channel email: from is not a plain mail address");
    if (!config_mail_address_ok(m->address))
        return err_set(e, ERR_INVALID, "supervisor %" PRId64 " has no usable email address",
                       m->supervisor_id);
    struct buf msg = {0};
    if (build_mail(&msg, ch, m, att)) {
        free(msg.data);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    CURL *c = curl_easy_init();
    if (!c) {
        free(msg.data);
        return err_set(e, ERR_FAIL, "curl_easy_init failed");
    }
    char errbuf[CURL_ERROR_SIZE] = "", from[300];
    snprintf(from, sizeof from, "<%s>", ch->from);
    struct curl_slist *rcpt = curl_slist_append(NULL, m->address);
    common_opts(c, ch, errbuf);
    curl_easy_setopt(c, CURLOPT_URL, ch->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    if (ch->username)
        curl_easy_setopt(c, CURLOPT_USERNAME, ch->username);
    if (ch->password)
        curl_easy_setopt(c, CURLOPT_PASSWORD, ch->password);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &msg);
    curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)msg.len);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    int rc = 0;
    /* An SMTP 5xx reply is the server's final no (RFC 5321 4.2.1); 4xx
     * and network failures are worth another try. */
    if (cc != CURLE_OK)
        rc = err_set(
            e, curl_is_permanent(cc) || (status >= 500 && status <= 599) ? ERR_INVALID : ERR_FAIL,
            "email: %s%s", errbuf[0] ? errbuf : curl_easy_strerror(cc),
            status >= 500 && status <= 599 ? " (refused by the server)" : "");
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    free(msg.data);
    return rc;
}
