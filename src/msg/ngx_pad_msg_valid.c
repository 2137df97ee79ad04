
/*
 * Etherpad pad messages: validation of what clients name (tokens,
 * colours, pad ids, read-only ids; reference §3.2, §8).
 */


#include <string.h>

#include "msg/ngx_pad_msg_valid.h"


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
