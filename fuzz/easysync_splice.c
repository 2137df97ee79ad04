/*
 * libFuzzer: makeSplice on arbitrary text and offsets.  Property: a
 * splice passes checkRep and applies to its text.
 */

#include "easysync_fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t                in;
    intptr_t               start, ndel;
    ngx_pad_str_t          text, ins, attribs, cs, out;
    static ngx_pad_ctx_t  *ctx;

    if (ctx == NULL && (ctx = ngx_pad_ctx_create()) == NULL) {
        abort();
    }

    ngx_pad_ctx_reset(ctx);

    if (size < 2) {
        return 0;
    }

    start = (int8_t) data[0];
    ndel = (int8_t) data[1];

    in.p = data + 2;
    in.n = size - 2;
    text = fz_piece(&in);
    ins = fz_piece(&in);
    attribs = fz_piece(&in);

    if (ngx_pad_cs_make_splice(ctx, &text, start, ndel, &ins,
                               attribs.len ? &attribs : NULL, &cs)
        != NGX_PAD_CS_OK)
    {
        return 0;
    }

    if (ngx_pad_cs_check_rep(ctx, &cs) != NGX_PAD_CS_OK) {
        fz_fail("makeSplice result fails checkRep", ctx);
    }

    if (ngx_pad_cs_apply_to_text(ctx, &cs, &text, &out) != NGX_PAD_CS_OK) {
        fz_fail("makeSplice result does not apply", ctx);
    }

    return 0;
}
