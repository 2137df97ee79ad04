/*
 * Easysync engine: attribute strings ("*0*1f") as AttributeMap.ts
 * handles them (the map lives in ctx->attrs): composeAttributes() and
 * followAttributes().
 */

#ifndef _NGX_PAD_CS_ATTR_H_INCLUDED_
#define _NGX_PAD_CS_ATTR_H_INCLUDED_


#include "ngx_pad_cs.h"
#include "ngx_pad_cs_buf.h"
#include "ngx_pad_cs_ctx.h"


intptr_t ngx_pad_attrs_from_string(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *s, ngx_pad_pool_t *pool, int empty_is_delete);
intptr_t ngx_pad_attrs_update_from_string(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *s, ngx_pad_pool_t *pool, int empty_is_delete);
intptr_t ngx_pad_attrs_set(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *k, const ngx_pad_str_t *v, int empty_is_delete);
intptr_t ngx_pad_attrs_to_string(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    ngx_pad_buf_t *b);
void ngx_pad_attrs_clear(ngx_pad_ctx_t *ctx);
ngx_pad_attr_t *ngx_pad_attrs_get(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *k);
intptr_t ngx_pad_attrs_put(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *k,
    const ngx_pad_str_t *v);
void ngx_pad_attrs_compact(ngx_pad_ctx_t *ctx);
intptr_t ngx_pad_compose_attributes(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *att1, const ngx_pad_str_t *att2, int is_mutation,
    ngx_pad_pool_t *pool, ngx_pad_str_t *out);
intptr_t ngx_pad_follow_attributes(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *att1, const ngx_pad_str_t *att2,
    ngx_pad_pool_t *pool, ngx_pad_str_t *out);


#endif /* _NGX_PAD_CS_ATTR_H_INCLUDED_ */
