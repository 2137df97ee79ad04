
/*
 * ngx_pad_module: shared types of the module.
 *
 * The main conf holds worker-wide settings, one part each; the loc conf
 * is the transport's (transport/ngx_pad_transport_conf.h).
 */


#ifndef _NGX_PAD_MODULE_H_INCLUDED_
#define _NGX_PAD_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "metrics/ngx_pad_metrics.h"
#include "store/ngx_pad_store_conf.h"
#include "authz/ngx_pad_authz_conf.h"
#include "engine/ngx_pad_engine_conf.h"
#include "transport/ngx_pad_relay_conf.h"
#include "transport/ngx_pad_transport_conf.h"
#include "http/ngx_pad_http_api_conf.h"


#include "ngx_pad_version.h"


typedef struct {
    ngx_flag_t                 socketio;     /* some location serves it */

    /* other parts: add main-level fields below (e.g. Redis address) */
    ngx_pad_store_conf_t       store;        /* Redis, storage */
    ngx_pad_authz_conf_t       authz;        /* access to pads */
    ngx_pad_engine_conf_t      engine;       /* pad engine */
    ngx_pad_relay_conf_t       relay;        /* session relay (transport) */
    ngx_pad_metrics_conf_t     metrics;      /* the metrics zone */
    ngx_pad_api_conf_t         api;          /* the HTTP API */
} ngx_pad_main_conf_t;


#endif /* _NGX_PAD_MODULE_H_INCLUDED_ */
