/*
 * A pad's text as ExportTxt.ts getTXTFromAtext() writes it: each line's
 * text without its list marker; "* " before a bullet; a tab per list
 * level; before a numbered line its number, and those of the levels
 * above it ("1.2. "), counted as Etherpad counts them (every line that
 * is not numbered resets all counters, a line less deep than the
 * previous numbered one resets that one's).
 */

#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "ngx_pad_html_int.h"


typedef struct {
    intptr_t   num[NGX_PAD_HTML_LEVEL_MAX + 1];   /* listNumbers */
    intptr_t   top;                               /* num[top + 1 ..] are 0 */
    intptr_t   prev;                              /* prevListLevel */
} ngx_pad_html_count_t;


static intptr_t ngx_pad_html_txt_line(ngx_pad_html_out_t *o,
    const ngx_pad_html_line_t *line, ngx_pad_html_count_t *c);


intptr_t
ngx_pad_html_get_txt(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out)
{
    size_t               i;
    intptr_t              rc;
    ngx_pad_html_doc_t    doc;
    ngx_pad_html_count_t  c;
    ngx_pad_html_out_t   o;

    rc = ngx_pad_html_doc_init(ctx, &doc, atext, pool);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    ngx_pad_html_out_init(&o, ctx, opts->max_output);

    /* listNumbers: 0 for a level it has not, as "!listNumbers[x]" reads */

    memset(&c, 0, sizeof(ngx_pad_html_count_t));

    for (i = 0; i < doc.n; i++) {
        rc = ngx_pad_html_txt_line(&o, &doc.lines[i], &c);
        if (rc != NGX_PAD_HTML_OK) {
            ngx_pad_html_out_free(&o);
            ngx_pad_html_doc_free(&doc);
            return rc;
        }
    }

    ngx_pad_html_doc_free(&doc);

    return ngx_pad_html_out_result(&o, out);
}


static intptr_t
ngx_pad_html_txt_line(ngx_pad_html_out_t *o, const ngx_pad_html_line_t *line,
    ngx_pad_html_count_t *c)
{
    int        number;
    intptr_t   rc, j, x;

    number = line->has_type && line->type.len == 6
             && memcmp(line->type.data, "number", 6) == 0;

    if (!number) {
        memset(c->num, 0, (c->top + 1) * sizeof(intptr_t));
        c->top = 0;
    }

    if (line->level > 0) {
        for (j = 0; j < line->level; j++) {
            rc = ngx_pad_html_out_add(o, "\t", 1);
            if (rc != NGX_PAD_HTML_OK) {
                return rc;
            }
        }

        if (number) {
            if (line->level < c->prev) {
                c->num[c->prev] = 0;
            }

            c->num[line->level]++;

            if (line->level > c->top) {
                c->top = line->level;
            }

            for (x = 1; x < line->level; x++) {
                if ((rc = ngx_pad_html_out_num(o, c->num[x])) != 0
                    || (rc = ngx_pad_html_out_add(o, ".", 1)) != 0)
                {
                    return rc;
                }
            }

            if ((rc = ngx_pad_html_out_num(o, c->num[line->level])) != 0
                || (rc = ngx_pad_html_out_add(o, ". ", 2)) != 0)
            {
                return rc;
            }

            c->prev = line->level;
        }
    }

    if (line->has_type && line->type.len == 6
        && memcmp(line->type.data, "bullet", 6) == 0)
    {
        rc = ngx_pad_html_out_add(o, "* ", 2);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }
    }

    if ((rc = ngx_pad_html_out_add(o, line->text.data, line->text.len)) != 0
        || (rc = ngx_pad_html_out_add(o, "\n", 1)) != 0)
    {
        return rc;
    }

    return NGX_PAD_HTML_OK;
}
