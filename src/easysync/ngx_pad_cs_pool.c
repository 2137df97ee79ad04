/*
 * Easysync engine: the attribute pool (AttributePool.ts).
 *
 * numToAttrib is an array indexed by number (holes allowed); attribToNum
 * is an open-addressing hash table keyed, like Etherpad's, by the string
 * "key,value".  Each entry is one allocation holding "key,value".
 */

#include <stdlib.h>
#include <string.h>

#include "ngx_pad_cs.h"


#define NGX_PAD_POOL_MAX  (1 << 24)


typedef struct {
    char      *joined;          /* "key,value", NULL for a hole */
    size_t     klen;
    size_t     len;
} ngx_pad_pool_entry_t;


struct ngx_pad_pool_s {
    ngx_pad_pool_entry_t  *entries;
    size_t                 nentries;     /* highest num + 1 */
    size_t                 cap;
    intptr_t               next_num;
    intptr_t              *hash;         /* nums, -1 empty */
    size_t                 hash_size;    /* power of 2 */
    size_t                 hash_used;
};


static uint64_t
ngx_pad_pool_hash_bytes(uint64_t h, const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char) p[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


static uint64_t
ngx_pad_pool_hash(const ngx_pad_str_t *k, const ngx_pad_str_t *v)
{
    uint64_t  h;

    h = 0xcbf29ce484222325ULL;
    h = ngx_pad_pool_hash_bytes(h, k->data, k->len);
    h = ngx_pad_pool_hash_bytes(h, ",", 1);
    h = ngx_pad_pool_hash_bytes(h, v->data, v->len);

    return h;
}


static int
ngx_pad_pool_entry_is(ngx_pad_pool_entry_t *e, const ngx_pad_str_t *k,
    const ngx_pad_str_t *v)
{
    const char  *j;

    if (e->len != k->len + 1 + v->len) {
        return 0;
    }

    j = e->joined;

    return (k->len == 0 || memcmp(j, k->data, k->len) == 0)
           && j[k->len] == ','
           && (v->len == 0 || memcmp(j + k->len + 1, v->data, v->len) == 0);
}


ngx_pad_pool_t *
ngx_pad_pool_create(void)
{
    return calloc(1, sizeof(ngx_pad_pool_t));
}


void
ngx_pad_pool_destroy(ngx_pad_pool_t *pool)
{
    size_t  i;

    if (pool == NULL) {
        return;
    }

    for (i = 0; i < pool->nentries; i++) {
        free(pool->entries[i].joined);
    }

    free(pool->entries);
    free(pool->hash);
    free(pool);
}


static intptr_t *
ngx_pad_pool_slot(ngx_pad_pool_t *pool, const ngx_pad_str_t *k,
    const ngx_pad_str_t *v)
{
    size_t     i, mask;
    intptr_t  *s;

    mask = pool->hash_size - 1;
    i = (size_t) ngx_pad_pool_hash(k, v) & mask;

    for ( ;; ) {
        s = &pool->hash[i];

        if (*s < 0 || ngx_pad_pool_entry_is(&pool->entries[*s], k, v)) {
            return s;
        }

        i = (i + 1) & mask;
    }
}


static intptr_t
ngx_pad_pool_rehash(ngx_pad_pool_t *pool)
{
    size_t                 i, size;
    intptr_t              *old, *s;
    size_t                 old_size;
    ngx_pad_str_t          k, v;
    ngx_pad_pool_entry_t  *e;

    size = pool->hash_size ? pool->hash_size * 2 : 64;

    old = pool->hash;
    old_size = pool->hash_size;

    pool->hash = malloc(size * sizeof(intptr_t));
    if (pool->hash == NULL) {
        pool->hash = old;
        return -1;
    }

    for (i = 0; i < size; i++) {
        pool->hash[i] = -1;
    }

    pool->hash_size = size;

    for (i = 0; i < old_size; i++) {
        if (old[i] < 0) {
            continue;
        }

        e = &pool->entries[old[i]];
        k.data = e->joined;
        k.len = e->klen;
        v.data = e->joined + e->klen + 1;
        v.len = e->len - e->klen - 1;

        s = ngx_pad_pool_slot(pool, &k, &v);
        *s = old[i];
    }

    free(old);

    return 0;
}


/* store entry num; the hash table then maps "k,v" to num */

intptr_t
ngx_pad_pool_set(ngx_pad_pool_t *pool, intptr_t num, const ngx_pad_str_t *k,
    const ngx_pad_str_t *v)
{
    char                  *j;
    size_t                 cap, i;
    intptr_t              *s;
    ngx_pad_pool_entry_t  *e;

    if (num < 0 || num >= NGX_PAD_POOL_MAX) {
        return -1;
    }

    if ((size_t) num >= pool->cap) {
        cap = pool->cap ? pool->cap * 2 : 16;

        while (cap <= (size_t) num) {
            cap *= 2;
        }

        e = realloc(pool->entries, cap * sizeof(ngx_pad_pool_entry_t));
        if (e == NULL) {
            return -1;
        }

        pool->entries = e;
        pool->cap = cap;
    }

    for (i = pool->nentries; i <= (size_t) num; i++) {
        pool->entries[i].joined = NULL;
        pool->entries[i].klen = 0;
        pool->entries[i].len = 0;
    }

    if ((size_t) num >= pool->nentries) {
        pool->nentries = num + 1;
    }

    if ((pool->hash_used + 1) * 2 > pool->hash_size) {
        if (ngx_pad_pool_rehash(pool) != 0) {
            return -1;
        }
    }

    j = malloc(k->len + v->len + 2);
    if (j == NULL) {
        return -1;
    }

    if (k->len) {
        memcpy(j, k->data, k->len);
    }

    j[k->len] = ',';

    if (v->len) {
        memcpy(j + k->len + 1, v->data, v->len);
    }

    j[k->len + 1 + v->len] = '\0';

    e = &pool->entries[num];

    free(e->joined);

    e->joined = j;
    e->klen = k->len;
    e->len = k->len + 1 + v->len;

    s = ngx_pad_pool_slot(pool, k, v);

    if (*s < 0) {
        pool->hash_used++;
    }

    *s = num;

    return 0;
}


intptr_t
ngx_pad_pool_set_next_num(ngx_pad_pool_t *pool, intptr_t next_num)
{
    if (next_num < (intptr_t) pool->nentries || next_num > NGX_PAD_POOL_MAX) {
        return -1;
    }

    pool->next_num = next_num;

    return 0;
}


intptr_t
ngx_pad_pool_put_attrib(ngx_pad_pool_t *pool, const ngx_pad_str_t *key,
    const ngx_pad_str_t *value, int dont_add)
{
    intptr_t  *s, num;

    if (pool->hash_size) {
        s = ngx_pad_pool_slot(pool, key, value);

        if (*s >= 0) {
            return *s;
        }
    }

    if (dont_add) {
        return -1;
    }

    num = pool->next_num;

    if (ngx_pad_pool_set(pool, num, key, value) != 0) {
        return -2;
    }

    pool->next_num++;

    return num;
}


intptr_t
ngx_pad_pool_get(ngx_pad_pool_t *pool, intptr_t num, ngx_pad_str_t *key,
    ngx_pad_str_t *value)
{
    ngx_pad_pool_entry_t  *e;

    if (num < 0 || (size_t) num >= pool->nentries) {
        return -1;
    }

    e = &pool->entries[num];

    if (e->joined == NULL) {
        return -1;
    }

    key->data = e->joined;
    key->len = e->klen;
    value->data = e->joined + e->klen + 1;
    value->len = e->len - e->klen - 1;

    return 0;
}


intptr_t
ngx_pad_pool_next_num(ngx_pad_pool_t *pool)
{
    return pool->next_num;
}


ngx_pad_pool_t *
ngx_pad_pool_clone(ngx_pad_pool_t *pool)
{
    size_t           i;
    ngx_pad_str_t    k, v;
    ngx_pad_pool_t  *c;

    c = ngx_pad_pool_create();
    if (c == NULL) {
        return NULL;
    }

    for (i = 0; i < pool->nentries; i++) {
        if (ngx_pad_pool_get(pool, i, &k, &v) != 0) {
            continue;
        }

        if (ngx_pad_pool_set(c, i, &k, &v) != 0) {
            ngx_pad_pool_destroy(c);
            return NULL;
        }
    }

    /* the "k,v" lookup of the original may differ after collisions */

    for (i = 0; i < pool->hash_size; i++) {
        if (pool->hash[i] >= 0) {
            (void) ngx_pad_pool_get(pool, pool->hash[i], &k, &v);
            *ngx_pad_pool_slot(c, &k, &v) = pool->hash[i];
        }
    }

    c->next_num = pool->next_num;

    return c;
}


intptr_t
ngx_pad_pool_truncate(ngx_pad_pool_t *pool, intptr_t next_num)
{
    size_t                 i;
    intptr_t              *s;
    ngx_pad_str_t          k, v;
    ngx_pad_pool_entry_t  *e;

    if (next_num < 0 || next_num > pool->next_num) {
        return -1;
    }

    for (i = next_num; i < pool->nentries; i++) {
        free(pool->entries[i].joined);
        pool->entries[i].joined = NULL;
    }

    if (pool->nentries > (size_t) next_num) {
        pool->nentries = next_num;
    }

    pool->next_num = next_num;

    /* rebuild attribToNum from the entries left, later numbers winning */

    for (i = 0; i < pool->hash_size; i++) {
        pool->hash[i] = -1;
    }

    pool->hash_used = 0;

    for (i = 0; i < pool->nentries; i++) {
        e = &pool->entries[i];

        if (e->joined == NULL) {
            continue;
        }

        k.data = e->joined;
        k.len = e->klen;
        v.data = e->joined + e->klen + 1;
        v.len = e->len - e->klen - 1;

        s = ngx_pad_pool_slot(pool, &k, &v);

        if (*s < 0) {
            pool->hash_used++;
        }

        *s = i;
    }

    return 0;
}
