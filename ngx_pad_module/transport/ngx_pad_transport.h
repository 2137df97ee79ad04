/*
 * Internal types of the Socket.IO transport, shared by its files, from
 * the top (the entry) down; a file calls only files below it, and a
 * lower one reaches a higher one only through a pointer it was handed
 * (a sink, the stand-in hooks, the session upcalls):
 *   ngx_pad_handler.c         location handler, Engine.IO request checks
 *   ngx_pad_relay.c           the relay: its channel, the relaying worker
 *   ngx_pad_relay_owner.c     the owner serving relayed requests (a sink)
 *   ngx_pad_relay_handover.c  a session moving to its WebSocket's worker
 *   ngx_pad_relay_wire.c      the relay's messages out (PUBLISH)
 *   ngx_pad_poll.c            the polling transport (a sink)
 *   ngx_pad_ws_handshake.c    WebSocket handshake and take-over
 *   ngx_pad_ws.c              WebSocket frames, writes, close (a sink)
 *   ngx_pad_sio.c             Socket.IO namespace "/" and the app calls
 *   ngx_pad_eio_session.c     Engine.IO sessions: the state machine
 *   ngx_pad_eio_state.c       a session's state for a handover
 *   ngx_pad_eio_id.c          session ids, the Engine.IO handshake data
 *   ngx_pad_outq.c            ordered outbound queue, payloads, writer
 *   ngx_pad_answer.c          short HTTP answers, the request body
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
#include "metrics/ngx_pad_metrics.h"


#define NGX_PAD_SID_LEN       20
#define NGX_PAD_READ_BUF      16384       /* shared per worker */


#define NGX_PAD_ERR_TRANSPORT    0        /* engine.io's error codes */
#define NGX_PAD_ERR_SID          1
#define NGX_PAD_ERR_METHOD       2
#define NGX_PAD_ERR_BAD_REQUEST  3
#define NGX_PAD_ERR_VERSION      5

/* the longest {"code":N,"message":"..."} */
#define NGX_PAD_EIO_ERROR_LEN    (sizeof("{\"code\":,\"message\":\"\"}")     \
                                  + NGX_INT_T_LEN + 32)


typedef struct ngx_pad_eio_session_s  ngx_pad_eio_session_t;
typedef struct ngx_pad_sink_s  ngx_pad_sink_t;
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


/*
 * An output of a session: its WebSocket (ngx_pad_ws.c), a pending
 * polling GET of this worker (ngx_pad_poll.c) or one relayed from another
 * worker (ngx_pad_relay_owner.c).  The session calls only these.
 */

struct ngx_pad_sink_s {
    /* queues one packet: a WebSocket; NULL for a GET */
    ngx_int_t                 (*send)(ngx_pad_sink_t *k,
                                      ngx_pad_payload_t *p,
                                      ngx_uint_t opcode);
    /*
     * takes the packets of q now (q is emptied): a WebSocket queues them
     * and writes, a GET is answered with them and is gone (the session
     * has let it go before the call)
     */
    void                      (*flush)(ngx_pad_sink_t *k, ngx_pad_outq_t *q);
    /* a close frame, and the sink stops carrying the session: WebSocket */
    void                      (*close)(ngx_pad_sink_t *k, ngx_uint_t code,
                                       const char *reason);
    ngx_pad_outq_t             *queue;         /* its own queue, or NULL */
};


struct ngx_pad_ws_s {
    ngx_pad_sink_t              sink;          /* the session's output */
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
    ngx_event_t                 timer;         /* close wait */

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


/*
 * The states of an Engine.IO session (ngx_pad_eio_session.c); every
 * change goes through ngx_pad_eio_set_state().
 *
 *   POLLING -> PROBING (a WebSocket probes) -> PROBED ("3probe" sent)
 *           -> WEBSOCKET ("5"); a probe that fails goes back to POLLING
 *   POLLING -> HANDING (another worker holds its WebSocket; the owner)
 *   WEBSOCKET (a direct WebSocket session, from the start)
 *   STANDIN (another worker's session, its WebSocket probing here)
 *           -> STANDIN_PROBED -> TAKING ("5": the state is asked for)
 *           -> WEBSOCKET (imported)
 *   any -> CLOSED
 */

typedef enum {
    NGX_PAD_EIO_POLLING = 0,
    NGX_PAD_EIO_PROBING,
    NGX_PAD_EIO_PROBED,
    NGX_PAD_EIO_HANDING,
    NGX_PAD_EIO_WEBSOCKET,
    NGX_PAD_EIO_STANDIN,
    NGX_PAD_EIO_STANDIN_PROBED,
    NGX_PAD_EIO_TAKING,
    NGX_PAD_EIO_CLOSED
} ngx_pad_eio_state_e;


#define ngx_pad_eio_closed(s)   ((s)->state == NGX_PAD_EIO_CLOSED)
#define ngx_pad_eio_standin(s)  ((s)->state >= NGX_PAD_EIO_STANDIN          \
                                 && (s)->state <= NGX_PAD_EIO_TAKING)
#define ngx_pad_eio_polling(s)  ((s)->state != NGX_PAD_EIO_WEBSOCKET)
/* the WebSocket carries the session's output */
#define ngx_pad_eio_on_ws(s)    ((s)->ws                                     \
                                 && (s)->state == NGX_PAD_EIO_WEBSOCKET)


/* what the session calls upwards, in Socket.IO (set at init: sio.c) */

typedef struct {
    void                      (*message)(ngx_pad_eio_session_t *s,
                                         u_char *data, size_t len);
    void                      (*closed)(ngx_pad_eio_session_t *s,
                                        const char *reason);
    void                      (*writable)(ngx_pad_eio_session_t *s);
    ngx_int_t                 (*export)(ngx_pad_eio_session_t *s,
                                        json_t **state);
    ngx_int_t                 (*import)(ngx_pad_eio_session_t *s,
                                        json_t *state);
} ngx_pad_eio_upcalls_t;


/* a stand-in's hooks into the handover (ngx_pad_relay_handover.c) */

typedef struct {
    void                      (*probe)(ngx_pad_eio_session_t *s);
    ngx_int_t                 (*upgrade)(ngx_pad_eio_session_t *s);
    void                      (*gone)(ngx_pad_eio_session_t *s);
} ngx_pad_eio_standin_t;


struct ngx_pad_eio_session_s {
    ngx_str_node_t              node;          /* key: sid */
    ngx_queue_t                 queue;         /* all sessions */
    ngx_pad_loc_conf_t         *conf;
    ngx_log_t                  *log;

    ngx_pad_eio_state_e         state;

    ngx_pad_sink_t             *ws;            /* active or probing */
    ngx_pad_sink_t             *poll;          /* the pending GET */

    ngx_pad_outq_t              pollq;         /* polling output */

    ngx_event_t                 ping;          /* heartbeat */
    ngx_event_t                 connect;       /* socket.io connect wait */
    ngx_event_t                 upgrade;       /* the probe's time */
    ngx_event_t                 post;          /* deferred close, poll */
    const char                 *close_reason;
    ngx_uint_t                  close_code;    /* WebSocket code, or 0 */

    ngx_str_t                   args;          /* handshake query */
    ngx_str_t                   cookie;        /* the latest Cookie */
    ngx_str_t                   addr;          /* the client's address */
    void                       *app_data;

    ngx_uint_t                  refs;

    ngx_str_t                   sio_id;
    u_char                      sid[NGX_PAD_SID_LEN];
    u_char                      sio_sid[NGX_PAD_SID_LEN];

    const ngx_pad_eio_standin_t  *standin;     /* a stand-in's hooks */
    void                       *handover;      /* relay, the stand-in's */
    ngx_pad_outq_t              inq;           /* stand-in: client input */

    unsigned                    waiting_pong:1;
    unsigned                    sio_connected:1;
    unsigned                    posting:1;     /* POST in progress */
    unsigned                    above_lowat:1;
    unsigned                    close_pending:1;  /* a close is posted */
    unsigned                    remote_probe:1;   /* probed elsewhere */

    /* what the application noted, for the access log (log_vars.c) */
    int64_t                     note_rev;      /* -1: none */
    u_char                     *note;          /* pad id, then author */
    size_t                      note_pad_len;
    size_t                      note_author_len;
};


/* ngx_pad_eio_metrics.c */
void ngx_pad_eio_gauge(ngx_pad_eio_state_e state, ngx_atomic_int_t delta);

/* ngx_pad_log_vars.c */
ngx_int_t ngx_pad_log_vars_add(ngx_conf_t *cf);
ngx_int_t ngx_pad_log_vars_index(ngx_conf_t *cf, ngx_pad_loc_conf_t *plcf);
void ngx_pad_log_vars_note(ngx_http_request_t *r, ngx_pad_eio_session_t *s);

/* ngx_pad_answer.c */
ngx_int_t ngx_pad_http_answer(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, u_char *data, size_t len);
const char *ngx_pad_eio_error_message(ngx_uint_t code);
u_char *ngx_pad_eio_error_json(u_char *buf, ngx_uint_t code);
ngx_int_t ngx_pad_eio_error_answer(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t code);
ngx_int_t ngx_pad_eio_refuse(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t code);
u_char *ngx_pad_request_body(ngx_http_request_t *r, size_t len);
size_t ngx_pad_request_body_len(ngx_http_request_t *r);

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
ngx_int_t ngx_pad_outq_push_str(ngx_pad_outq_t *q, const char *data,
    size_t len, ngx_log_t *log);
void ngx_pad_outq_cleanup_worker(void);

/* ngx_pad_eio_id.c */
void ngx_pad_eio_id_init_worker(void);
void ngx_pad_eio_random(u_char *buf, size_t n);
void ngx_pad_eio_new_sid(u_char *sid);
uint32_t ngx_pad_eio_instance_id(void);
ngx_uint_t ngx_pad_eio_sid_owner(ngx_str_t *sid, uint32_t *instance,
    ngx_uint_t *worker);
ngx_int_t ngx_pad_eio_copy_request(ngx_pad_eio_session_t *s,
    ngx_http_request_t *r);
void ngx_pad_eio_refresh_cookie(ngx_pad_eio_session_t *s,
    ngx_http_request_t *r);
ngx_int_t ngx_pad_eio_set_str(ngx_str_t *dst, json_t *v, ngx_log_t *log);
ngx_int_t ngx_pad_eio_open_packet(ngx_pad_eio_session_t *s, ngx_str_t *out,
    ngx_pool_t *pool);

/* ngx_pad_eio_session.c */
ngx_int_t ngx_pad_eio_init_worker(ngx_cycle_t *cycle,
    const ngx_pad_eio_upcalls_t *up);
void ngx_pad_eio_exit_worker(ngx_cycle_t *cycle);
void ngx_pad_eio_set_state(ngx_pad_eio_session_t *s,
    ngx_pad_eio_state_e state);
ngx_pad_eio_session_t *ngx_pad_eio_create(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *conf, ngx_pad_eio_state_e state);
ngx_pad_eio_session_t *ngx_pad_eio_lookup(ngx_str_t *sid);
void ngx_pad_eio_insert(ngx_pad_eio_session_t *s);
void ngx_pad_eio_new_sio_id(ngx_pad_eio_session_t *s);
ngx_int_t ngx_pad_eio_send(ngx_pad_eio_session_t *s, ngx_pad_payload_t *p);
ngx_int_t ngx_pad_eio_send_open(ngx_pad_eio_session_t *s);
void ngx_pad_eio_shutdown(void);
ngx_int_t ngx_pad_eio_send_str(ngx_pad_eio_session_t *s, const char *data,
    size_t len);
void ngx_pad_eio_flush_poll(ngx_pad_eio_session_t *s);
void ngx_pad_eio_answer(ngx_pad_eio_session_t *s, ngx_pad_outq_t *q);
void ngx_pad_eio_answer_noop(ngx_pad_eio_session_t *s);
void ngx_pad_eio_on_packet(ngx_pad_eio_session_t *s, u_char *data,
    size_t len, ngx_uint_t from_ws);
void ngx_pad_eio_on_payload(ngx_pad_eio_session_t *s, u_char *body,
    size_t len);
void ngx_pad_eio_close(ngx_pad_eio_session_t *s, const char *reason);
void ngx_pad_eio_close_later(ngx_pad_eio_session_t *s, const char *reason);
void ngx_pad_eio_ref(ngx_pad_eio_session_t *s);
void ngx_pad_eio_unref(ngx_pad_eio_session_t *s);
void ngx_pad_eio_ws_attach(ngx_pad_eio_session_t *s, ngx_pad_sink_t *ws,
    ngx_log_t *log, ngx_msec_t upgrade_timeout);
void ngx_pad_eio_ws_closed(ngx_pad_eio_session_t *s, ngx_pad_sink_t *ws);
void ngx_pad_eio_ws_drained(ngx_pad_eio_session_t *s);
ngx_pad_eio_session_t *ngx_pad_eio_create_standin(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *conf, ngx_str_t *sid,
    const ngx_pad_eio_standin_t *hooks);
const ngx_pad_eio_upcalls_t *ngx_pad_eio_upcalls(void);

/* ngx_pad_eio_state.c: the handover of a session's state */
ngx_int_t ngx_pad_eio_export(ngx_pad_eio_session_t *s, json_t **state);
ngx_int_t ngx_pad_eio_import(ngx_pad_eio_session_t *s, json_t *state);
void ngx_pad_eio_close_handed(ngx_pad_eio_session_t *s);

/* ngx_pad_sio.c */
extern const ngx_pad_eio_upcalls_t  ngx_pad_sio_upcalls;

/* ngx_pad_ws.c */
ngx_pad_ws_t *ngx_pad_ws_create(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *plcf);
void ngx_pad_ws_start(ngx_pad_ws_t *ws, ngx_pad_eio_session_t *s,
    ngx_uint_t created);
ngx_int_t ngx_pad_ws_send(ngx_pad_ws_t *ws, ngx_pad_payload_t *p,
    ngx_uint_t opcode);
void ngx_pad_ws_close(ngx_pad_ws_t *ws, ngx_uint_t code,
    const char *reason);
void ngx_pad_ws_post_write(ngx_pad_ws_t *ws);
ngx_int_t ngx_pad_ws_init_worker(ngx_cycle_t *cycle);
void ngx_pad_ws_exit_worker(void);

/* ngx_pad_ws_handshake.c */
ngx_int_t ngx_pad_ws_handshake(ngx_http_request_t *r,
    ngx_pad_eio_session_t *s);

/*
 * ngx_pad_relay_handover.c: a WebSocket upgrade for another worker's
 * session gets a stand-in session here; NGX_DECLINED: not another
 * worker's, the caller refuses it.
 */
ngx_int_t ngx_pad_relay_ws_handler(ngx_http_request_t *r, ngx_str_t *sid,
    ngx_pad_loc_conf_t *plcf);

/* ngx_pad_poll.c (the polling transport) */
ngx_int_t ngx_pad_poll_handshake(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *plcf);
ngx_int_t ngx_pad_poll_get(ngx_http_request_t *r, ngx_pad_eio_session_t *s);
ngx_int_t ngx_pad_poll_post(ngx_http_request_t *r, ngx_pad_eio_session_t *s);



/* hooks of the module object (ngx_pad_module.c) */
ngx_int_t ngx_pad_http_handler(ngx_http_request_t *r);
ngx_int_t ngx_pad_transport_init_process(ngx_cycle_t *cycle,
    ngx_uint_t socketio);
void ngx_pad_transport_exit_process(ngx_cycle_t *cycle);


#endif /* _NGX_PAD_TRANSPORT_H_INCLUDED_ */
