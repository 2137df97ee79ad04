
/*
 * ngx_pad_module: GET /p/<pad>[/<rev>]/export/etherpad, the whole pad as
 * Etherpad's ".etherpad" file, streamed (see the .c file).
 */


#ifndef _NGX_PAD_HTTP_EXPORT_ETHERPAD_H_INCLUDED_
#define _NGX_PAD_HTTP_EXPORT_ETHERPAD_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* revision and chat records read from Redis and sent per batch */
#define NGX_PAD_HTTP_EXPORT_EP_BATCH  100


/*
 * The access decision said yes and the caller set Content-Disposition:
 * reads the pad (its store id "pad") and streams its records, named by
 * "name" (the read-only id when asked by it); finalizes the request
 * itself when it returns NGX_OK, else the caller answers the status.
 */
ngx_int_t ngx_pad_http_export_etherpad(ngx_http_request_t *r,
    ngx_str_t *pad, ngx_str_t *name);


#endif /* _NGX_PAD_HTTP_EXPORT_ETHERPAD_H_INCLUDED_ */
