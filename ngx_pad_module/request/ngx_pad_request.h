
/*
 * ngx_pad_module: what both the socket transport and the HTTP handlers
 * read from a client's HTTP request: its Cookie headers as one string,
 * and one cookie of them.  Below transport and http; calls nothing of the
 * module.
 */


#ifndef _NGX_PAD_REQUEST_H_INCLUDED_
#define _NGX_PAD_REQUEST_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * Every Cookie header of r, joined with "; " as one header (walking the
 * header list works with nginx 1.22's cookies array and 1.23's linked
 * headers alike).  One header is returned as it is, several are joined
 * in r->pool: either way *out lives as long as r.  out->len 0 when there
 * is none.  NGX_OK, or NGX_ERROR when out of memory.
 */
ngx_int_t ngx_pad_request_cookies(ngx_http_request_t *r, ngx_str_t *out);

/* cookie "name" of a joined Cookie header: NGX_OK, or NGX_DECLINED */
ngx_int_t ngx_pad_request_cookie(ngx_str_t *cookies, const char *name,
    ngx_str_t *value);


#endif /* _NGX_PAD_REQUEST_H_INCLUDED_ */
