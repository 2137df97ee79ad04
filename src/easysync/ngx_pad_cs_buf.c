/*
 * Easysync engine: growable work buffers.
 */

#include <stdlib.h>
#include <string.h>

#include "ngx_pad_cs_arena.h"
#include "ngx_pad_cs_buf.h"


intptr_t
ngx_pad_buf_grow(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, size_t n)
{
    char    *p;
    size_t   cap;

    if (b->cap - b->len >= n) {
        return NGX_PAD_CS_OK;
    }

    cap = b->cap ? b->cap * 2 : 256;

    while (cap - b->len < n) {
        cap *= 2;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        ngx_pad_cs_error(ctx, "out of memory");
        return NGX_PAD_CS_ERROR;
    }

    b->data = p;
    b->cap = cap;

    return NGX_PAD_CS_OK;
}


void
ngx_pad_buf_free(ngx_pad_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}


void
ngx_pad_buf_trim(ngx_pad_buf_t *b, size_t keep)
{
    if (b->cap > keep) {
        ngx_pad_buf_free(b);
    }

    b->len = 0;
}


intptr_t
ngx_pad_cs_result(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b, ngx_pad_str_t *out)
{
    char  *p;

    p = ngx_pad_cs_alloc(ctx, b->len + 1);
    if (p == NULL) {
        return NGX_PAD_CS_ERROR;
    }

    if (b->len) {
        memcpy(p, b->data, b->len);
    }

    p[b->len] = '\0';

    out->data = p;
    out->len = b->len;

    return NGX_PAD_CS_OK;
}
