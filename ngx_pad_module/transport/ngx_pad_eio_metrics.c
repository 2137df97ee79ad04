
/*
 * ngx_pad_module: what the Engine.IO sessions count in the metrics zone:
 * pad_sessions{transport}, by state.  The sessions this worker owns; a
 * stand-in (another worker owns it) and a closed session count nowhere.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "transport/ngx_pad_transport.h"


static const ngx_int_t  ngx_pad_eio_gauges[] = {
    NGX_PAD_M_SESSIONS_POLLING,        /* POLLING */
    NGX_PAD_M_SESSIONS_POLLING,        /* PROBING */
    NGX_PAD_M_SESSIONS_POLLING,        /* PROBED */
    NGX_PAD_M_SESSIONS_POLLING,        /* HANDING */
    NGX_PAD_M_SESSIONS_WEBSOCKET,      /* WEBSOCKET */
    -1,                                /* STANDIN */
    -1,                                /* STANDIN_PROBED */
    -1,                                /* TAKING */
    -1                                 /* CLOSED */
};


void
ngx_pad_eio_gauge(ngx_pad_eio_state_e state, ngx_atomic_int_t delta)
{
    if (ngx_pad_eio_gauges[state] >= 0) {
        ngx_pad_metric_add(ngx_pad_eio_gauges[state], delta);
    }
}
