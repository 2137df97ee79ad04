
/*
 * The "pad_socketio" content handler (work in progress: the transport
 * is being written; this first increment only answers 501).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_pad_module.h"


ngx_int_t
ngx_pad_http_handler(ngx_http_request_t *r)
{
    return NGX_HTTP_NOT_IMPLEMENTED;
}


ngx_int_t
ngx_pad_transport_init_process(ngx_cycle_t *cycle)
{
    return NGX_OK;
}


void
ngx_pad_transport_exit_process(ngx_cycle_t *cycle)
{
}
