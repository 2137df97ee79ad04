/*
 * Easysync engine: the numbers of changesets and attribute strings,
 * written in base 36 (parseInt(s, 36), n.toString(36)), and the
 * overflow-checked arithmetic on them.
 */

#ifndef _NGX_PAD_CS_NUM_H_INCLUDED_
#define _NGX_PAD_CS_NUM_H_INCLUDED_


#include <string.h>

#include "ngx_pad_cs.h"


/* the value of a base-36 digit, -1 for any other byte */
extern const signed char  ngx_pad_b36_digit[256];

#define ngx_pad_b36(c)  ngx_pad_b36_digit[(unsigned char) (c)]


/* a += b, a -= b: nonzero on overflow (absurd inputs only) */
#define ngx_pad_add(a, b)  __builtin_add_overflow(a, b, &(a))
#define ngx_pad_sub(a, b)  __builtin_sub_overflow(a, b, &(a))


/*
 * [0-9a-z]+ at p, parseInt(s, 36).  Returns 0, or -1 when there is no
 * digit, or -2 when the number exceeds NGX_PAD_CS_NUM_MAX.
 */
intptr_t ngx_pad_parse_num(const char *p, const char *end, intptr_t *n,
    const char **next);


/*
 * [0-9a-z]{1,10} at p (never above 2^53 - 1); NULL when there is no digit
 * or more than 10 (then ngx_pad_parse_num() decides).
 */

static inline const char *
ngx_pad_parse_short(const char *p, const char *end, intptr_t *n)
{
    int          d;
    uintptr_t    v;
    const char  *s;

    s = p;
    v = 0;

    while (p < end && (d = ngx_pad_b36(*p)) >= 0) {
        v = v * 36 + (uintptr_t) d;
        p++;
    }

    if (p == s || p - s > 10) {
        return NULL;
    }

    *n = (intptr_t) v;

    return p;
}


/* n.toString(36) into p (room for 14 bytes); returns the length */

static inline size_t
ngx_pad_num_format(char *p, intptr_t n)
{
    char       tmp[16], *t;
    size_t     len;
    uintptr_t  u;

    if (n >= 0 && n < 36) {
        *p = "0123456789abcdefghijklmnopqrstuvwxyz"[n];
        return 1;
    }

    t = tmp + sizeof(tmp);
    u = n < 0 ? (uintptr_t) 0 - (uintptr_t) n : (uintptr_t) n;

    do {
        *--t = "0123456789abcdefghijklmnopqrstuvwxyz"[u % 36];
        u /= 36;
    } while (u);

    if (n < 0) {
        *--t = '-';
    }

    len = tmp + sizeof(tmp) - t;
    memcpy(p, t, len);

    return len;
}


#endif /* _NGX_PAD_CS_NUM_H_INCLUDED_ */
