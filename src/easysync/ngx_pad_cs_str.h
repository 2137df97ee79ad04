/*
 * Easysync engine: UTF-8 text measured in UTF-16 code units.
 */

#ifndef _NGX_PAD_CS_STR_H_INCLUDED_
#define _NGX_PAD_CS_STR_H_INCLUDED_


#include "ngx_pad_cs.h"


/* StringIterator.ts over UTF-8, counted in UTF-16 units */
typedef struct {
    const char    *pos;
    const char    *end;
} ngx_pad_siter_t;


/*
 * Strict UTF-8 validation (no surrogates, no overlong forms); gives the
 * length in UTF-16 code units and the number of "\n".
 */
intptr_t ngx_pad_utf8_check(const ngx_pad_str_t *s, intptr_t *len16,
    intptr_t *nl);

/*
 * Advances n UTF-16 units over valid UTF-8 in [p, end), adding the "\n"
 * seen to *nl.  Returns the bytes consumed, -1 when the string is too
 * short, -2 when the end would fall inside a surrogate pair.
 */
intptr_t ngx_pad_u16_advance(const char *p, const char *end, intptr_t n,
    intptr_t *nl);

/* StringIterator.take(n): the next n units as s, with their "\n" count */
intptr_t ngx_pad_siter_take(ngx_pad_ctx_t *ctx, ngx_pad_siter_t *it,
    intptr_t n, ngx_pad_str_t *s, intptr_t *nl);

/* JavaScript string comparison (UTF-16 code unit order) */
int ngx_pad_str_cmp16(const ngx_pad_str_t *a, const ngx_pad_str_t *b);

/* a short prefix of s, cut at a character boundary, for messages */
const char *ngx_pad_cs_excerpt(const ngx_pad_str_t *s, int *n);


static inline int
ngx_pad_str_eq(const ngx_pad_str_t *a, const ngx_pad_str_t *b)
{
    size_t  i;

    if (a->len != b->len) {
        return 0;
    }

    for (i = 0; i < a->len; i++) {
        if (a->data[i] != b->data[i]) {
            return 0;
        }
    }

    return 1;
}


#endif /* _NGX_PAD_CS_STR_H_INCLUDED_ */
