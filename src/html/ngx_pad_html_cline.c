/*
 * The content collector's state and its lines (contentcollector.ts
 * "lines", _recalcAttribString, _produceLineAttributesMarker, finish
 * with fixLongLines): what ngx_pad_html_collect.c's walk changes.
 */

#include <stdio.h>
#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_str.h"
#include "ngx_pad_html_cstate.h"


static intptr_t ngx_pad_html_attrs_str(ngx_pad_html_col_t *cl,
    ngx_pad_html_kn_t *kn, size_t n, ngx_pad_str_t *out);
static intptr_t ngx_pad_html_put(ngx_pad_html_col_t *cl, const char *key,
    const ngx_pad_str_t *value, ngx_pad_html_kn_t *kn);
static intptr_t ngx_pad_html_cut(ngx_pad_html_col_t *cl,
    ngx_pad_html_cline_t *line, ngx_pad_buf_t *out);


static const ngx_pad_str_t  ngx_pad_html_true = ngx_pad_html_lit("true");


intptr_t
ngx_pad_html_aline(ngx_pad_ctx_t *ctx, const ngx_pad_html_cline_t *line,
    ngx_pad_str_t *out)
{
    size_t         i;
    ngx_pad_buf_t  b;

    memset(&b, 0, sizeof(ngx_pad_buf_t));

    for (i = 0; i < line->nruns; i++) {
        if (ngx_pad_buf_add(ctx, &b, line->runs[i].attribs.data,
                            line->runs[i].attribs.len) != NGX_PAD_CS_OK
            || ngx_pad_buf_add(ctx, &b, "+", 1) != NGX_PAD_CS_OK
            || ngx_pad_buf_add_num(ctx, &b, line->runs[i].units)
               != NGX_PAD_CS_OK)
        {
            ngx_pad_buf_free(&b);
            return NGX_PAD_HTML_ERROR;
        }
    }

    if (ngx_pad_cs_result(ctx, &b, out) != NGX_PAD_CS_OK) {
        ngx_pad_buf_free(&b);
        return NGX_PAD_HTML_ERROR;
    }

    ngx_pad_buf_free(&b);

    return NGX_PAD_HTML_OK;
}

/* lineAttributes */

ngx_pad_html_la_t *
ngx_pad_html_la_get(ngx_pad_html_col_t *cl, const char *key)
{
    size_t  i;

    for (i = 0; i < cl->nla; i++) {
        if (strcmp(cl->la[i].key, key) == 0) {
            return &cl->la[i];
        }
    }

    return NULL;
}

void
ngx_pad_html_la_set(ngx_pad_html_col_t *cl, const char *key,
    const ngx_pad_str_t *value, int falsy)
{
    ngx_pad_html_la_t  *la;

    la = ngx_pad_html_la_get(cl, key);

    if (la == NULL) {
        la = &cl->la[cl->nla++];        /* at most 4 keys are ever set */
        la->key = key;
    }

    la->value = *value;
    la->falsy = falsy || value->len == 0;
}

void
ngx_pad_html_la_del(ngx_pad_html_col_t *cl, const char *key)
{
    ngx_pad_html_la_t  *la;

    la = ngx_pad_html_la_get(cl, key);

    if (la) {
        memmove(la, la + 1, (&cl->la[cl->nla] - la - 1) * sizeof(*la));
        cl->nla--;
    }
}

/* lines.appendText(txt, attrString) */

intptr_t
ngx_pad_html_append(ngx_pad_html_col_t *cl, const char *p, size_t n,
    const ngx_pad_str_t *attribs)
{
    intptr_t             units;
    ngx_pad_str_t        s;
    ngx_pad_html_run_t   run, *last;

    if (n == 0) {
        return NGX_PAD_HTML_OK;
    }

    if (n > cl->max || cl->bytes > cl->max - n) {
        ngx_pad_cs_error(cl->ctx, "html: the text exceeds %lu bytes",
                         (unsigned long) cl->max);
        return NGX_PAD_HTML_LIMIT;
    }

    cl->bytes += n;

    s.data = p;
    s.len = n;

    if (ngx_pad_utf16_len(cl->ctx, &s, &units) != NGX_PAD_CS_OK
        || ngx_pad_buf_add(cl->ctx, &cl->cur, p, n) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    if (cl->runs.len / sizeof(ngx_pad_html_run_t) > cl->run0) {
        last = (ngx_pad_html_run_t *) (cl->runs.data + cl->runs.len) - 1;

        if (ngx_pad_str_eq(&last->attribs, attribs)) {
            last->units += units;
            return NGX_PAD_HTML_OK;
        }
    }

    run.attribs = *attribs;
    run.units = units;

    if (ngx_pad_buf_add(cl->ctx, &cl->runs, (const char *) &run,
                        sizeof(ngx_pad_html_run_t))
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    return NGX_PAD_HTML_OK;
}

/* cc.startNewLine(state): the current line done, with its marker */

intptr_t
ngx_pad_html_new_line(ngx_pad_html_col_t *cl, int state)
{
    char                  *t;
    intptr_t               rc;
    ngx_pad_html_cline_t   line;

    if (state && ngx_pad_html_at_col0(cl) && cl->nla) {
        rc = ngx_pad_html_marker(cl);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }
    }

    t = ngx_pad_cs_alloc(cl->ctx, cl->cur.len + 1);
    if (t == NULL) {
        return NGX_PAD_HTML_ERROR;
    }

    if (cl->cur.len) {
        memcpy(t, cl->cur.data, cl->cur.len);
    }

    line.text.data = t;
    line.text.len = cl->cur.len;
    line.runs = NULL;
    line.nruns = cl->runs.len / sizeof(ngx_pad_html_run_t) - cl->run0;

    if (ngx_pad_buf_add(cl->ctx, &cl->lines, (const char *) &line,
                        sizeof(ngx_pad_html_cline_t))
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    cl->cur.len = 0;
    cl->run0 = cl->runs.len / sizeof(ngx_pad_html_run_t);

    return NGX_PAD_HTML_OK;
}

/* _produceLineAttributesMarker(state) */

intptr_t
ngx_pad_html_marker(ngx_pad_html_col_t *cl)
{
    size_t              i, n;
    intptr_t            rc;
    ngx_pad_str_t       s;
    ngx_pad_html_kn_t   kn[NGX_PAD_HTML_LA_MAX + 2];
    static const ngx_pad_str_t  one = ngx_pad_html_lit("1");
    static const ngx_pad_str_t  first = ngx_pad_html_lit("first");

    if (ngx_pad_html_put(cl, "lmkr", &one, &kn[0]) != NGX_PAD_HTML_OK
        || ngx_pad_html_put(cl, "insertorder", &first, &kn[1])
           != NGX_PAD_HTML_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    n = 2;

    for (i = 0; i < cl->nla; i++) {
        if (cl->la[i].falsy) {
            continue;
        }

        if (ngx_pad_html_put(cl, cl->la[i].key, &cl->la[i].value, &kn[n])
            != NGX_PAD_HTML_OK)
        {
            return NGX_PAD_HTML_ERROR;
        }

        n++;
    }

    rc = ngx_pad_html_attrs_str(cl, kn, n, &s);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    return ngx_pad_html_append(cl, "*", 1, &s);
}

/* _recalcAttribString(state) */

intptr_t
ngx_pad_html_recalc(ngx_pad_html_col_t *cl)
{
    size_t             i, n;
    ngx_pad_html_kn_t  kn[4];

    n = 0;

    for (i = 0; i < cl->nattr; i++) {
        if (cl->acount[i] <= 0) {
            continue;
        }

        if (ngx_pad_html_put(cl, cl->anames[i], &ngx_pad_html_true, &kn[n])
            != NGX_PAD_HTML_OK)
        {
            return NGX_PAD_HTML_ERROR;
        }

        n++;
    }

    return ngx_pad_html_attrs_str(cl, kn, n, &cl->attr_string);
}

/* attributes.sort() (by key), then their numbers: "*0*5" */

static intptr_t
ngx_pad_html_attrs_str(ngx_pad_html_col_t *cl, ngx_pad_html_kn_t *kn,
    size_t n, ngx_pad_str_t *out)
{
    size_t             i, j;
    ngx_pad_buf_t      b;
    ngx_pad_html_kn_t  t;

    for (i = 1; i < n; i++) {
        for (j = i; j > 0 && strcmp(kn[j - 1].key, kn[j].key) > 0; j--) {
            t = kn[j];
            kn[j] = kn[j - 1];
            kn[j - 1] = t;
        }
    }

    memset(&b, 0, sizeof(ngx_pad_buf_t));

    for (i = 0; i < n; i++) {
        if (ngx_pad_buf_add(cl->ctx, &b, "*", 1) != NGX_PAD_CS_OK
            || ngx_pad_buf_add_num(cl->ctx, &b, kn[i].num) != NGX_PAD_CS_OK)
        {
            ngx_pad_buf_free(&b);
            return NGX_PAD_HTML_ERROR;
        }
    }

    if (ngx_pad_cs_result(cl->ctx, &b, out) != NGX_PAD_CS_OK) {
        ngx_pad_buf_free(&b);
        return NGX_PAD_HTML_ERROR;
    }

    ngx_pad_buf_free(&b);

    return NGX_PAD_HTML_OK;
}

static intptr_t
ngx_pad_html_put(ngx_pad_html_col_t *cl, const char *key,
    const ngx_pad_str_t *value, ngx_pad_html_kn_t *kn)
{
    ngx_pad_str_t  k;

    k.data = key;
    k.len = strlen(key);

    kn->key = key;
    kn->num = ngx_pad_pool_put_attrib(cl->pool, &k, value, 0);

    if (kn->num < 0) {
        ngx_pad_cs_error(cl->ctx, "out of memory");
        return NGX_PAD_HTML_ERROR;
    }

    return NGX_PAD_HTML_OK;
}

/* cc.finish(): the last line dropped, fixLongLines() */

intptr_t
ngx_pad_html_finish(ngx_pad_html_col_t *cl, ngx_pad_html_cc_t *cc)
{
    size_t                 i, n, r;
    intptr_t               rc;
    ngx_pad_buf_t          out;
    ngx_pad_html_run_t    *runs;
    ngx_pad_html_cline_t  *lines;

    lines = (ngx_pad_html_cline_t *) cl->lines.data;
    n = cl->lines.len / sizeof(ngx_pad_html_cline_t);
    runs = (ngx_pad_html_run_t *) cl->runs.data;

    memset(&out, 0, sizeof(ngx_pad_buf_t));

    r = 0;
    rc = NGX_PAD_HTML_OK;

    for (i = 0; i < n && rc == NGX_PAD_HTML_OK; i++) {
        lines[i].runs = lines[i].nruns ? runs + r : NULL;
        r += lines[i].nruns;
        rc = ngx_pad_html_cut(cl, &lines[i], &out);
    }

    if (rc == NGX_PAD_HTML_OK) {
        cc->n = out.len / sizeof(ngx_pad_html_cline_t);
        cc->lines = ngx_pad_cs_alloc(cl->ctx, out.len + 1);

        if (cc->lines == NULL) {
            rc = NGX_PAD_HTML_ERROR;

        } else {
            if (out.len) {
                memcpy(cc->lines, out.data, out.len);
            }
        }
    }

    ngx_pad_buf_free(&out);

    return rc;
}

/*
 * A line of more than 2010 UTF-16 units is cut into lines of 2000 (a cut
 * that would split a surrogate pair comes one unit later).  The runs of
 * every line are copied into the arena.
 */

static intptr_t
ngx_pad_html_cut(ngx_pad_html_col_t *cl, ngx_pad_html_cline_t *line,
    ngx_pad_buf_t *out)
{
    size_t                 ri;
    intptr_t               units, take, bytes, nl, len, left;
    ngx_pad_str_t          text;
    ngx_pad_html_run_t    *runs, *rs;
    ngx_pad_html_cline_t   piece;

    if (ngx_pad_utf16_len(cl->ctx, &line->text, &units) != NGX_PAD_CS_OK) {
        return NGX_PAD_HTML_ERROR;
    }

    runs = ngx_pad_cs_alloc(cl->ctx, (line->nruns + units
                                       / NGX_PAD_HTML_LINE_LIMIT + 2)
                                     * sizeof(ngx_pad_html_run_t));
    if (runs == NULL) {
        return NGX_PAD_HTML_ERROR;
    }

    if (line->nruns) {
        memcpy(runs, line->runs, line->nruns * sizeof(ngx_pad_html_run_t));
    }
    rs = runs;
    ri = 0;
    text = line->text;

    for ( ;; ) {
        take = units;

        if (units > NGX_PAD_HTML_LINE_LIMIT + NGX_PAD_HTML_LINE_BUFFER
            || (line->text.len != text.len && units > NGX_PAD_HTML_LINE_LIMIT))
        {
            take = NGX_PAD_HTML_LINE_LIMIT;
        }

        nl = 0;
        bytes = ngx_pad_u16_advance(text.data, text.data + text.len, take, &nl);

        if (bytes == -2) {
            take++;
            bytes = ngx_pad_u16_advance(text.data, text.data + text.len, take,
                                        &nl);
        }

        if (bytes < 0) {
            return NGX_PAD_HTML_ERROR;
        }

        piece.text.data = text.data;
        piece.text.len = (size_t) bytes;
        piece.runs = rs + ri;
        piece.nruns = 0;

        /* the runs of these units (the one across the cut is split) */

        for (left = take; left > 0 && rs + ri < runs + line->nruns
                          + units / NGX_PAD_HTML_LINE_LIMIT + 2; )
        {
            len = rs[ri].units;

            if (len > left) {
                memmove(&rs[ri + 1], &rs[ri],
                        (line->nruns - ri) * sizeof(ngx_pad_html_run_t));
                rs[ri].units = left;
                rs[ri + 1].units = len - left;
                line->nruns++;
                len = left;
            }

            left -= len;
            ri++;
            piece.nruns++;
        }

        if (ngx_pad_buf_add(cl->ctx, out, (const char *) &piece,
                            sizeof(ngx_pad_html_cline_t))
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_HTML_ERROR;
        }

        text.data += bytes;
        text.len -= bytes;
        units -= take;

        if (units == 0) {
            return NGX_PAD_HTML_OK;
        }
    }
}
