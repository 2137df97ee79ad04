/*
 * Easysync engine: what every part of the engine reaches through a
 * context, its arena (where results live) and its error message.
 *
 * ngx_pad_arena_t is the first member of struct ngx_pad_ctx_s
 * (ngx_pad_cs_ctx.h), so these functions take the context itself and
 * need nothing of the rest of it.
 */

#ifndef _NGX_PAD_CS_ARENA_H_INCLUDED_
#define _NGX_PAD_CS_ARENA_H_INCLUDED_


#include "ngx_pad_cs.h"


typedef struct ngx_pad_chunk_s  ngx_pad_chunk_t;

struct ngx_pad_chunk_s {
    ngx_pad_chunk_t  *next;
    size_t            size;
    size_t            used;
};


typedef struct {
    ngx_pad_chunk_t  *chunks;
    char              err[512];
} ngx_pad_arena_t;


void ngx_pad_cs_error(ngx_pad_ctx_t *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void *ngx_pad_cs_alloc(ngx_pad_ctx_t *ctx, size_t size);

/* ngx_pad_ctx_reset(): empty the arena, keeping up to keep bytes of it */
void ngx_pad_arena_reset(ngx_pad_arena_t *arena, size_t keep);
void ngx_pad_arena_free(ngx_pad_arena_t *arena);
size_t ngx_pad_arena_memory(ngx_pad_arena_t *arena);


#endif /* _NGX_PAD_CS_ARENA_H_INCLUDED_ */
