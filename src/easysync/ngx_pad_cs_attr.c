/*
 * Easysync engine: attribute strings ("*0*1f") as AttributeMap.ts
 * handles them: composeAttributes() and followAttributes().
 *
 * The map lives in ctx->attrs (insertion order, like a JS Map).
 */

#include <stdlib.h>
#include <string.h>

#include "ngx_pad_cs_arena.h"
#include "ngx_pad_cs_attr.h"
#include "ngx_pad_cs_buf.h"
#include "ngx_pad_cs_ctx.h"
#include "ngx_pad_cs_num.h"
#include "ngx_pad_cs_str.h"


#define NGX_PAD_ATTRS_SMALL  16
#define NGX_PAD_AIDX_EMPTY   0xffffffff


static uint64_t
ngx_pad_attrs_hash(const ngx_pad_str_t *k)
{
    size_t    i;
    uint64_t  h;

    h = 0xcbf29ce484222325ULL;

    for (i = 0; i < k->len; i++) {
        h ^= (unsigned char) k->data[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


void
ngx_pad_attrs_clear(ngx_pad_ctx_t *ctx)
{
    ctx->nattrs = 0;
    ctx->aidx_size = 0;
}


/* the index slot of key k: empty, or an entry (maybe dead) with key k */

static uint32_t *
ngx_pad_attrs_slot(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *k)
{
    size_t     i, mask;
    uint32_t  *s;

    mask = ctx->aidx_size - 1;
    i = (size_t) ngx_pad_attrs_hash(k) & mask;

    for ( ;; ) {
        s = &ctx->aidx[i];

        if (*s == NGX_PAD_AIDX_EMPTY
            || ngx_pad_str_eq(&ctx->attrs[*s].key, k))
        {
            return s;
        }

        i = (i + 1) & mask;
    }
}


/* (re)build the index over the live entries, sized for n entries */

static intptr_t
ngx_pad_attrs_index(ngx_pad_ctx_t *ctx, size_t n)
{
    size_t     i, size;
    uint32_t  *a;

    size = 64;

    while (size < n * 2) {
        size *= 2;
    }

    if (size > ctx->aidx_cap) {
        a = realloc(ctx->aidx, size * sizeof(uint32_t));
        if (a == NULL) {
            ngx_pad_cs_error(ctx, "out of memory");
            return NGX_PAD_CS_ERROR;
        }

        ctx->aidx = a;
        ctx->aidx_cap = size;
    }

    ctx->aidx_size = size;

    for (i = 0; i < size; i++) {
        ctx->aidx[i] = NGX_PAD_AIDX_EMPTY;
    }

    for (i = 0; i < ctx->nattrs; i++) {
        if (!ctx->attrs[i].dead) {
            *ngx_pad_attrs_slot(ctx, &ctx->attrs[i].key) = (uint32_t) i;
        }
    }

    return NGX_PAD_CS_OK;
}


ngx_pad_attr_t *
ngx_pad_attrs_get(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *k)
{
    size_t           i;
    uint32_t        *s;
    ngx_pad_attr_t  *a;

    if (ctx->aidx_size) {
        s = ngx_pad_attrs_slot(ctx, k);

        if (*s == NGX_PAD_AIDX_EMPTY) {
            return NULL;
        }

        a = &ctx->attrs[*s];

        return a->dead ? NULL : a;
    }

    for (i = 0; i < ctx->nattrs; i++) {
        a = &ctx->attrs[i];

        if (!a->dead && ngx_pad_str_eq(&a->key, k)) {
            return a;
        }
    }

    return NULL;
}


/* Map.set(k, v): update in place, or append */

intptr_t
ngx_pad_attrs_put(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *k,
    const ngx_pad_str_t *v)
{
    ngx_pad_attr_t  *a;

    a = ngx_pad_attrs_get(ctx, k);

    if (a) {
        a->value = *v;
        return NGX_PAD_CS_OK;
    }

    if (ctx->nattrs >= 0xfffffff0
        || ngx_pad_attrs_reserve(ctx, 1) != NGX_PAD_CS_OK)
    {
        ngx_pad_cs_error(ctx, "out of memory");
        return NGX_PAD_CS_ERROR;
    }

    a = &ctx->attrs[ctx->nattrs++];
    a->key = *k;
    a->value = *v;
    a->dead = 0;

    if (ctx->aidx_size) {
        if (ctx->nattrs * 2 > ctx->aidx_size) {
            return ngx_pad_attrs_index(ctx, ctx->nattrs);
        }

        *ngx_pad_attrs_slot(ctx, k) = (uint32_t) (ctx->nattrs - 1);

    } else if (ctx->nattrs > NGX_PAD_ATTRS_SMALL) {
        return ngx_pad_attrs_index(ctx, ctx->nattrs);
    }

    return NGX_PAD_CS_OK;
}


/* drop the tombstones, keeping the order */

void
ngx_pad_attrs_compact(ngx_pad_ctx_t *ctx)
{
    size_t  i, n;

    for (i = 0, n = 0; i < ctx->nattrs; i++) {
        if (!ctx->attrs[i].dead) {
            ctx->attrs[n++] = ctx->attrs[i];
        }
    }

    ctx->nattrs = n;
    ctx->aidx_size = 0;
}


/* AttributeMap.set() / delete() as update() calls them */

intptr_t
ngx_pad_attrs_set(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *k, const ngx_pad_str_t *v, int empty_is_delete)
{
    ngx_pad_attr_t  *a;

    if (v->len == 0 && empty_is_delete) {
        a = ngx_pad_attrs_get(ctx, k);

        if (a) {
            a->dead = 1;
        }

        return NGX_PAD_CS_OK;
    }

    if (ngx_pad_pool_put_attrib(pool, k, v, 0) == -2) {
        ngx_pad_cs_error(ctx, "out of memory");
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_attrs_put(ctx, k, v);
}


/* updateFromString(): decodeAttribString() + attribsFromNums() */

intptr_t
ngx_pad_attrs_update_from_string(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *s,
    ngx_pad_pool_t *pool, int empty_is_delete)
{
    intptr_t       num, rc;
    const char    *p, *end;
    ngx_pad_str_t  k, v;

    p = s->data;
    end = p + s->len;

    while (p < end) {
        if (*p != '*') {
            ngx_pad_cs_error(ctx, "invalid character in attribute string: "
                             "%c", *p);
            return NGX_PAD_CS_ERROR;
        }

        rc = ngx_pad_parse_num(p + 1, end, &num, &p);

        if (rc == -1) {
            ngx_pad_cs_error(ctx, "invalid character in attribute string: "
                             "*");
            return NGX_PAD_CS_ERROR;
        }

        if (rc == -2 || pool == NULL
            || ngx_pad_pool_get(pool, num, &k, &v) != 0)
        {
            ngx_pad_cs_error(ctx, "attribute %ld does not exist in pool",
                             (long) num);
            return NGX_PAD_CS_ERROR;
        }

        if (ngx_pad_attrs_set(ctx, pool, &k, &v, empty_is_delete)
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }
    }

    return NGX_PAD_CS_OK;
}


intptr_t
ngx_pad_attrs_from_string(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *s,
    ngx_pad_pool_t *pool, int empty_is_delete)
{
    ngx_pad_attrs_clear(ctx);

    return ngx_pad_attrs_update_from_string(ctx, s, pool, empty_is_delete);
}


static int
ngx_pad_attr_cmp(const void *one, const void *two)
{
    const ngx_pad_attr_t  *a = one, *b = two;

    return ngx_pad_str_cmp16(&a->key, &b->key);
}


/* AttributeMap.toString(): sorted by key, numbers from putAttrib() */

intptr_t
ngx_pad_attrs_to_string(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    ngx_pad_buf_t *b)
{
    size_t    i;
    intptr_t  num;

    ngx_pad_attrs_compact(ctx);

    if (ctx->nattrs > 1) {
        qsort(ctx->attrs, ctx->nattrs, sizeof(ngx_pad_attr_t),
              ngx_pad_attr_cmp);
    }

    for (i = 0; i < ctx->nattrs; i++) {
        num = ngx_pad_pool_put_attrib(pool, &ctx->attrs[i].key,
                                      &ctx->attrs[i].value, 0);
        if (num < 0) {
            ngx_pad_cs_error(ctx, "out of memory");
            return NGX_PAD_CS_ERROR;
        }

        if (ngx_pad_buf_add(ctx, b, "*", 1) != NGX_PAD_CS_OK
            || ngx_pad_buf_add_num(ctx, b, num) != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }
    }

    return NGX_PAD_CS_OK;
}


/*
 * composeAttributes(att1, att2, resultIsMutation, pool).  The result is
 * either one of the inputs or lives in ctx->scratch until the next call.
 */

intptr_t
ngx_pad_compose_attributes(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *att1,
    const ngx_pad_str_t *att2, int is_mutation, ngx_pad_pool_t *pool,
    ngx_pad_str_t *out)
{
    if (att1->len == 0 && is_mutation) {
        *out = *att2;
        return NGX_PAD_CS_OK;
    }

    if (att2->len == 0) {
        *out = *att1;
        return NGX_PAD_CS_OK;
    }

    if (ngx_pad_attrs_from_string(ctx, att1, pool, 0) != NGX_PAD_CS_OK
        || ngx_pad_attrs_update_from_string(ctx, att2, pool, !is_mutation)
           != NGX_PAD_CS_OK)
    {
        return NGX_PAD_CS_ERROR;
    }

    ctx->scratch.len = 0;

    if (ngx_pad_attrs_to_string(ctx, pool, &ctx->scratch) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    out->data = ctx->scratch.data;
    out->len = ctx->scratch.len;

    return NGX_PAD_CS_OK;
}


/*
 * followAttributes(att1, att2, pool): att2's pairs, minus each key that
 * att1 sets to a value <= att2's (JS string order).  Output order is the
 * order of first appearance in att2.  The result lives in ctx->scratch.
 */

intptr_t
ngx_pad_follow_attributes(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *att1,
    const ngx_pad_str_t *att2, ngx_pad_pool_t *pool, ngx_pad_str_t *out)
{
    size_t           i;
    intptr_t         num, rc;
    const char      *p, *end;
    ngx_pad_str_t    k, v;
    ngx_pad_attr_t  *a;

    if (att2->len == 0 || pool == NULL) {
        out->data = "";
        out->len = 0;
        return NGX_PAD_CS_OK;
    }

    if (att1->len == 0) {
        *out = *att2;
        return NGX_PAD_CS_OK;
    }

    ngx_pad_attrs_clear(ctx);

    /* att2.replace(/\*([0-9a-z]+)/g, ...) into a Map */

    for (p = att2->data, end = p + att2->len; p < end; ) {
        if (*p != '*') {
            p++;
            continue;
        }

        rc = ngx_pad_parse_num(p + 1, end, &num, &p);

        if (rc == -1) {
            p++;
            continue;
        }

        if (rc == -2 || ngx_pad_pool_get(pool, num, &k, &v) != 0) {
            goto missing;
        }

        if (ngx_pad_attrs_put(ctx, &k, &v) != NGX_PAD_CS_OK) {
            return NGX_PAD_CS_ERROR;
        }
    }

    for (p = att1->data, end = p + att1->len; p < end; ) {
        if (*p != '*') {
            p++;
            continue;
        }

        rc = ngx_pad_parse_num(p + 1, end, &num, &p);

        if (rc == -1) {
            p++;
            continue;
        }

        if (rc == -2 || ngx_pad_pool_get(pool, num, &k, &v) != 0) {
            goto missing;
        }

        a = ngx_pad_attrs_get(ctx, &k);

        if (a && ngx_pad_str_cmp16(&v, &a->value) <= 0) {
            a->dead = 1;
        }
    }

    ngx_pad_attrs_compact(ctx);

    ctx->scratch.len = 0;

    for (i = 0; i < ctx->nattrs; i++) {
        num = ngx_pad_pool_put_attrib(pool, &ctx->attrs[i].key,
                                      &ctx->attrs[i].value, 0);
        if (num < 0) {
            ngx_pad_cs_error(ctx, "out of memory");
            return NGX_PAD_CS_ERROR;
        }

        if (ngx_pad_buf_add(ctx, &ctx->scratch, "*", 1) != NGX_PAD_CS_OK
            || ngx_pad_buf_add_num(ctx, &ctx->scratch, num) != NGX_PAD_CS_OK)
        {
            return NGX_PAD_CS_ERROR;
        }
    }

    out->data = ctx->scratch.data ? ctx->scratch.data : "";
    out->len = ctx->scratch.len;

    return NGX_PAD_CS_OK;

missing:

    ngx_pad_cs_error(ctx, "Cannot destructure attribute %ld: it is not in "
                     "the pool", (long) num);
    return NGX_PAD_CS_ERROR;
}
