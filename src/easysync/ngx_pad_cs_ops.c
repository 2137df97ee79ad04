/*
 * Easysync engine: changeset header and op (de)serialization and the op
 * assemblers (OpAssembler, MergingOpAssembler, SmartOpAssembler).
 */

#include <string.h>

#include "ngx_pad_cs_arena.h"
#include "ngx_pad_cs_buf.h"
#include "ngx_pad_cs_num.h"
#include "ngx_pad_cs_ops.h"
#include "ngx_pad_cs_str.h"


intptr_t
ngx_pad_cs_unpack(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *cs,
    ngx_pad_cs_t *out)
{
    int          n;
    intptr_t     rc, old_len, mag;
    const char  *p, *end, *dollar, *s;

    p = cs->data;
    end = p + cs->len;

    if (ngx_pad_utf8_check(cs, NULL, NULL) != NGX_PAD_CS_OK) {
        ngx_pad_cs_error(ctx, "Not a changeset: invalid UTF-8 "
                         "(or a lone surrogate)");
        return NGX_PAD_CS_ERROR;
    }

    if (end - p < 2 || p[0] != 'Z' || p[1] != ':') {
        goto invalid;
    }

    rc = ngx_pad_parse_num(p + 2, end, &old_len, &p);
    if (rc == -1) {
        goto invalid;
    }

    if (rc == -2) {
        goto big;
    }

    if (p >= end || (*p != '>' && *p != '<')) {
        goto invalid;
    }

    s = p;

    rc = ngx_pad_parse_num(p + 1, end, &mag, &p);
    if (rc == -1) {
        goto invalid;
    }

    if (rc == -2) {
        goto big;
    }

    out->old_len = old_len;
    out->new_len = *s == '>' ? old_len + mag : old_len - mag;

    if (out->new_len > NGX_PAD_CS_NUM_MAX) {
        goto big;
    }

    dollar = memchr(p, '$', end - p);

    if (dollar == NULL) {
        out->ops.data = p;
        out->ops.len = end - p;
        out->bank.data = end;
        out->bank.len = 0;

    } else {
        out->ops.data = p;
        out->ops.len = dollar - p;
        out->bank.data = dollar + 1;
        out->bank.len = end - dollar - 1;
    }

    return NGX_PAD_CS_OK;

invalid:

    s = ngx_pad_cs_excerpt(cs, &n);
    ngx_pad_cs_error(ctx, "Not a changeset: %.*s", n, s);
    return NGX_PAD_CS_ERROR;

big:

    ngx_pad_cs_error(ctx, "Not a changeset: number too large");
    return NGX_PAD_CS_ERROR;
}


intptr_t
ngx_pad_pack_buf(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, intptr_t old_len,
    intptr_t new_len, const ngx_pad_str_t *ops, const ngx_pad_str_t *bank)
{
    intptr_t  diff;

    diff = new_len - old_len;

    if (ngx_pad_buf_reserve(ctx, b, 32 + ops->len + bank->len)
        != NGX_PAD_CS_OK
        || ngx_pad_buf_add(ctx, b, "Z:", 2) != NGX_PAD_CS_OK
        || ngx_pad_buf_add_num(ctx, b, old_len) != NGX_PAD_CS_OK
        || ngx_pad_buf_add(ctx, b, diff >= 0 ? ">" : "<", 1)
           != NGX_PAD_CS_OK
        || ngx_pad_buf_add_num(ctx, b, diff >= 0 ? diff : -diff)
           != NGX_PAD_CS_OK
        || ngx_pad_buf_add(ctx, b, ops->data, ops->len) != NGX_PAD_CS_OK
        || ngx_pad_buf_add(ctx, b, "$", 1) != NGX_PAD_CS_OK
        || ngx_pad_buf_add(ctx, b, bank->data, bank->len) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


void
ngx_pad_op_iter_init(ngx_pad_op_iter_t *it, const ngx_pad_str_t *ops)
{
    it->start = ops->data;
    it->pos = ops->data;
    it->end = ops->data + ops->len;
}


/*
 * deserializeOps(): the regex
 *   /((?:\*[0-9a-z]+)*)(?:\|([0-9a-z]+))?([-+=])([0-9a-z]+)|(.)/g
 * Line terminators, which "." does not match, are skipped as the regex
 * does; any other stray character is "invalid operation".
 * Returns 1 and an op, 0 at the end, -1 on error.
 */

intptr_t
ngx_pad_op_next(ngx_pad_ctx_t *ctx, ngx_pad_op_iter_t *it, ngx_pad_op_t *op)
{
    int                   n;
    intptr_t              rc;
    const char           *p, *end, *a, *s;
    const unsigned char  *u;
    ngx_pad_str_t         rest;

    end = it->end;

again:

    p = it->pos;

    if (p >= end) {
        return 0;
    }

    a = p;

    while (p < end && *p == '*') {
        if (p + 1 >= end || ngx_pad_b36(p[1]) < 0) {
            goto invalid;
        }

        p += 2;

        while (p < end && ngx_pad_b36(*p) >= 0) {
            p++;
        }
    }

    op->attribs.data = a;
    op->attribs.len = p - a;
    op->lines = 0;

    if (p < end && *p == '|') {
        s = ngx_pad_parse_short(p + 1, end, &op->lines);

        if (s) {
            p = s;

        } else {
            rc = ngx_pad_parse_num(p + 1, end, &op->lines, &p);
            if (rc == -1) {
                goto invalid;
            }

            if (rc == -2) {
                goto big;
            }
        }
    }

    if (p >= end || (*p != '-' && *p != '+' && *p != '=')) {
        goto invalid;
    }

    op->opcode = *p;

    s = ngx_pad_parse_short(p + 1, end, &op->chars);

    if (s) {
        p = s;

    } else {
        rc = ngx_pad_parse_num(p + 1, end, &op->chars, &p);
        if (rc == -1) {
            goto invalid;
        }

        if (rc == -2) {
            goto big;
        }
    }

    it->pos = p;

    return 1;

invalid:

    /* the regex failed at it->pos: "(.)" or a skipped line terminator */

    u = (const unsigned char *) it->pos;

    if (*u == '\n' || *u == '\r') {
        it->pos++;
        goto again;
    }

    if (end - it->pos >= 3 && u[0] == 0xe2 && u[1] == 0x80
        && (u[2] == 0xa8 || u[2] == 0xa9))
    {
        it->pos += 3;
        goto again;
    }

    rest.data = it->pos;
    rest.len = end - it->pos;
    a = ngx_pad_cs_excerpt(&rest, &n);
    ngx_pad_cs_error(ctx, "invalid operation: %.*s", n, a);
    return -1;

big:

    ngx_pad_cs_error(ctx, "invalid operation: number too large");
    return -1;
}


/*
 * Whether the bytes from op->attribs.data to end (as ngx_pad_op_next()
 * read them) are what Op.toString() writes for op: no "|0", no leading
 * zeros.
 */

int
ngx_pad_op_raw_canonical(const ngx_pad_op_t *op, const char *end)
{
    const char  *p;

    p = op->attribs.data + op->attribs.len;

    if (*p == '|') {
        if (op->lines == 0 || p[1] == '0') {
            return 0;
        }

        for (p += 2; *p != op->opcode; p++) {
            /* void */
        }
    }

    p++;

    return p[0] != '0' || (op->chars == 0 && end - p == 1);
}


/* Op.toString() */

intptr_t
ngx_pad_op_serialize(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b,
    const ngx_pad_op_t *op)
{
    char  *p;

    if (ngx_pad_buf_reserve(ctx, b, op->attribs.len + 40) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    p = b->data + b->len;

    if (op->attribs.len) {
        memcpy(p, op->attribs.data, op->attribs.len);
        p += op->attribs.len;
    }

    if (op->lines) {
        *p++ = '|';
        p += ngx_pad_num_format(p, op->lines);
    }

    *p++ = op->opcode;
    p += ngx_pad_num_format(p, op->chars);

    b->len = p - b->data;

    return NGX_PAD_CS_OK;
}


/* MergingOpAssembler */

static intptr_t
ngx_pad_massem_write_run(ngx_pad_ctx_t *ctx, ngx_pad_massem_t *ma)
{
    if (ma->run.len == 0) {
        return NGX_PAD_CS_OK;
    }

    if (ngx_pad_buf_add(ctx, &ma->out, ma->run.data, ma->run.len)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    ma->run.len = 0;

    return NGX_PAD_CS_OK;
}


static intptr_t
ngx_pad_massem_flush(ngx_pad_ctx_t *ctx, ngx_pad_massem_t *ma,
    int end_document)
{
    ngx_pad_op_t  *op;

    op = &ma->op;

    if (op->opcode == 0) {
        return NGX_PAD_CS_OK;
    }

    if (end_document && op->opcode == '=' && op->attribs.len == 0) {
        /* final merged keep, leave it off */

    } else {
        if (ma->raw.len) {
            /*
             * an op taken whole from canonical input: its own bytes,
             * copied with the ops next to it in the input at once
             */

            if (ma->run.len && ma->run.data + ma->run.len == ma->raw.data) {
                ma->run.len += ma->raw.len;

            } else {
                if (ngx_pad_massem_write_run(ctx, ma) != NGX_PAD_CS_OK) {
                    return NGX_PAD_CS_ERROR;
                }

                ma->run = ma->raw;
            }

        } else if (ngx_pad_massem_write_run(ctx, ma) != NGX_PAD_CS_OK
                   || ngx_pad_op_serialize(ctx, &ma->out, op)
                      != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }

        if (ma->extra) {
            op->chars = ma->extra;
            op->lines = 0;

            if (ngx_pad_massem_write_run(ctx, ma) != NGX_PAD_CS_OK
                || ngx_pad_op_serialize(ctx, &ma->out, op) != NGX_PAD_CS_OK)
            {
                return NGX_PAD_CS_ERROR;
            }

            ma->extra = 0;
        }
    }

    op->opcode = 0;
    ma->raw.len = 0;

    return NGX_PAD_CS_OK;
}


static intptr_t
ngx_pad_massem_append(ngx_pad_ctx_t *ctx, ngx_pad_massem_t *ma,
    const ngx_pad_op_t *op)
{
    ngx_pad_op_t  *bop;

    if (op->chars <= 0) {
        return NGX_PAD_CS_OK;
    }

    bop = &ma->op;

    if (bop->opcode == op->opcode && ngx_pad_str_eq(&bop->attribs,
                                                    &op->attribs))
    {
        ma->raw.len = 0;

        if (op->lines > 0) {
            if (ngx_pad_add(bop->chars, ma->extra)
                || ngx_pad_add(bop->chars, op->chars)
                || ngx_pad_add(bop->lines, op->lines))
            {
                goto overflow;
            }

            ma->extra = 0;

        } else if (bop->lines == 0) {
            if (ngx_pad_add(bop->chars, op->chars)) {
                goto overflow;
            }

        } else if (ngx_pad_add(ma->extra, op->chars)) {
            goto overflow;
        }

        return NGX_PAD_CS_OK;
    }

    if (ngx_pad_massem_flush(ctx, ma, 0) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    ma->attribs.len = 0;

    if (ngx_pad_buf_add(ctx, &ma->attribs, op->attribs.data, op->attribs.len)
        != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    bop->opcode = op->opcode;
    bop->chars = op->chars;
    bop->lines = op->lines;
    bop->attribs.data = ma->attribs.data;
    bop->attribs.len = ma->attribs.len;

    return NGX_PAD_CS_OK;

overflow:

    ngx_pad_cs_error(ctx, "lengths overflow");
    return NGX_PAD_CS_ERROR;
}


/*
 * append(op) for an op whose serialized form raw is known: unless it
 * merges with bufOp, it is buffered without copying its attributes (raw
 * and op->attribs must stay valid until the assembler is finished) and
 * later written as raw.
 */

static intptr_t
ngx_pad_massem_append_raw(ngx_pad_ctx_t *ctx, ngx_pad_massem_t *ma,
    const ngx_pad_op_t *op, const ngx_pad_str_t *raw)
{
    ngx_pad_op_t  *bop;

    if (op->chars <= 0) {
        return NGX_PAD_CS_OK;
    }

    bop = &ma->op;

    if (bop->opcode == op->opcode && ngx_pad_str_eq(&bop->attribs,
                                                    &op->attribs))
    {
        return ngx_pad_massem_append(ctx, ma, op);
    }

    if (ngx_pad_massem_flush(ctx, ma, 0) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    *bop = *op;
    ma->raw = *raw;

    return NGX_PAD_CS_OK;
}


static void
ngx_pad_massem_clear(ngx_pad_massem_t *ma)
{
    ma->out.len = 0;
    ma->op.opcode = 0;
    ma->op.chars = 0;
    ma->op.lines = 0;
    ma->op.attribs.len = 0;
    ma->extra = 0;
    ma->raw.len = 0;
    ma->run.len = 0;
}


/* SmartOpAssembler */

void
ngx_pad_sassem_init(ngx_pad_sassem_t *sa)
{
    ngx_pad_massem_clear(&sa->minus);
    ngx_pad_massem_clear(&sa->plus);
    ngx_pad_massem_clear(&sa->keep);
    sa->out.len = 0;
    sa->length_change = 0;
    sa->last_opcode = 0;
}


void
ngx_pad_sassem_free(ngx_pad_sassem_t *sa)
{
    ngx_pad_buf_free(&sa->minus.out);
    ngx_pad_buf_free(&sa->minus.attribs);
    ngx_pad_buf_free(&sa->plus.out);
    ngx_pad_buf_free(&sa->plus.attribs);
    ngx_pad_buf_free(&sa->keep.out);
    ngx_pad_buf_free(&sa->keep.attribs);
    ngx_pad_buf_free(&sa->out);
}


/*
 * ngx_pad_ctx_reset(): the output buffers are emptied, and freed when
 * larger than keep bytes; bufOp's attribute storage stays
 */

void
ngx_pad_sassem_trim(ngx_pad_sassem_t *sa, size_t keep)
{
    ngx_pad_buf_trim(&sa->out, keep);
    ngx_pad_buf_trim(&sa->minus.out, keep);
    ngx_pad_buf_trim(&sa->plus.out, keep);
    ngx_pad_buf_trim(&sa->keep.out, keep);
}


size_t
ngx_pad_sassem_memory(ngx_pad_sassem_t *sa)
{
    return sa->out.cap + sa->minus.out.cap + sa->plus.out.cap
           + sa->keep.out.cap;
}


static intptr_t
ngx_pad_massem_move(ngx_pad_ctx_t *ctx, ngx_pad_massem_t *ma,
    ngx_pad_buf_t *to)
{
    if (ngx_pad_massem_flush(ctx, ma, 0) != NGX_PAD_CS_OK
        || ngx_pad_massem_write_run(ctx, ma) != NGX_PAD_CS_OK
        || ngx_pad_buf_add(ctx, to, ma->out.data, ma->out.len)
           != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    ngx_pad_massem_clear(ma);

    return NGX_PAD_CS_OK;
}


static intptr_t
ngx_pad_sassem_flush_plus_minus(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa)
{
    if (ngx_pad_massem_move(ctx, &sa->minus, &sa->out) != NGX_PAD_CS_OK
        || ngx_pad_massem_move(ctx, &sa->plus, &sa->out) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


intptr_t
ngx_pad_sassem_append(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa,
    const ngx_pad_op_t *op)
{
    if (op->opcode == 0 || op->chars == 0) {
        return NGX_PAD_CS_OK;
    }

    if (op->opcode == '-') {
        if (sa->last_opcode == '=') {
            if (ngx_pad_massem_move(ctx, &sa->keep, &sa->out)
                != NGX_PAD_CS_OK)
            {
                return NGX_PAD_CS_ERROR;
            }
        }

        if (ngx_pad_massem_append(ctx, &sa->minus, op) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }

        if (ngx_pad_sub(sa->length_change, op->chars)) {
            ngx_pad_cs_error(ctx, "lengths overflow");
            return NGX_PAD_CS_ERROR;
        }

    } else if (op->opcode == '+') {
        if (sa->last_opcode == '=') {
            if (ngx_pad_massem_move(ctx, &sa->keep, &sa->out)
                != NGX_PAD_CS_OK)
            {
                return NGX_PAD_CS_ERROR;
            }
        }

        if (ngx_pad_massem_append(ctx, &sa->plus, op) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }

        if (ngx_pad_add(sa->length_change, op->chars)) {
            ngx_pad_cs_error(ctx, "lengths overflow");
            return NGX_PAD_CS_ERROR;
        }

    } else {
        if (sa->last_opcode != '=') {
            if (ngx_pad_sassem_flush_plus_minus(ctx, sa) != NGX_PAD_CS_OK) {
                return NGX_PAD_CS_ERROR;
            }
        }

        if (ngx_pad_massem_append(ctx, &sa->keep, op) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }
    }

    sa->last_opcode = op->opcode;

    return NGX_PAD_CS_OK;
}


/* append(op) of a '+' op whose serialized form raw is known */

intptr_t
ngx_pad_sassem_append_raw(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa,
    const ngx_pad_op_t *op, const ngx_pad_str_t *raw)
{
    if (op->chars == 0) {
        return NGX_PAD_CS_OK;
    }

    if (sa->last_opcode == '=') {
        if (ngx_pad_massem_move(ctx, &sa->keep, &sa->out) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }
    }

    if (ngx_pad_massem_append_raw(ctx, &sa->plus, op, raw) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    if (ngx_pad_add(sa->length_change, op->chars)) {
        ngx_pad_cs_error(ctx, "lengths overflow");
        return NGX_PAD_CS_ERROR;
    }

    sa->last_opcode = '+';

    return NGX_PAD_CS_OK;
}


intptr_t
ngx_pad_sassem_end_document(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa)
{
    return ngx_pad_massem_flush(ctx, &sa->keep, 1);
}


/* toString(): the serialized ops end up in sa->out */

intptr_t
ngx_pad_sassem_finish(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa)
{
    if (ngx_pad_sassem_flush_plus_minus(ctx, sa) != NGX_PAD_CS_OK
        || ngx_pad_massem_move(ctx, &sa->keep, &sa->out) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


/* opsFromText(): one or two ops that cover text */

intptr_t
ngx_pad_ops_from_text(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa, char opcode,
    const ngx_pad_str_t *text, const ngx_pad_str_t *attribs)
{
    intptr_t       len16, nl, head16;
    const char    *last;
    ngx_pad_op_t   op;
    ngx_pad_str_t  head;

    if (ngx_pad_utf8_check(text, &len16, &nl) != NGX_PAD_CS_OK) {
        ngx_pad_cs_error(ctx, "invalid UTF-8 (or a lone surrogate) in text");
        return NGX_PAD_CS_ERROR;
    }

    op.opcode = opcode;

    if (attribs) {
        op.attribs = *attribs;

    } else {
        op.attribs.data = "";
        op.attribs.len = 0;
    }

    if (nl == 0) {
        op.chars = len16;
        op.lines = 0;
        return ngx_pad_sassem_append(ctx, sa, &op);
    }

    for (last = text->data + text->len - 1; *last != '\n'; last--) {
        /* void */
    }

    head.data = text->data;
    head.len = last + 1 - text->data;
    (void) ngx_pad_utf8_check(&head, &head16, NULL);

    op.chars = head16;
    op.lines = nl;

    if (ngx_pad_sassem_append(ctx, sa, &op) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    op.chars = len16 - head16;
    op.lines = 0;

    return ngx_pad_sassem_append(ctx, sa, &op);
}
