
/*
 * ngx_pad_module: "pad_http" locations: GET /p/<pad> (200, for command
 * line clients when no Etherpad front end serves /p/) and
 * GET /p/<pad>/export/txt (the pad's current text, read from Redis).
 */


#ifndef _NGX_PAD_HTTP_EXPORT_H_INCLUDED_
#define _NGX_PAD_HTTP_EXPORT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


ngx_int_t ngx_pad_http_export_handler(ngx_http_request_t *r);

/* the "pad_http" directive (cmd->offset: the store's settings) */
char *ngx_pad_http_export_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_PAD_HTTP_EXPORT_H_INCLUDED_ */
