/*
 * libFuzzer: inverse.  Raw input (cs NUL text NUL attribution), and valid
 * cases built from the input with the property that applying the inverse
 * after the changeset gives the original text back.
 */

#include "easysync_fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t                in;
    ngx_pad_str_t          cs, inv;
    ngx_pad_pool_t        *pool;
    ngx_pad_atext_t        a, a1, b;
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
        cs = fz_piece(&in);
        a.text = fz_piece(&in);
        a.attribs = fz_piece(&in);
        (void) ngx_pad_cs_inverse(ctx, &cs, &a, pool, &inv);

    } else if (fz_atext(ctx, &in, pool, &a) == 0
               && fz_changeset(ctx, &in, pool, &a.text, 1, &cs) == 0)
    {
        if (ngx_pad_cs_apply_to_atext(ctx, &cs, &a, pool, &a1)
            != NGX_PAD_CS_OK
            || ngx_pad_cs_inverse(ctx, &cs, &a, pool, &inv) != NGX_PAD_CS_OK
            || ngx_pad_cs_apply_to_atext(ctx, &inv, &a1, pool, &b)
               != NGX_PAD_CS_OK)
        {
            fz_fail("inverse of a valid changeset failed", ctx);
        }

        if (!fz_eq(&b.text, &a.text)) {
            fz_fail("inverse does not restore the text", NULL);
        }
    }

    ngx_pad_pool_destroy(pool);

    return 0;
}
