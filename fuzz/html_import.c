/*
 * libFuzzer: setHTML's import (src/html/, ngx_pad_html_import) on any
 * bytes, then the exports of what it made.  The first byte picks the
 * flags (plugins, minifier); small limits so that they are hit too.
 * Properties: the result code is one of the documented ones; on success
 * the AText is valid, the changeset passes checkRep and applied to the
 * pad "\n" gives that AText, and getHTML, the document and getTXT of it
 * succeed (or stop at the output limit) with a text export that has as
 * many lines as the AText.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "easysync/ngx_pad_cs.h"
#include "html/ngx_pad_html.h"


static void
fz_html_fail(const char *what, ngx_pad_ctx_t *ctx)
{
    fprintf(stderr, "html fuzz: %s: %s\n", what, ngx_pad_ctx_error(ctx));
    abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                  i, nl;
    intptr_t                rc;
    ngx_pad_str_t           html, out, title;
    ngx_pad_pool_t         *pool;
    ngx_pad_atext_t         base, at;
    ngx_pad_html_opts_t     opts;
    ngx_pad_html_import_t   im;
    static ngx_pad_ctx_t   *ctx;

    if (ctx == NULL && (ctx = ngx_pad_ctx_create()) == NULL) {
        abort();
    }

    if (size == 0) {
        return 0;
    }

    ngx_pad_ctx_reset(ctx);

    ngx_pad_html_opts_init(&opts);
    opts.flags = (data[0] & 1 ? NGX_PAD_HTML_HEADINGS : 0)
                 | (data[0] & 2 ? NGX_PAD_HTML_ALIGN : 0)
                 | (data[0] & 4 ? NGX_PAD_HTML_NO_MINIFY : 0);
    opts.max_input = 32768;
    opts.max_output = (data[0] & 8) ? 256 : 1 << 20;
    opts.max_depth = 48;

    html.data = (const char *) data + 1;
    html.len = size - 1;

    pool = ngx_pad_pool_create();
    if (pool == NULL) {
        abort();
    }

    rc = ngx_pad_html_import(ctx, &html, pool, &opts, &im);

    if (rc != NGX_PAD_HTML_OK) {
        if (rc != NGX_PAD_HTML_LIMIT && rc != NGX_PAD_HTML_MALFORMED) {
            fz_html_fail("import: an unexpected result", ctx);
        }

        ngx_pad_pool_destroy(pool);
        return 0;
    }

    if (ngx_pad_atext_check(ctx, &im.atext) != NGX_PAD_CS_OK) {
        fz_html_fail("import: not an AText", ctx);
    }

    if (ngx_pad_cs_check_rep(ctx, &im.cs) != NGX_PAD_CS_OK) {
        fz_html_fail("import: the changeset fails checkRep", ctx);
    }

    base.text.data = "\n";
    base.text.len = 1;
    base.attribs.data = "|1+1";
    base.attribs.len = 4;

    if (ngx_pad_cs_apply_to_atext(ctx, &im.cs, &base, pool, &at)
        != NGX_PAD_CS_OK
        || at.text.len != im.atext.text.len
        || memcmp(at.text.data, im.atext.text.data, at.text.len) != 0
        || at.attribs.len != im.atext.attribs.len
        || memcmp(at.attribs.data, im.atext.attribs.data, at.attribs.len)
           != 0)
    {
        fz_html_fail("import: the changeset does not give the AText", ctx);
    }

    rc = ngx_pad_html_get_html(ctx, &im.atext, pool, &opts, &out);
    if (rc != NGX_PAD_HTML_OK && rc != NGX_PAD_HTML_LIMIT) {
        fz_html_fail("getHTML of an import", ctx);
    }

    title.data = "t";
    title.len = 1;

    rc = ngx_pad_html_document(ctx, &im.atext, pool, &title, &opts, &out);
    if (rc != NGX_PAD_HTML_OK && rc != NGX_PAD_HTML_LIMIT) {
        fz_html_fail("the document of an import", ctx);
    }

    rc = ngx_pad_html_get_txt(ctx, &im.atext, pool, &opts, &out);
    if (rc != NGX_PAD_HTML_OK && rc != NGX_PAD_HTML_LIMIT) {
        fz_html_fail("getTXT of an import", ctx);
    }

    if (rc == NGX_PAD_HTML_OK) {
        for (i = 0, nl = 0; i < out.len; i++) {
            nl += out.data[i] == '\n';
        }

        if ((intptr_t) nl != im.lines) {
            fz_html_fail("getTXT: not as many lines as the AText", ctx);
        }
    }

    ngx_pad_pool_destroy(pool);

    return 0;
}
