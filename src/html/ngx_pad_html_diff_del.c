/*
 * padDiff.ts _createDeletionChangeset(cs, startAText, apool): the
 * changeset that applies after the composed one and puts back what it
 * deleted (with the run's attributes and the '-' op's, the deleter's
 * author and "removed") and, before text whose attributes changed, the
 * old text with its old values (undoBackToAttribs).
 *
 * Etherpad walks the start AText by lines and attribution lines; this
 * walks it by position over the text and its attribution, cut at every
 * newline as the attribution lines are, which gives the same runs on the
 * changesets compose() makes (a keep op with lines ends at a line end
 * there).
 */

#include <stdlib.h>
#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_attr.h"
#include "easysync/ngx_pad_cs_ctx.h"
#include "easysync/ngx_pad_cs_ops.h"
#include "easysync/ngx_pad_cs_str.h"
#include "ngx_pad_html_int.h"


/* the walk of _createDeletionChangeset over the start AText */
typedef struct {
    ngx_pad_ctx_t          *ctx;
    ngx_pad_pool_t         *pool;
    const char             *pos;
    const char             *end;
    ngx_pad_op_iter_t       it;
    ngx_pad_op_t            op;         /* the attribution op at pos */
    intptr_t                left;       /* its units not yet walked */
    ngx_pad_sassem_t        sa;         /* the Builder */
    ngx_pad_buf_t           bank;
    ngx_pad_buf_t           ab;         /* attribute strings */
    ngx_pad_attr_t         *changed;    /* the '=' op's attributes */
    size_t                  nchanged;
    ngx_pad_attr_t         *old;
    size_t                  nold;
} ngx_pad_html_del_t;


typedef intptr_t (*ngx_pad_html_run_pt)(ngx_pad_html_del_t *w,
    const ngx_pad_str_t *text, const ngx_pad_str_t *attribs, void *data);


static intptr_t ngx_pad_html_del_op(ngx_pad_html_del_t *w,
    const ngx_pad_op_t *op);
static intptr_t ngx_pad_html_del_changed(ngx_pad_html_del_t *w,
    const ngx_pad_op_t *op, const ngx_pad_str_t *bank);
static intptr_t ngx_pad_html_del_walk(ngx_pad_html_del_t *w, intptr_t n,
    ngx_pad_html_run_pt run, void *data);
static intptr_t ngx_pad_html_del_peek(ngx_pad_html_del_t *w, intptr_t n,
    ngx_pad_str_t *s);
static intptr_t ngx_pad_html_del_keep(ngx_pad_html_del_t *w, intptr_t n,
    intptr_t l);
static intptr_t ngx_pad_html_del_insert(ngx_pad_html_del_t *w,
    const ngx_pad_str_t *text, const ngx_pad_str_t *attribs);
static intptr_t ngx_pad_html_del_removed(ngx_pad_html_del_t *w,
    const ngx_pad_str_t *text, const ngx_pad_str_t *attribs, void *data);
static intptr_t ngx_pad_html_del_undo(ngx_pad_html_del_t *w,
    const ngx_pad_str_t *text, const ngx_pad_str_t *attribs, void *data);
static intptr_t ngx_pad_html_del_map(ngx_pad_html_del_t *w,
    const ngx_pad_str_t *s, ngx_pad_attr_t **a, size_t *n);


static ngx_pad_str_t  ngx_pad_html_k_author = { 6, "author" };
static ngx_pad_str_t  ngx_pad_html_k_removed = { 7, "removed" };
static ngx_pad_str_t  ngx_pad_html_v_true = { 4, "true" };
static ngx_pad_str_t  ngx_pad_html_v_empty = { 0, "" };


/* _createDeletionChangeset(cs, startAText, apool) */

intptr_t
ngx_pad_html_deletion(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *cs, const ngx_pad_atext_t *start, ngx_pad_str_t *out)
{
    intptr_t            rc, n;
    ngx_pad_cs_t        u;
    ngx_pad_op_t        op;
    ngx_pad_str_t       ops, bank, res;
    ngx_pad_op_iter_t   it;
    ngx_pad_html_del_t  w;

    if (ngx_pad_cs_unpack(ctx, cs, &u) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    memset(&w, 0, sizeof(ngx_pad_html_del_t));
    w.ctx = ctx;
    w.pool = pool;
    w.pos = start->text.data;
    w.end = start->text.data + start->text.len;
    ngx_pad_op_iter_init(&w.it, &start->attribs);
    ngx_pad_sassem_init(&w.sa);

    rc = NGX_PAD_CS_ERROR;

    ngx_pad_op_iter_init(&it, &u.ops);

    while ((n = ngx_pad_op_next(ctx, &it, &op)) == 1) {
        if (ngx_pad_html_del_op(&w, &op) != NGX_PAD_CS_OK) {
            goto done;
        }
    }

    if (n < 0
        || ngx_pad_sassem_end_document(ctx, &w.sa) != NGX_PAD_CS_OK)
    {
        goto done;
    }

    /* Builder(unpacked.newLen).toString() */

    n = u.new_len + w.sa.length_change;

    if (ngx_pad_sassem_finish(ctx, &w.sa) != NGX_PAD_CS_OK) {
        goto done;
    }

    ops.data = w.sa.out.data ? w.sa.out.data : "";
    ops.len = w.sa.out.len;
    bank.data = w.bank.data ? w.bank.data : "";
    bank.len = w.bank.len;

    if (ngx_pad_cs_pack(ctx, u.new_len, n, &ops, &bank, &res)
        != NGX_PAD_CS_OK
        || ngx_pad_cs_check_rep(ctx, &res) != NGX_PAD_CS_OK)
    {
        goto done;
    }

    *out = res;
    rc = NGX_PAD_CS_OK;

done:

    ngx_pad_sassem_free(&w.sa);
    ngx_pad_buf_free(&w.bank);
    ngx_pad_buf_free(&w.ab);
    free(w.changed);
    free(w.old);

    return rc;
}


static intptr_t
ngx_pad_html_del_op(ngx_pad_html_del_t *w, const ngx_pad_op_t *op)
{
    ngx_pad_str_t  bank;

    switch (op->opcode) {

    case '=':
        if (ngx_pad_html_del_peek(w, op->chars, &bank) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }

        if (op->attribs.len && !(bank.len == 1 && bank.data[0] == '*')) {
            return ngx_pad_html_del_changed(w, op, &bank);
        }

        /* skip(N, L), then builder.keep(N, L) */

        if (ngx_pad_html_del_walk(w, op->chars, NULL, NULL) != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }

        return ngx_pad_html_del_keep(w, op->chars, op->lines);

    case '+':
        return ngx_pad_html_del_keep(w, op->chars, op->lines);

    default: /* '-' */
        return ngx_pad_html_del_walk(w, op->chars, ngx_pad_html_del_removed,
                                     (void *) &op->attribs);
    }
}


/*
 * An attribute change: the old text inserted back with its old
 * attributes (and the deleter's author and "removed"), line by line
 */

static intptr_t
ngx_pad_html_del_changed(ngx_pad_html_del_t *w, const ngx_pad_op_t *op,
    const ngx_pad_str_t *bank)
{
    intptr_t       len16;
    const char    *p, *end, *nl;
    ngx_pad_str_t  piece;

    if (ngx_pad_html_del_map(w, &op->attribs, &w->changed, &w->nchanged)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    p = bank->data;
    end = p + bank->len;

    while (p < end) {
        if (*p == '\n') {
            if (ngx_pad_html_del_keep(w, 1, 1) != NGX_PAD_CS_OK
                || ngx_pad_html_del_walk(w, 1, NULL, NULL) != NGX_PAD_CS_OK)
            {
                return NGX_PAD_CS_ERROR;
            }

            p++;
            continue;
        }

        nl = memchr(p, '\n', end - p);

        piece.data = p;
        piece.len = (nl ? nl : end) - p;
        (void) ngx_pad_utf8_check(&piece, &len16, NULL);

        if (ngx_pad_html_del_walk(w, len16, ngx_pad_html_del_undo, NULL)
            != NGX_PAD_CS_OK
            || ngx_pad_html_del_keep(w, len16, 0) != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }

        p += piece.len;
    }

    return NGX_PAD_CS_OK;
}


/*
 * consumeAttribRuns(n, func): n units from the position, func called for
 * each run of one attribution op within one line
 */

static intptr_t
ngx_pad_html_del_walk(ngx_pad_html_del_t *w, intptr_t n,
    ngx_pad_html_run_pt run, void *data)
{
    intptr_t       take, bytes, rc, len16, lines;
    const char    *nl;
    ngx_pad_str_t  text;

    while (n > 0) {
        if (w->left == 0) {
            rc = ngx_pad_op_next(w->ctx, &w->it, &w->op);
            if (rc != 1) {
                if (rc == 0) {
                    ngx_pad_cs_error(w->ctx, "the changeset runs past the "
                                     "end of the text");
                }

                return NGX_PAD_CS_ERROR;
            }

            w->left = w->op.chars;
            continue;
        }

        take = n < w->left ? n : w->left;

        lines = 0;
        bytes = ngx_pad_u16_advance(w->pos, w->end, take, &lines);
        if (bytes < 0) {
            ngx_pad_cs_error(w->ctx, "the changeset does not fit the text");
            return NGX_PAD_CS_ERROR;
        }

        /* a run ends at its line's end */

        nl = memchr(w->pos, '\n', bytes);

        text.data = w->pos;
        text.len = nl ? (size_t) (nl + 1 - w->pos) : (size_t) bytes;

        if (nl) {
            (void) ngx_pad_utf8_check(&text, &len16, NULL);
            take = len16;
        }

        if (run && run(w, &text, &w->op.attribs, data) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }

        w->pos += text.len;
        w->left -= take;
        n -= take;
    }

    return NGX_PAD_CS_OK;
}


/* nextText(n): the next n units of the start text, not consumed */

static intptr_t
ngx_pad_html_del_peek(ngx_pad_html_del_t *w, intptr_t n, ngx_pad_str_t *s)
{
    intptr_t  bytes, lines;

    lines = 0;
    bytes = ngx_pad_u16_advance(w->pos, w->end, n, &lines);
    if (bytes < 0) {
        ngx_pad_cs_error(w->ctx, "the changeset does not fit the text");
        return NGX_PAD_CS_ERROR;
    }

    s->data = w->pos;
    s->len = bytes;

    return NGX_PAD_CS_OK;
}


static intptr_t
ngx_pad_html_del_keep(ngx_pad_html_del_t *w, intptr_t n, intptr_t l)
{
    ngx_pad_op_t  op;

    op.opcode = '=';
    op.chars = n;
    op.lines = l;
    op.attribs = ngx_pad_html_v_empty;

    return ngx_pad_sassem_append(w->ctx, &w->sa, &op);
}


static intptr_t
ngx_pad_html_del_insert(ngx_pad_html_del_t *w, const ngx_pad_str_t *text,
    const ngx_pad_str_t *attribs)
{
    if (ngx_pad_ops_from_text(w->ctx, &w->sa, '+', text, attribs)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_buf_add(w->ctx, &w->bank, text->data, text->len);
}


/* a deleted run: its attributes, then the '-' op's */

static intptr_t
ngx_pad_html_del_removed(ngx_pad_html_del_t *w, const ngx_pad_str_t *text,
    const ngx_pad_str_t *attribs, void *data)
{
    ngx_pad_str_t  *del = data;
    ngx_pad_str_t   a;

    w->ab.len = 0;

    if (ngx_pad_buf_add(w->ctx, &w->ab, attribs->data, attribs->len)
        != NGX_PAD_CS_OK
        || ngx_pad_buf_add(w->ctx, &w->ab, del->data, del->len)
           != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    a.data = w->ab.data ? w->ab.data : "";
    a.len = w->ab.len;

    return ngx_pad_html_del_insert(w, text, &a);
}


/*
 * undoBackToAttribs(oldAttribs): ["author", ""], ["removed", "true"], and
 * for each attribute the '=' op sets to another value than the run had,
 * the run's value ("" when it had none), as AttributeMap.toString()
 */

static intptr_t
ngx_pad_html_del_undo(ngx_pad_html_del_t *w, const ngx_pad_str_t *text,
    const ngx_pad_str_t *attribs, void *data)
{
    size_t          i, j;
    ngx_pad_str_t   a;
    ngx_pad_str_t  *old;

    (void) data;

    if (ngx_pad_html_del_map(w, attribs, &w->old, &w->nold) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    ngx_pad_attrs_clear(w->ctx);

    if (ngx_pad_attrs_put(w->ctx, &ngx_pad_html_k_author,
                          &ngx_pad_html_v_empty)
        != NGX_PAD_CS_OK
        || ngx_pad_attrs_put(w->ctx, &ngx_pad_html_k_removed,
                             &ngx_pad_html_v_true)
           != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    for (i = 0; i < w->nchanged; i++) {
        old = NULL;

        for (j = 0; j < w->nold; j++) {
            if (ngx_pad_str_eq(&w->old[j].key, &w->changed[i].key)) {
                old = &w->old[j].value;
                break;
            }
        }

        if (old && ngx_pad_str_eq(old, &w->changed[i].value)) {
            continue;
        }

        if (ngx_pad_attrs_put(w->ctx, &w->changed[i].key,
                              old ? old : &ngx_pad_html_v_empty)
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }
    }

    w->ab.len = 0;

    if (ngx_pad_attrs_to_string(w->ctx, w->pool, &w->ab) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    a.data = w->ab.data ? w->ab.data : "";
    a.len = w->ab.len;

    return ngx_pad_html_del_insert(w, text, &a);
}


/* AttributeMap.fromString(s): its entries in order, copied to *a */

static intptr_t
ngx_pad_html_del_map(ngx_pad_html_del_t *w, const ngx_pad_str_t *s,
    ngx_pad_attr_t **a, size_t *n)
{
    ngx_pad_attr_t  *p;

    if (ngx_pad_attrs_from_string(w->ctx, s, w->pool, 0) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    ngx_pad_attrs_compact(w->ctx);

    p = realloc(*a, (w->ctx->nattrs + 1) * sizeof(ngx_pad_attr_t));
    if (p == NULL) {
        ngx_pad_cs_error(w->ctx, "out of memory");
        return NGX_PAD_CS_ERROR;
    }

    if (w->ctx->nattrs) {
        memcpy(p, w->ctx->attrs, w->ctx->nattrs * sizeof(ngx_pad_attr_t));
    }

    *a = p;
    *n = w->ctx->nattrs;

    return NGX_PAD_CS_OK;
}
