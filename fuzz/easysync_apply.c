/*
 * libFuzzer: applyToText / applyToAttribution / applyToAText, on raw
 * input (changeset NUL text NUL attribution) and on valid changesets
 * built from the input.  Property: applyToAText's text is applyToText's,
 * and the resulting attribution covers the new text.
 */

#include "easysync_fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t                in;
    ngx_pad_str_t          cs, text;
    ngx_pad_pool_t        *pool;
    ngx_pad_atext_t        at, out;
    static ngx_pad_ctx_t  *ctx;

    if (ctx == NULL && (ctx = ngx_pad_ctx_create()) == NULL) {
        abort();
    }

    ngx_pad_ctx_reset(ctx);
    pool = fz_pool();

    in.p = data;
    in.n = size;

    if (size && data[0] & 1) {
        /* raw */
        in.p++;
        in.n--;
        cs = fz_piece(&in);
        at.text = fz_piece(&in);
        at.attribs = fz_piece(&in);

        (void) ngx_pad_cs_apply_to_text(ctx, &cs, &at.text, &text);
        (void) ngx_pad_cs_apply_to_attribution(ctx, &cs, &at.attribs, pool,
                                               &text);
        (void) ngx_pad_cs_apply_to_atext(ctx, &cs, &at, pool, &out);
        (void) ngx_pad_atext_check(ctx, &at);

    } else if (fz_atext(ctx, &in, pool, &at) == 0
               && fz_changeset(ctx, &in, pool, &at.text, 1, &cs) == 0)
    {
        if (ngx_pad_cs_check_rep(ctx, &cs) != NGX_PAD_CS_OK) {
            fz_fail("built changeset fails checkRep", ctx);
        }

        if (ngx_pad_cs_apply_to_text(ctx, &cs, &at.text, &text)
            != NGX_PAD_CS_OK
            || ngx_pad_cs_apply_to_atext(ctx, &cs, &at, pool, &out)
               != NGX_PAD_CS_OK)
        {
            fz_fail("apply of a valid changeset failed", ctx);
        }

        if (!fz_eq(&text, &out.text)) {
            fz_fail("applyToAText text differs from applyToText", NULL);
        }

        if (ngx_pad_atext_check(ctx, &out) != NGX_PAD_CS_OK) {
            fz_fail("applyToAText gave an inconsistent AText", ctx);
        }
    }

    ngx_pad_pool_destroy(pool);

    return 0;
}
