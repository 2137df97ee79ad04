/*
 * libFuzzer target: a client message as the pad engine receives it.
 * The input is JSON; it goes through ngx_pad_msg_parse(), the validators
 * on every string it carries, the wire pool of USER_CHANGES
 * (ngx_pad_msg_pool_from_json, bounded) and back to JSON, and the
 * builders that take user data (user info, CLIENT_VARS with the input as
 * site settings).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg/ngx_pad_msg.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                *s;
    json_t              *j, *k;
    const char          *err;
    ngx_pad_msg_t        m;
    ngx_pad_pool_t      *pool;
    ngx_pad_msg_vars_t   v;
    char                 buf[4096];

    j = json_loadb((const char *) data, size, JSON_DECODE_ANY, NULL);
    if (j == NULL) {
        return 0;
    }

    err = NULL;
    (void) ngx_pad_msg_parse(j, &m, &err);

    (void) ngx_pad_msg_token_valid(&m.token);
    (void) ngx_pad_msg_color_valid(&m.color);
    (void) ngx_pad_msg_padid_valid(&m.pad_id);
    (void) ngx_pad_msg_is_readonly_id(&m.pad_id);

    if (m.pad_id.len <= sizeof(buf)) {
        (void) ngx_pad_msg_padid_sanitize(&m.pad_id, buf);
    }

    pool = ngx_pad_pool_create();

    if (pool && m.apool
        && ngx_pad_msg_pool_from_json(m.apool, pool, 1000) == 0)
    {
        k = ngx_pad_msg_pool_to_json(pool);
        json_decref(k);
    }

    if (pool) {
        ngx_pad_msg_user_t  u;

        memset(&u, 0, sizeof(u));
        u.author = m.token;
        u.name = m.name;
        u.has_name = m.has_name;
        u.color = m.color;
        u.color_index = m.has_color ? -1 : 3;

        k = ngx_pad_msg_user_newinfo(&u);
        json_decref(k);
        k = ngx_pad_msg_user_leave(&u);
        json_decref(k);

        memset(&v, 0, sizeof(v));
        v.pad_id = m.pad_id;
        v.user = u;
        v.atext.text.data = "\n";
        v.atext.text.len = 1;
        v.atext.attribs.data = "|1+1";
        v.atext.attribs.len = 4;
        v.wire_pool = pool;
        v.site = json_is_object(j) ? j : NULL;

        k = ngx_pad_msg_client_vars(&v);
        if (k) {
            s = json_dumps(k, JSON_COMPACT);
            free(s);
            json_decref(k);
        }

        ngx_pad_pool_destroy(pool);
    }

    json_decref(j);

    return 0;
}
