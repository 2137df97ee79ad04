
/*
 * ngx_pad_module: module object, directives, configuration and the
 * per-worker process hooks.  Each part keeps its logic in its own
 * directory; this file only wires it into nginx.
 *
 * To add a directive: add a field to ngx_pad_main_conf_t or
 * ngx_pad_loc_conf_t (ngx_pad_module.h), an entry to ngx_pad_commands,
 * and its default in the create/init (main) or create/merge (loc)
 * function below.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_pad_module.h"
#include "conf/ngx_pad_conf.h"
#include "store/ngx_pad_store.h"
#include "authz/ngx_pad_authz.h"
#include "engine/ngx_pad_engine.h"
#include "transport/ngx_pad_relay.h"
#include "http/ngx_pad_http_export.h"
#include "http/ngx_pad_http_status.h"
#include "http/ngx_pad_http_api.h"


static ngx_int_t ngx_pad_preconfiguration(ngx_conf_t *cf);
static void *ngx_pad_create_main_conf(ngx_conf_t *cf);
static char *ngx_pad_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_pad_create_loc_conf(ngx_conf_t *cf);
static char *ngx_pad_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_pad_socketio(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_pad_init_process(ngx_cycle_t *cycle);
static void ngx_pad_exit_process(ngx_cycle_t *cycle);


/* the transport's values (the other parts name theirs in their headers) */

static ngx_pad_conf_range_t  ngx_pad_ping_interval_range =
    ngx_pad_conf_range(10, 3600000, "10ms..1h");
static ngx_pad_conf_range_t  ngx_pad_ping_timeout_range =
    ngx_pad_conf_range(10, 3600000, "10ms..1h");
static ngx_pad_conf_range_t  ngx_pad_max_payload_range =
    ngx_pad_conf_range(64, 256 * 1024 * 1024, "64..256m");
static ngx_pad_conf_range_t  ngx_pad_upgrade_timeout_range =
    ngx_pad_conf_range(10, 3600000, "10ms..1h");
static ngx_pad_conf_range_t  ngx_pad_connect_timeout_range =
    ngx_pad_conf_range(10, 3600000, "10ms..1h");
static ngx_pad_conf_range_t  ngx_pad_send_queue_max_range =
    ngx_pad_conf_range(1024, 1024 * 1024 * 1024, "1k..1g");
static ngx_pad_conf_range_t  ngx_pad_send_lowat_range =
    ngx_pad_conf_range(0, 1024 * 1024 * 1024, "0..1g (0: automatic)");
static ngx_pad_conf_range_t  ngx_pad_close_timeout_range =
    ngx_pad_conf_range(1, 600000, "1ms..10m");
static ngx_pad_conf_range_t  ngx_pad_max_sessions_range =
    ngx_pad_conf_range(1, 100000000, "1..100000000");
static ngx_pad_conf_range_t  ngx_pad_flush_delay_range =
    ngx_pad_conf_range(0, 1000, "0..1s");


static ngx_command_t  ngx_pad_commands[] = {

    /* transport (ngx_pad_module/transport/) */

    { ngx_string("pad_socketio"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_pad_socketio,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("pad_ping_interval"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_msec_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, ping_interval),
      &ngx_pad_ping_interval_range },

    { ngx_string("pad_ping_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_msec_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, ping_timeout),
      &ngx_pad_ping_timeout_range },

    { ngx_string("pad_max_payload"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_size_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, max_payload),
      &ngx_pad_max_payload_range },

    { ngx_string("pad_upgrade_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_msec_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, upgrade_timeout),
      &ngx_pad_upgrade_timeout_range },

    { ngx_string("pad_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_msec_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, connect_timeout),
      &ngx_pad_connect_timeout_range },

    { ngx_string("pad_send_queue_max"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_size_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, send_queue_max),
      &ngx_pad_send_queue_max_range },

    { ngx_string("pad_send_lowat"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_size_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, send_lowat),
      &ngx_pad_send_lowat_range },

    { ngx_string("pad_close_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_msec_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, close_timeout),
      &ngx_pad_close_timeout_range },

    { ngx_string("pad_max_sessions"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_uint_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, max_sessions),
      &ngx_pad_max_sessions_range },

    { ngx_string("pad_fanout_flush_delay"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_pad_conf_set_msec_range,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_pad_loc_conf_t, flush_delay),
      &ngx_pad_flush_delay_range },

    /* other parts: add directives below */

    /* Redis and storage (ngx_pad_module/store/) */

    NGX_PAD_STORE_COMMANDS(offsetof(ngx_pad_main_conf_t, store)),

    /* GET /p/<pad>, its exports (ngx_pad_module/http/) */

    { ngx_string("pad_http"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_pad_http_export_set,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_pad_main_conf_t, store),
      NULL },

    /* Etherpad's HTTP API (ngx_pad_module/http/ngx_pad_http_api*.c) */

    NGX_PAD_API_COMMANDS(offsetof(ngx_pad_main_conf_t, api)),

    /* the metrics of every worker (ngx_pad_module/metrics/) */
    { ngx_string("pad_metrics_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_pad_metrics_zone_set,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_pad_main_conf_t, metrics),
      NULL },

    /* their page (ngx_pad_module/http/ngx_pad_http_status.c) */
    { ngx_string("pad_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_pad_http_status_set,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_pad_main_conf_t, metrics),
      NULL },

    /* access to pads (ngx_pad_module/authz/) */

    NGX_PAD_AUTHZ_COMMANDS(offsetof(ngx_pad_main_conf_t, authz)),

    /* pad engine (ngx_pad_module/engine/) */

    NGX_PAD_ENGINE_COMMANDS(offsetof(ngx_pad_main_conf_t, engine)),

    /* sessions across workers and hosts (ngx_pad_module/transport/) */

    NGX_PAD_RELAY_COMMANDS(offsetof(ngx_pad_main_conf_t, relay)),

      ngx_null_command
};


static ngx_http_module_t  ngx_pad_module_ctx = {
    ngx_pad_preconfiguration,              /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_pad_create_main_conf,              /* create main configuration */
    ngx_pad_init_main_conf,                /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_pad_create_loc_conf,               /* create location configuration */
    ngx_pad_merge_loc_conf                 /* merge location configuration */
};


ngx_module_t  ngx_pad_module = {
    NGX_MODULE_V1,
    &ngx_pad_module_ctx,                   /* module context */
    ngx_pad_commands,                      /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_pad_init_process,                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_pad_exit_process,                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* the access log's $pad_id, $pad_author, $pad_rev (the transport's) */

static ngx_int_t
ngx_pad_preconfiguration(ngx_conf_t *cf)
{
    return ngx_pad_log_vars_add(cf);
}


static void *
ngx_pad_create_main_conf(ngx_conf_t *cf)
{
    ngx_pad_main_conf_t  *pmcf;

    pmcf = ngx_pcalloc(cf->pool, sizeof(ngx_pad_main_conf_t));
    if (pmcf == NULL) {
        return NULL;
    }

    pmcf->socketio = 0;

    ngx_pad_store_create_conf(&pmcf->store);
    ngx_pad_authz_create_conf(&pmcf->authz);
    ngx_pad_engine_create_conf(&pmcf->engine);
    ngx_pad_relay_create_conf(&pmcf->relay);
    ngx_pad_metrics_create_conf(&pmcf->metrics);
    ngx_pad_api_create_conf(&pmcf->api);

    return pmcf;
}


static char *
ngx_pad_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_pad_main_conf_t  *pmcf = conf;

    char  *rv;

    rv = ngx_pad_store_init_conf(cf, &pmcf->store);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_pad_authz_init_conf(cf, &pmcf->authz);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_pad_engine_init_conf(cf, &pmcf->engine);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_pad_api_init_conf(cf, &pmcf->api);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    /* the API reads and writes pads in Redis */
    if (pmcf->api.used) {
        pmcf->store.http = 1;
    }

    rv = ngx_pad_relay_init_conf(cf, &pmcf->relay);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_pad_metrics_init_conf(cf, &pmcf->metrics,
                                   pmcf->socketio || pmcf->store.http,
                                   &ngx_pad_module);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    return NGX_CONF_OK;
}


static void *
ngx_pad_create_loc_conf(ngx_conf_t *cf)
{
    ngx_pad_loc_conf_t  *plcf;

    plcf = ngx_pcalloc(cf->pool, sizeof(ngx_pad_loc_conf_t));
    if (plcf == NULL) {
        return NULL;
    }

    plcf->socketio = NGX_CONF_UNSET;
    plcf->ping_interval = NGX_CONF_UNSET_MSEC;
    plcf->ping_timeout = NGX_CONF_UNSET_MSEC;
    plcf->max_payload = NGX_CONF_UNSET_SIZE;
    plcf->upgrade_timeout = NGX_CONF_UNSET_MSEC;
    plcf->connect_timeout = NGX_CONF_UNSET_MSEC;
    plcf->send_queue_max = NGX_CONF_UNSET_SIZE;
    plcf->send_lowat = NGX_CONF_UNSET_SIZE;
    plcf->close_timeout = NGX_CONF_UNSET_MSEC;
    plcf->max_sessions = NGX_CONF_UNSET_UINT;
    plcf->flush_delay = NGX_CONF_UNSET_MSEC;

    return plcf;
}


static char *
ngx_pad_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_pad_loc_conf_t  *prev = parent;
    ngx_pad_loc_conf_t  *conf = child;

    ngx_conf_merge_value(conf->socketio, prev->socketio, 0);
    ngx_conf_merge_msec_value(conf->ping_interval, prev->ping_interval,
                              25000);
    ngx_conf_merge_msec_value(conf->ping_timeout, prev->ping_timeout, 20000);
    ngx_conf_merge_size_value(conf->max_payload, prev->max_payload, 1000000);
    ngx_conf_merge_msec_value(conf->upgrade_timeout, prev->upgrade_timeout,
                              10000);
    ngx_conf_merge_msec_value(conf->connect_timeout, prev->connect_timeout,
                              45000);
    ngx_conf_merge_size_value(conf->send_queue_max, prev->send_queue_max,
                              4 * 1024 * 1024);
    /* 0: min(64k, pad_send_queue_max / 4), see ngx_pad_lowat() */
    ngx_conf_merge_size_value(conf->send_lowat, prev->send_lowat, 0);
    ngx_conf_merge_msec_value(conf->close_timeout, prev->close_timeout,
                              2000);
    ngx_conf_merge_uint_value(conf->max_sessions, prev->max_sessions,
                              1000000);
    ngx_conf_merge_msec_value(conf->flush_delay, prev->flush_delay,
                              NGX_PAD_FLUSH_DELAY_DEFAULT);

    if (ngx_pad_log_vars_index(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->send_lowat && conf->send_lowat >= conf->send_queue_max) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pad_send_lowat\" must be less than "
                           "\"pad_send_queue_max\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_pad_socketio(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_loc_conf_t  *plcf = conf;

    ngx_pad_main_conf_t       *pmcf;
    ngx_http_core_loc_conf_t  *clcf;

    if (plcf->socketio != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    plcf->socketio = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_pad_http_handler;

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_pad_module);
    pmcf->socketio = 1;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_pad_init_process(ngx_cycle_t *cycle)
{
    ngx_pad_main_conf_t  *pmcf;

    pmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_pad_module);
    if (pmcf == NULL) {
        return NGX_OK;
    }

    /* first, so that every part counts from its start */
    if (ngx_pad_metrics_init_process(cycle, &pmcf->metrics) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_pad_transport_init_process(cycle, pmcf->socketio) != NGX_OK) {
        return NGX_ERROR;
    }

    /* other parts: add their init_process calls below */

    if (ngx_pad_store_init_process(cycle, &pmcf->store,
                                   pmcf->socketio || pmcf->store.http)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_pad_http_api_init_process(pmcf->api.used ? &pmcf->api : NULL);
    ngx_pad_authz_init_process(&pmcf->authz);

    if (pmcf->socketio
        && ngx_pad_engine_init_process(cycle, &pmcf->engine) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_pad_relay_init_process(cycle, &pmcf->relay, pmcf->socketio)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_pad_exit_process(ngx_cycle_t *cycle)
{
    /* other parts: add their exit_process calls above the transport's */

    ngx_pad_relay_exit_process(cycle);

    ngx_pad_engine_exit_process(cycle);

    ngx_pad_store_exit_process(cycle);

    ngx_pad_transport_exit_process(cycle);
    ngx_pad_metrics_exit_process(cycle);
}
