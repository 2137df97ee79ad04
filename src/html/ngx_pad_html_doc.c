/*
 * The bounded output buffer of src/html/, and an AText cut into lines as
 * Etherpad's exports see it: splitAttributionLines() (runs of the same
 * attribute string merged, as its MergingOpAssembler does), then
 * ExportHelper.ts _analyzeLine() (the list, its level and start from the
 * line's first op; a list line's marker character dropped).
 */

#include <stdio.h>
#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_num.h"
#include "easysync/ngx_pad_cs_ops.h"
#include "easysync/ngx_pad_cs_str.h"
#include "ngx_pad_html_int.h"


static intptr_t ngx_pad_html_doc_run(ngx_pad_html_doc_t *doc,
    ngx_pad_html_line_t *line, const char *p, size_t n,
    const ngx_pad_str_t *attribs);
static intptr_t ngx_pad_html_doc_line(ngx_pad_ctx_t *ctx,
    ngx_pad_html_doc_t *doc, ngx_pad_html_line_t *line, ngx_pad_pool_t *pool);
static intptr_t ngx_pad_html_list_type(ngx_pad_ctx_t *ctx,
    ngx_pad_html_line_t *line, const ngx_pad_str_t *list);


void
ngx_pad_html_out_init(ngx_pad_html_out_t *o, ngx_pad_ctx_t *ctx, size_t max)
{
    memset(o, 0, sizeof(ngx_pad_html_out_t));
    o->ctx = ctx;
    o->max = max;
}


intptr_t
ngx_pad_html_out_add(ngx_pad_html_out_t *o, const char *p, size_t n)
{
    if (n > o->max || o->b.len > o->max - n) {
        ngx_pad_cs_error(o->ctx, "html: the result exceeds %lu bytes",
                         (unsigned long) o->max);
        return NGX_PAD_HTML_LIMIT;
    }

    if (ngx_pad_buf_add(o->ctx, &o->b, p, n) != NGX_PAD_CS_OK) {
        return NGX_PAD_HTML_ERROR;
    }

    return NGX_PAD_HTML_OK;
}


intptr_t
ngx_pad_html_out_str(ngx_pad_html_out_t *o, const char *s)
{
    return ngx_pad_html_out_add(o, s, strlen(s));
}


intptr_t
ngx_pad_html_out_num(ngx_pad_html_out_t *o, intptr_t n)
{
    int   len;
    char  buf[32];

    len = snprintf(buf, sizeof(buf), "%ld", (long) n);

    return ngx_pad_html_out_add(o, buf, (size_t) len);
}


intptr_t
ngx_pad_html_out_result(ngx_pad_html_out_t *o, ngx_pad_str_t *out)
{
    intptr_t  rc;

    rc = ngx_pad_cs_result(o->ctx, &o->b, out);

    ngx_pad_buf_free(&o->b);

    return rc == NGX_PAD_CS_OK ? NGX_PAD_HTML_OK : NGX_PAD_HTML_ERROR;
}


void
ngx_pad_html_out_free(ngx_pad_html_out_t *o)
{
    ngx_pad_buf_free(&o->b);
}


uint32_t
ngx_pad_html_utf8_cp(const char *p, size_t n, size_t *len)
{
    unsigned char  c;

    c = (unsigned char) p[0];

    if (c < 0x80 || n < 2) {
        *len = 1;
        return c;
    }

    if (c < 0xe0 || n < 3) {
        *len = 2;
        return ((uint32_t) (c & 0x1f) << 6) | (p[1] & 0x3f);
    }

    if (c < 0xf0 || n < 4) {
        *len = 3;
        return ((uint32_t) (c & 0x0f) << 12) | ((uint32_t) (p[1] & 0x3f) << 6)
               | (p[2] & 0x3f);
    }

    *len = 4;

    return ((uint32_t) (c & 0x07) << 18) | ((uint32_t) (p[1] & 0x3f) << 12)
           | ((uint32_t) (p[2] & 0x3f) << 6) | (p[3] & 0x3f);
}


intptr_t
ngx_pad_html_attr_next(const char **p, const char *end, intptr_t *n)
{
    const char  *next;

    if (*p == end) {
        return 0;
    }

    if (**p != '*'
        || ngx_pad_parse_num(*p + 1, end, n, &next) != NGX_PAD_CS_OK)
    {
        return -1;
    }

    *p = next;

    return 1;
}


intptr_t
ngx_pad_html_attr_value(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *attribs, const char *key, ngx_pad_str_t *value)
{
    size_t          klen;
    intptr_t        rc, n;
    const char     *p, *end;
    ngx_pad_str_t   k, v;

    value->len = 0;
    value->data = "";
    klen = strlen(key);
    p = attribs->data;
    end = p + attribs->len;

    while ((rc = ngx_pad_html_attr_next(&p, end, &n)) == 1) {
        if (ngx_pad_pool_get(pool, n, &k, &v) != 0) {
            ngx_pad_cs_error(ctx, "attribute %ld does not exist in pool",
                             (long) n);
            return -1;
        }

        if (k.len == klen && memcmp(k.data, key, klen) == 0) {
            *value = v;
            return 0;
        }
    }

    if (rc < 0) {
        ngx_pad_cs_error(ctx, "invalid attribute string");
        return -1;
    }

    return 0;
}


intptr_t
ngx_pad_html_doc_init(ngx_pad_ctx_t *ctx, ngx_pad_html_doc_t *doc,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool)
{
    size_t                i;
    intptr_t              rc, n, nl;
    const char           *p, *end, *q, *e, *line_start;
    ngx_pad_op_t          op;
    ngx_pad_op_iter_t     it;
    ngx_pad_html_line_t   line;

    memset(doc, 0, sizeof(ngx_pad_html_doc_t));
    doc->ctx = ctx;

    if (ngx_pad_atext_check(ctx, atext) != NGX_PAD_CS_OK) {
        return NGX_PAD_HTML_ERROR;
    }

    p = atext->text.data;
    end = p + atext->text.len;
    line_start = p;

    memset(&line, 0, sizeof(ngx_pad_html_line_t));
    line.first.data = NULL;

    ngx_pad_op_iter_init(&it, &atext->attribs);

    while ((rc = ngx_pad_op_next(ctx, &it, &op)) == 1) {
        nl = 0;
        n = ngx_pad_u16_advance(p, end, op.chars, &nl);
        if (n < 0) {
            ngx_pad_cs_error(ctx, "atext: an op ends inside a character");
            goto failed;
        }

        q = p + n;

        while (p < q) {
            e = memchr(p, '\n', q - p);

            if (ngx_pad_html_doc_run(doc, &line, p,
                                     (e ? (size_t) (e - p) : (size_t) (q - p)),
                                     &op.attribs)
                != NGX_PAD_HTML_OK)
            {
                goto failed;
            }

            if (e == NULL) {
                p = q;
                break;
            }

            line.raw.data = line_start;
            line.raw.len = e - line_start;

            if (ngx_pad_buf_add(ctx, &doc->lbuf, (const char *) &line,
                                sizeof(ngx_pad_html_line_t))
                != NGX_PAD_CS_OK)
            {
                goto failed;
            }

            memset(&line, 0, sizeof(ngx_pad_html_line_t));
            line.first.data = NULL;
            line.seg = doc->sbuf.len / sizeof(ngx_pad_html_seg_t);

            p = e + 1;
            line_start = p;
        }
    }

    if (rc < 0) {
        goto failed;
    }

    /* the undefined line after the last one */

    memset(&line, 0, sizeof(ngx_pad_html_line_t));
    line.undef = 1;
    line.raw.data = "";
    line.text.data = "";
    line.first.data = "";

    if (ngx_pad_buf_add(ctx, &doc->lbuf, (const char *) &line,
                        sizeof(ngx_pad_html_line_t))
        != NGX_PAD_CS_OK)
    {
        goto failed;
    }

    doc->lines = (ngx_pad_html_line_t *) doc->lbuf.data;
    doc->n = doc->lbuf.len / sizeof(ngx_pad_html_line_t) - 1;
    doc->segs = (ngx_pad_html_seg_t *) doc->sbuf.data;

    for (i = 0; i < doc->n; i++) {
        rc = ngx_pad_html_doc_line(ctx, doc, &doc->lines[i], pool);
        if (rc != NGX_PAD_HTML_OK) {
            ngx_pad_html_doc_free(doc);
            return rc;
        }
    }

    return NGX_PAD_HTML_OK;

failed:

    ngx_pad_html_doc_free(doc);

    return NGX_PAD_HTML_ERROR;
}


void
ngx_pad_html_doc_free(ngx_pad_html_doc_t *doc)
{
    ngx_pad_buf_free(&doc->lbuf);
    ngx_pad_buf_free(&doc->sbuf);
    doc->lines = NULL;
    doc->segs = NULL;
    doc->n = 0;
}


/* n bytes of text (no "\n") of one op, added to the line's runs */

static intptr_t
ngx_pad_html_doc_run(ngx_pad_html_doc_t *doc, ngx_pad_html_line_t *line,
    const char *p, size_t n, const ngx_pad_str_t *attribs)
{
    ngx_pad_html_seg_t   seg, *last;

    if (line->first.data == NULL) {
        line->first = *attribs;
    }

    if (n == 0) {
        return NGX_PAD_HTML_OK;
    }

    if (line->nsegs) {
        last = (ngx_pad_html_seg_t *) (doc->sbuf.data + doc->sbuf.len) - 1;

        if (last->p + last->n == p && ngx_pad_str_eq(&last->attribs, attribs))
        {
            last->n += n;
            return NGX_PAD_HTML_OK;
        }
    }

    seg.p = p;
    seg.n = n;
    seg.attribs = *attribs;

    if (ngx_pad_buf_add(doc->ctx, &doc->sbuf, (const char *) &seg,
                        sizeof(ngx_pad_html_seg_t))
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    line->nsegs++;

    return NGX_PAD_HTML_OK;
}


/* _analyzeLine(text, aline, apool) */

static intptr_t
ngx_pad_html_doc_line(ngx_pad_ctx_t *ctx, ngx_pad_html_doc_t *doc,
    ngx_pad_html_line_t *line, ngx_pad_pool_t *pool)
{
    size_t               len;
    intptr_t             rc, n;
    const char          *p, *end;
    ngx_pad_str_t        k, v, list;
    ngx_pad_html_seg_t  *seg;

    line->text = line->raw;
    line->start.data = "";
    list.len = 0;
    list.data = "";

    if (line->first.data == NULL) {
        line->first.data = "";
    }

    /* AttributeMap.fromString(): the last value of a key wins */

    p = line->first.data;
    end = p + line->first.len;

    while ((rc = ngx_pad_html_attr_next(&p, end, &n)) == 1) {
        if (ngx_pad_pool_get(pool, n, &k, &v) != 0) {
            ngx_pad_cs_error(ctx, "attribute %ld does not exist in pool",
                             (long) n);
            return NGX_PAD_HTML_ERROR;
        }

        if (k.len == 4 && memcmp(k.data, "list", 4) == 0) {
            list = v;

        } else if (k.len == 5 && memcmp(k.data, "start", 5) == 0) {
            line->start = v;
        }
    }

    if (rc < 0) {
        ngx_pad_cs_error(ctx, "invalid attribute string");
        return NGX_PAD_HTML_ERROR;
    }

    if (list.len == 0) {
        return NGX_PAD_HTML_OK;
    }

    /* the line marker: text.substring(1), subattribution(aline, 1) */

    if (line->raw.len) {
        (void) ngx_pad_html_utf8_cp(line->raw.data, line->raw.len, &len);

        line->text.data += len;
        line->text.len -= len;

        seg = &doc->segs[line->seg];

        if (line->nsegs) {
            seg->p += len;
            seg->n -= len;

            if (seg->n == 0) {
                line->seg++;
                line->nsegs--;
            }
        }
    }

    return ngx_pad_html_list_type(ctx, line, &list);
}


/* /([a-z]+)([0-9]+)/.exec(list): the type and Number() of the level */

static intptr_t
ngx_pad_html_list_type(ngx_pad_ctx_t *ctx, ngx_pad_html_line_t *line,
    const ngx_pad_str_t *list)
{
    size_t       i, j, d;
    intptr_t     level;
    const char  *s;

    s = list->data;
    i = 0;

    while (i < list->len) {
        if (s[i] < 'a' || s[i] > 'z') {
            i++;
            continue;
        }

        for (j = i; j < list->len && s[j] >= 'a' && s[j] <= 'z'; j++) {
            /* void */
        }

        if (j == list->len || s[j] < '0' || s[j] > '9') {
            i = j;
            continue;
        }

        level = 0;

        for (d = j; d < list->len && s[d] >= '0' && s[d] <= '9'; d++) {
            level = level * 10 + (s[d] - '0');

            if (level > NGX_PAD_HTML_LEVEL_MAX) {
                ngx_pad_cs_error(ctx, "html: list level above %d",
                                 NGX_PAD_HTML_LEVEL_MAX);
                return NGX_PAD_HTML_LIMIT;
            }
        }

        line->type.data = s + i;
        line->type.len = j - i;
        line->has_type = 1;
        line->level = level;

        return NGX_PAD_HTML_OK;
    }

    return NGX_PAD_HTML_OK;
}
