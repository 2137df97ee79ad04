/*
 * Easysync engine: UTF-8 text measured in UTF-16 code units, as
 * JavaScript measures it (validation, advancing by units, StringIterator,
 * comparison in code unit order).
 */

#include <string.h>

#include "ngx_pad_cs_arena.h"
#include "ngx_pad_cs_str.h"


#define NGX_PAD_LOW7  0x7f7f7f7f7f7f7f7fULL
#define NGX_PAD_HIGH  0x8080808080808080ULL

/* the number of bytes of a word whose mask bit 7 is set */
#define NGX_PAD_COUNT80(m)                                                    \
    ((intptr_t) (((((m) >> 7) & 0x0101010101010101ULL)                        \
                  * 0x0101010101010101ULL) >> 56))

/* bit 7 set in each byte of w equal to '\n' */
#define NGX_PAD_NL80(w, t)                                                    \
    ((t) = (w) ^ 0x0a0a0a0a0a0a0a0aULL,                                       \
     ~((((t) & NGX_PAD_LOW7) + NGX_PAD_LOW7) | (t) | NGX_PAD_LOW7))


/*
 * Strict UTF-8 validation (no surrogates, no overlong forms); gives the
 * length in UTF-16 code units and the number of "\n".
 */

intptr_t
ngx_pad_utf8_check(const ngx_pad_str_t *s, intptr_t *len16, intptr_t *nl)
{
    uint64_t              w, t, z;
    intptr_t              n, lines;
    const unsigned char  *p, *end;

    p = (const unsigned char *) s->data;
    end = p + s->len;
    n = 0;
    lines = 0;

    while (p < end) {

        while (end - p >= 8) {
            memcpy(&w, p, 8);

            if (w & 0x8080808080808080ULL) {
                break;
            }

            z = NGX_PAD_NL80(w, t);
            lines += NGX_PAD_COUNT80(z);
            n += 8;
            p += 8;
        }

        if (p == end) {
            break;
        }

        if (*p < 0x80) {
            if (*p == '\n') {
                lines++;
            }

            n++;
            p++;
            continue;
        }

        if (*p >= 0xc2 && *p <= 0xdf) {
            if (end - p < 2 || (p[1] & 0xc0) != 0x80) {
                return NGX_PAD_CS_ERROR;
            }

            n++;
            p += 2;
            continue;
        }

        if (*p >= 0xe0 && *p <= 0xef) {
            if (end - p < 3
                || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80
                || (*p == 0xe0 && p[1] < 0xa0)
                || (*p == 0xed && p[1] > 0x9f))
            {
                return NGX_PAD_CS_ERROR;
            }

            n++;
            p += 3;
            continue;
        }

        if (*p >= 0xf0 && *p <= 0xf4) {
            if (end - p < 4
                || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80
                || (p[3] & 0xc0) != 0x80
                || (*p == 0xf0 && p[1] < 0x90)
                || (*p == 0xf4 && p[1] > 0x8f))
            {
                return NGX_PAD_CS_ERROR;
            }

            n += 2;
            p += 4;
            continue;
        }

        return NGX_PAD_CS_ERROR;
    }

    if (len16) {
        *len16 = n;
    }

    if (nl) {
        *nl = lines;
    }

    return NGX_PAD_CS_OK;
}


intptr_t
ngx_pad_utf16_len(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *s, intptr_t *len)
{
    if (ngx_pad_utf8_check(s, len, NULL) != NGX_PAD_CS_OK) {
        ngx_pad_cs_error(ctx, "invalid UTF-8 (or a lone surrogate) in text");
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


/*
 * Advances n UTF-16 units over valid UTF-8 in [p, end), adding the "\n"
 * seen to *nl.  Returns the bytes consumed, -1 when the string is too
 * short, -2 when the end would fall inside a surrogate pair.
 *
 * Words of 8 bytes are counted at once: a byte is one unit unless it is
 * a continuation byte (10xxxxxx, none) or a 4-byte lead (11110xxx, two).
 * A word holds at most 9 units, so words are taken while n >= 9.
 */

intptr_t
ngx_pad_u16_advance(const char *p, const char *end, intptr_t n, intptr_t *nl)
{
    uint64_t              w, t, cont, f0;
    intptr_t              lines, units;
    const unsigned char  *s, *e;

    s = (const unsigned char *) p;
    e = (const unsigned char *) end;
    lines = 0;

    while (n >= 9 && e - s >= 8) {
        memcpy(&w, s, 8);

        t = NGX_PAD_NL80(w, t);
        lines += NGX_PAD_COUNT80(t);

        if (w & NGX_PAD_HIGH) {
            cont = w & ~(w << 1) & NGX_PAD_HIGH;
            f0 = w & (w << 1) & (w << 2) & (w << 3) & NGX_PAD_HIGH;
            units = 8 - NGX_PAD_COUNT80(cont) + NGX_PAD_COUNT80(f0);

        } else {
            units = 8;
        }

        n -= units;
        s += 8;
    }

    /* a word may have ended inside a character */

    while (s < e && (*s & 0xc0) == 0x80) {
        s++;
    }

    while (n > 0) {
        if (s >= e) {
            return -1;
        }

        if (*s < 0x80) {
            if (*s == '\n') {
                lines++;
            }

            s++;
            n--;

        } else if (*s < 0xe0) {
            s += 2;
            n--;

        } else if (*s < 0xf0) {
            s += 3;
            n--;

        } else {
            if (n < 2) {
                return -2;
            }

            s += 4;
            n -= 2;
        }
    }

    if (s > e) {
        return -1;
    }

    *nl += lines;

    return (const char *) s - p;
}


intptr_t
ngx_pad_siter_take(ngx_pad_ctx_t *ctx, ngx_pad_siter_t *it, intptr_t n,
    ngx_pad_str_t *s, intptr_t *nl)
{
    intptr_t  k, lines;

    lines = 0;

    if (n < 0) {
        ngx_pad_cs_error(ctx, "Failed assertion: negative length %ld",
                         (long) n);
        return NGX_PAD_CS_ERROR;
    }

    k = ngx_pad_u16_advance(it->pos, it->end, n, &lines);

    if (k == -1) {
        ngx_pad_cs_error(ctx, "Failed assertion: !(%ld <= remaining)",
                         (long) n);
        return NGX_PAD_CS_ERROR;
    }

    if (k == -2) {
        ngx_pad_cs_error(ctx, "operation splits a surrogate pair "
                         "(a character outside the BMP)");
        return NGX_PAD_CS_ERROR;
    }

    if (s) {
        s->data = it->pos;
        s->len = k;
    }

    if (nl) {
        *nl = lines;
    }

    it->pos += k;

    return NGX_PAD_CS_OK;
}


static uint32_t
ngx_pad_decode(const unsigned char *p, const unsigned char *end)
{
    if (*p < 0x80) {
        return *p;
    }

    if (*p < 0xe0 && end - p >= 2) {
        return ((p[0] & 0x1f) << 6) | (p[1] & 0x3f);
    }

    if (*p < 0xf0 && end - p >= 3) {
        return ((p[0] & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
    }

    if (end - p >= 4) {
        return ((uint32_t) (p[0] & 0x07) << 18) | ((p[1] & 0x3f) << 12)
               | ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
    }

    return *p;
}


/* JavaScript string comparison (UTF-16 code unit order) of UTF-8 strings */

int
ngx_pad_str_cmp16(const ngx_pad_str_t *a, const ngx_pad_str_t *b)
{
    size_t                i, j, n;
    uint32_t              ca, cb, ka, kb;
    const unsigned char  *pa, *pb;

    pa = (const unsigned char *) a->data;
    pb = (const unsigned char *) b->data;
    n = a->len < b->len ? a->len : b->len;

    for (i = 0; i < n && pa[i] == pb[i]; i++) { /* void */ }

    if (i == n) {
        return a->len < b->len ? -1 : (a->len > b->len ? 1 : 0);
    }

    j = i;

    while (j > 0 && (pa[j] & 0xc0) == 0x80) {
        j--;
    }

    ca = ngx_pad_decode(pa + j, pa + a->len);
    cb = ngx_pad_decode(pb + j, pb + b->len);

    ka = ca < 0x10000 ? ca : 0xd800 + ((ca - 0x10000) >> 10);
    kb = cb < 0x10000 ? cb : 0xd800 + ((cb - 0x10000) >> 10);

    if (ka != kb) {
        return ka < kb ? -1 : 1;
    }

    return ca < cb ? -1 : (ca > cb ? 1 : 0);
}


/* a short prefix of s, cut at a character boundary, for messages */

const char *
ngx_pad_cs_excerpt(const ngx_pad_str_t *s, int *n)
{
    size_t  len;

    len = s->len;

    if (len > 100) {
        len = 100;

        while (len > 0 && (s->data[len] & 0xc0) == 0x80) {
            len--;
        }
    }

    *n = (int) len;

    return s->data;
}
