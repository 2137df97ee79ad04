
/*
 * ngx_pad_module: shared types of the module.
 *
 * The main conf holds worker-wide settings (other parts add their fields
 * here: Redis, pads); the loc conf holds the Socket.IO transport settings
 * of a "pad_socketio" location.
 */


#ifndef _NGX_PAD_MODULE_H_INCLUDED_
#define _NGX_PAD_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "store/ngx_pad_store_conf.h"
#include "pad/ngx_pad_engine_conf.h"
#include "transport/ngx_pad_relay_conf.h"


#define NGX_PAD_MODULE_VERSION  "0.1.0"


typedef struct {
    ngx_flag_t                 socketio;     /* some location serves it */

    /* other parts: add main-level fields below (e.g. Redis address) */
    ngx_pad_store_conf_t       store;        /* Redis, storage (src/store/) */
    ngx_pad_engine_conf_t      engine;       /* pad engine (src/pad/) */
    ngx_pad_relay_conf_t       relay;        /* session relay (transport) */
} ngx_pad_main_conf_t;


typedef struct {
    ngx_flag_t                 socketio;         /* pad_socketio */
    ngx_msec_t                 ping_interval;    /* pad_ping_interval */
    ngx_msec_t                 ping_timeout;     /* pad_ping_timeout */
    size_t                     max_payload;      /* pad_max_payload */
    ngx_msec_t                 upgrade_timeout;  /* pad_upgrade_timeout */
    ngx_msec_t                 connect_timeout;  /* pad_connect_timeout */
    size_t                     send_queue_max;   /* pad_send_queue_max */
    size_t                     send_lowat;       /* pad_send_lowat */
    ngx_msec_t                 close_timeout;    /* pad_close_timeout */
    ngx_uint_t                 max_sessions;     /* pad_max_sessions */
    ngx_msec_t                 flush_delay;  /* pad_fanout_flush_delay */
} ngx_pad_loc_conf_t;


/* pad_fanout_flush_delay: how long fan-out packets may wait (ms) */
#define NGX_PAD_FLUSH_DELAY_DEFAULT  3


/* the low-water mark of a send queue (pad_send_lowat, or automatic) */
#define ngx_pad_lowat(plcf)                                                   \
    ((plcf)->send_lowat ? (plcf)->send_lowat                                  \
                        : ngx_min(64 * 1024, (plcf)->send_queue_max / 4))


extern ngx_module_t  ngx_pad_module;


/* transport hooks called by the module object (src/transport/) */
ngx_int_t ngx_pad_http_handler(ngx_http_request_t *r);
ngx_int_t ngx_pad_transport_init_process(ngx_cycle_t *cycle);
void ngx_pad_transport_exit_process(ngx_cycle_t *cycle);


#endif /* _NGX_PAD_MODULE_H_INCLUDED_ */
