
/*
 * ngx_pad_module: the Cookie headers of a client's request
 * (ngx_pad_request.h).
 */


#include "request/ngx_pad_request.h"
#include "codec/ngx_pad_cookie.h"


static ngx_table_elt_t *ngx_pad_request_next_cookie(ngx_list_part_t **part,
    ngx_uint_t *i);


ngx_int_t
ngx_pad_request_cookies(ngx_http_request_t *r, ngx_str_t *out)
{
    size_t            len;
    u_char           *p;
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *first;

    ngx_str_null(out);

    len = 0;
    n = 0;
    first = NULL;
    part = &r->headers_in.headers.part;
    i = 0;

    while ((h = ngx_pad_request_next_cookie(&part, &i)) != NULL) {
        if (first == NULL) {
            first = h;
        }

        len += h->value.len + 2;
        n++;
    }

    if (n <= 1) {
        if (first) {
            *out = first->value;
        }

        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;
    part = &r->headers_in.headers.part;
    i = 0;

    while ((h = ngx_pad_request_next_cookie(&part, &i)) != NULL) {
        if (p != out->data) {
            *p++ = ';';
            *p++ = ' ';
        }

        p = ngx_cpymem(p, h->value.data, h->value.len);
    }

    out->len = p - out->data;

    return NGX_OK;
}


ngx_int_t
ngx_pad_request_cookie(ngx_str_t *cookies, const char *name,
    ngx_str_t *value)
{
    ngx_pad_str_t  v;

    if (ngx_pad_cookie_get((const char *) cookies->data, cookies->len, name,
                           &v)
        != 0)
    {
        return NGX_DECLINED;
    }

    value->data = (u_char *) v.data;
    value->len = v.len;

    return NGX_OK;
}


/* the next non-empty Cookie header from (*part, *i) on, or NULL */

static ngx_table_elt_t *
ngx_pad_request_next_cookie(ngx_list_part_t **part, ngx_uint_t *i)
{
    ngx_table_elt_t  *h;

    for ( ;; ) {
        if (*i >= (*part)->nelts) {
            if ((*part)->next == NULL) {
                return NULL;
            }

            *part = (*part)->next;
            *i = 0;
            continue;
        }

        h = (*part)->elts;
        h = &h[(*i)++];

        if (h->key.len == 6
            && ngx_strncasecmp(h->key.data, (u_char *) "Cookie", 6) == 0
            && h->value.len)
        {
            return h;
        }
    }
}
