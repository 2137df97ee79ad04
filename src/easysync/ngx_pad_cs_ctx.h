/*
 * Easysync engine: the context every operation takes, its arena and
 * error message (ngx_pad_cs_arena.h) plus the scratch it reuses from one
 * operation to the next.
 */

#ifndef _NGX_PAD_CS_CTX_H_INCLUDED_
#define _NGX_PAD_CS_CTX_H_INCLUDED_


#include "ngx_pad_cs.h"
#include "ngx_pad_cs_arena.h"
#include "ngx_pad_cs_buf.h"
#include "ngx_pad_cs_ops.h"


/* one attribute of the AttributeMap scratch (ngx_pad_cs_attr.c) */
typedef struct {
    ngx_pad_str_t  key;
    ngx_pad_str_t  value;
    uintptr_t      dead;      /* deleted (a tombstone) */
} ngx_pad_attr_t;


struct ngx_pad_ctx_s {
    ngx_pad_arena_t    arena;     /* first: see ngx_pad_cs_arena.h */
    ngx_pad_sassem_t   sa;
    ngx_pad_buf_t      text;      /* text / charBank output */
    ngx_pad_buf_t      scratch;   /* composed attribute strings */
    ngx_pad_buf_t      scratch2;
    ngx_pad_attr_t    *attrs;     /* AttributeMap scratch, in order */
    size_t             nattrs;    /* entries, tombstones included */
    size_t             attrs_cap;
    uint32_t          *aidx;      /* key -> entry hash index, or NULL */
    size_t             aidx_size; /* power of 2; 0: no index (small map) */
    size_t             aidx_cap;
};


/* room for n more entries in ctx->attrs */
intptr_t ngx_pad_attrs_reserve(ngx_pad_ctx_t *ctx, size_t n);


#endif /* _NGX_PAD_CS_CTX_H_INCLUDED_ */
