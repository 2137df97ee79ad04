/*
 * Easysync engine: growable work buffers, and the copy of one into the
 * context's arena as a result.
 */

#ifndef _NGX_PAD_CS_BUF_H_INCLUDED_
#define _NGX_PAD_CS_BUF_H_INCLUDED_


#include <string.h>

#include "ngx_pad_cs.h"
#include "ngx_pad_cs_num.h"


typedef struct {
    char          *data;
    size_t         len;
    size_t         cap;
} ngx_pad_buf_t;


intptr_t ngx_pad_buf_grow(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, size_t n);
void ngx_pad_buf_free(ngx_pad_buf_t *b);

/* after a huge operation, give the memory back (more than keep bytes) */
void ngx_pad_buf_trim(ngx_pad_buf_t *b, size_t keep);

/* copy a work buffer into the arena */
intptr_t ngx_pad_cs_result(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b,
    ngx_pad_str_t *out);


static inline intptr_t
ngx_pad_buf_reserve(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, size_t n)
{
    if (b->cap - b->len >= n) {
        return NGX_PAD_CS_OK;
    }

    return ngx_pad_buf_grow(ctx, b, n);
}


static inline intptr_t
ngx_pad_buf_add(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, const char *p,
    size_t n)
{
    if (n == 0) {
        return NGX_PAD_CS_OK;
    }

    if (b->cap - b->len < n && ngx_pad_buf_grow(ctx, b, n) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    memcpy(b->data + b->len, p, n);
    b->len += n;

    return NGX_PAD_CS_OK;
}


static inline intptr_t
ngx_pad_buf_add_num(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, intptr_t n)
{
    if (ngx_pad_buf_reserve(ctx, b, 16) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    b->len += ngx_pad_num_format(b->data + b->len, n);

    return NGX_PAD_CS_OK;
}


#endif /* _NGX_PAD_CS_BUF_H_INCLUDED_ */
