
/*
 * ngx_pad_module: the ".etherpad" writer (see ngx_pad_etherpad.h).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etherpad/ngx_pad_etherpad.h"


/* ":revs:<n>", ":chat:<n>" */
#define NGX_PAD_ETHERPAD_SUB_LEN  32


static int ngx_pad_etherpad_reserve(ngx_pad_etherpad_w_t *w, size_t n);
static int ngx_pad_etherpad_raw(ngx_pad_etherpad_w_t *w, const char *s,
    size_t len);
static int ngx_pad_etherpad_lit(ngx_pad_etherpad_w_t *w, const char *s);
static int ngx_pad_etherpad_str(ngx_pad_etherpad_w_t *w,
    const ngx_pad_str_t *s);
static int ngx_pad_etherpad_int(ngx_pad_etherpad_w_t *w, int64_t n);
static int ngx_pad_etherpad_key(ngx_pad_etherpad_w_t *w, const char *kind,
    const ngx_pad_str_t *id, const char *sub, int64_t n);


void
ngx_pad_etherpad_init(ngx_pad_etherpad_w_t *w, const ngx_pad_str_t *id)
{
    memset(w, 0, sizeof(ngx_pad_etherpad_w_t));
    w->id = *id;
}


void
ngx_pad_etherpad_free(ngx_pad_etherpad_w_t *w)
{
    free(w->data);
    w->data = NULL;
    w->len = 0;
    w->cap = 0;
}


void
ngx_pad_etherpad_sent(ngx_pad_etherpad_w_t *w)
{
    w->len = 0;
}


int
ngx_pad_etherpad_begin(ngx_pad_etherpad_w_t *w)
{
    return ngx_pad_etherpad_raw(w, "{", 1);
}


int
ngx_pad_etherpad_end(ngx_pad_etherpad_w_t *w)
{
    return ngx_pad_etherpad_raw(w, "}", 1);
}


int
ngx_pad_etherpad_rev(ngx_pad_etherpad_w_t *w, int64_t n,
    const ngx_pad_str_t *cs, const ngx_pad_str_t *author, int64_t ts,
    const ngx_pad_atext_t *key, const ngx_pad_str_t *pool)
{
    size_t  len;

    len = w->len;

    if (ngx_pad_etherpad_key(w, "pad", &w->id, "revs", n) != 0
        || ngx_pad_etherpad_lit(w, "{\"changeset\":") != 0
        || ngx_pad_etherpad_str(w, cs) != 0
        || ngx_pad_etherpad_lit(w, ",\"meta\":{\"author\":") != 0
        || ngx_pad_etherpad_str(w, author) != 0
        || ngx_pad_etherpad_lit(w, ",\"timestamp\":") != 0
        || ngx_pad_etherpad_int(w, ts) != 0)
    {
        goto failed;
    }

    if (key != NULL
        && (ngx_pad_etherpad_lit(w, ",\"pool\":") != 0
            || ngx_pad_etherpad_raw(w, pool->data, pool->len) != 0
            || ngx_pad_etherpad_lit(w, ",\"atext\":{\"text\":") != 0
            || ngx_pad_etherpad_str(w, &key->text) != 0
            || ngx_pad_etherpad_lit(w, ",\"attribs\":") != 0
            || ngx_pad_etherpad_str(w, &key->attribs) != 0
            || ngx_pad_etherpad_lit(w, "}") != 0))
    {
        goto failed;
    }

    if (ngx_pad_etherpad_lit(w, "}}") != 0) {
        goto failed;
    }

    w->records++;
    return 0;

failed:

    w->len = len;
    return -1;
}


int
ngx_pad_etherpad_chat(ngx_pad_etherpad_w_t *w, int64_t n,
    const ngx_pad_str_t *text, const ngx_pad_str_t *author, int64_t time)
{
    size_t  len;

    len = w->len;

    if (ngx_pad_etherpad_key(w, "pad", &w->id, "chat", n) != 0
        || ngx_pad_etherpad_lit(w, "{\"text\":") != 0
        || ngx_pad_etherpad_str(w, text) != 0
        || ngx_pad_etherpad_lit(w, ",\"authorId\":") != 0
        || ngx_pad_etherpad_str(w, author) != 0
        || ngx_pad_etherpad_lit(w, ",\"time\":") != 0
        || ngx_pad_etherpad_int(w, time) != 0
        || ngx_pad_etherpad_lit(w, "}") != 0)
    {
        w->len = len;
        return -1;
    }

    w->records++;
    return 0;
}


int
ngx_pad_etherpad_author(ngx_pad_etherpad_w_t *w,
    const ngx_pad_str_t *author, const ngx_pad_str_t *name,
    const ngx_pad_str_t *color, int64_t ts)
{
    size_t  len, i;
    int     digits;

    len = w->len;

    digits = color->len > 0 && color->len < 10;

    for (i = 0; i < color->len; i++) {
        if (color->data[i] < '0' || color->data[i] > '9') {
            digits = 0;
        }
    }

    if (ngx_pad_etherpad_key(w, "globalAuthor", author, NULL, -1) != 0
        || ngx_pad_etherpad_lit(w, "{\"colorId\":") != 0
        || (digits ? ngx_pad_etherpad_raw(w, color->data, color->len)
                   : ngx_pad_etherpad_str(w, color)) != 0
        || ngx_pad_etherpad_lit(w, ",\"name\":") != 0
        || (name->len ? ngx_pad_etherpad_str(w, name)
                      : ngx_pad_etherpad_lit(w, "null")) != 0)
    {
        goto failed;
    }

    if (ts >= 0
        && (ngx_pad_etherpad_lit(w, ",\"timestamp\":") != 0
            || ngx_pad_etherpad_int(w, ts) != 0))
    {
        goto failed;
    }

    /* ExportEtherpad: the set of the author's pads becomes this pad's id */

    if (ngx_pad_etherpad_lit(w, ",\"padIDs\":") != 0
        || ngx_pad_etherpad_str(w, &w->id) != 0
        || ngx_pad_etherpad_lit(w, "}") != 0)
    {
        goto failed;
    }

    w->records++;
    return 0;

failed:

    w->len = len;
    return -1;
}


int
ngx_pad_etherpad_pad(ngx_pad_etherpad_w_t *w, const ngx_pad_atext_t *atext,
    const ngx_pad_str_t *pool, int64_t head, int64_t chat_head,
    int public_status, const ngx_pad_str_t *saved)
{
    size_t  len;

    len = w->len;

    if (ngx_pad_etherpad_key(w, "pad", &w->id, NULL, -1) != 0
        || ngx_pad_etherpad_lit(w, "{\"atext\":{\"text\":") != 0
        || ngx_pad_etherpad_str(w, &atext->text) != 0
        || ngx_pad_etherpad_lit(w, ",\"attribs\":") != 0
        || ngx_pad_etherpad_str(w, &atext->attribs) != 0
        || ngx_pad_etherpad_lit(w, "},\"pool\":") != 0
        || ngx_pad_etherpad_raw(w, pool->data, pool->len) != 0
        || ngx_pad_etherpad_lit(w, ",\"head\":") != 0
        || ngx_pad_etherpad_int(w, head) != 0
        || ngx_pad_etherpad_lit(w, ",\"chatHead\":") != 0
        || ngx_pad_etherpad_int(w, chat_head) != 0
        || ngx_pad_etherpad_lit(w, public_status ? ",\"publicStatus\":true"
                                                 : ",\"publicStatus\":false")
           != 0
        || ngx_pad_etherpad_lit(w, ",\"savedRevisions\":") != 0
        || ngx_pad_etherpad_raw(w, saved->data, saved->len) != 0
        || ngx_pad_etherpad_lit(w, "}") != 0)
    {
        w->len = len;
        return -1;
    }

    w->records++;
    return 0;
}


/* ,"<kind>:<id>[:<sub>:<n>]": */

static int
ngx_pad_etherpad_key(ngx_pad_etherpad_w_t *w, const char *kind,
    const ngx_pad_str_t *id, const char *sub, int64_t n)
{
    ngx_pad_str_t  s;
    size_t         len;
    int            rc;

    if (w->records && ngx_pad_etherpad_raw(w, ",", 1) != 0) {
        return -1;
    }

    /* the key as one string: kind ':' id [':' sub ':' n] */

    len = strlen(kind) + 1 + id->len + NGX_PAD_ETHERPAD_SUB_LEN;
    s.data = malloc(len);
    if (s.data == NULL) {
        return -1;
    }

    memcpy((char *) s.data, kind, strlen(kind));
    s.len = strlen(kind);
    ((char *) s.data)[s.len++] = ':';
    memcpy((char *) s.data + s.len, id->data, id->len);
    s.len += id->len;

    if (sub != NULL) {
        s.len += snprintf((char *) s.data + s.len, NGX_PAD_ETHERPAD_SUB_LEN,
                          ":%s:%lld",
                          sub, (long long) n);
    }

    rc = ngx_pad_etherpad_str(w, &s);
    free((char *) s.data);

    return rc == 0 ? ngx_pad_etherpad_raw(w, ":", 1) : -1;
}


static int
ngx_pad_etherpad_str(ngx_pad_etherpad_w_t *w, const ngx_pad_str_t *s)
{
    size_t          i, n;
    unsigned char   c;
    char           *p;

    static const char  hex[] = "0123456789abcdef";

    /* the escaped length first: a text is reserved once, not 6 times */

    n = 2;

    for (i = 0; i < s->len; i++) {
        c = (unsigned char) s->data[i];
        n += (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n'
              || c == '\r' || c == '\t') ? 2 : (c < 0x20 ? 6 : 1);
    }

    if (ngx_pad_etherpad_reserve(w, n) != 0) {
        return -1;
    }

    p = w->data + w->len;
    *p++ = '"';

    for (i = 0; i < s->len; i++) {
        c = (unsigned char) s->data[i];

        switch (c) {
        case '"':  *p++ = '\\'; *p++ = '"'; break;
        case '\\': *p++ = '\\'; *p++ = '\\'; break;
        case '\b': *p++ = '\\'; *p++ = 'b'; break;
        case '\f': *p++ = '\\'; *p++ = 'f'; break;
        case '\n': *p++ = '\\'; *p++ = 'n'; break;
        case '\r': *p++ = '\\'; *p++ = 'r'; break;
        case '\t': *p++ = '\\'; *p++ = 't'; break;

        default:
            if (c < 0x20) {
                *p++ = '\\'; *p++ = 'u'; *p++ = '0'; *p++ = '0';
                *p++ = hex[c >> 4];
                *p++ = hex[c & 0xf];

            } else {
                *p++ = (char) c;
            }
        }
    }

    *p++ = '"';
    w->len = p - w->data;

    return 0;
}


static int
ngx_pad_etherpad_int(ngx_pad_etherpad_w_t *w, int64_t n)
{
    char  buf[32];
    int   len;

    len = snprintf(buf, sizeof(buf), "%lld", (long long) n);

    return ngx_pad_etherpad_raw(w, buf, (size_t) len);
}


static int
ngx_pad_etherpad_lit(ngx_pad_etherpad_w_t *w, const char *s)
{
    return ngx_pad_etherpad_raw(w, s, strlen(s));
}


static int
ngx_pad_etherpad_raw(ngx_pad_etherpad_w_t *w, const char *s, size_t len)
{
    if (ngx_pad_etherpad_reserve(w, len) != 0) {
        return -1;
    }

    memcpy(w->data + w->len, s, len);
    w->len += len;

    return 0;
}


static int
ngx_pad_etherpad_reserve(ngx_pad_etherpad_w_t *w, size_t n)
{
    char    *p;
    size_t   cap;

    if (w->cap - w->len >= n) {
        return 0;
    }

    if (n > ((size_t) -1) / 4 - w->len) {
        return -1;
    }

    cap = w->cap ? w->cap : 4096;

    while (cap - w->len < n) {
        cap *= 2;
    }

    p = realloc(w->data, cap);
    if (p == NULL) {
        return -1;
    }

    w->data = p;
    w->cap = cap;

    return 0;
}
