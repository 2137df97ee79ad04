
/*
 * ngx_pad_module: the access decision of an export (pad_http), as
 * Etherpad's export route takes it (padaccess: checkAccess with the
 * sessionID and token cookies): 403 "403 - Can't touch this" when
 * denied, the same for a missing and a forbidden pad.
 */


#ifndef _NGX_PAD_HTTP_ACCESS_H_INCLUDED_
#define _NGX_PAD_HTTP_ACCESS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "authz/ngx_pad_authz.h"


/*
 * rc: NGX_OK granted, NGX_DECLINED denied, NGX_ERROR Redis unreachable;
 * called from the event loop, or from ngx_pad_http_access() itself when
 * no fact is needed (then it returns NGX_OK after the call).
 */
typedef void (*ngx_pad_http_access_pt)(void *data, ngx_int_t rc);

/*
 * pad: the real pad id; readonly_id: asked by its r. id.  NGX_OK: the
 * handler was or will be called; NGX_ERROR: it will not (out of memory,
 * no Redis).  *az: the decision in flight, to cancel at cleanup.
 */
ngx_int_t ngx_pad_http_access(ngx_http_request_t *r, ngx_str_t *pad,
    ngx_uint_t readonly_id, ngx_pad_http_access_pt handler, void *data,
    ngx_pad_authz_t **az);


#endif /* _NGX_PAD_HTTP_ACCESS_H_INCLUDED_ */
