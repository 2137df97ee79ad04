/*
 * Easysync engine: base-36 numbers.
 */

#include "ngx_pad_cs_num.h"


#define N  -1

const signed char  ngx_pad_b36_digit[256] = {
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
    25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
    N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N
};

#undef N


intptr_t
ngx_pad_parse_num(const char *p, const char *end, intptr_t *n,
    const char **next)
{
    int       d;
    intptr_t  v, big;

    v = 0;
    big = 0;

    if (p >= end || ngx_pad_b36(*p) < 0) {
        return -1;
    }

    while (p < end && (d = ngx_pad_b36(*p)) >= 0) {
        if (v > (NGX_PAD_CS_NUM_MAX - 35) / 36
            && v > (NGX_PAD_CS_NUM_MAX - d) / 36)
        {
            big = 1;

        } else {
            v = v * 36 + d;
        }

        p++;
    }

    *n = v;
    *next = p;

    return big ? -2 : 0;
}
