
/*
 * The messages of the session relay (see ngx_pad_relay_codec.h).
 */


#include <stdio.h>
#include <string.h>

#include "codec/ngx_pad_relay_codec.h"


#define NGX_PAD_RELAY_NUM_MAX  0x7fffffffffffffffULL
#define NGX_PAD_RELAY_NAME_MAX  64


static const unsigned char *ngx_pad_relay_word(const unsigned char *p,
    const unsigned char *last, ngx_pad_rslice_t *w);
static int ngx_pad_relay_number(ngx_pad_rslice_t *w, uint64_t *v);


/* the next word; returns the position after its separator, or NULL */

static const unsigned char *
ngx_pad_relay_word(const unsigned char *p, const unsigned char *last,
    ngx_pad_rslice_t *w)
{
    w->data = p;

    while (p < last && *p != ' ' && *p != '\n') {
        p++;
    }

    w->len = p - w->data;

    if (p == last || w->len == 0) {
        return NULL;
    }

    return p + 1;
}


static int
ngx_pad_relay_number(ngx_pad_rslice_t *w, uint64_t *v)
{
    size_t    i;
    uint64_t  n, d;

    n = 0;

    for (i = 0; i < w->len; i++) {
        if (w->data[i] < '0' || w->data[i] > '9') {
            return -1;
        }

        d = w->data[i] - '0';

        if (n > (NGX_PAD_RELAY_NUM_MAX - d) / 10) {
            return -1;
        }

        n = n * 10 + d;
    }

    *v = n;

    return 0;
}


int
ngx_pad_relay_parse(const unsigned char *in, size_t len, ngx_pad_rmsg_t *m)
{
    uint64_t              n;
    ngx_pad_rslice_t      w;
    const unsigned char  *p, *last;

    p = in;
    last = in + len;

    memset(m, 0, sizeof(ngx_pad_rmsg_t));

    p = ngx_pad_relay_word(p, last, &w);
    if (p == NULL || w.len != 2 || (w.data[0] != 'Q' && w.data[0] != 'R')) {
        return -1;
    }

    m->type = w.data[0];
    m->kind = w.data[1];

    p = ngx_pad_relay_word(p, last, &w);
    if (p == NULL || ngx_pad_relay_number(&w, &m->id) != 0) {
        return -1;
    }

    if (m->type == 'Q') {
        p = ngx_pad_relay_word(p, last, &m->reply);
        if (p == NULL) {
            return -1;
        }

        p = ngx_pad_relay_word(p, last, &m->sid);
        if (p == NULL) {
            return -1;
        }

    } else {
        p = ngx_pad_relay_word(p, last, &w);
        if (p == NULL || ngx_pad_relay_number(&w, &m->status) != 0) {
            return -1;
        }
    }

    p = ngx_pad_relay_word(p, last, &w);
    if (p == NULL || p[-1] != '\n' || ngx_pad_relay_number(&w, &n) != 0
        || n != (uint64_t) (last - p))
    {
        return -1;
    }

    m->body.data = p;
    m->body.len = (size_t) n;

    return 0;
}


size_t
ngx_pad_relay_request_header(unsigned char *buf, unsigned char kind,
    uint64_t id, const unsigned char *reply, size_t reply_len,
    const unsigned char *sid, size_t sid_len, size_t body_len)
{
    int  n;

    if (reply_len > NGX_PAD_RELAY_NAME_MAX || sid_len > NGX_PAD_RELAY_NAME_MAX)
    {
        return 0;
    }

    n = snprintf((char *) buf, NGX_PAD_RELAY_HEADER_MAX,
                 "Q%c %llu %.*s %.*s %zu\n", kind, (unsigned long long) id,
                 (int) reply_len, (const char *) reply,
                 (int) sid_len, (const char *) sid, body_len);

    return (n > 0 && n < NGX_PAD_RELAY_HEADER_MAX) ? (size_t) n : 0;
}


size_t
ngx_pad_relay_answer_header(unsigned char *buf, unsigned char kind,
    uint64_t id, uint64_t status, size_t body_len)
{
    int  n;

    n = snprintf((char *) buf, NGX_PAD_RELAY_HEADER_MAX,
                 "R%c %llu %llu %zu\n", kind, (unsigned long long) id,
                 (unsigned long long) status, body_len);

    return (n > 0 && n < NGX_PAD_RELAY_HEADER_MAX) ? (size_t) n : 0;
}
