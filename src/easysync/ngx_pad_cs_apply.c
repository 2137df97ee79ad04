/*
 * Easysync engine: checkRep, applyToText, applyToAttribution,
 * applyToAText, compose and the ATexts.
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


/* checkRep(): the state of the walk over the ops */

typedef struct {
    const ngx_pad_str_t  *cs;
    ngx_pad_cs_t          u;
    ngx_pad_siter_t       bank;
    intptr_t              old_pos;
    intptr_t              calc_new_len;
} ngx_pad_check_t;


static intptr_t
ngx_pad_check_overflow(ngx_pad_ctx_t *ctx)
{
    ngx_pad_cs_error(ctx, "Invalid changeset: lengths overflow");
    return NGX_PAD_CS_ERROR;
}


/* an insert op: its characters from the charBank */

static intptr_t
ngx_pad_check_insert(ngx_pad_ctx_t *ctx, ngx_pad_check_t *chk,
    const ngx_pad_op_t *op)
{
    int            n;
    intptr_t       rc, nl;
    const char    *ex;
    ngx_pad_str_t  chars;

    nl = 0;
    rc = ngx_pad_u16_advance(chk->bank.pos, chk->bank.end, op->chars, &nl);

    if (rc == -1) {
        ngx_pad_cs_error(ctx, "Failed assertion: Invalid changeset: "
                         "not enough chars in charBank");
        return NGX_PAD_CS_ERROR;
    }

    if (rc == -2) {
        ngx_pad_cs_error(ctx, "Invalid changeset: an insert op "
                         "splits a surrogate pair (a character "
                         "outside the BMP)");
        return NGX_PAD_CS_ERROR;
    }

    chars.data = chk->bank.pos;
    chars.len = rc;

    if (nl != op->lines) {
        ngx_pad_cs_error(ctx, "Failed assertion: Invalid changeset: "
                         "number of newlines in insert op does not "
                         "match the charBank");
        return NGX_PAD_CS_ERROR;
    }

    if (op->lines != 0
        && (chars.len == 0 || chars.data[chars.len - 1] != '\n'))
    {
        ngx_pad_cs_error(ctx, "Failed assertion: Invalid changeset: "
                         "multiline insert op does not end with a "
                         "newline");
        return NGX_PAD_CS_ERROR;
    }

    chk->bank.pos += rc;

    if (ngx_pad_add(chk->calc_new_len, op->chars)) {
        return ngx_pad_check_overflow(ctx);
    }

    if (chk->calc_new_len > chk->u.new_len) {
        ex = ngx_pad_cs_excerpt(chk->cs, &n);
        ngx_pad_cs_error(ctx, "Failed assertion: %ld > %ld in %.*s",
                         (long) chk->calc_new_len, (long) chk->u.new_len,
                         n, ex);
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


static intptr_t
ngx_pad_check_op(ngx_pad_ctx_t *ctx, ngx_pad_check_t *chk,
    const ngx_pad_op_t *op)
{
    int          n;
    const char  *ex;

    switch (op->opcode) {

    case '=':
        if (ngx_pad_add(chk->old_pos, op->chars)
            || ngx_pad_add(chk->calc_new_len, op->chars))
        {
            return ngx_pad_check_overflow(ctx);
        }

        return NGX_PAD_CS_OK;

    case '-':
        if (ngx_pad_add(chk->old_pos, op->chars)) {
            return ngx_pad_check_overflow(ctx);
        }

        if (chk->old_pos > chk->u.old_len) {
            ex = ngx_pad_cs_excerpt(chk->cs, &n);
            ngx_pad_cs_error(ctx, "Failed assertion: %ld > %ld in %.*s",
                             (long) chk->old_pos, (long) chk->u.old_len,
                             n, ex);
            return NGX_PAD_CS_ERROR;
        }

        return NGX_PAD_CS_OK;

    default: /* '+' */
        return ngx_pad_check_insert(ctx, chk, op);
    }
}


/* the lengths add up, the charBank is used up, the ops are canonical */

static intptr_t
ngx_pad_check_end(ngx_pad_ctx_t *ctx, ngx_pad_check_t *chk,
    ngx_pad_sassem_t *sa)
{
    ngx_pad_str_t  ops;

    if (ngx_pad_add(chk->calc_new_len, chk->u.old_len - chk->old_pos)) {
        return ngx_pad_check_overflow(ctx);
    }

    if (chk->calc_new_len != chk->u.new_len) {
        ngx_pad_cs_error(ctx, "Failed assertion: Invalid changeset: claimed "
                         "length does not match actual length");
        return NGX_PAD_CS_ERROR;
    }

    if (chk->bank.pos != chk->bank.end) {
        ngx_pad_cs_error(ctx, "Failed assertion: Invalid changeset: excess "
                         "characters in the charBank");
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_sassem_end_document(ctx, sa) != NGX_PAD_CS_OK
        || ngx_pad_sassem_finish(ctx, sa) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    ops.data = sa->out.data;
    ops.len = sa->out.len;

    ctx->text.len = 0;

    if (ngx_pad_pack_buf(ctx, &ctx->text, chk->u.old_len, chk->calc_new_len,
                         &ops, &chk->u.bank)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (ctx->text.len != chk->cs->len
        || memcmp(ctx->text.data, chk->cs->data, chk->cs->len) != 0)
    {
        ngx_pad_cs_error(ctx, "Failed assertion: Invalid changeset: not in "
                         "canonical form");
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


intptr_t
ngx_pad_cs_check_rep(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs)
{
    intptr_t            rc;
    ngx_pad_op_t        op;
    ngx_pad_check_t     chk;
    ngx_pad_sassem_t   *sa;
    ngx_pad_op_iter_t   it;

    chk.cs = cs;

    if (ngx_pad_cs_unpack(ctx, cs, &chk.u) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    sa = &ctx->sa;
    ngx_pad_sassem_init(sa);

    chk.bank.pos = chk.u.bank.data;
    chk.bank.end = chk.u.bank.data + chk.u.bank.len;

    chk.old_pos = 0;
    chk.calc_new_len = 0;

    ngx_pad_op_iter_init(&it, &chk.u.ops);

    while ((rc = ngx_pad_op_next(ctx, &it, &op)) == 1) {

        if (ngx_pad_check_op(ctx, &chk, &op) != NGX_PAD_CS_OK
            || ngx_pad_sassem_append(ctx, sa, &op) != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }
    }

    if (rc < 0) {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_check_end(ctx, &chk, sa);
}


static intptr_t
ngx_pad_nl_error(ngx_pad_ctx_t *ctx, char opcode)
{
    ngx_pad_cs_error(ctx, "newline count is wrong in op %c", opcode);
    return NGX_PAD_CS_ERROR;
}


intptr_t
ngx_pad_cs_apply_to_text(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    const ngx_pad_str_t *text, ngx_pad_str_t *out)
{
    intptr_t            rc, len16, nl;
    ngx_pad_op_t        op;
    ngx_pad_cs_t        u;
    ngx_pad_buf_t      *b;
    ngx_pad_str_t       s;
    ngx_pad_siter_t     bank, str;
    ngx_pad_op_iter_t   it;

    if (ngx_pad_cs_unpack(ctx, cs, &u) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_utf16_len(ctx, text, &len16) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    if (len16 != u.old_len) {
        ngx_pad_cs_error(ctx, "Failed assertion: mismatched apply: %ld / %ld",
                         (long) len16, (long) u.old_len);
        return NGX_PAD_CS_ERROR;
    }

    b = &ctx->text;
    b->len = 0;

    if (ngx_pad_buf_reserve(ctx, b, text->len + u.bank.len) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    bank.pos = u.bank.data;
    bank.end = u.bank.data + u.bank.len;
    str.pos = text->data;
    str.end = text->data + text->len;

    ngx_pad_op_iter_init(&it, &u.ops);

    while ((rc = ngx_pad_op_next(ctx, &it, &op)) == 1) {

        if (ngx_pad_siter_take(ctx, op.opcode == '+' ? &bank : &str,
                               op.chars, &s, &nl)
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }

        if (nl != op.lines) {
            return ngx_pad_nl_error(ctx, op.opcode);
        }

        if (op.opcode != '-') {
            if (ngx_pad_buf_add(ctx, b, s.data, s.len) != NGX_PAD_CS_OK) {
                return NGX_PAD_CS_ERROR;
            }
        }
    }

    if (rc < 0) {
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_buf_add(ctx, b, str.pos, str.end - str.pos) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_result(ctx, b, out);
}


static void
ngx_pad_op_copy(ngx_pad_op_t *dst, const ngx_pad_op_t *src)
{
    *dst = *src;
}


static intptr_t
ngx_pad_op_string_error(ngx_pad_ctx_t *ctx, const char *msg,
    const ngx_pad_op_t *a, const ngx_pad_op_t *b)
{
    ngx_pad_cs_error(ctx, "Failed assertion: %s; opA: %.*s|%ld%c%ld "
                     "opB: %.*s|%ld%c%ld", msg,
                     (int) (a->attribs.len > 60 ? 60 : a->attribs.len),
                     a->attribs.data, (long) a->lines,
                     a->opcode ? a->opcode : '?', (long) a->chars,
                     (int) (b->attribs.len > 60 ? 60 : b->attribs.len),
                     b->attribs.data, (long) b->lines,
                     b->opcode ? b->opcode : '?', (long) b->chars);
    return NGX_PAD_CS_ERROR;
}


/* slicerZipperFunc(attOp, csOp, pool) */

static intptr_t
ngx_pad_slicer_zipper(ngx_pad_ctx_t *ctx, ngx_pad_op_t *att_op,
    ngx_pad_op_t *cs_op, ngx_pad_pool_t *pool, ngx_pad_op_t *out)
{
    int            ok;
    ngx_pad_op_t  *full, *part;

    out->opcode = 0;
    out->chars = 0;
    out->lines = 0;
    out->attribs = ngx_pad_empty;

    if (att_op->opcode == 0) {
        ngx_pad_op_copy(out, cs_op);
        cs_op->opcode = 0;
        return NGX_PAD_CS_OK;
    }

    if (cs_op->opcode == 0) {
        ngx_pad_op_copy(out, att_op);
        att_op->opcode = 0;
        return NGX_PAD_CS_OK;
    }

    if (att_op->opcode == '-') {
        ngx_pad_op_copy(out, att_op);
        att_op->opcode = 0;
        return NGX_PAD_CS_OK;
    }

    if (cs_op->opcode == '+') {
        ngx_pad_op_copy(out, cs_op);
        cs_op->opcode = 0;
        return NGX_PAD_CS_OK;
    }

    if (att_op->chars < att_op->lines || cs_op->chars < cs_op->lines) {
        return ngx_pad_op_string_error(ctx, "op has more newlines than chars",
                                       att_op, cs_op);
    }

    if (att_op->chars < cs_op->chars) {
        ok = att_op->lines <= cs_op->lines;

    } else if (att_op->chars > cs_op->chars) {
        ok = att_op->lines >= cs_op->lines;

    } else {
        ok = att_op->lines == cs_op->lines;
    }

    if (!ok) {
        return ngx_pad_op_string_error(ctx, "line count mismatch when "
                                       "composing changesets A*B",
                                       att_op, cs_op);
    }

    /* att_op is '+' or '=', cs_op is '-' or '=' */

    if (att_op->opcode == '+') {
        out->opcode = cs_op->opcode == '-' ? 0 : '+';

    } else {
        out->opcode = cs_op->opcode;
    }

    if (att_op->chars <= cs_op->chars) {
        full = att_op;
        part = cs_op;

    } else {
        full = cs_op;
        part = att_op;
    }

    out->chars = full->chars;
    out->lines = full->lines;

    if (cs_op->opcode == '-') {
        out->attribs = cs_op->attribs;

    } else if (ngx_pad_compose_attributes(ctx, &att_op->attribs,
                                          &cs_op->attribs,
                                          att_op->opcode == '=', pool,
                                          &out->attribs)
               != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    part->chars -= full->chars;
    part->lines -= full->lines;

    if (part->chars == 0) {
        part->opcode = 0;
    }

    full->opcode = 0;

    return NGX_PAD_CS_OK;
}


/*
 * applyZip(attribs, cs ops, slicerZipperFunc) with a shortcut for the
 * common case: an insertion op of the attribution that a keep without
 * attributes covers whole, or that comes after the changeset's last op,
 * is passed through unchanged by slicerZipperFunc, so it is appended with
 * its own bytes (when they are the canonical form) instead of being
 * serialized again; the assembler still merges it with its neighbours
 * exactly as before.  Everything else takes the generic path.
 */

static inline intptr_t
ngx_pad_zip_pass_insert(ngx_pad_ctx_t *ctx, ngx_pad_op_t *op1,
    const char *end1, ngx_pad_op_t *op2)
{
    int            ok;
    ngx_pad_str_t  raw;

    if (op1->opcode != '+' || !ngx_pad_op_raw_canonical(op1, end1)) {
        return 0;
    }

    if (op2->opcode == 0) {
        ok = 1;

    } else if (op2->opcode == '=' && op2->attribs.len == 0
               && op1->chars <= op2->chars)
    {
        /* slicerZipperFunc's line count check */
        ok = op1->chars < op2->chars ? op1->lines <= op2->lines
                                     : op1->lines == op2->lines;
        ok = ok && op1->chars >= op1->lines && op2->chars >= op2->lines;

        if (ok) {
            op2->chars -= op1->chars;
            op2->lines -= op1->lines;

            if (op2->chars == 0) {
                op2->opcode = 0;
            }
        }

    } else {
        ok = 0;
    }

    if (!ok) {
        return 0;
    }

    raw.data = op1->attribs.data;
    raw.len = end1 - op1->attribs.data;

    if (ngx_pad_sassem_append_raw(ctx, &ctx->sa, op1, &raw)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return 1;
}


static intptr_t
ngx_pad_zip_slice(ngx_pad_ctx_t *ctx, ngx_pad_op_t *op1, ngx_pad_op_t *op2,
    ngx_pad_op_t *out, void *data)
{
    return ngx_pad_slicer_zipper(ctx, op1, op2, data, out);
}


static intptr_t
ngx_pad_zip_attribution(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *attribs,
    const ngx_pad_str_t *ops, ngx_pad_pool_t *pool)
{
    return ngx_pad_zip(ctx, attribs, ops, ngx_pad_zip_slice, pool,
                       ngx_pad_zip_pass_insert);
}


intptr_t
ngx_pad_cs_apply_to_attribution(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    const ngx_pad_str_t *attribs, ngx_pad_pool_t *pool, ngx_pad_str_t *out)
{
    ngx_pad_cs_t  u;

    if (ngx_pad_cs_unpack(ctx, cs, &u) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_zip_attribution(ctx, attribs, &u.ops, pool)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_result(ctx, &ctx->sa.out, out);
}


intptr_t
ngx_pad_cs_apply_to_atext(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool,
    ngx_pad_atext_t *out)
{
    ngx_pad_str_t  text;

    if (ngx_pad_cs_apply_to_text(ctx, cs, &atext->text, &text)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_cs_apply_to_attribution(ctx, cs, &atext->attribs, pool,
                                        &out->attribs)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    out->text = text;

    return NGX_PAD_CS_OK;
}


typedef struct {
    ngx_pad_pool_t   *pool;
    ngx_pad_siter_t   bank1;
    ngx_pad_siter_t   bank2;
    ngx_pad_buf_t    *out;
} ngx_pad_compose_t;


static intptr_t
ngx_pad_zip_compose(ngx_pad_ctx_t *ctx, ngx_pad_op_t *op1,
    ngx_pad_op_t *op2, ngx_pad_op_t *out, void *data)
{
    char                op1code, op2code;
    ngx_pad_str_t       s;
    ngx_pad_compose_t  *c;

    c = data;

    op1code = op1->opcode;
    op2code = op2->opcode;

    if (op1code == '+' && op2code == '-') {
        if (ngx_pad_siter_take(ctx, &c->bank1,
                               op1->chars < op2->chars
                               ? op1->chars : op2->chars, NULL, NULL)
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }
    }

    if (ngx_pad_slicer_zipper(ctx, op1, op2, c->pool, out) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    if (out->opcode == '+') {
        if (ngx_pad_siter_take(ctx, op2code == '+' ? &c->bank2 : &c->bank1,
                               out->chars, &s, NULL)
            != NGX_PAD_CS_OK
            || ngx_pad_buf_add(ctx, c->out, s.data, s.len) != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }
    }

    return NGX_PAD_CS_OK;
}


intptr_t
ngx_pad_cs_compose(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs1,
    const ngx_pad_str_t *cs2, ngx_pad_pool_t *pool, ngx_pad_str_t *out)
{
    ngx_pad_cs_t       u1, u2;
    ngx_pad_str_t      ops, bank;
    ngx_pad_compose_t  c;

    if (ngx_pad_cs_unpack(ctx, cs1, &u1) != NGX_PAD_CS_OK
        || ngx_pad_cs_unpack(ctx, cs2, &u2) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (u1.new_len != u2.old_len) {
        ngx_pad_cs_error(ctx, "Failed assertion: mismatched composition of "
                         "two changesets");
        return NGX_PAD_CS_ERROR;
    }

    c.pool = pool;
    c.bank1.pos = u1.bank.data;
    c.bank1.end = u1.bank.data + u1.bank.len;
    c.bank2.pos = u2.bank.data;
    c.bank2.end = u2.bank.data + u2.bank.len;
    c.out = &ctx->text;
    c.out->len = 0;

    if (ngx_pad_zip(ctx, &u1.ops, &u2.ops, ngx_pad_zip_compose, &c, NULL)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    ops.data = ctx->sa.out.data;
    ops.len = ctx->sa.out.len;
    bank.data = ctx->text.data;
    bank.len = ctx->text.len;

    ctx->scratch2.len = 0;

    if (ngx_pad_pack_buf(ctx, &ctx->scratch2, u1.old_len, u2.new_len, &ops,
                         &bank)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_result(ctx, &ctx->scratch2, out);
}


/* makeAttribution(text) */

intptr_t
ngx_pad_atext_make(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *text,
    const ngx_pad_str_t *attribs, ngx_pad_atext_t *out)
{
    ngx_pad_sassem_t  *sa;

    if (ngx_pad_utf16_len(ctx, text, NULL) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    out->text = *text;

    if (attribs && attribs->len) {
        out->attribs = *attribs;
        return NGX_PAD_CS_OK;
    }

    sa = &ctx->sa;
    ngx_pad_sassem_init(sa);

    if (ngx_pad_ops_from_text(ctx, sa, '+', text, NULL) != NGX_PAD_CS_OK
        || ngx_pad_sassem_finish(ctx, sa) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_cs_result(ctx, &sa->out, &out->attribs);
}


/* the AText invariants that Pad.check() relies on */

intptr_t
ngx_pad_atext_check(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext)
{
    intptr_t            rc, len16, nl, chars, lines;
    ngx_pad_op_t        op;
    ngx_pad_op_iter_t   it;

    if (ngx_pad_utf8_check(&atext->text, &len16, &nl) != NGX_PAD_CS_OK) {
        ngx_pad_cs_error(ctx, "atext: invalid UTF-8 (or a lone surrogate)");
        return NGX_PAD_CS_ERROR;
    }

    if (atext->text.len == 0
        || atext->text.data[atext->text.len - 1] != '\n')
    {
        ngx_pad_cs_error(ctx, "atext: text does not end with a newline");
        return NGX_PAD_CS_ERROR;
    }

    chars = 0;
    lines = 0;

    ngx_pad_op_iter_init(&it, &atext->attribs);

    while ((rc = ngx_pad_op_next(ctx, &it, &op)) == 1) {
        if (op.opcode != '+') {
            ngx_pad_cs_error(ctx, "atext: attribution has a '%c' op",
                             op.opcode);
            return NGX_PAD_CS_ERROR;
        }

        if (ngx_pad_add(chars, op.chars) || ngx_pad_add(lines, op.lines)
            || chars > len16)
        {
            chars = -1;
            break;
        }
    }

    if (rc < 0) {
        return NGX_PAD_CS_ERROR;
    }

    if (chars != len16 || lines != nl) {
        ngx_pad_cs_error(ctx, "atext: attribution covers %ld chars and %ld "
                         "lines, the text has %ld and %ld", (long) chars,
                         (long) lines, (long) len16, (long) nl);
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}
