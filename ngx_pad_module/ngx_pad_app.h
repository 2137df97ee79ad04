
/*
 * The interface between the Socket.IO transport (src/transport/) and the
 * application on top of it (the pad engine).
 *
 * A "socket" is one Socket.IO connection on the namespace "/" of one
 * Engine.IO session (polling, WebSocket, or polling upgraded to
 * WebSocket: the app does not see the difference).
 *
 * The transport calls the app through ngx_pad_app_t callbacks, always
 * from the event loop of the worker that holds the socket, never
 * re-entrantly: a callback may call any ngx_pad_socket_*() function,
 * including ngx_pad_socket_close(); the socket stays valid until the
 * "closed" callback has returned.
 *
 * Outgoing data is a refcounted payload holding a whole Engine.IO packet
 * ("42[...]").  Building one payload and emitting it on many sockets
 * copies nothing: every socket's queue holds a reference; the transport
 * frames it per connection (one WebSocket frame per packet, or joined
 * with 0x1e into a polling response).
 *
 * Flow control: each socket's queue holds at most pad_send_queue_max
 * bytes; emitting beyond it closes the socket as too slow.  The app
 * should check ngx_pad_socket_room() and wait for the "writable"
 * callback, which fires once the queue drains below pad_send_lowat
 * after having been at or above it.
 */


#ifndef _NGX_PAD_APP_H_INCLUDED_
#define _NGX_PAD_APP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>


typedef struct ngx_pad_eio_session_s  ngx_pad_socket_t;


typedef struct {
    ngx_uint_t   refs;
    size_t       len;
    u_char       data[1];          /* len bytes */
} ngx_pad_payload_t;


typedef struct {
    /*
     * A client connected to the namespace "/".  Return NGX_OK to accept
     * (the transport then answers 40{"sid":...}) or NGX_ERROR to refuse
     * (the transport answers 44{"message":"..."}, keeping the session).
     */
    ngx_int_t  (*connected)(ngx_pad_socket_t *s);

    /*
     * An EVENT arrived: args is the JSON array ["name", ...] (borrowed:
     * call json_incref() to keep it); ack_id is -1 when the client asked
     * for no acknowledgement, else the id to pass to
     * ngx_pad_socket_ack().
     */
    void       (*event)(ngx_pad_socket_t *s, json_t *args, int64_t ack_id);

    /* the queue drained below pad_send_lowat: refill from your cursor */
    void       (*writable)(ngx_pad_socket_t *s);

    /* the socket is gone (reason: a short static string); free app data */
    void       (*closed)(ngx_pad_socket_t *s, const char *reason);

    /*
     * Handover of the socket to another worker (its WebSocket upgrade
     * landed there).  export: NGX_OK with *state (a new reference) once
     * the app data is freed WITHOUT departure effects (the socket lives
     * on elsewhere; "closed" is not called); NGX_AGAIN when work of the
     * socket is in flight (the transport asks again shortly); NGX_ERROR.
     * import, in the new worker: the socket arrives connected to "/"
     * with that state (borrowed); NGX_ERROR closes it.  NULL hooks: no
     * state to move.
     */
    ngx_int_t  (*export)(ngx_pad_socket_t *s, json_t **state);
    ngx_int_t  (*import)(ngx_pad_socket_t *s, json_t *state);
} ngx_pad_app_t;


/* installs the application (called from a later init_process hook) */
void ngx_pad_app_set(const ngx_pad_app_t *app);

/* the default application: answers "message" events like Etherpad does */
extern const ngx_pad_app_t  ngx_pad_app_default;


/* payloads: ngx_alloc()ed, refcounted; refs starts at 1 */
ngx_pad_payload_t *ngx_pad_payload_alloc(size_t len, ngx_log_t *log);
void ngx_pad_payload_unref(ngx_pad_payload_t *p);
#define ngx_pad_payload_ref(p)  ((p)->refs++, (p))

/* builds "42<json of args>" once; args must be a JSON array */
ngx_pad_payload_t *ngx_pad_sio_event_payload(json_t *args, ngx_log_t *log);


/*
 * The emit and ack calls return NGX_OK when the packet is queued,
 * NGX_DECLINED when the socket is not connected to "/", closed or
 * closing (nothing is queued), NGX_ERROR on allocation failure.
 */

/* emits a prebuilt payload (takes its own reference) */
ngx_int_t ngx_pad_socket_emit_payload(ngx_pad_socket_t *s,
    ngx_pad_payload_t *p);
/* emits 42<args>; args: a JSON array ["name", ...] (borrowed) */
ngx_int_t ngx_pad_socket_emit(ngx_pad_socket_t *s, json_t *args);
/* sends 43<ack_id><args>; args: a JSON array (borrowed) */
ngx_int_t ngx_pad_socket_ack(ngx_pad_socket_t *s, int64_t ack_id,
    json_t *args);

/* bytes queued and not yet written; bytes that may still be queued */
size_t ngx_pad_socket_queued(ngx_pad_socket_t *s);
size_t ngx_pad_socket_room(ngx_pad_socket_t *s);

/* sends DISCONNECT (41) and closes the session after it is written */
void ngx_pad_socket_close(ngx_pad_socket_t *s, const char *reason);

/*
 * The handshake request: a query argument (e.g. "padId", url-escaped as
 * sent) and a cookie (e.g. "token"); NGX_DECLINED when absent.  The
 * Cookie header falls back to the "cookie" query argument as Etherpad
 * does for Node clients.
 */
ngx_int_t ngx_pad_socket_arg(ngx_pad_socket_t *s, const char *name,
    ngx_str_t *value);
ngx_int_t ngx_pad_socket_cookie(ngx_pad_socket_t *s, const char *name,
    ngx_str_t *value);

/*
 * The whole Cookie header (the latest that a request of the session
 * carried: the handshake, a polling request, the WebSocket upgrade;
 * kept across a handover) and the client's address; "" when none.
 */
void ngx_pad_socket_cookies(ngx_pad_socket_t *s, ngx_str_t *value);
void ngx_pad_socket_addr(ngx_pad_socket_t *s, ngx_str_t *value);

/* the Socket.IO socket id and the Engine.IO session id */
ngx_str_t *ngx_pad_socket_id(ngx_pad_socket_t *s);
ngx_str_t *ngx_pad_socket_sid(ngx_pad_socket_t *s);

ngx_log_t *ngx_pad_socket_log(ngx_pad_socket_t *s);

/* one pointer for the application */
void *ngx_pad_socket_get_data(ngx_pad_socket_t *s);
void ngx_pad_socket_set_data(ngx_pad_socket_t *s, void *data);


/*
 * What the access log shows of the socket's requests ($pad_id,
 * $pad_author, $pad_rev): the pad and author once joined, the last
 * revision sent as it moves.
 */
void ngx_pad_socket_note(ngx_pad_socket_t *s, ngx_str_t *pad, u_char *author,
    size_t author_len, int64_t rev);
void ngx_pad_socket_note_rev(ngx_pad_socket_t *s, int64_t rev);


#endif /* _NGX_PAD_APP_H_INCLUDED_ */
