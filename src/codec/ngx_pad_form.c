
/*
 * Form fields: query strings, urlencoded and multipart bodies.
 */


#include <string.h>

#include "codec/ngx_pad_form.h"


static int ngx_pad_form_hex(int c);
static const char *ngx_pad_form_find(const char *p, const char *last,
    const char *s, size_t n);
static int ngx_pad_form_part(const char *p, const char *last,
    ngx_pad_form_field_t *f);
static int ngx_pad_form_ncaseeq(const char *a, const char *b, size_t n);


static int
ngx_pad_form_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static size_t
ngx_pad_form_decode(const char *p, const char *last, char *out)
{
    int    h, l;
    char  *o;

    o = out;

    while (p < last) {
        if (*p == '+') {
            *o++ = ' ';
            p++;
            continue;
        }

        if (*p == '%' && last - p >= 3
            && (h = ngx_pad_form_hex((unsigned char) p[1])) >= 0
            && (l = ngx_pad_form_hex((unsigned char) p[2])) >= 0)
        {
            *o++ = (char) (h * 16 + l);
            p += 3;
            continue;
        }

        *o++ = *p++;
    }

    return o - out;
}


int
ngx_pad_form_urlencoded(const char *p, size_t len, char *buf,
    ngx_pad_form_field_t *fields, size_t max, size_t *n)
{
    const char            *last, *amp, *eq;
    ngx_pad_form_field_t  *f;

    last = p + len;

    while (p < last) {
        amp = memchr(p, '&', last - p);
        if (amp == NULL) {
            amp = last;
        }

        if (amp == p) {
            p++;
            continue;
        }

        if (*n >= max) {
            return -1;
        }

        eq = memchr(p, '=', amp - p);
        if (eq == NULL) {
            eq = amp;
        }

        f = &fields[(*n)++];

        f->name.data = buf;
        f->name.len = ngx_pad_form_decode(p, eq, buf);
        buf += f->name.len;

        f->value.data = buf;
        f->value.len = (eq < amp) ? ngx_pad_form_decode(eq + 1, amp, buf)
                                  : 0;
        buf += f->value.len;

        p = amp + 1;
    }

    return 0;
}


static int
ngx_pad_form_ncaseeq(const char *a, const char *b, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if ((a[i] | 0x20) != (b[i] | 0x20)) {
            return 0;
        }
    }

    return 1;
}


int
ngx_pad_form_boundary(const char *type, size_t len, ngx_pad_str_t *out)
{
    const char  *p, *last, *b;

    static const char  mp[] = "multipart/form-data";

    p = type;
    last = type + len;

    if (len < sizeof(mp) - 1 || !ngx_pad_form_ncaseeq(p, mp, sizeof(mp) - 1))
    {
        return -1;
    }

    for (p += sizeof(mp) - 1; p + 9 <= last; p++) {
        if (ngx_pad_form_ncaseeq(p, "boundary=", 9)
            && (p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t'))
        {
            p += 9;

            if (p < last && *p == '"') {
                b = ++p;
                while (p < last && *p != '"') {
                    p++;
                }

            } else {
                b = p;
                while (p < last && *p != ';' && *p != ' ' && *p != '\t') {
                    p++;
                }
            }

            if (p - b < 1 || p - b > 70) {
                return -1;
            }

            out->data = b;
            out->len = p - b;
            return 0;
        }
    }

    return -1;
}


static const char *
ngx_pad_form_find(const char *p, const char *last, const char *s, size_t n)
{
    while ((size_t) (last - p) >= n) {
        p = memchr(p, s[0], last - p - n + 1);
        if (p == NULL) {
            return NULL;
        }

        if (memcmp(p, s, n) == 0) {
            return p;
        }

        p++;
    }

    return NULL;
}


int
ngx_pad_form_multipart(const char *p, size_t len,
    const ngx_pad_str_t *boundary, ngx_pad_form_field_t *fields,
    size_t max, size_t *n)
{
    int          rc;
    char         delim[76];
    size_t       dlen;
    const char  *last, *part, *end;

    if (boundary->len < 1 || boundary->len > 70) {
        return -1;
    }

    last = p + len;

    /* "--boundary" first, then "\r\n--boundary" between the parts */

    delim[0] = '\r';
    delim[1] = '\n';
    delim[2] = '-';
    delim[3] = '-';
    memcpy(delim + 4, boundary->data, boundary->len);
    dlen = boundary->len + 4;

    part = ngx_pad_form_find(p, last, delim + 2, dlen - 2);
    if (part == NULL) {
        return -1;
    }

    part += dlen - 2;

    for ( ;; ) {
        if (last - part >= 2 && part[0] == '-' && part[1] == '-') {
            return 0;
        }

        /* the rest of the boundary line */

        part = ngx_pad_form_find(part, last, "\r\n", 2);
        if (part == NULL) {
            return -1;
        }

        part += 2;

        end = ngx_pad_form_find(part, last, delim, dlen);
        if (end == NULL) {
            return -1;
        }

        if (*n >= max) {
            return -1;
        }

        rc = ngx_pad_form_part(part, end, &fields[*n]);
        if (rc < 0) {
            return -1;
        }

        if (rc == 0) {
            (*n)++;
        }

        part = end + dlen;
    }
}


/* 0 a field, 1 a part to skip (a file), -1 malformed */

static int
ngx_pad_form_part(const char *p, const char *last, ngx_pad_form_field_t *f)
{
    int          named, file;
    const char  *eol, *q, *v;

    named = 0;
    file = 0;

    for ( ;; ) {
        eol = ngx_pad_form_find(p, last, "\r\n", 2);
        if (eol == NULL) {
            return -1;
        }

        if (eol == p) {
            break;
        }

        if (eol - p > 20
            && ngx_pad_form_ncaseeq(p, "content-disposition:", 20))
        {
            for (q = p + 20; q + 5 < eol; q++) {
                if ((q[-1] == ';' || q[-1] == ' ')
                    && ngx_pad_form_ncaseeq(q, "name=\"", 6))
                {
                    v = q + 6;
                    q = memchr(v, '"', eol - v);
                    if (q == NULL) {
                        return -1;
                    }

                    f->name.data = v;
                    f->name.len = q - v;
                    named = 1;

                } else if (ngx_pad_form_ncaseeq(q, "filename=", 9)) {
                    file = 1;
                }
            }
        }

        p = eol + 2;
    }

    if (!named) {
        return -1;
    }

    f->value.data = p + 2;
    f->value.len = last - (p + 2);

    return file;
}
