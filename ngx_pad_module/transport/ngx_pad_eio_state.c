
/*
 * The Engine.IO side of a handover (ngx_pad_relay_handover.c): the
 * session's state leaves the owner as JSON (export) and becomes the
 * stand-in's in the worker that holds its WebSocket (import).
 */


#include "transport/ngx_pad_transport.h"


/*
 * The handover, at the owner: the session's state for the worker that
 * holds its WebSocket.  NGX_AGAIN: the app has work in flight, ask again.
 * After NGX_OK the app data is gone and the session must be closed with
 * ngx_pad_eio_close_handed().
 */

ngx_int_t
ngx_pad_eio_export(ngx_pad_eio_session_t *s, json_t **state)
{
    json_t         *st, *q, *v, *app;
    ngx_int_t       rc;
    ngx_uint_t      connected;
    ngx_pad_pkt_t  *pkt;

    *state = NULL;
    app = NULL;

    connected = s->sio_connected;

    if (connected) {
        rc = ngx_pad_eio_upcalls()->export(s, &app);

        if (rc != NGX_OK) {
            return rc;
        }

        /* the app data is gone: no "closed" callback any more */
        s->sio_connected = 0;
        s->app_data = NULL;
    }

    st = json_object();
    q = json_array();

    if (st == NULL || q == NULL) {
        goto failed;
    }

    for (pkt = s->pollq.head; pkt; pkt = pkt->next) {
        v = json_stringn((char *) pkt->payload->data, pkt->payload->len);

        if (v == NULL || json_array_append_new(q, v) != 0) {
            goto failed;
        }
    }

    if (json_object_set_new(st, "q", q) != 0) {
        q = NULL;
        goto failed;
    }

    q = NULL;

    if (json_object_set_new(st, "sio", json_boolean(connected)) != 0
        || json_object_set_new(st, "siosid",
                               json_stringn((char *) s->sio_sid,
                                            NGX_PAD_SID_LEN)) != 0
        || json_object_set_new(st, "args",
                               json_stringn(s->args.len
                                            ? (char *) s->args.data : "",
                                            s->args.len)) != 0
        || json_object_set_new(st, "cookie",
                               json_stringn(s->cookie.len
                                            ? (char *) s->cookie.data : "",
                                            s->cookie.len)) != 0
        || json_object_set_new(st, "addr",
                               json_stringn(s->addr.len
                                            ? (char *) s->addr.data : "",
                                            s->addr.len)) != 0
        || json_object_set_new(st, "app", app ? app : json_null()) != 0)
    {
        app = NULL;
        goto failed;
    }

    *state = st;

    return NGX_OK;

failed:

    /* the app state is lost: the session closes without it */

    json_decref(st);
    json_decref(q);
    json_decref(app);

    return NGX_ERROR;
}


/* the owner drops a session handed over: no departure, no close packet */

void
ngx_pad_eio_close_handed(ngx_pad_eio_session_t *s)
{
    s->sio_connected = 0;
    s->app_data = NULL;

    ngx_pad_outq_free(&s->pollq);

    ngx_pad_eio_close(s, "handed over");
}


/*
 * The handover, in the worker holding the WebSocket: the stand-in
 * becomes the session (in the table, upgraded), with the owner's packets
 * first, then the app's state, then the client's input that waited.
 */

ngx_int_t
ngx_pad_eio_import(ngx_pad_eio_session_t *s, json_t *state)
{
    size_t              i;
    json_t             *q, *v, *sio;
    ngx_pad_sink_t     *ws;
    ngx_pad_pkt_t      *pkt;
    ngx_pad_outq_t      in;
    ngx_pad_payload_t  *p;

    ws = s->ws;
    q = json_object_get(state, "q");
    sio = json_object_get(state, "siosid");

    if (ws == NULL || s->state != NGX_PAD_EIO_TAKING
        || !json_is_array(q) || !json_is_string(sio)
        || json_string_length(sio) != NGX_PAD_SID_LEN
        || ngx_pad_eio_set_str(&s->args, json_object_get(state, "args"),
                               s->log) != NGX_OK
        || !json_is_string(json_object_get(state, "cookie")))
    {
        return NGX_ERROR;
    }

    /*
     * The upgrade's own Cookie and address are the client's latest: the
     * owner's are taken only when the upgrade had none.
     */

    if ((s->cookie.len == 0
         && ngx_pad_eio_set_str(&s->cookie, json_object_get(state, "cookie"),
                                s->log) != NGX_OK)
        || (s->addr.len == 0
            && json_is_string(json_object_get(state, "addr"))
            && ngx_pad_eio_set_str(&s->addr, json_object_get(state, "addr"),
                                   s->log) != NGX_OK))
    {
        return NGX_ERROR;
    }

    if (ngx_pad_eio_lookup(&s->node.str) != NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(s->sio_sid, json_string_value(sio), NGX_PAD_SID_LEN);

    ngx_pad_eio_set_state(s, NGX_PAD_EIO_WEBSOCKET);
    ngx_pad_eio_insert(s);

    /* what the owner had queued, in order */

    json_array_foreach(q, i, v) {
        if (!json_is_string(v)) {
            return NGX_ERROR;
        }

        p = ngx_pad_payload_from((u_char *) json_string_value(v),
                                 json_string_length(v), s->log);
        if (p == NULL) {
            return NGX_ERROR;
        }

        if (ws->send(ws, p, NGX_PAD_WS_OP_TEXT) == NGX_ERROR) {
            ngx_pad_payload_unref(p);
            return NGX_ERROR;
        }

        ngx_pad_payload_unref(p);
    }

    /*
     * The heartbeat restarts with a ping now: the owner's last one may
     * be a whole interval old.
     */

    s->waiting_pong = 1;
    ngx_add_timer(&s->ping, s->conf->ping_timeout);

    if (ngx_pad_eio_send_str(s, "2", 1) != NGX_OK) {
        return NGX_ERROR;
    }

    if (json_is_true(json_object_get(state, "sio"))) {
        s->sio_connected = 1;

        if (ngx_pad_eio_upcalls()->import(s, json_object_get(state, "app"))
            != NGX_OK)
        {
            return NGX_ERROR;
        }

    } else {
        ngx_add_timer(&s->connect, s->conf->connect_timeout);
    }

    /* the client's packets that came meanwhile */

    in = s->inq;
    ngx_pad_outq_init(&s->inq);

    ngx_pad_eio_ref(s);

    for (pkt = in.head; pkt && !ngx_pad_eio_closed(s); pkt = pkt->next) {
        ngx_pad_eio_on_packet(s, pkt->payload->data, pkt->payload->len, 1);
    }

    ngx_pad_outq_free(&in);

    ngx_pad_eio_unref(s);

    return NGX_OK;
}
