
/*
 * Incremental UTF-8 validator.
 */


#include "codec/ngx_pad_utf8.h"


int
ngx_pad_utf8_feed(ngx_pad_utf8_t *u, const unsigned char *p, size_t n)
{
    size_t         i;
    unsigned char  c;

    if (u->invalid) {
        return NGX_PAD_UTF8_INVALID;
    }

    for (i = 0; i < n; i++) {
        c = p[i];

        if (u->need) {
            if (c < u->lo || c > u->hi) {
                u->invalid = 1;
                return NGX_PAD_UTF8_INVALID;
            }

            u->need--;
            u->lo = 0x80;
            u->hi = 0xbf;
            continue;
        }

        if (c < 0x80) {
            continue;
        }

        if (c < 0xc2) {
            /* continuation byte or overlong 2-byte lead */
            u->invalid = 1;
            return NGX_PAD_UTF8_INVALID;
        }

        if (c < 0xe0) {
            u->need = 1;

        } else if (c < 0xf0) {
            u->need = 2;

            if (c == 0xe0) {
                u->lo = 0xa0;               /* no overlong forms */

            } else if (c == 0xed) {
                u->hi = 0x9f;               /* no surrogates */
            }

        } else if (c < 0xf5) {
            u->need = 3;

            if (c == 0xf0) {
                u->lo = 0x90;               /* no overlong forms */

            } else if (c == 0xf4) {
                u->hi = 0x8f;               /* not above U+10FFFF */
            }

        } else {
            u->invalid = 1;
            return NGX_PAD_UTF8_INVALID;
        }
    }

    return u->need ? NGX_PAD_UTF8_PARTIAL : NGX_PAD_UTF8_OK;
}


int
ngx_pad_utf8_valid(const unsigned char *p, size_t n)
{
    ngx_pad_utf8_t  u;

    ngx_pad_utf8_init(&u);

    return ngx_pad_utf8_feed(&u, p, n) == NGX_PAD_UTF8_OK;
}
