
/*
 * Incremental UTF-8 validator (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).  Pure C.  A text message split
 * into fragments is validated chunk by chunk; a sequence may straddle
 * chunks.  Fails as soon as a byte cannot start or continue a valid
 * sequence.
 */


#ifndef _NGX_PAD_UTF8_H_INCLUDED_
#define _NGX_PAD_UTF8_H_INCLUDED_


#include <stddef.h>


#define NGX_PAD_UTF8_OK          0   /* valid so far, at a boundary */
#define NGX_PAD_UTF8_PARTIAL     1   /* valid so far, inside a sequence */
#define NGX_PAD_UTF8_INVALID     2


typedef struct {
    unsigned char  need;     /* continuation bytes still expected */
    unsigned char  lo;       /* bounds of the next continuation byte */
    unsigned char  hi;
    unsigned char  invalid;
} ngx_pad_utf8_t;


#define ngx_pad_utf8_init(u)                                                  \
    (u)->need = 0; (u)->lo = 0x80; (u)->hi = 0xbf; (u)->invalid = 0

int ngx_pad_utf8_feed(ngx_pad_utf8_t *u, const unsigned char *p, size_t n);

/* whether a whole buffer is valid UTF-8 */
int ngx_pad_utf8_valid(const unsigned char *p, size_t n);


#endif /* _NGX_PAD_UTF8_H_INCLUDED_ */
