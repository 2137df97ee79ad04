/*
 * Easysync engine: follow (operational transform), moveOpsToNewPool,
 * prepareForWire, makeSplice, identity and isIdentity.
 */

#include <string.h>

#include "ngx_pad_cs_arena.h"
#include "ngx_pad_cs_attr.h"
#include "ngx_pad_cs_buf.h"
#include "ngx_pad_cs_ctx.h"
#include "ngx_pad_cs_num.h"
#include "ngx_pad_cs_ops.h"
#include "ngx_pad_cs_str.h"
#include "ngx_pad_cs_zip.h"


static const ngx_pad_str_t  ngx_pad_empty = { 0, "" };


typedef struct {
    ngx_pad_pool_t   *pool;
    ngx_pad_siter_t   chars1;
    ngx_pad_siter_t   chars2;
    intptr_t          old_pos;
    intptr_t          new_len;
    char              first[24];     /* numToString(insertorder,first) */
    size_t            first_len;     /* 0: the pool has no such pair */
    int               reverse;
} ngx_pad_follow_t;


/* attributeTester(['insertorder','first'], pool)(attribs) */

static int
ngx_pad_has_insert_first(ngx_pad_follow_t *f, const ngx_pad_str_t *attribs)
{
    const char  *p, *end, *t;

    if (f->first_len == 0) {
        return 0;
    }

    p = attribs->data;
    end = p + attribs->len;

    while (p < end) {
        t = ++p;   /* skip '*' */

        while (p < end && *p != '*') {
            p++;
        }

        if ((size_t) (p - t) == f->first_len
            && memcmp(t, f->first, f->first_len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static intptr_t
ngx_pad_first_unit_is_nl(ngx_pad_ctx_t *ctx, ngx_pad_siter_t *it, int *nl)
{
    if (it->pos >= it->end) {
        ngx_pad_cs_error(ctx, "Failed assertion: !(1 <= 0)");
        return NGX_PAD_CS_ERROR;
    }

    *nl = (*it->pos == '\n');

    return NGX_PAD_CS_OK;
}


static intptr_t
ngx_pad_follow_overflow(ngx_pad_ctx_t *ctx)
{
    ngx_pad_cs_error(ctx, "follow: lengths overflow");
    return NGX_PAD_CS_ERROR;
}


/* both insert: which goes first (1: op1's, kept; 2: op2's, inserted) */

static intptr_t
ngx_pad_follow_which(ngx_pad_ctx_t *ctx, ngx_pad_follow_t *f,
    ngx_pad_op_t *op1, ngx_pad_op_t *op2, int *which)
{
    int  first1, first2, nl1, nl2;

    if (ngx_pad_first_unit_is_nl(ctx, &f->chars1, &nl1) != NGX_PAD_CS_OK
        || ngx_pad_first_unit_is_nl(ctx, &f->chars2, &nl2) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    first1 = ngx_pad_has_insert_first(f, &op1->attribs);
    first2 = ngx_pad_has_insert_first(f, &op2->attribs);

    if (first1 && !first2) {
        *which = 1;

    } else if (first2 && !first1) {
        *which = 2;

    } else if (nl1 && !nl2) {
        *which = 2;

    } else if (!nl1 && nl2) {
        *which = 1;

    } else if (f->reverse) {
        *which = 2;

    } else {
        *which = 1;
    }

    return NGX_PAD_CS_OK;
}


/* an insert on either side: op1's is kept, op2's inserted */

static intptr_t
ngx_pad_follow_insert(ngx_pad_ctx_t *ctx, ngx_pad_follow_t *f,
    ngx_pad_op_t *op1, ngx_pad_op_t *op2, ngx_pad_op_t *out)
{
    int  which;

    if (op2->opcode != '+') {
        which = 1;

    } else if (op1->opcode != '+') {
        which = 2;

    } else if (ngx_pad_follow_which(ctx, f, op1, op2, &which)
               != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (which == 1) {
        if (ngx_pad_siter_take(ctx, &f->chars1, op1->chars, NULL, NULL)
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }

        out->opcode = '=';
        out->lines = op1->lines;
        out->chars = op1->chars;
        op1->opcode = 0;

        return NGX_PAD_CS_OK;
    }

    if (ngx_pad_siter_take(ctx, &f->chars2, op2->chars, NULL, NULL)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    *out = *op2;
    op2->opcode = 0;

    return NGX_PAD_CS_OK;
}


/* op1 deleted these characters: what op2 does to them is gone */

static intptr_t
ngx_pad_follow_gone(ngx_pad_ctx_t *ctx, ngx_pad_op_t *op1,
    ngx_pad_op_t *op2)
{
    if (op2->opcode == 0) {
        op1->opcode = 0;

    } else if (op1->chars <= op2->chars) {
        op2->chars -= op1->chars;

        if (ngx_pad_sub(op2->lines, op1->lines)) {
            return ngx_pad_follow_overflow(ctx);
        }

        op1->opcode = 0;

        if (op2->chars == 0) {
            op2->opcode = 0;
        }

    } else {
        op1->chars -= op2->chars;

        if (ngx_pad_sub(op1->lines, op2->lines)) {
            return ngx_pad_follow_overflow(ctx);
        }

        op2->opcode = 0;
    }

    return NGX_PAD_CS_OK;
}


/* op2 deletes (and op1 keeps): the delete, over what op1 has */

static intptr_t
ngx_pad_follow_delete(ngx_pad_ctx_t *ctx, ngx_pad_op_t *op1,
    ngx_pad_op_t *op2, ngx_pad_op_t *out)
{
    *out = *op2;

    if (op1->opcode == 0) {
        op2->opcode = 0;

    } else if (op2->chars <= op1->chars) {
        op1->chars -= op2->chars;

        if (ngx_pad_sub(op1->lines, op2->lines)) {
            return ngx_pad_follow_overflow(ctx);
        }

        op2->opcode = 0;

        if (op1->chars == 0) {
            op1->opcode = 0;
        }

    } else {
        out->lines = op1->lines;
        out->chars = op1->chars;
        if (ngx_pad_sub(op2->lines, op1->lines)) {
            return ngx_pad_follow_overflow(ctx);
        }

        op2->chars -= op1->chars;
        op1->opcode = 0;
    }

    return NGX_PAD_CS_OK;
}


/* both keep: a keep with the attributes followed */

static intptr_t
ngx_pad_follow_keep(ngx_pad_ctx_t *ctx, ngx_pad_follow_t *f,
    ngx_pad_op_t *op1, ngx_pad_op_t *op2, ngx_pad_op_t *out)
{
    out->opcode = '=';

    if (ngx_pad_follow_attributes(ctx, &op1->attribs, &op2->attribs,
                                  f->pool, &out->attribs)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (op1->chars <= op2->chars) {
        out->chars = op1->chars;
        out->lines = op1->lines;
        op2->chars -= op1->chars;

        if (ngx_pad_sub(op2->lines, op1->lines)) {
            return ngx_pad_follow_overflow(ctx);
        }

        op1->opcode = 0;

        if (op2->chars == 0) {
            op2->opcode = 0;
        }

    } else {
        out->chars = op2->chars;
        out->lines = op2->lines;
        op1->chars -= op2->chars;

        if (ngx_pad_sub(op1->lines, op2->lines)) {
            return ngx_pad_follow_overflow(ctx);
        }

        op2->opcode = 0;
    }

    return NGX_PAD_CS_OK;
}


/* the old position and the new length after out */

static intptr_t
ngx_pad_follow_count(ngx_pad_ctx_t *ctx, ngx_pad_follow_t *f,
    ngx_pad_op_t *out)
{
    switch (out->opcode) {

    case '=':
        if (ngx_pad_add(f->old_pos, out->chars)
            || ngx_pad_add(f->new_len, out->chars))
        {
            return ngx_pad_follow_overflow(ctx);
        }

        break;

    case '-':
        if (ngx_pad_add(f->old_pos, out->chars)) {
            return ngx_pad_follow_overflow(ctx);
        }

        break;

    case '+':
        if (ngx_pad_add(f->new_len, out->chars)) {
            return ngx_pad_follow_overflow(ctx);
        }

        break;
    }

    return NGX_PAD_CS_OK;
}


static intptr_t
ngx_pad_zip_follow(ngx_pad_ctx_t *ctx, ngx_pad_op_t *op1, ngx_pad_op_t *op2,
    ngx_pad_op_t *out, void *data)
{
    intptr_t           rc;
    ngx_pad_follow_t  *f;

    f = data;

    out->opcode = 0;
    out->chars = 0;
    out->lines = 0;
    out->attribs = ngx_pad_empty;

    if (op1->opcode == '+' || op2->opcode == '+') {
        rc = ngx_pad_follow_insert(ctx, f, op1, op2, out);

    } else if (op1->opcode == '-') {
        rc = ngx_pad_follow_gone(ctx, op1, op2);

    } else if (op2->opcode == '-') {
        rc = ngx_pad_follow_delete(ctx, op1, op2, out);

    } else if (op1->opcode == 0) {
        *out = *op2;
        op2->opcode = 0;
        rc = NGX_PAD_CS_OK;

    } else if (op2->opcode == 0) {
        /* op1's attributes must not leak into the result (issue #1625) */
        op1->opcode = 0;
        rc = NGX_PAD_CS_OK;

    } else {
        rc = ngx_pad_follow_keep(ctx, f, op1, op2, out);
    }

    if (rc != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_follow_count(ctx, f, out);
}


intptr_t
ngx_pad_cs_follow(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs1,
    const ngx_pad_str_t *cs2, int reverse_insert_order, ngx_pad_pool_t *pool,
    ngx_pad_str_t *out)
{
    char              *p;
    intptr_t           num, n;
    ngx_pad_cs_t       u1, u2;
    ngx_pad_str_t      ops, k, v;
    ngx_pad_follow_t   f;

    if (ngx_pad_cs_unpack(ctx, cs1, &u1) != NGX_PAD_CS_OK
        || ngx_pad_cs_unpack(ctx, cs2, &u2) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (u1.old_len != u2.old_len) {
        ngx_pad_cs_error(ctx, "Failed assertion: mismatched follow - cannot "
                         "transform cs1 on top of cs2");
        return NGX_PAD_CS_ERROR;
    }

    f.pool = pool;
    f.chars1.pos = u1.bank.data;
    f.chars1.end = u1.bank.data + u1.bank.len;
    f.chars2.pos = u2.bank.data;
    f.chars2.end = u2.bank.data + u2.bank.len;
    f.old_pos = 0;
    f.new_len = 0;
    f.reverse = reverse_insert_order;
    f.first_len = 0;

    if (pool) {
        k.data = "insertorder";
        k.len = sizeof("insertorder") - 1;
        v.data = "first";
        v.len = sizeof("first") - 1;

        num = ngx_pad_pool_put_attrib(pool, &k, &v, 1);

        if (num >= 0) {
            p = f.first + sizeof(f.first);
            n = num;

            do {
                *--p = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
                n /= 36;
            } while (n);

            f.first_len = f.first + sizeof(f.first) - p;
            memmove(f.first, p, f.first_len);
        }
    }

    if (ngx_pad_zip(ctx, &u1.ops, &u2.ops, ngx_pad_zip_follow, &f, NULL)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_add(f.new_len, u1.new_len - f.old_pos)) {
        ngx_pad_cs_error(ctx, "follow: lengths overflow");
        return NGX_PAD_CS_ERROR;
    }

    ops.data = ctx->sa.out.data;
    ops.len = ctx->sa.out.len;

    ctx->text.len = 0;

    if (ngx_pad_pack_buf(ctx, &ctx->text, u1.new_len, f.new_len, &ops,
                         &u2.bank)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_result(ctx, &ctx->text, out);
}


intptr_t
ngx_pad_cs_move_ops_to_new_pool(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    ngx_pad_pool_t *from, ngx_pad_pool_t *to, ngx_pad_str_t *out)
{
    intptr_t        rc, num, newnum;
    const char     *p, *end, *dollar, *q;
    ngx_pad_buf_t  *b;
    ngx_pad_str_t   k, v;

    if (ngx_pad_utf8_check(cs, NULL, NULL) != NGX_PAD_CS_OK) {
        ngx_pad_cs_error(ctx, "invalid UTF-8 (or a lone surrogate)");
        return NGX_PAD_CS_ERROR;
    }

    b = &ctx->text;
    b->len = 0;

    if (ngx_pad_buf_reserve(ctx, b, cs->len) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    p = cs->data;
    end = p + cs->len;

    dollar = memchr(p, '$', cs->len);
    if (dollar == NULL) {
        dollar = end;
    }

    while (p < dollar) {
        q = memchr(p, '*', dollar - p);

        if (q == NULL) {
            q = dollar;
        }

        if (ngx_pad_buf_add(ctx, b, p, q - p) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }

        if (q == dollar) {
            break;
        }

        rc = ngx_pad_parse_num(q + 1, dollar, &num, &p);

        if (rc == -1) {
            /* a '*' without a number stays */
            if (ngx_pad_buf_add(ctx, b, "*", 1) != NGX_PAD_CS_OK) {
                return NGX_PAD_CS_ERROR;
            }

            p = q + 1;
            continue;
        }

        if (rc == -2 || ngx_pad_pool_get(from, num, &k, &v) != 0) {
            /* not in the old pool: dropped */
            continue;
        }

        newnum = ngx_pad_pool_put_attrib(to, &k, &v, 0);
        if (newnum < 0) {
            ngx_pad_cs_error(ctx, "out of memory");
            return NGX_PAD_CS_ERROR;
        }

        if (ngx_pad_buf_add(ctx, b, "*", 1) != NGX_PAD_CS_OK
            || ngx_pad_buf_add_num(ctx, b, newnum) != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }
    }

    if (ngx_pad_buf_add(ctx, b, dollar, end - dollar) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_result(ctx, b, out);
}


intptr_t
ngx_pad_cs_prepare_for_wire(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    ngx_pad_pool_t *pool, ngx_pad_pool_t *wire_pool, ngx_pad_str_t *out)
{
    if (ngx_pad_pool_next_num(wire_pool) != 0) {
        ngx_pad_cs_error(ctx, "prepareForWire: the wire pool is not empty");
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_move_ops_to_new_pool(ctx, cs, pool, wire_pool, out);
}


/* makeSplice() with Etherpad 2.x clamping */

intptr_t
ngx_pad_cs_make_splice(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *orig,
    intptr_t start, intptr_t ndel, const ngx_pad_str_t *ins,
    const ngx_pad_str_t *attribs, ngx_pad_str_t *out)
{
    char               c;
    intptr_t           len16, ins16, k, nl;
    ngx_pad_str_t      head, del, ops;
    ngx_pad_sassem_t  *sa;

    if (start < 0) {
        ngx_pad_cs_error(ctx, "start index must be non-negative (is %ld)",
                         (long) start);
        return NGX_PAD_CS_ERROR;
    }

    if (ndel < 0) {
        ngx_pad_cs_error(ctx, "characters to delete must be non-negative "
                         "(is %ld)", (long) ndel);
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_utf16_len(ctx, orig, &len16) != NGX_PAD_CS_OK
        || ngx_pad_utf16_len(ctx, ins, &ins16) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (attribs) {
        /* (\*[0-9a-z]+)* */

        for (k = 0; k < (intptr_t) attribs->len; k++) {
            c = attribs->data[k];

            if (c == '*') {
                if (k + 1 == (intptr_t) attribs->len
                    || attribs->data[k + 1] == '*')
                {
                    break;
                }

                continue;
            }

            if (k == 0 || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
            {
                break;
            }
        }

        if (k != (intptr_t) attribs->len) {
            ngx_pad_cs_error(ctx, "makeSplice: invalid attribute string");
            return NGX_PAD_CS_ERROR;
        }
    }

    if (start > len16) {
        start = len16;
    }

    if (ndel > len16 - start) {
        ndel = len16 - start;
    }

    nl = 0;
    k = ngx_pad_u16_advance(orig->data, orig->data + orig->len, start, &nl);

    if (k < 0) {
        goto split;
    }

    head.data = orig->data;
    head.len = k;

    k = ngx_pad_u16_advance(head.data + head.len, orig->data + orig->len,
                            ndel, &nl);
    if (k < 0) {
        goto split;
    }

    del.data = head.data + head.len;
    del.len = k;

    sa = &ctx->sa;
    ngx_pad_sassem_init(sa);

    if (ngx_pad_ops_from_text(ctx, sa, '=', &head, NULL) != NGX_PAD_CS_OK
        || ngx_pad_ops_from_text(ctx, sa, '-', &del, NULL) != NGX_PAD_CS_OK
        || ngx_pad_ops_from_text(ctx, sa, '+', ins, attribs) != NGX_PAD_CS_OK
        || ngx_pad_sassem_end_document(ctx, sa) != NGX_PAD_CS_OK
        || ngx_pad_sassem_finish(ctx, sa) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    ops.data = sa->out.data;
    ops.len = sa->out.len;

    ctx->text.len = 0;

    if (ngx_pad_pack_buf(ctx, &ctx->text, len16, len16 + ins16 - ndel, &ops,
                         ins)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_result(ctx, &ctx->text, out);

split:

    ngx_pad_cs_error(ctx, "makeSplice: the splice splits a surrogate pair "
                     "(a character outside the BMP)");
    return NGX_PAD_CS_ERROR;
}


intptr_t
ngx_pad_cs_pack(ngx_pad_ctx_t *ctx, intptr_t old_len, intptr_t new_len,
    const ngx_pad_str_t *ops, const ngx_pad_str_t *bank, ngx_pad_str_t *out)
{
    ngx_pad_buf_t  *b;

    b = &ctx->text;
    b->len = 0;

    if (old_len < 0 || new_len < 0
        || old_len > NGX_PAD_CS_NUM_MAX || new_len > NGX_PAD_CS_NUM_MAX)
    {
        ngx_pad_cs_error(ctx, "pack: lengths must be in 0..2^53-1");
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_pack_buf(ctx, b, old_len, new_len, ops, bank)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_result(ctx, b, out);
}


intptr_t
ngx_pad_cs_identity(ngx_pad_ctx_t *ctx, intptr_t n, ngx_pad_str_t *out)
{
    return ngx_pad_cs_pack(ctx, n, n, &ngx_pad_empty, &ngx_pad_empty, out);
}


intptr_t
ngx_pad_cs_is_identity(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs)
{
    ngx_pad_cs_t  u;

    if (ngx_pad_cs_unpack(ctx, cs, &u) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    return u.ops.len == 0 && u.old_len == u.new_len;
}
