/*
 * Easysync engine: the per-operation context (arena, reusable buffers,
 * error message): creation, reset between operations, destruction.
 */

#include <stdlib.h>

#include "ngx_pad_cs_ctx.h"


/* memory kept by a context across ngx_pad_ctx_reset() */
#define NGX_PAD_CTX_KEEP   (8 * 1024 * 1024)


ngx_pad_ctx_t *
ngx_pad_ctx_create(void)
{
    ngx_pad_ctx_t  *ctx;

    ctx = calloc(1, sizeof(ngx_pad_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ngx_pad_sassem_init(&ctx->sa);

    return ctx;
}


void
ngx_pad_ctx_reset(ngx_pad_ctx_t *ctx)
{
    /* after a huge operation, give the memory back */

    ngx_pad_buf_trim(&ctx->text, NGX_PAD_CTX_KEEP);
    ngx_pad_buf_trim(&ctx->scratch, NGX_PAD_CTX_KEEP);
    ngx_pad_buf_trim(&ctx->scratch2, NGX_PAD_CTX_KEEP);
    ngx_pad_sassem_trim(&ctx->sa, NGX_PAD_CTX_KEEP);

    if (ctx->attrs_cap * sizeof(ngx_pad_attr_t) > NGX_PAD_CTX_KEEP) {
        free(ctx->attrs);
        ctx->attrs = NULL;
        ctx->attrs_cap = 0;
        ctx->nattrs = 0;
    }

    if (ctx->aidx_cap * sizeof(uint32_t) > NGX_PAD_CTX_KEEP) {
        free(ctx->aidx);
        ctx->aidx = NULL;
        ctx->aidx_cap = 0;
        ctx->aidx_size = 0;
    }

    ngx_pad_arena_reset(&ctx->arena, NGX_PAD_CTX_KEEP);
}


void
ngx_pad_ctx_destroy(ngx_pad_ctx_t *ctx)
{
    if (ctx == NULL) {
        return;
    }

    ngx_pad_arena_free(&ctx->arena);
    ngx_pad_sassem_free(&ctx->sa);
    ngx_pad_buf_free(&ctx->text);
    ngx_pad_buf_free(&ctx->scratch);
    ngx_pad_buf_free(&ctx->scratch2);
    free(ctx->attrs);
    free(ctx->aidx);
    free(ctx);
}


size_t
ngx_pad_ctx_memory(ngx_pad_ctx_t *ctx)
{
    return sizeof(ngx_pad_ctx_t) + ngx_pad_arena_memory(&ctx->arena)
           + ngx_pad_sassem_memory(&ctx->sa) + ctx->text.cap
           + ctx->scratch.cap + ctx->scratch2.cap
           + ctx->attrs_cap * sizeof(ngx_pad_attr_t)
           + ctx->aidx_cap * sizeof(uint32_t);
}


intptr_t
ngx_pad_attrs_reserve(ngx_pad_ctx_t *ctx, size_t n)
{
    size_t           cap;
    ngx_pad_attr_t  *a;

    if (ctx->attrs_cap - ctx->nattrs >= n) {
        return NGX_PAD_CS_OK;
    }

    cap = ctx->attrs_cap ? ctx->attrs_cap * 2 : 16;

    while (cap - ctx->nattrs < n) {
        cap *= 2;
    }

    a = realloc(ctx->attrs, cap * sizeof(ngx_pad_attr_t));
    if (a == NULL) {
        ngx_pad_cs_error(ctx, "out of memory");
        return NGX_PAD_CS_ERROR;
    }

    ctx->attrs = a;
    ctx->attrs_cap = cap;

    return NGX_PAD_CS_OK;
}
