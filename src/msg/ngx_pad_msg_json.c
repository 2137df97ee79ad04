
/*
 * Etherpad pad messages: the JSON helpers the parser and the builders
 * share.
 */


#include <string.h>

#include "msg/ngx_pad_msg_json.h"


int
ngx_pad_msg_get_str(json_t *obj, const char *key, ngx_pad_str_t *out)
{
    json_t  *v;

    v = json_object_get(obj, key);
    if (!json_is_string(v)) {
        return -1;
    }

    out->data = json_string_value(v);
    out->len = json_string_length(v);

    return 0;
}


json_t *
ngx_pad_msg_string(const ngx_pad_str_t *s)
{
    return json_stringn(s->data ? s->data : "", s->len);
}


int
ngx_pad_msg_is(const ngx_pad_str_t *s, const char *lit)
{
    size_t  n;

    n = strlen(lit);

    return s->len == n && memcmp(s->data, lit, n) == 0;
}


int
ngx_pad_msg_get_int(json_t *obj, const char *key, int64_t *out)
{
    json_t  *v;

    v = json_object_get(obj, key);
    if (!json_is_integer(v)) {
        return -1;
    }

    *out = json_integer_value(v);

    return 0;
}


int
ngx_pad_msg_get_coerced(json_t *obj, const char *key, int64_t *out)
{
    size_t       i, n;
    int64_t      r;
    const char  *p;
    json_t      *v;

    v = json_object_get(obj, key);

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }

    if (!json_is_string(v)) {
        return -1;
    }

    p = json_string_value(v);
    n = json_string_length(v);

    if (n == 0 || n > 15) {
        return -1;
    }

    r = 0;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }

        r = r * 10 + (p[i] - '0');
    }

    *out = r;

    return 0;
}
