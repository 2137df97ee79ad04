/*
 * The API's setHTML: Pad.cleanText(html), then ImportHtml.ts setPadHTML():
 * rehype with rehype-minify-whitespace, a <p> appended to the body, the
 * content collector, and the changeset its Builder makes of the lines
 * (inserted before the final "\n" of the pad that setText('\n') left).
 */

#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_ctx.h"
#include "easysync/ngx_pad_cs_str.h"
#include "ngx_pad_html_import.h"
#include "ngx_pad_html_minify.h"


static intptr_t ngx_pad_html_clean(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *in, ngx_pad_str_t *out);
static intptr_t ngx_pad_html_changeset(ngx_pad_ctx_t *ctx,
    const ngx_pad_html_cc_t *cc, ngx_pad_pool_t *pool,
    ngx_pad_html_import_t *out);


intptr_t
ngx_pad_html_import(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *html,
    ngx_pad_pool_t *pool, const ngx_pad_html_opts_t *opts,
    ngx_pad_html_import_t *out)
{
    intptr_t           rc;
    ngx_pad_html_cc_t  cc;

    rc = ngx_pad_html_import_lines(ctx, html, pool, opts, &cc);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    return ngx_pad_html_changeset(ctx, &cc, pool, out);
}


intptr_t
ngx_pad_html_import_lines(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *html,
    ngx_pad_pool_t *pool, const ngx_pad_html_opts_t *opts,
    ngx_pad_html_cc_t *cc)
{
    intptr_t              rc, len16;
    ngx_pad_str_t         text;
    ngx_pad_html_node_t  *body;

    if (html->len > opts->max_input) {
        ngx_pad_cs_error(ctx, "html: more than %lu bytes",
                         (unsigned long) opts->max_input);
        return NGX_PAD_HTML_LIMIT;
    }

    if (ngx_pad_utf16_len(ctx, html, &len16) != NGX_PAD_CS_OK) {
        return NGX_PAD_HTML_MALFORMED;
    }

    text = *html;

    if (!(opts->flags & NGX_PAD_HTML_NO_MINIFY)
        && ngx_pad_html_clean(ctx, html, &text) != NGX_PAD_HTML_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    rc = ngx_pad_html_parse(ctx, &text, opts->max_depth, &body);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    if (!(opts->flags & NGX_PAD_HTML_NO_MINIFY)) {
        rc = ngx_pad_html_minify(ctx, body->parent);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        /* "a caret is available below the last line of an import" */

        if (ngx_pad_html_node_add(ctx, body, "p", 1) == NULL) {
            return NGX_PAD_HTML_ERROR;
        }
    }

    return ngx_pad_html_collect(ctx, body, pool, opts->flags,
                                opts->max_output, cc);
}


/* Pad.cleanText(): \r\n and \r to \n, a tab to 8 spaces, U+00A0 a space */

static intptr_t
ngx_pad_html_clean(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *in,
    ngx_pad_str_t *out)
{
    size_t         i;
    intptr_t       rc;
    const char    *p;
    ngx_pad_buf_t  b;

    memset(&b, 0, sizeof(ngx_pad_buf_t));
    p = in->data;
    rc = NGX_PAD_CS_OK;

    for (i = 0; i < in->len && rc == NGX_PAD_CS_OK; i++) {
        if (p[i] == '\r') {
            if (i + 1 < in->len && p[i + 1] == '\n') {
                i++;
            }

            rc = ngx_pad_buf_add(ctx, &b, "\n", 1);

        } else if (p[i] == '\t') {
            rc = ngx_pad_buf_add(ctx, &b, "        ", 8);

        } else if ((unsigned char) p[i] == 0xc2 && i + 1 < in->len
                   && (unsigned char) p[i + 1] == 0xa0)
        {
            rc = ngx_pad_buf_add(ctx, &b, " ", 1);
            i++;

        } else {
            rc = ngx_pad_buf_add(ctx, &b, &p[i], 1);
        }
    }

    if (rc == NGX_PAD_CS_OK) {
        rc = ngx_pad_cs_result(ctx, &b, out);
    }

    ngx_pad_buf_free(&b);

    return rc == NGX_PAD_CS_OK ? NGX_PAD_HTML_OK : NGX_PAD_HTML_ERROR;
}


/*
 * new Builder(1): each run of each line inserted with its attributes,
 * "\n" between the lines, then applied to the pad "\n"
 */

static intptr_t
ngx_pad_html_changeset(ngx_pad_ctx_t *ctx, const ngx_pad_html_cc_t *cc,
    ngx_pad_pool_t *pool, ngx_pad_html_import_t *out)
{
    size_t                       i, r;
    intptr_t                     len16, nl, n;
    const char                  *p;
    ngx_pad_str_t                text, ops, slice;
    ngx_pad_buf_t                tb;
    ngx_pad_atext_t              base;
    ngx_pad_sassem_t            *sa;
    const ngx_pad_html_cline_t  *line;
    static const ngx_pad_str_t   lf = ngx_pad_html_lit("\n");

    memset(&tb, 0, sizeof(ngx_pad_buf_t));

    for (i = 0; i < cc->n; i++) {
        if ((i && ngx_pad_buf_add(ctx, &tb, "\n", 1) != NGX_PAD_CS_OK)
            || ngx_pad_buf_add(ctx, &tb, cc->lines[i].text.data,
                               cc->lines[i].text.len) != NGX_PAD_CS_OK)
        {
            ngx_pad_buf_free(&tb);
            return NGX_PAD_HTML_ERROR;
        }
    }

    if (ngx_pad_cs_result(ctx, &tb, &text) != NGX_PAD_CS_OK) {
        ngx_pad_buf_free(&tb);
        return NGX_PAD_HTML_ERROR;
    }

    ngx_pad_buf_free(&tb);

    sa = &ctx->sa;
    ngx_pad_sassem_init(sa);

    for (i = 0; i < cc->n; i++) {
        line = &cc->lines[i];
        p = line->text.data;

        for (r = 0; r < line->nruns; r++) {
            nl = 0;
            n = ngx_pad_u16_advance(p, line->text.data + line->text.len,
                                    line->runs[r].units, &nl);
            if (n < 0) {
                ngx_pad_cs_error(ctx, "html: a run outside its line");
                return NGX_PAD_HTML_ERROR;
            }

            slice.data = p;
            slice.len = (size_t) n;
            p += n;

            if (ngx_pad_ops_from_text(ctx, sa, '+', &slice,
                                      &line->runs[r].attribs)
                != NGX_PAD_CS_OK)
            {
                return NGX_PAD_HTML_ERROR;
            }
        }

        if (i + 1 < cc->n
            && ngx_pad_ops_from_text(ctx, sa, '+', &lf, NULL)
               != NGX_PAD_CS_OK)
        {
            return NGX_PAD_HTML_ERROR;
        }
    }

    if (ngx_pad_sassem_end_document(ctx, sa) != NGX_PAD_CS_OK
        || ngx_pad_sassem_finish(ctx, sa) != NGX_PAD_CS_OK
        || ngx_pad_cs_result(ctx, &sa->out, &ops) != NGX_PAD_CS_OK
        || ngx_pad_utf16_len(ctx, &text, &len16) != NGX_PAD_CS_OK
        || ngx_pad_cs_pack(ctx, 1, 1 + len16, &ops, &text, &out->cs)
           != NGX_PAD_CS_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    base.text.data = "\n";
    base.text.len = 1;
    base.attribs.data = "|1+1";
    base.attribs.len = 4;

    if (ngx_pad_cs_apply_to_atext(ctx, &out->cs, &base, pool, &out->atext)
        != NGX_PAD_CS_OK
        || ngx_pad_atext_check(ctx, &out->atext) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    out->lines = cc->n ? (intptr_t) cc->n : 1;

    return NGX_PAD_HTML_OK;
}
