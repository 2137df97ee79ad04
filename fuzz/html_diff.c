/*
 * libFuzzer: createDiffHTML's pure part (src/html/ngx_pad_html_diff.c).
 * The bytes drive a pad's history: each step is an insert (with an author
 * and maybe bold), a deletion, an attribute change, a clear-authorship
 * changeset, or (first byte odd) raw bytes as a changeset.  The diff of a
 * range of it is made and exported with colours.  Properties: no crash, no
 * leak; valid revisions always give OK, and a valid AText; the HTML is OK
 * or stops at the output limit; a raw changeset is OK or an error.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "easysync/ngx_pad_cs.h"
#include "html/ngx_pad_html_diff.h"


#define FZ_REVS  24


static void
fz_fail(const char *what, const char *err)
{
    fprintf(stderr, "html diff fuzz: %s: %s\n", what, err);
    abort();
}


static const char  *fz_pieces[] = {
    "a", "b c", "\n", "\xc3\xa9", "*", "  ", "x\ny", "http://e.org/ "
};

static const char  *fz_authors[] = { "a.x", "a.y", "", "a.z" };


typedef struct {
    const uint8_t  *p;
    const uint8_t  *end;
} fz_in_t;


static unsigned
fz_byte(fz_in_t *in)
{
    return in->p < in->end ? *in->p++ : 0;
}


/* a valid changeset on at (units: ASCII and U+00E9, one unit each) */

static intptr_t
fz_edit(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool, fz_in_t *in,
    const ngx_pad_atext_t *at, const ngx_pad_str_t *author, char *buf,
    ngx_pad_str_t *cs)
{
    char           attr[64];
    size_t         n;
    intptr_t       len, start, ndel, num, bold;
    unsigned       kind;
    ngx_pad_str_t  ins, attribs, k, v;

    (void) ngx_pad_utf16_len(ctx, &at->text, &len);

    kind = fz_byte(in) % 8;
    start = len > 1 ? (intptr_t) (fz_byte(in) % (unsigned) (len - 1)) : 0;

    /* never inside U+00E9's two bytes: positions are in units anyway */

    k.data = "author";
    k.len = 6;
    num = ngx_pad_pool_put_attrib(pool, &k, author, 0);
    k.data = "bold";
    k.len = 4;
    v.data = (fz_byte(in) & 1) ? "true" : "";
    v.len = strlen(v.data);
    bold = ngx_pad_pool_put_attrib(pool, &k, &v, 0);

    if (num < 0 || bold < 0) {
        return -1;
    }

    if (kind < 4 || len <= 1) {
        n = 0;
        buf[0] = '\0';

        while (n < 3) {
            strcat(buf, fz_pieces[fz_byte(in) % 8]);
            n++;
        }

        ins.data = buf;
        ins.len = strlen(buf);
        snprintf(attr, sizeof(attr), (kind & 1) ? "*%lx*%lx" : "*%lx",
                 (long) num, (long) bold);
        attribs.data = attr;
        attribs.len = strlen(attr);

        return ngx_pad_cs_make_splice(ctx, &at->text, start, 0, &ins,
                                      &attribs, cs);
    }

    ndel = 1 + (intptr_t) (fz_byte(in) % 5);
    if (start + ndel > len - 1) {
        ndel = len - 1 - start;
    }

    if (kind < 6) {
        ins.data = "";
        ins.len = 0;
        return ngx_pad_cs_make_splice(ctx, &at->text, start, ndel, &ins,
                                      NULL, cs);
    }

    /* an attribute change of [start, start + ndel), or a clearing */

    if (kind == 6) {
        snprintf(buf, 256, "Z:%lx>0=%lx*%lx*%lx=%lx$", (long) len,
                 (long) start, (long) bold, (long) num, (long) ndel);

    } else {
        k.data = "author";
        k.len = 6;
        v.data = "";
        v.len = 0;
        num = ngx_pad_pool_put_attrib(pool, &k, &v, 0);
        snprintf(buf, 256, "Z:%lx>0*%lx=%lx$", (long) len, (long) num,
                 (long) len - 1);
    }

    cs->data = buf;
    cs->len = strlen(buf);

    /* a keep over newlines needs its |L: let checkRep decide */

    return ngx_pad_cs_check_rep(ctx, cs);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                    raw;
    char                   buf[512];
    size_t                 i, nrevs, from;
    intptr_t               rc;
    fz_in_t                in;
    ngx_pad_str_t          cs, au, html, text;
    ngx_pad_pool_t        *pool;
    ngx_pad_atext_t        at, diff;
    ngx_pad_html_opts_t    opts;
    ngx_pad_html_diff_t   *d;
    ngx_pad_html_color_t   colors[2];
    static ngx_pad_ctx_t  *ctx;

    if (ctx == NULL && (ctx = ngx_pad_ctx_create()) == NULL) {
        abort();
    }

    if (size < 2) {
        return 0;
    }

    ngx_pad_ctx_reset(ctx);

    in.p = data;
    in.end = data + size;
    raw = fz_byte(&in) & 1;
    nrevs = 1 + fz_byte(&in) % FZ_REVS;
    from = fz_byte(&in) % nrevs;

    pool = ngx_pad_pool_create();
    if (pool == NULL) {
        abort();
    }

    text.data = "hello\nworld\n";
    text.len = 12;

    if (ngx_pad_atext_make(ctx, &text, NULL, &at) != 0) {
        fz_fail("makeAText", ngx_pad_ctx_error(ctx));
    }

    d = NULL;

    for (i = 0; i < nrevs; i++) {
        au.data = fz_authors[i % 4];
        au.len = strlen(au.data);

        if (i == from) {
            d = ngx_pad_html_diff_create(&at, pool);
            if (d == NULL) {
                fz_fail("create", "NULL");
            }
            continue;
        }

        if (raw && i > from) {
            cs.data = (const char *) in.p;
            cs.len = (size_t) (in.end - in.p);
            rc = ngx_pad_html_diff_add(d, &cs, &au);
            if (rc != NGX_PAD_HTML_OK && rc != NGX_PAD_HTML_ERROR) {
                fz_fail("add (raw)", "bad result code");
            }
            break;
        }

        if (fz_edit(ctx, pool, &in, &at, &au, buf, &cs) != 0) {
            continue;
        }

        if (ngx_pad_cs_apply_to_atext(ctx, &cs, &at, pool, &at) != 0) {
            continue;
        }

        if (d && ngx_pad_html_diff_add(d, &cs, i % 5 ? &au : NULL)
                 != NGX_PAD_HTML_OK)
        {
            fz_fail("add", ngx_pad_html_diff_error(d));
        }
    }

    if (d == NULL) {
        ngx_pad_pool_destroy(pool);
        return 0;
    }

    rc = ngx_pad_html_diff_atext(d, ctx, &diff);

    if (rc == NGX_PAD_HTML_OK) {
        if (ngx_pad_atext_check(ctx, &diff) != 0) {
            fz_fail("diff AText", ngx_pad_ctx_error(ctx));
        }

        colors[0].author.data = "a.x";
        colors[0].author.len = 3;
        colors[0].color.data = "#ffc7c7";
        colors[0].color.len = 7;
        colors[1] = colors[0];
        colors[1].author.data = "a.y";

        ngx_pad_html_opts_init(&opts);
        opts.max_output = 1 + (data[0] >> 1) * 64;

        rc = ngx_pad_html_diff_html(ctx, &diff, pool, colors, 2, &opts,
                                    &html);
        if (rc != NGX_PAD_HTML_OK && rc != NGX_PAD_HTML_LIMIT) {
            fz_fail("html", ngx_pad_ctx_error(ctx));
        }

    } else if (!raw) {
        fz_fail("atext", ngx_pad_html_diff_error(d));
    }

    ngx_pad_html_diff_destroy(d);
    ngx_pad_pool_destroy(pool);

    return 0;
}
