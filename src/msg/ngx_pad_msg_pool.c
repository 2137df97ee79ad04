
/*
 * Etherpad pad messages: attribute pools in their JSON form (toJsonable,
 * fromJsonable).
 */


#include <stdlib.h>
#include <string.h>

#include "msg/ngx_pad_msg_pool.h"


json_t *
ngx_pad_msg_pool_to_json(ngx_pad_pool_t *pool)
{
    char           num[32];
    intptr_t       i, n;
    json_t        *o, *nta, *pair;
    ngx_pad_str_t  k, v;

    o = json_object();
    nta = json_object();

    if (o == NULL || nta == NULL) {
        goto failed;
    }

    n = ngx_pad_pool_next_num(pool);

    for (i = 0; i < n; i++) {
        if (ngx_pad_pool_get(pool, i, &k, &v) != 0) {
            continue;
        }

        pair = json_pack("[s%s%]", k.data ? k.data : "", k.len,
                         v.data ? v.data : "", v.len);
        if (pair == NULL) {
            goto failed;
        }

        snprintf(num, sizeof(num), "%ld", (long) i);

        if (json_object_set_new(nta, num, pair) != 0) {
            goto failed;
        }
    }

    if (json_object_set_new(o, "numToAttrib", nta) != 0) {
        nta = NULL;
        goto failed;
    }

    nta = NULL;

    if (json_object_set_new(o, "nextNum", json_integer(n)) != 0) {
        goto failed;
    }

    return o;

failed:

    json_decref(nta);
    json_decref(o);

    return NULL;
}


typedef struct {
    intptr_t     num;
    json_t      *pair;
} ngx_pad_msg_entry_t;


static int
ngx_pad_msg_entry_cmp(const void *a, const void *b)
{
    const ngx_pad_msg_entry_t  *x = a, *y = b;

    return (x->num > y->num) - (x->num < y->num);
}


int
ngx_pad_msg_pool_from_json(json_t *j, ngx_pad_pool_t *pool,
    intptr_t max_num)
{
    int                   rc;
    char                 *end;
    long                  num;
    size_t                n, i;
    intptr_t              next;
    json_t               *nta, *v, *nn;
    const char           *key;
    ngx_pad_str_t         k, val;
    ngx_pad_msg_entry_t  *e;

    if (!json_is_object(j)) {
        return -1;
    }

    nta = json_object_get(j, "numToAttrib");

    if (nta == NULL) {
        nta = json_object_get(j, "numToAttribute");
    }

    if (nta != NULL && !json_is_object(nta)) {
        return -1;
    }

    n = nta ? json_object_size(nta) : 0;

    if (n > (size_t) max_num) {
        return -1;
    }

    e = NULL;
    next = 0;

    if (n) {
        e = malloc(n * sizeof(ngx_pad_msg_entry_t));
        if (e == NULL) {
            return -1;
        }
    }

    i = 0;
    rc = -1;

    json_object_foreach(nta, key, v) {
        if (key[0] == '\0' || (key[0] == '0' && key[1] != '\0')) {
            goto done;
        }

        num = strtol(key, &end, 10);

        if (*end != '\0' || num < 0 || num >= max_num) {
            goto done;
        }

        if (!json_is_array(v) || json_array_size(v) != 2
            || !json_is_string(json_array_get(v, 0))
            || !json_is_string(json_array_get(v, 1)))
        {
            goto done;
        }

        e[i].num = num;
        e[i].pair = v;
        i++;
    }

    if (n) {
        qsort(e, n, sizeof(ngx_pad_msg_entry_t), ngx_pad_msg_entry_cmp);
    }

    for (i = 0; i < n; i++) {
        k.data = json_string_value(json_array_get(e[i].pair, 0));
        k.len = json_string_length(json_array_get(e[i].pair, 0));
        val.data = json_string_value(json_array_get(e[i].pair, 1));
        val.len = json_string_length(json_array_get(e[i].pair, 1));

        if (ngx_pad_pool_set(pool, e[i].num, &k, &val) != 0) {
            goto done;
        }

        next = e[i].num + 1;
    }

    nn = json_object_get(j, "nextNum");

    if (json_is_integer(nn) && json_integer_value(nn) > next
        && json_integer_value(nn) <= max_num)
    {
        next = json_integer_value(nn);
    }

    if (ngx_pad_pool_set_next_num(pool, next) != 0) {
        goto done;
    }

    rc = 0;

done:

    free(e);

    return rc;
}
