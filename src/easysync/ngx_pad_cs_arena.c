/*
 * Easysync engine: a context's arena and its error message.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ngx_pad_cs_arena.h"


#define NGX_PAD_CHUNK_MIN  (64 * 1024)
#define NGX_PAD_ALIGN      16

/* the arena is the first member of the context */
#define ngx_pad_ctx_arena(ctx)  ((ngx_pad_arena_t *) (void *) (ctx))


const char *
ngx_pad_ctx_error(ngx_pad_ctx_t *ctx)
{
    return ngx_pad_ctx_arena(ctx)->err;
}


void
ngx_pad_cs_error(ngx_pad_ctx_t *ctx, const char *fmt, ...)
{
    va_list           args;
    ngx_pad_arena_t  *arena;

    arena = ngx_pad_ctx_arena(ctx);

    va_start(args, fmt);
    vsnprintf(arena->err, sizeof(arena->err), fmt, args);
    va_end(args);
}


void *
ngx_pad_cs_alloc(ngx_pad_ctx_t *ctx, size_t size)
{
    char             *p;
    size_t            n;
    ngx_pad_arena_t  *arena;
    ngx_pad_chunk_t  *c;

    arena = ngx_pad_ctx_arena(ctx);

    size = (size + NGX_PAD_ALIGN - 1) & ~((size_t) NGX_PAD_ALIGN - 1);

    c = arena->chunks;

    if (c == NULL || c->size - c->used < size) {
        n = NGX_PAD_CHUNK_MIN;

        if (c && c->size * 2 > n) {
            n = c->size * 2;
        }

        if (n < size) {
            n = size;
        }

        c = malloc(sizeof(ngx_pad_chunk_t) + NGX_PAD_ALIGN + n);
        if (c == NULL) {
            ngx_pad_cs_error(ctx, "out of memory");
            return NULL;
        }

        c->next = arena->chunks;
        c->size = n;
        c->used = 0;
        arena->chunks = c;
    }

    p = (char *) c + sizeof(ngx_pad_chunk_t);
    p = (char *) (((uintptr_t) p + NGX_PAD_ALIGN - 1)
                  & ~((uintptr_t) NGX_PAD_ALIGN - 1));
    p += c->used;
    c->used += size;

    return p;
}


void
ngx_pad_arena_reset(ngx_pad_arena_t *arena, size_t keep)
{
    size_t            total;
    ngx_pad_chunk_t  *c, *next;

    if (arena->chunks == NULL) {
        return;
    }

    if (arena->chunks->next == NULL && arena->chunks->size <= keep) {
        arena->chunks->used = 0;
        return;
    }

    /* several chunks: replace them by one chunk that holds them all */

    total = 0;

    for (c = arena->chunks; c; c = next) {
        next = c->next;
        total += c->size;
        free(c);
    }

    arena->chunks = NULL;

    if (total > keep) {
        return;
    }

    arena->chunks = malloc(sizeof(ngx_pad_chunk_t) + NGX_PAD_ALIGN + total);
    if (arena->chunks == NULL) {
        return;
    }

    arena->chunks->next = NULL;
    arena->chunks->size = total;
    arena->chunks->used = 0;
}


void
ngx_pad_arena_free(ngx_pad_arena_t *arena)
{
    ngx_pad_chunk_t  *c, *next;

    for (c = arena->chunks; c; c = next) {
        next = c->next;
        free(c);
    }

    arena->chunks = NULL;
}


size_t
ngx_pad_arena_memory(ngx_pad_arena_t *arena)
{
    size_t            n;
    ngx_pad_chunk_t  *c;

    n = 0;

    for (c = arena->chunks; c; c = c->next) {
        n += c->size;
    }

    return n;
}
