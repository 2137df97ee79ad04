/*
 * libFuzzer: the attribute pool JSON form (fromJsonable / toJsonable),
 * moveOpsToNewPool and prepareForWire.  Input: pool JSON NUL changeset.
 * Property: a pool survives the JSON round trip.
 */

#include <jansson.h>

#include "easysync_fuzz.h"
#include "easysync/ngx_pad_pool_json.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                   err[256], *s1, *s2;
    json_t                *j, *j2, *j3;
    fz_in_t                in;
    json_error_t           jerr;
    ngx_pad_str_t          pj, cs, out;
    ngx_pad_pool_t        *pool, *pool2, *wire;
    static ngx_pad_ctx_t  *ctx;

    if (ctx == NULL && (ctx = ngx_pad_ctx_create()) == NULL) {
        abort();
    }

    ngx_pad_ctx_reset(ctx);

    in.p = data;
    in.n = size;
    pj = fz_piece(&in);
    cs = fz_piece(&in);

    j = json_loadb(pj.data, pj.len, 0, &jerr);
    if (j == NULL) {
        return 0;
    }

    pool = ngx_pad_pool_create();

    if (ngx_pad_pool_from_json(pool, j, err, sizeof(err)) == 0) {
        j2 = ngx_pad_pool_to_json(pool);
        pool2 = ngx_pad_pool_create();

        if (j2 == NULL || ngx_pad_pool_from_json(pool2, j2, err, sizeof(err))
            != 0)
        {
            fz_fail("pool JSON does not round trip", NULL);
        }

        j3 = ngx_pad_pool_to_json(pool2);
        s1 = json_dumps(j2, JSON_COMPACT);
        s2 = json_dumps(j3, JSON_COMPACT);

        if (s1 == NULL || s2 == NULL || strcmp(s1, s2) != 0) {
            fz_fail("pool JSON differs after a round trip", NULL);
        }

        free(s1);
        free(s2);
        json_decref(j2);
        json_decref(j3);

        wire = ngx_pad_pool_create();
        (void) ngx_pad_cs_prepare_for_wire(ctx, &cs, pool, wire, &out);
        (void) ngx_pad_cs_move_ops_to_new_pool(ctx, &cs, wire, pool2, &out);
        ngx_pad_pool_destroy(wire);
        ngx_pad_pool_destroy(pool2);
    }

    ngx_pad_pool_destroy(pool);
    json_decref(j);

    return 0;
}
