
/*
 * One cookie of a Cookie header (ngx_pad_cookie.h).
 */


#include <string.h>

#include "codec/ngx_pad_cookie.h"


static void ngx_pad_cookie_trim(const char **b, const char **e);


int
ngx_pad_cookie_get(const char *p, size_t len, const char *name,
    ngx_pad_str_t *value)
{
    size_t       nlen;
    const char  *end, *eq, *semi, *k, *ke, *v, *ve;

    nlen = strlen(name);
    end = p + len;

    while (p < end) {
        eq = memchr(p, '=', end - p);
        if (eq == NULL) {
            return -1;
        }

        semi = memchr(p, ';', end - p);

        if (semi != NULL && semi < eq) {
            /* a pair without "=": go on after the last ';' before eq */

            while (semi + 1 < eq) {
                k = memchr(semi + 1, ';', eq - (semi + 1));
                if (k == NULL) {
                    break;
                }

                semi = k;
            }

            p = semi + 1;
            continue;
        }

        if (semi == NULL) {
            semi = end;
        }

        k = p;
        ke = eq;
        ngx_pad_cookie_trim(&k, &ke);

        if ((size_t) (ke - k) == nlen && memcmp(k, name, nlen) == 0) {
            v = eq + 1;
            ve = semi;
            ngx_pad_cookie_trim(&v, &ve);

            if (ve > v && *v == '"') {
                /* as the cookie package: first and last byte dropped */
                v++;
                ve = (ve > v) ? ve - 1 : v;
            }

            value->data = v;
            value->len = ve - v;
            return 0;
        }

        p = semi + 1;
    }

    return -1;
}


static void
ngx_pad_cookie_trim(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t')) {
        (*b)++;
    }

    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t')) {
        (*e)--;
    }
}
