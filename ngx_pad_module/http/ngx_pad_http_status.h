
/*
 * ngx_pad_module: "pad_status" locations, the metrics of every worker in
 * Prometheus's text format or as JSON (?format=json).
 */


#ifndef _NGX_PAD_HTTP_STATUS_H_INCLUDED_
#define _NGX_PAD_HTTP_STATUS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* the "pad_status" directive (cmd->offset: the metrics settings) */
char *ngx_pad_http_status_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_PAD_HTTP_STATUS_H_INCLUDED_ */
