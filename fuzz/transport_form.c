/*
 * libFuzzer target: form fields (query strings, urlencoded and
 * multipart/form-data bodies) as the HTTP API reads them, and the
 * cookies of a Cookie header (each value inside the input).  The first
 * byte picks the boundary's length; every field must lie inside the
 * input (multipart) or the decoding buffer (urlencoded), which never
 * grows past the input's length.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ngx_pad_form.h"
#include "codec/ngx_pad_cookie.h"


static void
check(const ngx_pad_form_field_t *f, size_t n, const char *lo, size_t len)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (f[i].name.data < lo || f[i].name.data + f[i].name.len > lo + len
            || f[i].value.data < lo
            || f[i].value.data + f[i].value.len > lo + len)
        {
            abort();
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                  *buf;
    size_t                 n, blen;
    ngx_pad_str_t          b;
    ngx_pad_form_field_t   f[16];

    buf = malloc(size + 1);
    if (buf == NULL) {
        return 0;
    }

    n = 0;
    if (ngx_pad_form_urlencoded((const char *) data, size, buf, f, 16, &n)
        == 0)
    {
        check(f, n, buf, size);
    }

    if (n > 16) {
        abort();
    }

    (void) ngx_pad_form_boundary((const char *) data, size, &b);

    if (ngx_pad_cookie_get((const char *) data, size, "sessionID", &b) == 0
        && (b.data < (const char *) data
            || b.data + b.len > (const char *) data + size))
    {
        abort();
    }

    if (size > 1) {
        blen = 1 + data[0] % 8;

        if (blen < size) {
            b.data = (const char *) data + 1;
            b.len = blen;
            n = 0;

            if (ngx_pad_form_multipart((const char *) data + 1 + blen,
                                       size - 1 - blen, &b, f, 16, &n)
                == 0)
            {
                check(f, n, (const char *) data + 1 + blen,
                      size - 1 - blen);
            }
        }
    }

    free(buf);

    return 0;
}
