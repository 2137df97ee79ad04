/*
 * libFuzzer: compose.  Raw input (cs1 NUL cs2), and valid pairs built
 * from the input with the property
 *   apply(apply(A, cs1), cs2) == apply(A, compose(cs1, cs2))
 * for the text and the attribution.
 */

#include "easysync_fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t                in;
    ngx_pad_str_t          cs1, cs2, cs12;
    ngx_pad_pool_t        *pool;
    ngx_pad_atext_t        a, a1, a12, b;
    static ngx_pad_ctx_t  *ctx;

    if (ctx == NULL && (ctx = ngx_pad_ctx_create()) == NULL) {
        abort();
    }

    ngx_pad_ctx_reset(ctx);
    pool = fz_pool();

    in.p = data;
    in.n = size;

    if (size && data[0] & 1) {
        in.p++;
        in.n--;
        cs1 = fz_piece(&in);
        cs2 = fz_piece(&in);
        (void) ngx_pad_cs_compose(ctx, &cs1, &cs2, pool, &cs12);

    } else if (fz_atext(ctx, &in, pool, &a) == 0
               && fz_changeset(ctx, &in, pool, &a.text, 1, &cs1) == 0)
    {
        if (ngx_pad_cs_apply_to_atext(ctx, &cs1, &a, pool, &a1)
            != NGX_PAD_CS_OK
            || fz_changeset(ctx, &in, pool, &a1.text, 1, &cs2) != 0
            || ngx_pad_cs_apply_to_atext(ctx, &cs2, &a1, pool, &a12)
               != NGX_PAD_CS_OK)
        {
            fz_fail("building the case failed", ctx);
        }

        if (ngx_pad_cs_compose(ctx, &cs1, &cs2, pool, &cs12)
            != NGX_PAD_CS_OK
            || ngx_pad_cs_check_rep(ctx, &cs12) != NGX_PAD_CS_OK
            || ngx_pad_cs_apply_to_atext(ctx, &cs12, &a, pool, &b)
               != NGX_PAD_CS_OK)
        {
            fz_fail("compose of valid changesets failed", ctx);
        }

        if (!fz_eq(&b.text, &a12.text) || !fz_eq(&b.attribs, &a12.attribs)) {
            fz_fail("compose(cs1, cs2) differs from cs1 then cs2", NULL);
        }
    }

    ngx_pad_pool_destroy(pool);

    return 0;
}
