
/*
 * Access to a pad, as Etherpad 2.x decides it (see ngx_pad_access.h).
 */


#include <string.h>

#include "access/ngx_pad_access.h"


void
ngx_pad_access_decide(const char *pad, size_t len,
    const ngx_pad_access_facts_t *f, ngx_pad_access_t *out)
{
    int  can_create, readonly;

    out->status = NGX_PAD_ACCESS_DENY;
    out->session_author = 0;

    can_create = !f->edit_only && !f->readonly_id;
    readonly = f->readonly_id;

    switch (f->check) {

    case NGX_PAD_ACCESS_CHECK_DENY:
        out->reason = "the access check denied it";
        return;

    case NGX_PAD_ACCESS_CHECK_READONLY:
        can_create = 0;
        readonly = 1;
        break;

    default:
        break;
    }

    if (!f->exists && !can_create) {
        out->reason = "the pad does not exist and may not be created";
        return;
    }

    if (f->require_session && !f->session) {
        out->reason = "pad_require_session: no valid session of the "
                      "pad's group";
        return;
    }

    if (!f->session && !f->token_ok) {
        out->reason = "an invalid author token";
        return;
    }

    out->session_author = f->session;

    if (ngx_pad_access_group_pad(pad, len)) {

        if (!f->exists && !f->session) {
            out->reason = "a group pad can be created only with a "
                          "session of its group";
            out->session_author = 0;
            return;
        }

        if (f->exists && !f->public && !f->session) {
            out->reason = "a private group pad needs a session of its "
                          "group";
            out->session_author = 0;
            return;
        }
    }

    out->status = readonly ? NGX_PAD_ACCESS_READONLY : NGX_PAD_ACCESS_GRANT;
    out->reason = f->session ? "granted by a session of the pad's group"
                             : "granted";
}


int
ngx_pad_access_group_pad(const char *pad, size_t len)
{
    return memchr(pad, '$', len) != NULL;
}


size_t
ngx_pad_access_group_len(const char *pad, size_t len)
{
    const char  *p;

    p = memchr(pad, '$', len);

    return p ? (size_t) (p - pad) : len;
}


static int
ngx_pad_access_id_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}


size_t
ngx_pad_access_session_ids(const char *value, size_t len,
    ngx_pad_str_t *ids, size_t n, size_t max)
{
    size_t       i, k;
    const char  *p, *end, *s, *e;

    p = value;
    end = value + len;

    /* quotes around the whole value (RFC 6265 servers): Etherpad #3819 */

    if (p < end && *p == '"') {
        p++;
    }

    if (end > p && end[-1] == '"') {
        end--;
    }

    while (p < end && n < max) {
        s = p;

        while (p < end && *p != ',') {
            p++;
        }

        e = p;

        if (p < end) {
            p++;            /* the ',' */
        }

        while (s < e && (*s == ' ' || *s == '\t')) {
            s++;
        }

        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
            e--;
        }

        if (e == s || (size_t) (e - s) > NGX_PAD_ACCESS_ID_MAX) {
            continue;
        }

        for (i = 0; s + i < e; i++) {
            if (!ngx_pad_access_id_char((unsigned char) s[i])) {
                break;
            }
        }

        if (s + i != e) {
            continue;
        }

        for (k = 0; k < n; k++) {
            if (ids[k].len == (size_t) (e - s)
                && memcmp(ids[k].data, s, ids[k].len) == 0)
            {
                break;
            }
        }

        if (k < n) {
            continue;
        }

        ids[n].data = s;
        ids[n].len = e - s;
        n++;
    }

    return n;
}


int
ngx_pad_access_session_valid(const char *group, size_t glen,
    const ngx_pad_str_t *sgroup, const ngx_pad_str_t *valid_until,
    int64_t now)
{
    size_t   i;
    int64_t  v;

    if (glen == 0 || sgroup->len != glen
        || memcmp(sgroup->data, group, glen) != 0)
    {
        return 0;
    }

    if (valid_until->len == 0 || valid_until->len > 18) {
        return 0;
    }

    v = 0;

    for (i = 0; i < valid_until->len; i++) {
        if (valid_until->data[i] < '0' || valid_until->data[i] > '9') {
            return 0;
        }

        v = v * 10 + (valid_until->data[i] - '0');
    }

    return now < v;
}
