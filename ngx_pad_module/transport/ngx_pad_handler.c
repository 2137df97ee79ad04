
/*
 * The "pad_socketio" content handler, the entry of the transport:
 * Engine.IO request checks (answered with engine.io's own error codes),
 * then the request goes to the polling transport (ngx_pad_poll.c), the
 * WebSocket handshake (ngx_pad_ws_handshake.c), or the relay to another
 * worker (ngx_pad_relay.c, ngx_pad_relay_handover.c).
 */


#include "transport/ngx_pad_transport.h"
#include "transport/ngx_pad_relay.h"



ngx_int_t
ngx_pad_transport_init_process(ngx_cycle_t *cycle, ngx_uint_t socketio)
{
    if (!socketio) {
        return NGX_OK;
    }

    if (ngx_pad_ws_init_worker(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_pad_eio_init_worker(cycle, &ngx_pad_sio_upcalls);
}


void
ngx_pad_transport_exit_process(ngx_cycle_t *cycle)
{
    ngx_pad_eio_exit_worker(cycle);
    ngx_pad_ws_exit_worker();
    ngx_pad_outq_cleanup_worker();
}


ngx_int_t
ngx_pad_http_handler(ngx_http_request_t *r)
{
    ngx_int_t               rc;
    ngx_str_t               eio, transport, sid;
    ngx_uint_t              websocket;
    ngx_pad_loc_conf_t     *plcf;
    ngx_pad_eio_session_t  *s;

    plcf = ngx_http_get_module_loc_conf(r, ngx_pad_module);

    /* the order of checks is engine.io's (Server.verify, handshake) */

    if (ngx_http_arg(r, (u_char *) "transport", 9, &transport) != NGX_OK) {
        transport.len = 0;
    }

    if (transport.len == 7
        && ngx_strncmp(transport.data, "polling", 7) == 0)
    {
        websocket = 0;

    } else if (transport.len == 9
               && ngx_strncmp(transport.data, "websocket", 9) == 0)
    {
        websocket = 1;

    } else {
        return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_TRANSPORT);
    }

    if (ngx_http_arg(r, (u_char *) "sid", 3, &sid) == NGX_OK) {

        s = ngx_pad_eio_lookup(&sid);

        if (s == NULL) {
            /*
             * Another worker's session: relay a polling request to it;
             * an upgrade takes the session over (the handover).
             */
            rc = websocket ? ngx_pad_relay_ws_handler(r, &sid, plcf)
                           : ngx_pad_relay_handler(r, &sid, plcf);
            if (rc != NGX_DECLINED) {
                return rc;
            }
        }

        if (s == NULL || ngx_pad_eio_closed(s)) {
            return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                      NGX_PAD_ERR_SID);
        }

        ngx_pad_eio_refresh_cookie(s, r);

        if (websocket) {
            if (r->headers_in.upgrade == NULL) {
                return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                          NGX_PAD_ERR_BAD_REQUEST);
            }

            if (s->state != NGX_PAD_EIO_POLLING) {
                /* a WebSocket already, or one probing, or handing over */
                return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                          NGX_PAD_ERR_BAD_REQUEST);
            }

            return ngx_pad_ws_handshake(r, s);
        }

        if (!ngx_pad_eio_polling(s)) {
            return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                      NGX_PAD_ERR_BAD_REQUEST);
        }

        if (r->method == NGX_HTTP_GET) {
            return ngx_pad_poll_get(r, s);
        }

        if (r->method == NGX_HTTP_POST) {
            return ngx_pad_poll_post(r, s);
        }

        return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_BAD_REQUEST);
    }

    if (r->method != NGX_HTTP_GET) {
        return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST, NGX_PAD_ERR_METHOD);
    }

    if (ngx_http_arg(r, (u_char *) "EIO", 3, &eio) != NGX_OK
        || eio.len != 1 || eio.data[0] != '4')
    {
        return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_VERSION);
    }

    if (websocket) {
        if (r->headers_in.upgrade == NULL) {
            return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                      NGX_PAD_ERR_BAD_REQUEST);
        }

        return ngx_pad_ws_handshake(r, NULL);
    }

    return ngx_pad_poll_handshake(r, plcf);
}
