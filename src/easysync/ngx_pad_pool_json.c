/*
 * Easysync engine: attribute pool <-> JSON with jansson.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_pad_pool_json.h"


typedef struct {
    intptr_t   num;
    json_t    *pair;
} ngx_pad_pool_item_t;


static int
ngx_pad_pool_item_cmp(const void *one, const void *two)
{
    const ngx_pad_pool_item_t  *a = one, *b = two;

    return a->num < b->num ? -1 : (a->num > b->num ? 1 : 0);
}


intptr_t
ngx_pad_pool_from_json(ngx_pad_pool_t *pool, json_t *json, char *err,
    size_t errlen)
{
    size_t                n, i, klen;
    intptr_t              num, next;
    json_t               *map, *jn, *pair, *k, *v;
    const char           *key, *p;
    ngx_pad_str_t         ks, vs;
    ngx_pad_pool_item_t  *items;

    if (!json_is_object(json)) {
        snprintf(err, errlen, "pool: not an object");
        return -1;
    }

    map = json_object_get(json, "numToAttrib");
    jn = json_object_get(json, "nextNum");

    if (!json_is_object(map)) {
        snprintf(err, errlen, "pool: numToAttrib is not an object");
        return -1;
    }

    if (!json_is_integer(jn)) {
        snprintf(err, errlen, "pool: nextNum is not an integer");
        return -1;
    }

    next = (intptr_t) json_integer_value(jn);

    if (next < 0 || next > (1 << 24)) {
        snprintf(err, errlen, "pool: nextNum out of range");
        return -1;
    }

    n = json_object_size(map);

    items = malloc((n + 1) * sizeof(ngx_pad_pool_item_t));
    if (items == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    i = 0;

    json_object_foreach(map, key, pair) {
        klen = strlen(key);

        if (klen == 0 || klen > 9 || (key[0] == '0' && klen > 1)) {
            goto bad_key;
        }

        num = 0;

        for (p = key; *p; p++) {
            if (*p < '0' || *p > '9') {
                goto bad_key;
            }

            num = num * 10 + (*p - '0');
        }

        if (num >= next) {
            snprintf(err, errlen, "pool: attribute number %ld is not below "
                     "nextNum %ld", (long) num, (long) next);
            goto failed;
        }

        if (!json_is_array(pair) || json_array_size(pair) != 2
            || !json_is_string(json_array_get(pair, 0))
            || !json_is_string(json_array_get(pair, 1)))
        {
            snprintf(err, errlen, "pool: attribute %ld is not a pair of "
                     "strings", (long) num);
            goto failed;
        }

        items[i].num = num;
        items[i].pair = pair;
        i++;
    }

    qsort(items, i, sizeof(ngx_pad_pool_item_t), ngx_pad_pool_item_cmp);

    for (n = 0; n < i; n++) {
        k = json_array_get(items[n].pair, 0);
        v = json_array_get(items[n].pair, 1);

        ks.data = json_string_value(k);
        ks.len = json_string_length(k);
        vs.data = json_string_value(v);
        vs.len = json_string_length(v);

        if (ngx_pad_pool_set(pool, items[n].num, &ks, &vs) != 0) {
            snprintf(err, errlen, "out of memory");
            goto failed;
        }
    }

    free(items);

    if (ngx_pad_pool_set_next_num(pool, next) != 0) {
        snprintf(err, errlen, "pool: bad nextNum");
        return -1;
    }

    return 0;

bad_key:

    snprintf(err, errlen, "pool: numToAttrib key is not a decimal number");

failed:

    free(items);
    return -1;
}


json_t *
ngx_pad_pool_to_json(ngx_pad_pool_t *pool)
{
    char           buf[32];
    intptr_t       i, next;
    json_t        *obj, *map, *pair;
    ngx_pad_str_t  k, v;

    obj = json_object();
    map = json_object();

    if (obj == NULL || map == NULL) {
        goto failed;
    }

    next = ngx_pad_pool_next_num(pool);

    for (i = 0; i < next; i++) {
        if (ngx_pad_pool_get(pool, i, &k, &v) != 0) {
            continue;
        }

        pair = json_pack("[s#s#]", k.data, k.len, v.data, v.len);
        if (pair == NULL) {
            goto failed;
        }

        snprintf(buf, sizeof(buf), "%ld", (long) i);

        if (json_object_set_new(map, buf, pair) != 0) {
            goto failed;
        }
    }

    if (json_object_set_new(obj, "numToAttrib", map) != 0) {
        map = NULL;
        goto failed;
    }

    map = NULL;

    if (json_object_set_new(obj, "nextNum", json_integer(next)) != 0) {
        goto failed;
    }

    return obj;

failed:

    json_decref(map);
    json_decref(obj);
    return NULL;
}
