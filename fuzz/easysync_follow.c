/*
 * libFuzzer: follow.  Raw input (cs1 NUL cs2), and valid concurrent pairs
 * built from the input with the convergence property
 *   A.cs1.follow(cs1, cs2, false) == A.cs2.follow(cs2, cs1, true)
 * for the text (and the attribution).
 */

#include "easysync_fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t                in;
    ngx_pad_str_t          cs1, cs2, f12, f21;
    ngx_pad_pool_t        *pool;
    ngx_pad_atext_t        a, a1, a2, b1, b2;
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
        (void) ngx_pad_cs_follow(ctx, &cs1, &cs2, size > 1 && data[1] & 1,
                                 pool, &f12);

    } else if (fz_atext(ctx, &in, pool, &a) == 0
               && fz_changeset(ctx, &in, pool, &a.text, 1, &cs1) == 0
               && fz_changeset(ctx, &in, pool, &a.text, 1, &cs2) == 0)
    {
        if (ngx_pad_cs_follow(ctx, &cs1, &cs2, 0, pool, &f12)
            != NGX_PAD_CS_OK
            || ngx_pad_cs_follow(ctx, &cs2, &cs1, 1, pool, &f21)
               != NGX_PAD_CS_OK
            || ngx_pad_cs_check_rep(ctx, &f12) != NGX_PAD_CS_OK
            || ngx_pad_cs_check_rep(ctx, &f21) != NGX_PAD_CS_OK)
        {
            fz_fail("follow of valid changesets failed", ctx);
        }

        if (ngx_pad_cs_apply_to_atext(ctx, &cs1, &a, pool, &a1)
            != NGX_PAD_CS_OK
            || ngx_pad_cs_apply_to_atext(ctx, &cs2, &a, pool, &a2)
               != NGX_PAD_CS_OK
            || ngx_pad_cs_apply_to_atext(ctx, &f12, &a1, pool, &b1)
               != NGX_PAD_CS_OK
            || ngx_pad_cs_apply_to_atext(ctx, &f21, &a2, pool, &b2)
               != NGX_PAD_CS_OK)
        {
            fz_fail("applying the followed changesets failed", ctx);
        }

        if (!fz_eq(&b1.text, &b2.text)) {
            fz_fail("follow does not converge (text)", NULL);
        }

        if (!fz_eq(&b1.attribs, &b2.attribs)) {
            fz_fail("follow does not converge (attributes)", NULL);
        }
    }

    ngx_pad_pool_destroy(pool);

    return 0;
}
