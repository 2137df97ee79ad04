
/*
 * ngx_pad_module: the transport's settings, those of a "pad_socketio"
 * location (the module's loc conf; ngx_pad_module.c holds the directives).
 */


#ifndef _NGX_PAD_TRANSPORT_CONF_H_INCLUDED_
#define _NGX_PAD_TRANSPORT_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* $pad_id, $pad_author, $pad_rev (ngx_pad_log_vars.c) */
#define NGX_PAD_LOG_VARS          3
#define NGX_PAD_NOTE_PAD_MAX      256
#define NGX_PAD_NOTE_AUTHOR_MAX   64


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
    ngx_int_t                  log_var[NGX_PAD_LOG_VARS];  /* indexes */
} ngx_pad_loc_conf_t;


/* pad_fanout_flush_delay: how long fan-out packets may wait (ms) */
#define NGX_PAD_FLUSH_DELAY_DEFAULT  3


/* the low-water mark of a send queue (pad_send_lowat, or automatic) */
#define ngx_pad_lowat(plcf)                                                   \
    ((plcf)->send_lowat ? (plcf)->send_lowat                                  \
                        : ngx_min(64 * 1024, (plcf)->send_queue_max / 4))


/* the module object, whose loc conf this is (ngx_pad_module.c) */
extern ngx_module_t  ngx_pad_module;


#endif /* _NGX_PAD_TRANSPORT_CONF_H_INCLUDED_ */
