/*
 * Shared helpers of the Easysync libFuzzer targets: split the input into
 * strings, and build valid texts, ATexts and changesets from fuzz bytes
 * (so that the deep paths of compose/follow/inverse are reached), plus
 * the property checks that abort on a violation.
 */

#ifndef _EASYSYNC_FUZZ_H_INCLUDED_
#define _EASYSYNC_FUZZ_H_INCLUDED_


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "easysync/ngx_pad_cs.h"


typedef struct {
    const uint8_t  *p;
    size_t          n;
} fz_in_t;


static uint8_t
fz_byte(fz_in_t *in)
{
    uint8_t  b;

    if (in->n == 0) {
        return 0;
    }

    b = *in->p++;
    in->n--;

    return b;
}


/* the next piece of the input up to a NUL byte */

static ngx_pad_str_t
fz_piece(fz_in_t *in)
{
    size_t          i;
    ngx_pad_str_t   s;

    for (i = 0; i < in->n && in->p[i] != 0; i++) { /* void */ }

    s.data = (const char *) in->p;
    s.len = i;

    if (i < in->n) {
        i++;
    }

    in->p += i;
    in->n -= i;

    return s;
}


static const char  *fz_chars[] = {
    "a", "b", "\n", "\n", "x", " ", "\xc3\xa9", "\xf0\x9f\x98\x80",
    "\xf0\x9d\x84\x9e", "*", "$", "|", "+", "\xef\xbf\xbf", "Z", "-"
};


/* a text of up to max characters into buf (which has room for 4*max+2) */

static size_t
fz_text(fz_in_t *in, char *buf, size_t max, int final_newline)
{
    size_t       n, i, len, k;
    const char  *c;

    n = fz_byte(in) % (max + 1);
    len = 0;

    for (i = 0; i < n; i++) {
        c = fz_chars[fz_byte(in) % (sizeof(fz_chars) / sizeof(fz_chars[0]))];
        k = strlen(c);
        memcpy(buf + len, c, k);
        len += k;
    }

    if (final_newline) {
        buf[len++] = '\n';
    }

    buf[len] = '\0';

    return len;
}


/* UTF-16 offset of the k-th character boundary (k taken modulo count+1) */

static intptr_t
fz_offset(const ngx_pad_str_t *s, unsigned k, size_t *byte_off)
{
    size_t    i, chars;
    intptr_t  units;

    chars = 0;

    for (i = 0; i < s->len; i++) {
        if (((unsigned char) s->data[i] & 0xc0) != 0x80) {
            chars++;
        }
    }

    k %= chars + 1;
    units = 0;

    for (i = 0; i < s->len; i++) {
        if (((unsigned char) s->data[i] & 0xc0) != 0x80) {
            if (k == 0) {
                break;
            }

            k--;
            units += ((unsigned char) s->data[i] >= 0xf0) ? 2 : 1;
        }
    }

    if (byte_off) {
        *byte_off = i;
    }

    return units;
}


/* the pool used by the structured targets */

static const char  *fz_pool_pairs[][2] = {
    { "author", "a.A" }, { "author", "a.B" }, { "bold", "true" },
    { "bold", "" }, { "italic", "true" }, { "insertorder", "first" },
    { "list", "bullet1" }, { "lmkr", "1" }, { "author", "" },
    { "color", "\xef\xbf\xbf" }, { "color", "\xf0\x9f\x98\x80" }
};

#define FZ_NPAIRS  (sizeof(fz_pool_pairs) / sizeof(fz_pool_pairs[0]))


static ngx_pad_pool_t *
fz_pool(void)
{
    size_t           i;
    ngx_pad_str_t    k, v;
    ngx_pad_pool_t  *pool;

    pool = ngx_pad_pool_create();
    if (pool == NULL) {
        abort();
    }

    for (i = 0; i < FZ_NPAIRS; i++) {
        k.data = fz_pool_pairs[i][0];
        k.len = strlen(k.data);
        v.data = fz_pool_pairs[i][1];
        v.len = strlen(v.data);
        (void) ngx_pad_pool_put_attrib(pool, &k, &v, 0);
    }

    return pool;
}


/* an attribute string; sorted by key, one per key, no empty values */

static void
fz_attribs(fz_in_t *in, char *buf)
{
    uint8_t  m;

    m = fz_byte(in);
    buf[0] = '\0';

    /* keys in order: author(0|1), bold(2), color(9|a), insertorder(5),
       italic(4), list(6), lmkr(7) */

    if (m & 1) {
        strcat(buf, (m & 0x80) ? "*1" : "*0");
    }

    if (m & 2) {
        strcat(buf, "*2");
    }

    if (m & 4) {
        strcat(buf, (m & 0x40) ? "*a" : "*9");
    }

    if (m & 8) {
        strcat(buf, "*5");
    }

    if (m & 16) {
        strcat(buf, "*4");
    }

    if (m & 32) {
        strcat(buf, "*6");
    }
}


/*
 * A changeset that applies to text: the composition of up to 3 splices
 * with random attributes.  With keep_last, the final character of text
 * (the "\n" of an AText) is never deleted and nothing goes after it.
 * Returns 0 and the changeset in the ctx arena.
 */

static int
fz_changeset(ngx_pad_ctx_t *ctx, fz_in_t *in, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *text, int keep_last, ngx_pad_str_t *cs)
{
    int            i, n;
    char           ibuf[4 * 8 + 2], abuf[32];
    size_t         off;
    intptr_t       start, end;
    ngx_pad_str_t  cur, ins, attribs, sp, next, tmp, body;

    cur = *text;
    n = 1 + fz_byte(in) % 3;

    for (i = 0; i < n; i++) {
        body = cur;

        if (keep_last && body.len) {
            body.len--;     /* the final "\n" is one byte */
        }

        start = fz_offset(&body, fz_byte(in), &off);
        tmp.data = body.data + off;
        tmp.len = body.len - off;
        end = fz_offset(&tmp, fz_byte(in) % 8, NULL);

        ins.len = fz_text(in, ibuf, 8, 0);
        ins.data = ibuf;

        fz_attribs(in, abuf);
        attribs.data = abuf;
        attribs.len = strlen(abuf);

        if (ngx_pad_cs_make_splice(ctx, &cur, start, end, &ins, &attribs,
                                   &sp)
            != NGX_PAD_CS_OK)
        {
            return -1;
        }

        if (ngx_pad_cs_apply_to_text(ctx, &sp, &cur, &next) != NGX_PAD_CS_OK)
        {
            return -1;
        }

        if (i == 0) {
            *cs = sp;

        } else if (ngx_pad_cs_compose(ctx, cs, &sp, pool, cs)
                   != NGX_PAD_CS_OK)
        {
            return -1;
        }

        cur = next;
    }

    return 0;
}


/* an AText made of attributed inserts into a new pad ("\n") */

static int
fz_atext(ngx_pad_ctx_t *ctx, fz_in_t *in, ngx_pad_pool_t *pool,
    ngx_pad_atext_t *at)
{
    int            i;
    ngx_pad_str_t  nl, cs;

    nl.data = "\n";
    nl.len = 1;

    if (ngx_pad_atext_make(ctx, &nl, NULL, at) != NGX_PAD_CS_OK) {
        return -1;
    }

    for (i = 0; i < 2; i++) {
        if (fz_changeset(ctx, in, pool, &at->text, 1, &cs) != 0
            || ngx_pad_cs_apply_to_atext(ctx, &cs, at, pool, at)
               != NGX_PAD_CS_OK)
        {
            return -1;
        }
    }

    return 0;
}


static void
fz_fail(const char *what, ngx_pad_ctx_t *ctx)
{
    fprintf(stderr, "easysync fuzz: %s: %s\n", what,
            ctx ? ngx_pad_ctx_error(ctx) : "");
    abort();
}


static int
fz_eq(const ngx_pad_str_t *a, const ngx_pad_str_t *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}


#endif /* _EASYSYNC_FUZZ_H_INCLUDED_ */
