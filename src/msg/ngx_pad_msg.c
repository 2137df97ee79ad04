
/*
 * Etherpad pad messages: parsing, validation and builders (pure C).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/ngx_pad_msg.h"


const char  *ngx_pad_msg_palette[NGX_PAD_MSG_PALETTE_SIZE] = {
    "#ffc7c7", "#fff1c7", "#e3ffc7", "#c7ffd5", "#c7ffff", "#c7d5ff",
    "#e3c7ff", "#ffc7f1", "#ffa8a8", "#ffe699", "#cfff9e", "#99ffb3",
    "#a3ffff", "#99b3ff", "#cc99ff", "#ff99e5", "#e7b1b1", "#e9dcAf",
    "#cde9af", "#bfedcc", "#b1e7e7", "#c3cdee", "#d2b8ea", "#eec3e6",
    "#e9cece", "#e7e0ca", "#d3e5c7", "#bce1c5", "#c1e2e2", "#c1c9e2",
    "#cfc1e2", "#e0bdd9", "#baded3", "#a0f8eb", "#b1e7e0", "#c3c8e4",
    "#cec5e2", "#b1d5e7", "#cda8f0", "#f0f0a8", "#f2f2a6", "#f5a8eb",
    "#c5f9a9", "#ececbb", "#e7c4bc", "#daf0b2", "#b0a0fd", "#bce2e7",
    "#cce2bb", "#ec9afe", "#edabbd", "#aeaeea", "#c4e7b1", "#d722bb",
    "#f3a5e7", "#ffa8a8", "#d8c0c5", "#eaaedd", "#adc6eb", "#bedad1",
    "#dee9af", "#e9afc2", "#f8d2a0", "#b3b3e6"
};


static const char  ngx_pad_msg_cv_prefix[] =
    "42[\"message\",{\"type\":\"COLLABROOM\",\"data\":"
    "{\"type\":\"NEW_CHANGES\",";
static const char  ngx_pad_msg_batch_prefix[] =
    "42[\"message\",{\"type\":\"COLLABROOM\",\"data\":"
    "{\"type\":\"NEW_CHANGES_BATCH\",\"changes\":[";


/* helpers */

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


static int
ngx_pad_msg_is(const ngx_pad_str_t *s, const char *lit)
{
    size_t  n;

    n = strlen(lit);

    return s->len == n && memcmp(s->data, lit, n) == 0;
}


static int
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


/* an integer, or a string of decimal digits (Etherpad coerces some) */

static int
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


/* validation */

int
ngx_pad_msg_token_valid(const ngx_pad_str_t *s)
{
    size_t       i, n, pad;
    const char  *v;
    unsigned     c;

    if (s->len < 3 || s->len > NGX_PAD_MSG_TOKEN_MAX
        || s->data[0] != 't' || s->data[1] != '.')
    {
        return 0;
    }

    v = s->data + 2;
    n = s->len - 2;

    if (n % 4 != 0) {
        return 0;
    }

    pad = 0;

    if (v[n - 1] == '=') {
        pad = (v[n - 2] == '=') ? 2 : 1;
    }

    for (i = 0; i < n - pad; i++) {
        c = (unsigned char) v[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_'))
        {
            return 0;
        }
    }

    if (pad == 2) {
        /* the last data character must leave the low 4 bits zero */
        return n > 2 && strchr("AQgw", v[n - 3]) != NULL;
    }

    if (pad == 1) {
        return n > 1 && strchr("AEIMQUYcgkosw048", v[n - 2]) != NULL;
    }

    return 1;
}


static int
ngx_pad_msg_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}


int
ngx_pad_msg_color_valid(const ngx_pad_str_t *s)
{
    size_t  i;

    if ((s->len != 4 && s->len != 7) || s->data[0] != '#') {
        return 0;
    }

    for (i = 1; i < s->len; i++) {
        if (!ngx_pad_msg_hex((unsigned char) s->data[i])) {
            return 0;
        }
    }

    return 1;
}


/* UTF-16 length of valid UTF-8 without control characters; -1 if not */

static intptr_t
ngx_pad_msg_u16_len(const char *p, size_t n)
{
    size_t    i, k;
    intptr_t  len;
    uint32_t  c, min;
    unsigned  b;

    len = 0;

    for (i = 0; i < n; /* void */) {
        b = (unsigned char) p[i];

        if (b < 0x80) {
            if (b < 0x20 || b == 0x7f) {
                return -1;
            }

            i++;
            len++;
            continue;
        }

        if ((b & 0xe0) == 0xc0) {
            k = 1; c = b & 0x1f; min = 0x80;

        } else if ((b & 0xf0) == 0xe0) {
            k = 2; c = b & 0x0f; min = 0x800;

        } else if ((b & 0xf8) == 0xf0) {
            k = 3; c = b & 0x07; min = 0x10000;

        } else {
            return -1;
        }

        for (i++; k; k--, i++) {
            if (i >= n || ((unsigned char) p[i] & 0xc0) != 0x80) {
                return -1;
            }

            c = (c << 6) | ((unsigned char) p[i] & 0x3f);
        }

        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            return -1;
        }

        len += (c >= 0x10000) ? 2 : 1;
    }

    return len;
}


/* one UTF-8 sequence: its length, 0 if invalid */

static size_t
ngx_pad_msg_utf8_next(const char *p, size_t n, uint32_t *cp)
{
    size_t    i, k;
    uint32_t  c, min;
    unsigned  b;

    b = (unsigned char) p[0];

    if (b < 0x80) {
        *cp = b;
        return 1;
    }

    if ((b & 0xe0) == 0xc0) {
        k = 1; c = b & 0x1f; min = 0x80;

    } else if ((b & 0xf0) == 0xe0) {
        k = 2; c = b & 0x0f; min = 0x800;

    } else if ((b & 0xf8) == 0xf0) {
        k = 3; c = b & 0x07; min = 0x10000;

    } else {
        return 0;
    }

    if (k >= n) {
        return 0;
    }

    for (i = 1; i <= k; i++) {
        if (((unsigned char) p[i] & 0xc0) != 0x80) {
            return 0;
        }

        c = (c << 6) | ((unsigned char) p[i] & 0x3f);
    }

    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }

    *cp = c;

    return k + 1;
}


/* JavaScript's \s */

static int
ngx_pad_msg_js_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0
           || c == 0x1680 || (c >= 0x2000 && c <= 0x200a)
           || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
           || c == 0x3000 || c == 0xfeff;
}


/*
 * Etherpad's isValidPadId, /^(g.[a-zA-Z0-9]{16}\$)?[^$]{1,50}$/, on the
 * UTF-16 code units of valid UTF-8: "." is any unit but a line
 * terminator, the 50 are units.
 */

int
ngx_pad_msg_padid_etherpad_valid(const ngx_pad_str_t *s)
{
    size_t       i, k, off;
    intptr_t     len;
    uint32_t     c;
    const char  *p;

    p = s->data;
    off = 0;

    if (s->len > 0 && p[0] == 'g' && s->len > 1) {
        k = ngx_pad_msg_utf8_next(p + 1, s->len - 1, &c);

        if (k && c < 0x10000 && c != '\n' && c != '\r' && c != 0x2028
            && c != 0x2029 && s->len > 1 + k + 16 && p[1 + k + 16] == '$')
        {
            for (i = 1 + k; i < 1 + k + 16; i++) {
                if (!((p[i] >= 'a' && p[i] <= 'z')
                      || (p[i] >= 'A' && p[i] <= 'Z')
                      || (p[i] >= '0' && p[i] <= '9')))
                {
                    break;
                }
            }

            if (i == 1 + k + 16) {
                off = 1 + k + 17;
            }
        }
    }

    len = 0;

    for (i = off; i < s->len; i += k) {
        k = ngx_pad_msg_utf8_next(p + i, s->len - i, &c);

        if (k == 0 || c == '$') {
            return 0;
        }

        len += (c >= 0x10000) ? 2 : 1;
    }

    return len >= 1 && len <= NGX_PAD_MSG_PADID_MAX;
}


/* Etherpad's rule, and no control characters (the module's own) */

int
ngx_pad_msg_padid_valid(const ngx_pad_str_t *s)
{
    return ngx_pad_msg_padid_etherpad_valid(s)
           && ngx_pad_msg_u16_len(s->data, s->len) >= 0;
}


size_t
ngx_pad_msg_padid_sanitize(const ngx_pad_str_t *s, char *out)
{
    size_t    i, j, k, n, pass;
    int       run, hit;
    uint32_t  c;
    char     *buf;

    if (s->len) {
        memcpy(out, s->data, s->len);
    }

    n = s->len;
    buf = out;

    /* pass 0: /\s+/g -> "_", pass 1: /:+/g -> "_" (JavaScript's \s) */

    for (pass = 0; pass < 2; pass++) {
        j = 0;
        run = 0;

        for (i = 0; i < n; i += k) {
            k = ngx_pad_msg_utf8_next(buf + i, n - i, &c);

            if (k == 0) {
                c = 0xfffd;     /* kept as it is; refused by the caller */
                k = 1;
            }

            hit = (pass == 0) ? ngx_pad_msg_js_space(c) : (c == ':');

            if (hit) {
                if (!run) {
                    buf[j++] = '_';
                    run = 1;
                }

                continue;
            }

            run = 0;
            memmove(buf + j, buf + i, k);
            j += k;
        }

        n = j;
    }

    return n;
}


int
ngx_pad_msg_is_readonly_id(const ngx_pad_str_t *s)
{
    return s->len >= 2 && s->data[0] == 'r' && s->data[1] == '.';
}


/* parsing */

static int
ngx_pad_msg_parse_user_info(json_t *ui, ngx_pad_msg_t *out, int need_color,
    const char **err)
{
    json_t  *v;

    if (!json_is_object(ui)) {
        if (need_color) {
            *err = "userInfo is not an object";
            return -1;
        }

        return 0;
    }

    v = json_object_get(ui, "colorId");

    if (json_is_string(v)) {
        out->color.data = json_string_value(v);
        out->color.len = json_string_length(v);

        if (ngx_pad_msg_color_valid(&out->color)) {
            out->has_color = 1;
        }
    }

    if (need_color && !out->has_color) {
        *err = "invalid colorId in USERINFO_UPDATE";
        return -1;
    }

    v = json_object_get(ui, "name");

    if (json_is_string(v) && json_string_length(v) > 0) {
        out->name.data = json_string_value(v);
        out->name.len = json_string_length(v);

        if (out->name.len > NGX_PAD_MSG_NAME_MAX) {
            *err = "user name too long";
            return -1;
        }

        out->has_name = 1;
    }

    return 0;
}


static int
ngx_pad_msg_parse_collab(json_t *d, ngx_pad_msg_t *out, const char **err)
{
    json_t        *v;
    ngx_pad_str_t  t;

    if (!json_is_object(d) || ngx_pad_msg_get_str(d, "type", &t) != 0) {
        *err = "COLLABROOM message without data.type";
        return -1;
    }

    out->type_name = json_string_value(json_object_get(d, "type"));

    if (ngx_pad_msg_is(&t, "USER_CHANGES")) {
        out->type = NGX_PAD_MSG_USER_CHANGES;

        if (ngx_pad_msg_get_int(d, "baseRev", &out->base_rev) != 0) {
            *err = "baseRev is not an integer";
            return -1;
        }

        if (ngx_pad_msg_get_str(d, "changeset", &out->changeset) != 0) {
            *err = "changeset is not a string";
            return -1;
        }

        out->apool = json_object_get(d, "apool");

        if (!json_is_object(out->apool)) {
            *err = "apool is not an object";
            return -1;
        }

        return 0;
    }

    if (ngx_pad_msg_is(&t, "USERINFO_UPDATE")) {
        out->type = NGX_PAD_MSG_USERINFO_UPDATE;
        return ngx_pad_msg_parse_user_info(json_object_get(d, "userInfo"),
                                           out, 1, err);
    }

    if (ngx_pad_msg_is(&t, "CHAT_MESSAGE")) {
        out->type = NGX_PAD_MSG_CHAT_MESSAGE;

        v = json_object_get(d, "message");

        if (ngx_pad_msg_get_str(json_is_object(v) ? v : d, "text",
                                &out->text)
            != 0)
        {
            *err = "chat message without text";
            return -1;
        }

        if (out->text.len > NGX_PAD_MSG_CHAT_MAX) {
            *err = "chat message too long";
            return -1;
        }

        return 0;
    }

    if (ngx_pad_msg_is(&t, "GET_CHAT_MESSAGES")) {
        out->type = NGX_PAD_MSG_GET_CHAT_MESSAGES;

        if (ngx_pad_msg_get_int(d, "start", &out->start) != 0
            || ngx_pad_msg_get_int(d, "end", &out->end) != 0
            || out->start < 0 || out->end < out->start
            || out->end - out->start > 100)
        {
            *err = "invalid GET_CHAT_MESSAGES range";
            return -1;
        }

        return 0;
    }

    if (ngx_pad_msg_is(&t, "SAVE_REVISION")) {
        out->type = NGX_PAD_MSG_SAVE_REVISION;
        return 0;
    }

    if (ngx_pad_msg_is(&t, "CLIENT_MESSAGE")) {
        out->type = NGX_PAD_MSG_CLIENT_MESSAGE;
        return 0;
    }

    if (ngx_pad_msg_is(&t, "PAD_DELETE")) {
        out->type = NGX_PAD_MSG_PAD_DELETE;
        return 0;
    }

    out->type = NGX_PAD_MSG_UNKNOWN;

    return 0;
}


int
ngx_pad_msg_parse(json_t *m, ngx_pad_msg_t *out, const char **err)
{
    json_t        *v, *d;
    ngx_pad_str_t  t;

    memset(out, 0, sizeof(ngx_pad_msg_t));
    out->client_rev = -1;
    out->type_name = "?";

    if (!json_is_object(m)) {
        *err = "message is not an object";
        return -1;
    }

    if (ngx_pad_msg_get_str(m, "component", &t) != 0
        || !ngx_pad_msg_is(&t, "pad"))
    {
        *err = "message component is not \"pad\"";
        return -1;
    }

    if (ngx_pad_msg_get_str(m, "type", &t) != 0) {
        *err = "message without type";
        return -1;
    }

    out->type_name = json_string_value(json_object_get(m, "type"));

    if (ngx_pad_msg_is(&t, "COLLABROOM")) {
        return ngx_pad_msg_parse_collab(json_object_get(m, "data"), out, err);
    }

    if (ngx_pad_msg_is(&t, "CLIENT_READY")) {
        out->type = NGX_PAD_MSG_CLIENT_READY;

        if (ngx_pad_msg_get_str(m, "padId", &out->pad_id) != 0) {
            *err = "CLIENT_READY without padId";
            return -1;
        }

        (void) ngx_pad_msg_get_str(m, "token", &out->token);

        if (ngx_pad_msg_parse_user_info(json_object_get(m, "userInfo"), out,
                                        0, err)
            != 0)
        {
            return -1;
        }

        out->reconnect = json_is_true(json_object_get(m, "reconnect"));

        if (out->reconnect) {
            if (ngx_pad_msg_get_int(m, "client_rev", &out->client_rev) != 0
                || out->client_rev < 0)
            {
                *err = "reconnect without a valid client_rev";
                return -1;
            }
        }

        out->batch = json_is_true(json_object_get(m, "newChangesBatch"));
        out->timeslider = json_is_object(json_object_get(m, "data"));

        return 0;
    }

    if (ngx_pad_msg_is(&t, "CHANGESET_REQ")) {
        out->type = NGX_PAD_MSG_CHANGESET_REQ;

        d = json_object_get(m, "data");

        if (!json_is_object(d)
            || ngx_pad_msg_get_coerced(d, "start", &out->start) != 0
            || ngx_pad_msg_get_coerced(d, "granularity", &out->granularity)
               != 0
            || out->start < 0 || out->granularity < 1
            || out->granularity > 1000000)
        {
            *err = "invalid CHANGESET_REQ";
            return -1;
        }

        v = json_object_get(d, "requestID");
        out->request_id = v;

        return 0;
    }

    out->type = NGX_PAD_MSG_UNKNOWN;

    return 0;
}


/* pools */

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


/* builders */

json_t *
ngx_pad_msg_event(json_t *data)
{
    return json_pack("[so]", "message", data);
}


json_t *
ngx_pad_msg_collab(json_t *inner)
{
    return json_pack("{s:s,s:o}", "type", "COLLABROOM", "data", inner);
}


json_t *
ngx_pad_msg_disconnect(const char *reason)
{
    return json_pack("{s:s}", "disconnect", reason);
}


json_t *
ngx_pad_msg_deny(void)
{
    return json_pack("{s:s}", "accessStatus", "deny");
}


json_t *
ngx_pad_msg_accept_commit(int64_t new_rev)
{
    return ngx_pad_msg_collab(json_pack("{s:s,s:I}", "type", "ACCEPT_COMMIT",
                                        "newRev", (json_int_t) new_rev));
}


char *
ngx_pad_msg_rev_item(int64_t new_rev, const ngx_pad_str_t *wire_cs,
    ngx_pad_pool_t *wire_pool, const ngx_pad_str_t *author,
    int64_t current_time, int64_t time_delta, int has_delta)
{
    char    *s;
    json_t  *o;

    o = json_pack("{s:I,s:s%,s:o,s:s%,s:I,s:o}",
                  "newRev", (json_int_t) new_rev,
                  "changeset", wire_cs->data, wire_cs->len,
                  "apool", ngx_pad_msg_pool_to_json(wire_pool),
                  "author", author->data ? author->data : "", author->len,
                  "currentTime", (json_int_t) current_time,
                  "timeDelta", has_delta ? json_integer(time_delta)
                                         : json_null());
    if (o == NULL) {
        return NULL;
    }

    s = json_dumps(o, JSON_COMPACT|JSON_PRESERVE_ORDER);

    json_decref(o);

    return s;
}


size_t
ngx_pad_msg_new_changes_packet(unsigned char *buf, const char *item,
    size_t item_len)
{
    size_t  pl, n;

    /* item is "{...}": drop its "{" and close with "}}]" */

    pl = sizeof(ngx_pad_msg_cv_prefix) - 1;
    n = pl + (item_len - 1) + 2;

    if (buf == NULL) {
        return n;
    }

    memcpy(buf, ngx_pad_msg_cv_prefix, pl);
    memcpy(buf + pl, item + 1, item_len - 1);
    memcpy(buf + pl + item_len - 1, "}]", 2);

    return n;
}


size_t
ngx_pad_msg_batch_packet(unsigned char *buf, const char **items,
    const size_t *lens, size_t n)
{
    size_t          i, size;
    unsigned char  *p;

    size = sizeof(ngx_pad_msg_batch_prefix) - 1 + 4;

    for (i = 0; i < n; i++) {
        size += lens[i] + (i ? 1 : 0);
    }

    if (buf == NULL) {
        return size;
    }

    p = buf;
    memcpy(p, ngx_pad_msg_batch_prefix, sizeof(ngx_pad_msg_batch_prefix) - 1);
    p += sizeof(ngx_pad_msg_batch_prefix) - 1;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
        }

        memcpy(p, items[i], lens[i]);
        p += lens[i];
    }

    memcpy(p, "]}}]", 4);

    return size;
}


/* users */

json_t *
ngx_pad_msg_user_json(const ngx_pad_msg_user_t *u)
{
    json_t  *color, *name;

    color = (u->color_index >= 0) ? json_integer(u->color_index)
                                  : ngx_pad_msg_string(&u->color);
    name = u->has_name ? ngx_pad_msg_string(&u->name) : json_null();

    return json_pack("{s:o,s:o,s:s%}", "colorId", color, "name", name,
                     "userId", u->author.data ? u->author.data : "",
                     u->author.len);
}


json_t *
ngx_pad_msg_user_newinfo(const ngx_pad_msg_user_t *u)
{
    return ngx_pad_msg_collab(json_pack("{s:s,s:o}", "type", "USER_NEWINFO",
                                        "userInfo", ngx_pad_msg_user_json(u)));
}


json_t *
ngx_pad_msg_user_leave(const ngx_pad_msg_user_t *u)
{
    json_t  *color;

    color = (u->color_index >= 0) ? json_integer(u->color_index)
                                  : ngx_pad_msg_string(&u->color);

    return ngx_pad_msg_collab(
        json_pack("{s:s,s:{s:o,s:s%}}", "type", "USER_LEAVE",
                  "userInfo", "colorId", color, "userId",
                  u->author.data ? u->author.data : "", u->author.len));
}


/* CLIENT_VARS */

/*
 * Site settings over the defaults: a value that is an object where the
 * default is an object too is merged into it key by key (recursively), so
 * that a site file with "padOptions": {"showChat": false} keeps every other
 * pad option; the browser reads nested keys such as padOptions.* and
 * scrollWhenFocusLineIsOutOfViewport.percentage.* without checking them.
 * Any other value replaces the default.
 */

static int
ngx_pad_msg_merge_site(json_t *dst, json_t *site)
{
    const char  *key;
    json_t      *sv, *dv, *copy;

    json_object_foreach(site, key, sv) {
        dv = json_object_get(dst, key);

        if (dv && json_is_object(dv) && json_is_object(sv)) {
            copy = json_deep_copy(dv);
            if (copy == NULL) {
                return -1;
            }

            if (ngx_pad_msg_merge_site(copy, sv) != 0) {
                json_decref(copy);
                return -1;
            }

            /* json_object_set_new() releases copy on failure */

            if (json_object_set_new(dst, key, copy) != 0) {
                return -1;
            }

            continue;
        }

        if (json_object_set(dst, key, sv) != 0) {
            return -1;
        }
    }

    return 0;
}


static json_t *
ngx_pad_msg_vars_defaults(void)
{
    size_t   i;
    json_t  *pal, *o;

    pal = json_array();
    if (pal == NULL) {
        return NULL;
    }

    for (i = 0; i < NGX_PAD_MSG_PALETTE_SIZE; i++) {
        json_array_append_new(pal, json_string(ngx_pad_msg_palette[i]));
    }

    o = json_pack(
        "{s:s,s:s,s:s,s:{s:i},s:b,s:i,s:[],s:{},s:[],s:o,"
        "s:{s:b,s:b,s:b,s:b,s:b,s:n,s:n,s:b,s:b,s:b,s:n},"
        "s:{s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,"
        "s:b,s:b,s:b,s:b,s:b,s:b,s:b},"
        "s:{},s:i,s:s,s:s,s:s,s:{s:{},s:[]},s:b,"
        "s:{s:{s:i,s:i},s:i,s:b,s:i},s:[],s:s}",
        "skinName", "colibris",
        "skinVariants",
            "super-light-toolbar super-light-editor light-background",
        "randomVersionString", "ngxpad01",
        "accountPrivs", "maxRevisions", 100,
        "enableDarkMode", 1,
        "automaticReconnectionTimeout", 0,
        "initialRevisionList",
        "initialOptions",
        "savedRevisions",
        "colorPalette", pal,
        "padOptions",
            "noColors", 0, "showControls", 1, "showChat", 1,
            "showLineNumbers", 1, "useMonospaceFont", 0, "userName",
            "userColor", "rtl", 0, "alwaysShowChat", 0, "chatAndUsers", 0,
            "lang",
        "padShortcutEnabled",
            "altF9", 1, "altC", 1, "cmdShift2", 1, "delete", 1, "return", 1,
            "esc", 1, "cmdS", 1, "tab", 1, "cmdZ", 1, "cmdY", 1, "cmdI", 1,
            "cmdB", 1, "cmdU", 1, "cmd5", 1, "cmdShiftL", 1, "cmdShiftN", 1,
            "cmdShift1", 1, "cmdShiftC", 1, "cmdH", 1, "ctrlHome", 1,
            "pageUp", 1, "pageDown", 1,
        "opts",
        "sessionRefreshInterval", 0,
        "abiwordAvailable", "no",
        "sofficeAvailable", "no",
        "exportAvailable", "no",
        "plugins", "plugins", "parts",
        "indentationOnNewLine", 1,
        "scrollWhenFocusLineIsOutOfViewport",
            "percentage", "editionAboveViewport", 0, "editionBelowViewport", 0,
            "duration", 0,
            "scrollWhenCaretIsInTheLastLineOfViewport", 0,
            "percentageToScrollWhenUserPressesArrowUp", 0,
        "initialChangesets",
        "mode", "production");

    return o;
}


json_t *
ngx_pad_msg_client_vars(const ngx_pad_msg_vars_t *v)
{
    char    title[128];
    json_t  *d, *ccv, *color, *apool;

    d = ngx_pad_msg_vars_defaults();
    if (d == NULL) {
        return NULL;
    }

    if (v->site && json_is_object(v->site)) {
        if (ngx_pad_msg_merge_site(d, v->site) != 0) {
            goto failed;
        }
    }

    apool = ngx_pad_msg_pool_to_json(v->wire_pool);
    if (apool == NULL) {
        goto failed;
    }

    ccv = json_pack("{s:{s:s%,s:s%},s:s,s:s%,s:o,s:o,s:I,s:I}",
                    "initialAttributedText",
                        "text", v->atext.text.data, v->atext.text.len,
                        "attribs", v->atext.attribs.data,
                        v->atext.attribs.len,
                    "clientIp", v->client_ip ? v->client_ip : "127.0.0.1",
                    "padId", v->pad_id.data, v->pad_id.len,
                    "historicalAuthorData",
                        v->authors ? json_incref(v->authors) : json_object(),
                    "apool", apool,
                    "rev", (json_int_t) v->rev,
                    "time", (json_int_t) v->time);
    if (ccv == NULL) {
        goto failed;
    }

    if (json_object_set_new(d, "collab_client_vars", ccv) != 0) {
        goto failed;
    }

    color = (v->user.color_index >= 0) ? json_integer(v->user.color_index)
                                       : ngx_pad_msg_string(&v->user.color);

    snprintf(title, sizeof(title), "Pad: %.*s",
             (int) (v->pad_id.len > 100 ? 100 : v->pad_id.len),
             v->pad_id.data);

    if (json_object_set_new(d, "clientIp", json_string(
            v->client_ip ? v->client_ip : "127.0.0.1")) != 0
        || json_object_set_new(d, "userColor", color) != 0
        || json_object_set_new(d, "padId", ngx_pad_msg_string(&v->pad_id))
           != 0
        || json_object_set_new(d, "initialTitle", json_string(title)) != 0
        || json_object_set_new(d, "chatHead", json_integer(v->chat_head))
           != 0
        || json_object_set_new(d, "numConnectedUsers",
                               json_integer(v->connected)) != 0
        || json_object_set_new(d, "readOnlyId",
                               ngx_pad_msg_string(&v->readonly_id)) != 0
        || json_object_set_new(d, "readonly", json_boolean(v->readonly))
           != 0
        || json_object_set_new(d, "serverTimestamp",
                               json_integer(v->server_time)) != 0
        || json_object_set_new(d, "userId",
                               ngx_pad_msg_string(&v->user.author)) != 0)
    {
        goto failed;
    }

    if (v->user.has_name) {
        if (json_object_set_new(d, "userName",
                                ngx_pad_msg_string(&v->user.name)) != 0)
        {
            goto failed;
        }
    }

    if (v->saved && json_object_set(d, "savedRevisions", v->saved) != 0) {
        goto failed;
    }

    return json_pack("{s:s,s:o}", "type", "CLIENT_VARS", "data", d);

failed:

    json_decref(d);

    return NULL;
}
