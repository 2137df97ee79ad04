
/*
 * Socket.IO v5 on the namespace "/", the application interface
 * (ngx_pad_app.h) and the default application.
 */


#include "transport/ngx_pad_transport.h"
#include "request/ngx_pad_request.h"


#define NGX_PAD_SIO_EVENT_JSON  (JSON_COMPACT)


static void ngx_pad_sio_on_message(ngx_pad_eio_session_t *s, u_char *data,
    size_t len);
static void ngx_pad_sio_closed(ngx_pad_eio_session_t *s, const char *reason);
static void ngx_pad_sio_writable(ngx_pad_eio_session_t *s);
static ngx_int_t ngx_pad_sio_export(ngx_pad_eio_session_t *s,
    json_t **state);
static ngx_int_t ngx_pad_sio_import(ngx_pad_eio_session_t *s, json_t *state);
static ngx_int_t ngx_pad_sio_send_json(ngx_pad_eio_session_t *s,
    int type, int64_t ack_id, json_t *json);
static void ngx_pad_sio_parse_error(ngx_pad_eio_session_t *s,
    const char *what);

static ngx_int_t ngx_pad_app_default_connected(ngx_pad_socket_t *s);
static void ngx_pad_app_default_event(ngx_pad_socket_t *s, json_t *args,
    int64_t ack_id);
static void ngx_pad_app_default_writable(ngx_pad_socket_t *s);
static void ngx_pad_app_default_closed(ngx_pad_socket_t *s,
    const char *reason);


/* what the Engine.IO session calls (given to it at init) */

const ngx_pad_eio_upcalls_t  ngx_pad_sio_upcalls = {
    ngx_pad_sio_on_message,
    ngx_pad_sio_closed,
    ngx_pad_sio_writable,
    ngx_pad_sio_export,
    ngx_pad_sio_import
};


const ngx_pad_app_t  ngx_pad_app_default = {
    ngx_pad_app_default_connected,
    ngx_pad_app_default_event,
    ngx_pad_app_default_writable,
    ngx_pad_app_default_closed,
    NULL,
    NULL
};


static const ngx_pad_app_t  *ngx_pad_app = &ngx_pad_app_default;


void
ngx_pad_app_set(const ngx_pad_app_t *app)
{
    ngx_pad_app = app ? app : &ngx_pad_app_default;
}


static void
ngx_pad_sio_parse_error(ngx_pad_eio_session_t *s, const char *what)
{
    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "pad: invalid socket.io packet (%s), closing session %*s",
                  what, NGX_PAD_SID_LEN, s->sid);

    ngx_pad_eio_close(s, "parse error");
}


/* one Socket.IO packet (the data of an Engine.IO "4" packet) */

static void
ngx_pad_sio_on_message(ngx_pad_eio_session_t *s, u_char *data, size_t len)
{
    u_char                *p;
    json_t                *json;
    json_error_t           err;
    ngx_pad_payload_t     *pl;
    ngx_pad_sio_packet_t   pkt;

    if (ngx_pad_sio_parse(data, len, &pkt) != 0) {
        ngx_pad_sio_parse_error(s, "malformed");
        return;
    }

    if (pkt.type == NGX_PAD_SIO_BINARY_EVENT
        || pkt.type == NGX_PAD_SIO_BINARY_ACK)
    {
        ngx_pad_sio_parse_error(s, "binary packets are not supported");
        return;
    }

    json = NULL;

    if (pkt.data_len) {
        json = json_loadb((const char *) pkt.data, pkt.data_len,
                          JSON_DECODE_ANY, &err);
        if (json == NULL) {
            ngx_pad_sio_parse_error(s, "invalid JSON");
            return;
        }
    }

    if (pkt.nsp_len != 1) {
        /* only "/" exists */

        if (pkt.type == NGX_PAD_SIO_CONNECT) {
            pl = ngx_pad_payload_alloc(pkt.nsp_len + 40, s->log);

            if (pl) {
                p = ngx_sprintf(pl->data, "44%*s,{\"message\":"
                                "\"Invalid namespace\"}",
                                pkt.nsp_len, pkt.nsp);
                pl->len = p - pl->data;

                (void) ngx_pad_eio_send(s, pl);
                ngx_pad_payload_unref(pl);
            }
        }

        goto done;
    }

    switch (pkt.type) {

    case NGX_PAD_SIO_CONNECT:
        if (json && !json_is_object(json)) {
            ngx_pad_sio_parse_error(s, "CONNECT payload");
            goto done;
        }

        if (s->sio_connected) {
            goto done;
        }

        if (ngx_pad_app->connected(s) != NGX_OK) {
            (void) ngx_pad_eio_send_str(s,
                               "44{\"message\":\"Not authorized\"}", 31);
            goto done;
        }

        s->sio_connected = 1;
        ngx_pad_metric_inc(NGX_PAD_M_CONNECTIONS);
        ngx_pad_eio_new_sio_id(s);

        if (s->connect.timer_set) {
            ngx_del_timer(&s->connect);
        }

        pl = ngx_pad_payload_alloc(sizeof("40{\"sid\":\"\"}") - 1
                                   + NGX_PAD_SID_LEN, s->log);
        if (pl == NULL) {
            ngx_pad_eio_close(s, "internal error");
            goto done;
        }

        ngx_sprintf(pl->data, "40{\"sid\":\"%*s\"}",
                    NGX_PAD_SID_LEN, s->sio_sid);

        (void) ngx_pad_eio_send(s, pl);
        ngx_pad_payload_unref(pl);
        break;

    case NGX_PAD_SIO_DISCONNECT:
        if (s->sio_connected) {
            s->sio_connected = 0;
            ngx_pad_app->closed(s, "client namespace disconnect");
            s->app_data = NULL;
        }

        break;

    case NGX_PAD_SIO_EVENT:
        if (json == NULL || !json_is_array(json) || json_array_size(json) == 0
            || !(json_is_string(json_array_get(json, 0))
                 || json_is_number(json_array_get(json, 0))))
        {
            ngx_pad_sio_parse_error(s, "EVENT payload");
            goto done;
        }

        if (!s->sio_connected) {
            /* socket.io ignores packets for a namespace not joined */
            break;
        }

        ngx_pad_app->event(s, json, pkt.ack_id);
        break;

    case NGX_PAD_SIO_ACK:
        if (json == NULL || !json_is_array(json) || pkt.ack_id < 0) {
            ngx_pad_sio_parse_error(s, "ACK payload");
            goto done;
        }

        /* the server never asks for acknowledgements */
        break;

    default:
        /* CONNECT_ERROR is server-to-client only */
        ngx_pad_sio_parse_error(s, "unexpected packet type");
        break;
    }

done:

    if (json) {
        json_decref(json);
    }
}


/* the handover: the app's state of a socket connected to "/" */

static ngx_int_t
ngx_pad_sio_export(ngx_pad_eio_session_t *s, json_t **state)
{
    *state = NULL;

    if (!s->sio_connected || ngx_pad_app->export == NULL) {
        return NGX_OK;
    }

    return ngx_pad_app->export(s, state);
}


static ngx_int_t
ngx_pad_sio_import(ngx_pad_eio_session_t *s, json_t *state)
{
    if (ngx_pad_app->import == NULL) {
        return NGX_OK;
    }

    return ngx_pad_app->import(s, state);
}


static void
ngx_pad_sio_closed(ngx_pad_eio_session_t *s, const char *reason)
{
    ngx_pad_app->closed(s, reason);
    s->app_data = NULL;
}


static void
ngx_pad_sio_writable(ngx_pad_eio_session_t *s)
{
    ngx_pad_app->writable(s);
}


/* the application's calls */

ngx_pad_payload_t *
ngx_pad_sio_event_payload(json_t *args, ngx_log_t *log)
{
    char               *text;
    size_t              len;
    ngx_pad_payload_t  *p;

    text = json_dumps(args, NGX_PAD_SIO_EVENT_JSON);
    if (text == NULL) {
        return NULL;
    }

    len = ngx_strlen(text);

    p = ngx_pad_payload_alloc(2 + len, log);

    if (p) {
        p->data[0] = '4';
        p->data[1] = '2';
        ngx_memcpy(p->data + 2, text, len);
    }

    free(text);

    return p;
}


static ngx_int_t
ngx_pad_sio_send_json(ngx_pad_eio_session_t *s, int type, int64_t ack_id,
    json_t *json)
{
    char               *text;
    size_t              len, n;
    ngx_int_t           rc;
    ngx_pad_payload_t  *p;

    if (ngx_pad_eio_closed(s) || s->close_pending || !s->sio_connected) {
        return NGX_DECLINED;
    }

    text = json_dumps(json, NGX_PAD_SIO_EVENT_JSON);
    if (text == NULL) {
        return NGX_ERROR;
    }

    len = ngx_strlen(text);

    p = ngx_pad_payload_alloc(24 + len, s->log);

    if (p == NULL) {
        free(text);
        return NGX_ERROR;
    }

    n = ngx_pad_sio_prefix(p->data, type, ack_id);
    ngx_memcpy(p->data + n, text, len);
    p->len = n + len;

    free(text);

    rc = ngx_pad_eio_send(s, p);
    ngx_pad_payload_unref(p);

    return rc;
}


ngx_int_t
ngx_pad_socket_emit_payload(ngx_pad_socket_t *s, ngx_pad_payload_t *p)
{
    if (ngx_pad_eio_closed(s) || s->close_pending || !s->sio_connected) {
        return NGX_DECLINED;
    }

    return ngx_pad_eio_send(s, p);
}


ngx_int_t
ngx_pad_socket_emit(ngx_pad_socket_t *s, json_t *args)
{
    return ngx_pad_sio_send_json(s, NGX_PAD_SIO_EVENT, -1, args);
}


ngx_int_t
ngx_pad_socket_ack(ngx_pad_socket_t *s, int64_t ack_id, json_t *args)
{
    if (ack_id < 0) {
        return NGX_DECLINED;
    }

    return ngx_pad_sio_send_json(s, NGX_PAD_SIO_ACK, ack_id, args);
}


size_t
ngx_pad_socket_queued(ngx_pad_socket_t *s)
{
    if (ngx_pad_eio_on_ws(s)) {
        return s->ws->queue->bytes;
    }

    return s->pollq.bytes;
}


size_t
ngx_pad_socket_room(ngx_pad_socket_t *s)
{
    size_t  q;

    q = ngx_pad_socket_queued(s);

    if (ngx_pad_eio_closed(s) || s->close_pending
        || q >= s->conf->send_queue_max)
    {
        return 0;
    }

    return s->conf->send_queue_max - q;
}


void
ngx_pad_socket_close(ngx_pad_socket_t *s, const char *reason)
{
    if (ngx_pad_eio_closed(s) || s->close_pending) {
        return;
    }

    if (s->sio_connected) {
        (void) ngx_pad_eio_send_str(s, "41", 2);
    }

    ngx_pad_eio_close_later(s, reason);
}


static ngx_int_t
ngx_pad_find_pair(ngx_str_t *src, const char *name, u_char sep,
    ngx_str_t *value)
{
    size_t   len;
    u_char  *p, *end, *k, *v;

    len = ngx_strlen(name);
    p = src->data;
    end = p + src->len;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == sep)) {
            p++;
        }

        k = p;

        while (p < end && *p != '=' && *p != sep) {
            p++;
        }

        v = p;

        if (p < end && *p == '=') {
            v = ++p;

            while (p < end && *p != sep) {
                p++;
            }
        }

        if ((size_t) ((v > k && v[-1] == '=' ? v - 1 : v) - k) == len
            && ngx_strncmp(k, name, len) == 0)
        {
            value->data = v;
            value->len = p - v;
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_pad_socket_arg(ngx_pad_socket_t *s, const char *name, ngx_str_t *value)
{
    return ngx_pad_find_pair(&s->args, name, '&', value);
}


ngx_int_t
ngx_pad_socket_cookie(ngx_pad_socket_t *s, const char *name,
    ngx_str_t *value)
{
    return ngx_pad_request_cookie(&s->cookie, name, value);
}


void
ngx_pad_socket_cookies(ngx_pad_socket_t *s, ngx_str_t *value)
{
    *value = s->cookie;
}


void
ngx_pad_socket_addr(ngx_pad_socket_t *s, ngx_str_t *value)
{
    *value = s->addr;
}


ngx_str_t *
ngx_pad_socket_id(ngx_pad_socket_t *s)
{
    return &s->sio_id;
}


ngx_str_t *
ngx_pad_socket_sid(ngx_pad_socket_t *s)
{
    return &s->node.str;
}


ngx_log_t *
ngx_pad_socket_log(ngx_pad_socket_t *s)
{
    return s->log;
}


void *
ngx_pad_socket_get_data(ngx_pad_socket_t *s)
{
    return s->app_data;
}


void
ngx_pad_socket_set_data(ngx_pad_socket_t *s, void *data)
{
    s->app_data = data;
}


/*
 * The default application, until the pad engine replaces it: every
 * Etherpad message type is unknown to it, and it answers like Etherpad
 * does for an unknown type: through the ack, when the client asked for
 * one, with {"name":"Error","message":"<type>: unknown message type"}
 * (for COLLABROOM: "COLLABROOM: <data.type>: unknown message type").
 */

static ngx_int_t
ngx_pad_app_default_connected(ngx_pad_socket_t *s)
{
    return NGX_OK;
}


static void
ngx_pad_app_default_event(ngx_pad_socket_t *s, json_t *args, int64_t ack_id)
{
    char        *text;
    json_t      *msg, *data, *reply;
    const char  *name, *type, *sub;

    name = json_string_value(json_array_get(args, 0));

    if (name == NULL || ngx_strcmp(name, "message") != 0) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: ignoring socket.io event \"%s\"",
                      name ? name : "(number)");
        return;
    }

    msg = json_array_get(args, 1);
    type = json_string_value(json_object_get(msg, "type"));

    if (type == NULL) {
        type = "undefined";
    }

    sub = NULL;

    if (ngx_strcmp(type, "COLLABROOM") == 0) {
        data = json_object_get(msg, "data");
        sub = json_string_value(json_object_get(data, "type"));

        if (sub == NULL) {
            sub = "undefined";
        }
    }

    text = NULL;

    if (sub) {
        if (asprintf(&text, "%.100s: %.100s: unknown message type",
                     type, sub) < 0)
        {
            text = NULL;
        }

    } else if (asprintf(&text, "%.100s: unknown message type", type) < 0) {
        text = NULL;
    }

    if (text == NULL) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, s->log, 0, "pad: %s", text);

    if (ack_id >= 0) {
        reply = json_pack("[{s:s,s:s}]", "name", "Error", "message", text);

        if (reply) {
            (void) ngx_pad_socket_ack(s, ack_id, reply);
            json_decref(reply);
        }
    }

    free(text);
}


static void
ngx_pad_app_default_writable(ngx_pad_socket_t *s)
{
}


static void
ngx_pad_app_default_closed(ngx_pad_socket_t *s, const char *reason)
{
}
