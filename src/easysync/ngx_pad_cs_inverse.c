/*
 * Easysync engine: inverse(cs, atext, pool), the changeset that undoes cs
 * (used by the timeslider).
 *
 * Etherpad walks the document as lines and attribution lines; this walks
 * it by position over the UTF-8 text and the attribution, which gives the
 * same ops once the assembler has merged them.  One difference on input
 * Etherpad never produces: a keep op without attributes whose |L does not
 * end at a line end (Etherpad then jumps to the next line start) is an
 * error here.
 */

#include <string.h>

#include "ngx_pad_cs_arena.h"
#include "ngx_pad_cs_attr.h"
#include "ngx_pad_cs_buf.h"
#include "ngx_pad_cs_ctx.h"
#include "ngx_pad_cs_ops.h"
#include "ngx_pad_cs_str.h"


typedef struct {
    ngx_pad_ctx_t      *ctx;
    ngx_pad_pool_t     *pool;
    ngx_pad_op_iter_t   it;         /* attribution ops */
    ngx_pad_op_t        op;         /* current attribution op */
    intptr_t            left;       /* units left in op */
    const char         *pos;        /* text position */
    const char         *end;
    ngx_pad_attr_t     *applied;    /* the '=' op's attributes */
    size_t              napplied;
    ngx_pad_attr_t     *back;
    ngx_pad_str_t      *cache;      /* run attribs -> undo attribs, pairs */
    size_t              cache_size; /* slots (power of 2), 0: none yet */
    size_t              cache_used;
} ngx_pad_inverse_t;


/*
 * undoBackToAttribs() is cached per op by the run's attribute string, as
 * Etherpad's cachedStrFunc() does, so that a long op over many runs costs
 * the distinct attribute strings, not the runs.
 */

static ngx_pad_str_t *
ngx_pad_inverse_cache_slot(ngx_pad_inverse_t *inv, const ngx_pad_str_t *k)
{
    size_t          i, j, mask;
    uint64_t        h;
    ngx_pad_str_t  *s;

    h = 0xcbf29ce484222325ULL;

    for (j = 0; j < k->len; j++) {
        h ^= (unsigned char) k->data[j];
        h *= 0x100000001b3ULL;
    }

    mask = inv->cache_size - 1;
    i = (size_t) h & mask;

    for ( ;; ) {
        s = &inv->cache[2 * i];

        if (s->data == NULL || ngx_pad_str_eq(s, k)) {
            return s;
        }

        i = (i + 1) & mask;
    }
}


static intptr_t
ngx_pad_inverse_cache_put(ngx_pad_inverse_t *inv, const ngx_pad_str_t *k,
    const ngx_pad_str_t *back)
{
    char           *p;
    size_t          i, old_size;
    ngx_pad_str_t  *old, *s;

    if ((inv->cache_used + 1) * 2 > inv->cache_size) {
        old = inv->cache;
        old_size = inv->cache_size;

        inv->cache_size = old_size ? old_size * 2 : 16;
        inv->cache = ngx_pad_cs_alloc(inv->ctx, inv->cache_size * 2
                                                * sizeof(ngx_pad_str_t));
        if (inv->cache == NULL) {
            return NGX_PAD_CS_ERROR;
        }

        memset(inv->cache, 0, inv->cache_size * 2 * sizeof(ngx_pad_str_t));

        for (i = 0; i < old_size; i++) {
            if (old[2 * i].data) {
                s = ngx_pad_inverse_cache_slot(inv, &old[2 * i]);
                s[0] = old[2 * i];
                s[1] = old[2 * i + 1];
            }
        }
    }

    p = ngx_pad_cs_alloc(inv->ctx, back->len + 1);
    if (p == NULL) {
        return NGX_PAD_CS_ERROR;
    }

    if (back->len) {
        memcpy(p, back->data, back->len);
    }

    s = ngx_pad_inverse_cache_slot(inv, k);
    s[0] = *k;
    s[1].data = p;
    s[1].len = back->len;
    inv->cache_used++;

    return NGX_PAD_CS_OK;
}


typedef intptr_t (*ngx_pad_run_pt)(ngx_pad_inverse_t *inv,
    ngx_pad_str_t *text, ngx_pad_str_t *attribs);


/* consumeAttribRuns(): calls func for each attribution run in n units */

static intptr_t
ngx_pad_inverse_runs(ngx_pad_inverse_t *inv, intptr_t n, ngx_pad_run_pt func)
{
    intptr_t        rc, take, k, nl;
    ngx_pad_str_t   text;
    ngx_pad_ctx_t  *ctx;

    ctx = inv->ctx;

    while (n > 0) {

        while (inv->left == 0) {
            rc = ngx_pad_op_next(ctx, &inv->it, &inv->op);

            if (rc < 0) {
                return NGX_PAD_CS_ERROR;
            }

            if (rc == 0) {
                ngx_pad_cs_error(ctx, "inverse: the attribution is shorter "
                                 "than the text");
                return NGX_PAD_CS_ERROR;
            }

            inv->left = inv->op.chars;
        }

        take = n < inv->left ? n : inv->left;

        nl = 0;
        k = ngx_pad_u16_advance(inv->pos, inv->end, take, &nl);

        if (k < 0) {
            ngx_pad_cs_error(ctx, k == -1 ? "inverse: the text is too short"
                             : "inverse: an attribution op splits a "
                               "surrogate pair");
            return NGX_PAD_CS_ERROR;
        }

        text.data = inv->pos;
        text.len = k;

        if (func(inv, &text, &inv->op.attribs) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }

        inv->pos += k;
        inv->left -= take;
        n -= take;
    }

    return NGX_PAD_CS_OK;
}


static intptr_t
ngx_pad_inverse_skip(ngx_pad_inverse_t *inv, ngx_pad_str_t *text,
    ngx_pad_str_t *attribs)
{
    return NGX_PAD_CS_OK;
}


/* builder.insert(text, attribs) for a deleted run */

static intptr_t
ngx_pad_inverse_insert(ngx_pad_inverse_t *inv, ngx_pad_str_t *text,
    ngx_pad_str_t *attribs)
{
    ngx_pad_ctx_t  *ctx;

    ctx = inv->ctx;

    if (ngx_pad_ops_from_text(ctx, &ctx->sa, '+', text, attribs)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_buf_add(ctx, &ctx->text, text->data, text->len);
}


/* builder.keep(len, lines, undoBackToAttribs(attribs)) for a kept run */

static intptr_t
ngx_pad_inverse_keep(ngx_pad_inverse_t *inv, ngx_pad_str_t *text,
    ngx_pad_str_t *attribs)
{
    size_t           i, nback;
    ngx_pad_ctx_t   *ctx;
    ngx_pad_str_t    old, back, *cached;
    ngx_pad_attr_t  *a, *o;

    ctx = inv->ctx;

    if (inv->cache_size) {
        cached = ngx_pad_inverse_cache_slot(inv, attribs);

        if (cached->data) {
            return ngx_pad_ops_from_text(ctx, &ctx->sa, '=', text,
                                         &cached[1]);
        }
    }

    /* oldAttribs: the run's attributes, in ctx->attrs */

    if (ngx_pad_attrs_from_string(ctx, attribs, inv->pool, 0)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    nback = 0;

    for (i = 0; i < inv->napplied; i++) {
        a = &inv->applied[i];

        old.data = "";
        old.len = 0;

        o = ngx_pad_attrs_get(ctx, &a->key);

        if (o) {
            old = o->value;
        }

        if (!ngx_pad_str_eq(&old, &a->value)) {
            if (ngx_pad_pool_put_attrib(inv->pool, &a->key, &old, 0) < 0) {
                ngx_pad_cs_error(ctx, "out of memory");
                return NGX_PAD_CS_ERROR;
            }

            inv->back[nback].key = a->key;
            inv->back[nback].value = old;
            inv->back[nback].dead = 0;
            nback++;
        }
    }

    ngx_pad_attrs_clear(ctx);

    if (ngx_pad_attrs_reserve(ctx, nback) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    if (nback) {
        memcpy(ctx->attrs, inv->back, nback * sizeof(ngx_pad_attr_t));
    }

    ctx->nattrs = nback;

    ctx->scratch2.len = 0;

    if (ngx_pad_attrs_to_string(ctx, inv->pool, &ctx->scratch2)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    back.data = ctx->scratch2.data ? ctx->scratch2.data : "";
    back.len = ctx->scratch2.len;

    if (ngx_pad_inverse_cache_put(inv, attribs, &back) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_ops_from_text(ctx, &ctx->sa, '=', text, &back);
}


/* a keep op with attributes: each run gets undoBackToAttribs() */

static intptr_t
ngx_pad_inverse_keep_attribs(ngx_pad_inverse_t *inv, ngx_pad_op_t *op)
{
    ngx_pad_ctx_t  *ctx;

    ctx = inv->ctx;

    if (ngx_pad_attrs_from_string(ctx, &op->attribs, inv->pool, 0)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    ngx_pad_attrs_compact(ctx);
    inv->napplied = ctx->nattrs;
    inv->cache = NULL;
    inv->cache_size = 0;
    inv->cache_used = 0;
    inv->applied = ngx_pad_cs_alloc(ctx, (2 * ctx->nattrs + 1)
                                         * sizeof(ngx_pad_attr_t));
    if (inv->applied == NULL) {
        return NGX_PAD_CS_ERROR;
    }

    inv->back = inv->applied + ctx->nattrs;

    if (ctx->nattrs) {
        memcpy(inv->applied, ctx->attrs,
               ctx->nattrs * sizeof(ngx_pad_attr_t));
    }

    return ngx_pad_inverse_runs(inv, op->chars, ngx_pad_inverse_keep);
}


/* a keep op without attributes: skip(N, L) and builder.keep(N, L) */

static intptr_t
ngx_pad_inverse_keep_plain(ngx_pad_inverse_t *inv, ngx_pad_op_t *op)
{
    intptr_t        k, nl;
    ngx_pad_ctx_t  *ctx;

    ctx = inv->ctx;

    nl = 0;
    k = ngx_pad_u16_advance(inv->pos, inv->end, op->chars, &nl);

    if (k < 0) {
        ngx_pad_cs_error(ctx, k == -1 ? "inverse: the changeset is "
                         "longer than the text" : "inverse: an op "
                         "splits a surrogate pair");
        return NGX_PAD_CS_ERROR;
    }

    if (nl != op->lines) {
        ngx_pad_cs_error(ctx, "newline count is wrong in op =");
        return NGX_PAD_CS_ERROR;
    }

    if (op->lines && inv->pos[k - 1] != '\n') {
        ngx_pad_cs_error(ctx, "inverse: a keep op with |L does not "
                         "end at a line end");
        return NGX_PAD_CS_ERROR;
    }

    /* advance the attribution by the same amount */

    if (ngx_pad_inverse_runs(inv, op->chars, ngx_pad_inverse_skip)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    op->attribs.len = 0;

    return ngx_pad_sassem_append(ctx, &ctx->sa, op);
}


/* a delete op: the deleted runs are inserted back */

static intptr_t
ngx_pad_inverse_delete(ngx_pad_inverse_t *inv, ngx_pad_op_t *op)
{
    intptr_t        k, nl;
    ngx_pad_ctx_t  *ctx;

    ctx = inv->ctx;

    nl = 0;
    k = ngx_pad_u16_advance(inv->pos, inv->end, op->chars, &nl);

    if (k >= 0 && nl != op->lines) {
        ngx_pad_cs_error(ctx, "newline count is wrong in op -");
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_inverse_runs(inv, op->chars, ngx_pad_inverse_insert);
}


static intptr_t
ngx_pad_inverse_op(ngx_pad_inverse_t *inv, ngx_pad_op_t *op)
{
    ngx_pad_ctx_t  *ctx;

    ctx = inv->ctx;

    switch (op->opcode) {

    case '=':
        if (op->attribs.len) {
            return ngx_pad_inverse_keep_attribs(inv, op);
        }

        return ngx_pad_inverse_keep_plain(inv, op);

    case '+':
        /* an insert is deleted */

        op->opcode = '-';
        op->attribs.len = 0;

        return ngx_pad_sassem_append(ctx, &ctx->sa, op);

    default: /* '-' */
        return ngx_pad_inverse_delete(inv, op);
    }
}


/* Builder.toString(): the inverse, which applies to cs's result */

static intptr_t
ngx_pad_inverse_result(ngx_pad_ctx_t *ctx, const ngx_pad_cs_t *u,
    ngx_pad_str_t *out)
{
    intptr_t        newlen;
    ngx_pad_str_t   ops, bank, result;

    if (ngx_pad_sassem_end_document(ctx, &ctx->sa) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    newlen = u->new_len + ctx->sa.length_change;

    if (ngx_pad_sassem_finish(ctx, &ctx->sa) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    ops.data = ctx->sa.out.data;
    ops.len = ctx->sa.out.len;
    bank.data = ctx->text.data ? ctx->text.data : "";
    bank.len = ctx->text.len;

    ctx->scratch2.len = 0;

    if (ngx_pad_pack_buf(ctx, &ctx->scratch2, u->new_len, newlen, &ops,
                         &bank)
        != NGX_PAD_CS_OK
        || ngx_pad_cs_result(ctx, &ctx->scratch2, &result) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_cs_check_rep(ctx, &result) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    *out = result;

    return NGX_PAD_CS_OK;
}


intptr_t
ngx_pad_cs_inverse(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool, ngx_pad_str_t *out)
{
    intptr_t            rc, len16;
    ngx_pad_op_t        op;
    ngx_pad_cs_t        u;
    ngx_pad_op_iter_t   it;
    ngx_pad_inverse_t   inv;

    if (ngx_pad_cs_unpack(ctx, cs, &u) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_atext_check(ctx, atext) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    (void) ngx_pad_utf8_check(&atext->text, &len16, NULL);

    if (len16 != u.old_len) {
        ngx_pad_cs_error(ctx, "Failed assertion: mismatched apply: %ld / %ld",
                         (long) len16, (long) u.old_len);
        return NGX_PAD_CS_ERROR;
    }

    memset(&inv, 0, sizeof(ngx_pad_inverse_t));
    inv.ctx = ctx;
    inv.pool = pool;
    inv.pos = atext->text.data;
    inv.end = atext->text.data + atext->text.len;
    ngx_pad_op_iter_init(&inv.it, &atext->attribs);

    ngx_pad_sassem_init(&ctx->sa);
    ctx->text.len = 0;

    ngx_pad_op_iter_init(&it, &u.ops);

    while ((rc = ngx_pad_op_next(ctx, &it, &op)) == 1) {
        if (ngx_pad_inverse_op(&inv, &op) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }
    }

    if (rc < 0) {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_inverse_result(ctx, &u, out);
}
