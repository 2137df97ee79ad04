
/*
 * Internal types of the Socket.IO transport, shared by its files:
 *   ngx_pad_handler.c      location handler, query checks, polling
 *   ngx_pad_ws.c           WebSocket handshake, takeover, frames, close
 *   ngx_pad_eio_session.c  Engine.IO sessions, heartbeat, upgrade
 *   ngx_pad_outq.c         ordered outbound queue, payloads, writer
 *   ngx_pad_sio.c          Socket.IO namespace "/" and the app calls
 */


#ifndef _NGX_PAD_TRANSPORT_H_INCLUDED_
#define _NGX_PAD_TRANSPORT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "ngx_pad_app.h"
#include "transport/ngx_pad_transport_conf.h"
#include "codec/ngx_pad_ws_frame.h"
#include "codec/ngx_pad_utf8.h"
#include "codec/ngx_pad_eio_codec.h"


#define NGX_PAD_SID_LEN       20
#define NGX_PAD_READ_BUF      16384       /* shared per worker */


typedef struct ngx_pad_eio_session_s  ngx_pad_eio_session_t;
typedef struct ngx_pad_ws_s  ngx_pad_ws_t;
typedef struct ngx_pad_pkt_s  ngx_pad_pkt_t;


struct ngx_pad_pkt_s {
    ngx_pad_pkt_t              *next;
    ngx_pad_payload_t          *payload;
    size_t                      sent;          /* frame bytes written */
    ngx_uint_t                  opcode;        /* WebSocket opcode */
};


typedef struct {
    ngx_pad_pkt_t              *head;
    ngx_pad_pkt_t              *last;
    size_t                      bytes;         /* payload bytes queued */
    ngx_uint_t                  count;
} ngx_pad_outq_t;


struct ngx_pad_ws_s {
    ngx_http_request_t         *request;
    ngx_connection_t           *connection;
    ngx_pad_eio_session_t      *session;
    ngx_pad_loc_conf_t         *conf;

    ngx_pad_ws_decoder_t        dec;
    ngx_pad_utf8_t              utf8;

    u_char                     *msg;           /* message being read */
    size_t                      msg_len;
    size_t                      msg_cap;

    ngx_pad_outq_t              outq;
    ngx_event_t                 timer;         /* upgrade, close wait */

    ngx_queue_t                 delayed;       /* waiting fan-out flush */
    ngx_msec_t                  flush_at;

    size_t                      ctl_len;
    u_char                      ctl[NGX_PAD_WS_MAX_CONTROL];

    unsigned                    close_sent:1;
    unsigned                    close_received:1;
    unsigned                    closing:1;     /* finalize when sent */
    unsigned                    finalize:1;    /* finalize now */
    unsigned                    above_lowat:1;
    unsigned                    delaying:1;    /* in the delayed list */
    unsigned                    flush_due:1;   /* the delay has passed */
};


typedef enum {
    NGX_PAD_EIO_POLLING = 0,
    NGX_PAD_EIO_WEBSOCKET
} ngx_pad_eio_transport_e;


struct ngx_pad_eio_session_s {
    ngx_str_node_t              node;          /* key: sid */
    ngx_queue_t                 queue;         /* all sessions */
    ngx_pad_loc_conf_t         *conf;
    ngx_log_t                  *log;

    ngx_pad_ws_t               *ws;            /* active or probing */
    ngx_http_request_t         *poll;          /* pending polling GET */
    void                       *relay;         /* relayed GET (relay.c) */
    ngx_pool_cleanup_t         *poll_cln;
    ngx_event_handler_pt        poll_read_handler;  /* saved, HTTP/1.x */

    ngx_pad_outq_t              pollq;         /* polling output */

    ngx_event_t                 ping;          /* heartbeat */
    ngx_event_t                 connect;       /* socket.io connect wait */
    ngx_event_t                 post;          /* deferred close, poll */
    const char                 *close_reason;
    ngx_uint_t                  close_code;    /* WebSocket code, or 0 */

    ngx_str_t                   args;          /* handshake query */
    ngx_str_t                   cookie;        /* handshake Cookie */
    void                       *app_data;

    ngx_uint_t                  refs;

    ngx_str_t                   sio_id;
    u_char                      sid[NGX_PAD_SID_LEN];
    u_char                      sio_sid[NGX_PAD_SID_LEN];

    ngx_pad_eio_transport_e     transport;

    void                       *handover;      /* relay.c, either side */
    ngx_pad_outq_t              inq;           /* stand-in: client input */

    unsigned                    upgrading:1;   /* ws is a probe */
    unsigned                    probed:1;      /* 2probe answered */
    unsigned                    waiting_pong:1;
    unsigned                    sio_connected:1;
    unsigned                    closed:1;
    unsigned                    posting:1;     /* POST in progress */
    unsigned                    above_lowat:1;
    unsigned                    close_pending:1;
    unsigned                    standin:1;     /* another worker's sid */
    unsigned                    remote_probe:1;  /* probed elsewhere */
    unsigned                    handing:1;     /* handing over (owner) */
};


/* ngx_pad_outq.c */
void ngx_pad_outq_init(ngx_pad_outq_t *q);
ngx_int_t ngx_pad_outq_push(ngx_pad_outq_t *q, ngx_pad_payload_t *p,
    ngx_uint_t opcode, ngx_log_t *log);
void ngx_pad_outq_move(ngx_pad_outq_t *dst, ngx_pad_outq_t *src);
void ngx_pad_outq_free(ngx_pad_outq_t *q);
void ngx_pad_outq_drop_unsent(ngx_pad_outq_t *q);
ngx_int_t ngx_pad_outq_write(ngx_connection_t *c, ngx_pad_outq_t *q);
ngx_buf_t *ngx_pad_outq_join(ngx_pad_outq_t *q, ngx_pool_t *pool);
ngx_pad_payload_t *ngx_pad_payload_from(const u_char *data, size_t len,
    ngx_log_t *log);
void ngx_pad_outq_cleanup_worker(void);

/* ngx_pad_handler.c: the request body as one buffer */
u_char *ngx_pad_request_body(ngx_http_request_t *r, size_t len);

/* ngx_pad_ws.c */
ngx_int_t ngx_pad_ws_handshake(ngx_http_request_t *r,
    ngx_pad_eio_session_t *s);
ngx_int_t ngx_pad_ws_send(ngx_pad_ws_t *ws, ngx_pad_payload_t *p,
    ngx_uint_t opcode);
void ngx_pad_ws_close(ngx_pad_ws_t *ws, ngx_uint_t code,
    const char *reason);
void ngx_pad_ws_post_write(ngx_pad_ws_t *ws);
ngx_int_t ngx_pad_ws_init_worker(ngx_cycle_t *cycle);
void ngx_pad_ws_exit_worker(void);

/* ngx_pad_eio_session.c */
ngx_int_t ngx_pad_eio_init_worker(ngx_cycle_t *cycle);
void ngx_pad_eio_exit_worker(ngx_cycle_t *cycle);
ngx_pad_eio_session_t *ngx_pad_eio_create(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *conf, ngx_pad_eio_transport_e transport);
ngx_pad_eio_session_t *ngx_pad_eio_lookup(ngx_str_t *sid);
uint32_t ngx_pad_eio_instance_id(void);
void ngx_pad_eio_new_sio_id(ngx_pad_eio_session_t *s);
ngx_int_t ngx_pad_eio_open_packet(ngx_pad_eio_session_t *s, ngx_str_t *out,
    ngx_pool_t *pool);
ngx_int_t ngx_pad_eio_send(ngx_pad_eio_session_t *s, ngx_pad_payload_t *p);
ngx_int_t ngx_pad_eio_send_open(ngx_pad_eio_session_t *s);
void ngx_pad_eio_shutdown(void);
ngx_int_t ngx_pad_eio_send_str(ngx_pad_eio_session_t *s, const char *data,
    size_t len);
void ngx_pad_eio_on_packet(ngx_pad_eio_session_t *s, u_char *data,
    size_t len, ngx_uint_t from_ws);
void ngx_pad_eio_close(ngx_pad_eio_session_t *s, const char *reason);
void ngx_pad_eio_close_later(ngx_pad_eio_session_t *s, const char *reason);
void ngx_pad_eio_ref(ngx_pad_eio_session_t *s);
void ngx_pad_eio_unref(ngx_pad_eio_session_t *s);
void ngx_pad_eio_ws_closed(ngx_pad_eio_session_t *s, ngx_pad_ws_t *ws);
void ngx_pad_eio_ws_drained(ngx_pad_eio_session_t *s);
ngx_pad_eio_session_t *ngx_pad_eio_create_standin(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *conf, ngx_str_t *sid);
ngx_int_t ngx_pad_eio_export(ngx_pad_eio_session_t *s, json_t **state);
ngx_int_t ngx_pad_eio_import(ngx_pad_eio_session_t *s, json_t *state);
void ngx_pad_eio_close_handed(ngx_pad_eio_session_t *s);

/* ngx_pad_handler.c (the polling transport) */
void ngx_pad_eio_flush_poll(ngx_pad_eio_session_t *s);
void ngx_pad_poll_answer(ngx_pad_eio_session_t *s, ngx_pad_outq_t *q);
ngx_uint_t ngx_pad_eio_sid_owner(ngx_str_t *sid, uint32_t *instance,
    ngx_uint_t *worker);

/* ngx_pad_sio.c */
void ngx_pad_sio_on_message(ngx_pad_eio_session_t *s, u_char *data,
    size_t len);
void ngx_pad_sio_closed(ngx_pad_eio_session_t *s, const char *reason);
void ngx_pad_sio_writable(ngx_pad_eio_session_t *s);
ngx_int_t ngx_pad_sio_export(ngx_pad_eio_session_t *s, json_t **state);
ngx_int_t ngx_pad_sio_import(ngx_pad_eio_session_t *s, json_t *state);


/* hooks of the module object (ngx_pad_module.c) */
ngx_int_t ngx_pad_http_handler(ngx_http_request_t *r);
ngx_int_t ngx_pad_transport_init_process(ngx_cycle_t *cycle,
    ngx_uint_t socketio);
void ngx_pad_transport_exit_process(ngx_cycle_t *cycle);


#endif /* _NGX_PAD_TRANSPORT_H_INCLUDED_ */
