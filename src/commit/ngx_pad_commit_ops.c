
/*
 * ngx_pad_module: the ops of a client's changeset, read for the author
 * rules and stamped with the author (ngx_pad_commit_ops.h).
 */


#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "commit/ngx_pad_commit_ops.h"


/* one op of a checked changeset's ops */

typedef struct {
    const char    *start;        /* the op */
    const char    *attrs_end;    /* end of its "*n" list */
    const char    *end;
    char           opcode;
} ngx_pad_commit_op_t;


static intptr_t ngx_pad_commit_ops_num36(const char **pp, const char *end);
static char *ngx_pad_commit_ops_put36(char *p, intptr_t n);
static int ngx_pad_commit_ops_next(const char **pp, const char *end,
    ngx_pad_commit_op_t *op);
static int ngx_pad_commit_ops_is(const ngx_pad_str_t *a, const char *b,
    size_t blen);
static int ngx_pad_commit_ops_after(const ngx_pad_str_t *a, const char *b,
    size_t blen);


/* base 36 number at p; advances p */

static intptr_t
ngx_pad_commit_ops_num36(const char **pp, const char *end)
{
    intptr_t     n;
    const char  *p;

    n = 0;

    for (p = *pp; p < end; p++) {
        if (*p >= '0' && *p <= '9') {
            n = n * 36 + (*p - '0');

        } else if (*p >= 'a' && *p <= 'z') {
            n = n * 36 + (*p - 'a' + 10);

        } else {
            break;
        }

        if (n > (intptr_t) 1 << 40) {
            return -1;
        }
    }

    if (p == *pp) {
        return -1;
    }

    *pp = p;

    return n;
}


static char *
ngx_pad_commit_ops_put36(char *p, intptr_t n)
{
    char    tmp[16];
    size_t  i;

    i = 0;

    do {
        tmp[i++] = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
        n /= 36;
    } while (n && i < sizeof(tmp));

    while (i) {
        *p++ = tmp[--i];
    }

    return p;
}


static int
ngx_pad_commit_ops_next(const char **pp, const char *end,
    ngx_pad_commit_op_t *op)
{
    const char  *p;

    p = *pp;
    op->start = p;

    while (p < end && *p == '*') {
        p++;

        if (ngx_pad_commit_ops_num36(&p, end) < 0) {
            return -1;
        }
    }

    op->attrs_end = p;

    if (p < end && *p == '|') {
        p++;

        if (ngx_pad_commit_ops_num36(&p, end) < 0) {
            return -1;
        }
    }

    if (p >= end || (*p != '+' && *p != '-' && *p != '=')) {
        return -1;
    }

    op->opcode = *p++;

    if (ngx_pad_commit_ops_num36(&p, end) < 0) {
        return -1;
    }

    op->end = p;
    *pp = p;

    return 0;
}


static int
ngx_pad_commit_ops_is(const ngx_pad_str_t *a, const char *b, size_t blen)
{
    return a->len == blen && (blen == 0 || memcmp(a->data, b, blen) == 0);
}


/* a sorts after b (bytes, then the shorter first) */

static int
ngx_pad_commit_ops_after(const ngx_pad_str_t *a, const char *b, size_t blen)
{
    int     m;
    size_t  n;

    n = a->len < blen ? a->len : blen;
    m = n ? memcmp(a->data, b, n) : 0;

    if (m || a->len == blen) {
        return m > 0;
    }

    return a->len > blen;
}


int
ngx_pad_commit_ops_authors(const ngx_pad_str_t *ops, ngx_pad_pool_t *wire,
    ngx_pad_pool_t *padpool, const ngx_pad_str_t *author, int require_author,
    int *stamp, const char **why)
{
    int                  has_author;
    intptr_t             num;
    const char          *p, *q, *end;
    ngx_pad_str_t        k, v;
    ngx_pad_commit_op_t  op;

    p = ops->data;
    end = p + ops->len;
    *stamp = 0;

    while (p < end) {
        if (ngx_pad_commit_ops_next(&p, end, &op) != 0) {
            *why = "malformed op";
            return -1;
        }

        has_author = 0;

        for (q = op.start; q < op.attrs_end; /* void */) {
            q++;
            num = ngx_pad_commit_ops_num36(&q, op.attrs_end);

            if (num < 0 || ngx_pad_pool_get(wire, num, &k, &v) != 0) {
                *why = "attribute not in the changeset's pool";
                return -1;
            }

            if (!ngx_pad_commit_ops_is(&k, "author", 6)) {
                continue;
            }

            has_author = 1;

            if (ngx_pad_commit_ops_is(&v, author->data, author->len)) {
                continue;
            }

            if (op.opcode != '=') {
                *why = "foreign author on an insert or delete";
                return -1;
            }

            if (v.len > 0
                && ngx_pad_pool_put_attrib(padpool, &k, &v, 1) < 0)
            {
                *why = "foreign author not in the pad's pool";
                return -1;
            }
        }

        if (op.opcode == '+' && !has_author) {
            if (require_author) {
                *why = "insert without an author";
                return -1;
            }

            *stamp = 1;
        }
    }

    return 0;
}


size_t
ngx_pad_commit_ops_stamp_size(const ngx_pad_str_t *ops)
{
    /* "*" and up to 16 digits more per op, an op being 2 bytes at least */
    return ops->len * 17 + 16;
}


size_t
ngx_pad_commit_ops_stamp(const ngx_pad_str_t *ops, ngx_pad_pool_t *wire,
    intptr_t author_num, char *out)
{
    int                  has_author, placed;
    char                *o;
    intptr_t             num;
    const char          *p, *q, *s, *end;
    ngx_pad_str_t        k, v;
    ngx_pad_commit_op_t  op;

    p = ops->data;
    end = p + ops->len;
    o = out;

    while (p < end) {
        (void) ngx_pad_commit_ops_next(&p, end, &op);

        has_author = 0;

        for (q = op.start; q < op.attrs_end; /* void */) {
            q++;
            num = ngx_pad_commit_ops_num36(&q, op.attrs_end);
            (void) ngx_pad_pool_get(wire, num, &k, &v);

            if (ngx_pad_commit_ops_is(&k, "author", 6)) {
                has_author = 1;
            }
        }

        if (op.opcode != '+' || has_author) {
            memcpy(o, op.start, op.end - op.start);
            o += op.end - op.start;
            continue;
        }

        placed = 0;

        for (q = op.start; q < op.attrs_end; /* void */) {
            s = q;
            q++;
            num = ngx_pad_commit_ops_num36(&q, op.attrs_end);
            (void) ngx_pad_pool_get(wire, num, &k, &v);

            if (!placed && ngx_pad_commit_ops_after(&k, "author", 6)) {
                *o++ = '*';
                o = ngx_pad_commit_ops_put36(o, author_num);
                placed = 1;
            }

            memcpy(o, s, q - s);
            o += q - s;
        }

        if (!placed) {
            *o++ = '*';
            o = ngx_pad_commit_ops_put36(o, author_num);
        }

        memcpy(o, op.attrs_end, op.end - op.attrs_end);
        o += op.end - op.attrs_end;
    }

    return o - out;
}
