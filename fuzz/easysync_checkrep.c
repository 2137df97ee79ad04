/*
 * libFuzzer: unpack / checkRep / isIdentity / pack on arbitrary input.
 * Property: a changeset that passes checkRep packs back to itself.
 */

#include "easysync_fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ngx_pad_cs_t           u;
    ngx_pad_str_t          cs, out;
    static ngx_pad_ctx_t  *ctx;

    if (ctx == NULL && (ctx = ngx_pad_ctx_create()) == NULL) {
        abort();
    }

    ngx_pad_ctx_reset(ctx);

    cs.data = (const char *) data;
    cs.len = size;

    (void) ngx_pad_cs_is_identity(ctx, &cs);

    if (ngx_pad_cs_unpack(ctx, &cs, &u) != NGX_PAD_CS_OK) {
        if (ngx_pad_cs_check_rep(ctx, &cs) == NGX_PAD_CS_OK) {
            fz_fail("checkRep accepts what unpack refuses", ctx);
        }

        return 0;
    }

    if (ngx_pad_cs_check_rep(ctx, &cs) == NGX_PAD_CS_OK) {
        if (ngx_pad_cs_pack(ctx, u.old_len, u.new_len, &u.ops, &u.bank, &out)
            != NGX_PAD_CS_OK || !fz_eq(&out, &cs))
        {
            fz_fail("pack(unpack(cs)) != cs", ctx);
        }
    }

    return 0;
}
