
/*
 * One cookie of a Cookie header ("a=1; b=2"), found as the cookie
 * package behind Etherpad's cookie-parser finds it: pairs split at ";",
 * a pair without "=" ends the parse, the name and the value trimmed of
 * spaces and tabs, a value that starts with '"' loses its first and last
 * byte, the first pair of a name wins.  The value is not %-decoded.
 * Pure: no allocation; the value points into the input.
 */


#ifndef _NGX_PAD_COOKIE_H_INCLUDED_
#define _NGX_PAD_COOKIE_H_INCLUDED_


#include <stddef.h>

#include "easysync/ngx_pad_cs.h"


/* 0 and *value set, or -1 when there is no cookie "name" */
int ngx_pad_cookie_get(const char *p, size_t len, const char *name,
    ngx_pad_str_t *value);


#endif /* _NGX_PAD_COOKIE_H_INCLUDED_ */
