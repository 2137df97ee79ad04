/*
 * Easysync engine: applyZip(), the loop that walks the ops of two
 * changesets (or a changeset and an attribution) side by side.
 */

#ifndef _NGX_PAD_CS_ZIP_H_INCLUDED_
#define _NGX_PAD_CS_ZIP_H_INCLUDED_


#include <string.h>

#include "ngx_pad_cs.h"
#include "ngx_pad_cs_ctx.h"
#include "ngx_pad_cs_ops.h"


/*
 * applyZip(in1, in2, func): the zipper loop shared by applyToAText,
 * compose and follow; the ops end up in ctx->sa.out.  Inline, so that each
 * caller gets it specialized for its constant func.
 *
 * pass (NULL: none) is offered each op of in1 once, whole, when it was
 * just read, with the end of its bytes in in1: returning 1 means it
 * appended the op itself (it is consumed), 0 that func takes it as usual.
 */

typedef intptr_t (*ngx_pad_zip_pt)(ngx_pad_ctx_t *ctx, ngx_pad_op_t *op1,
    ngx_pad_op_t *op2, ngx_pad_op_t *out, void *data);
typedef intptr_t (*ngx_pad_zip_pass_pt)(ngx_pad_ctx_t *ctx,
    ngx_pad_op_t *op1, const char *end1, ngx_pad_op_t *op2);


static inline intptr_t
ngx_pad_zip(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *in1,
    const ngx_pad_str_t *in2, ngx_pad_zip_pt func, void *data,
    ngx_pad_zip_pass_pt pass)
{
    static const ngx_pad_str_t  empty = { 0, "" };
    int                 done1, done2, fresh1;
    intptr_t            rc;
    ngx_pad_op_t        op1, op2, out;
    ngx_pad_sassem_t   *sa;
    ngx_pad_op_iter_t   it1, it2;

    sa = &ctx->sa;
    ngx_pad_sassem_init(sa);

    ngx_pad_op_iter_init(&it1, in1);
    ngx_pad_op_iter_init(&it2, in2);

    memset(&op1, 0, sizeof(ngx_pad_op_t));
    memset(&op2, 0, sizeof(ngx_pad_op_t));
    op1.attribs = empty;
    op2.attribs = empty;

    done1 = 0;
    done2 = 0;
    fresh1 = 0;

    while (!done1 || !done2) {

        if (!done1 && op1.opcode == 0) {
            rc = ngx_pad_op_next(ctx, &it1, &op1);

            if (rc < 0) {
                return NGX_PAD_CS_ERROR;
            }

            if (rc == 0) {
                done1 = 1;
                memset(&op1, 0, sizeof(ngx_pad_op_t));
                op1.attribs = empty;

            } else {
                fresh1 = 1;
            }
        }

        if (!done2 && op2.opcode == 0) {
            rc = ngx_pad_op_next(ctx, &it2, &op2);

            if (rc < 0) {
                return NGX_PAD_CS_ERROR;
            }

            if (rc == 0) {
                done2 = 1;
                memset(&op2, 0, sizeof(ngx_pad_op_t));
                op2.attribs = empty;
            }
        }

        if (op1.opcode == 0 && op2.opcode == 0) {
            break;
        }

        if (pass && fresh1) {
            fresh1 = 0;
            rc = pass(ctx, &op1, it1.pos, &op2);

            if (rc < 0) {
                return NGX_PAD_CS_ERROR;
            }

            if (rc) {
                op1.opcode = 0;
                continue;
            }
        }

        if (func(ctx, &op1, &op2, &out, data) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }

        if (out.opcode) {
            if (ngx_pad_sassem_append(ctx, sa, &out) != NGX_PAD_CS_OK) {
                return NGX_PAD_CS_ERROR;
            }
        }
    }

    if (ngx_pad_sassem_end_document(ctx, sa) != NGX_PAD_CS_OK
        || ngx_pad_sassem_finish(ctx, sa) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    return NGX_PAD_CS_OK;
}


#endif /* _NGX_PAD_CS_ZIP_H_INCLUDED_ */
