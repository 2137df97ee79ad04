
/*
 * The handover: a WebSocket upgrade for another worker's session gets a
 * stand-in session in this worker; when the client has upgraded ("5")
 * the stand-in asks the owner for the session:
 *
 *   probe    "QU 0 <reply channel> <sid> 0\n": the client probes a
 *            WebSocket here: the owner answers its pending GET with a
 *            noop so that the client can pause polling
 *   handover "QH <id> <reply channel> <sid> 0\n": the client upgraded
 *            here; the owner answers "RH <id> <status> <len>\n<state>"
 *            (JSON, ngx_pad_eio_state.c) and drops the session without
 *            departure effects; this worker imports it.
 *
 * Both sides are here: the new worker (the stand-in's hooks, the answer)
 * and the owner (the session handed over once its app is ready).
 */


#include "transport/ngx_pad_relay_int.h"


/* the new worker: a stand-in waiting for its session's state */

typedef struct {
    ngx_queue_t                queue;
    ngx_pad_eio_session_t     *session;        /* referenced */
    ngx_event_t                timer;
    ngx_pad_redis_req_t       *pub;
    uint64_t                   id;
} ngx_pad_relay_ho_t;


/* the owner: a session being handed over, once its app is ready */

typedef struct {
    ngx_queue_t                queue;
    ngx_pad_eio_session_t     *session;        /* referenced */
    ngx_event_t                timer;          /* asks the app again */
    ngx_msec_t                 started;
    uint64_t                   id;
    ngx_str_t                  reply;
} ngx_pad_relay_hs_t;


static void ngx_pad_handover_probe(ngx_pad_eio_session_t *s);
static ngx_int_t ngx_pad_handover_upgrade(ngx_pad_eio_session_t *s);
static void ngx_pad_handover_gone(ngx_pad_eio_session_t *s);
static void ngx_pad_relay_ho_published(void *data, redisReply *reply,
    ngx_str_t *err);
static void ngx_pad_relay_ho_timeout(ngx_event_t *ev);
static void ngx_pad_relay_ho_free(ngx_pad_relay_ho_t *ho);
static void ngx_pad_relay_ho_fail(ngx_pad_relay_ho_t *ho, const char *why);
static void ngx_pad_relay_hs_handler(ngx_event_t *ev);
static void ngx_pad_relay_hs_free(ngx_pad_relay_hs_t *hs);


/* what a stand-in calls (ngx_pad_eio_session.c) */

static const ngx_pad_eio_standin_t  ngx_pad_handover_hooks = {
    ngx_pad_handover_probe,
    ngx_pad_handover_upgrade,
    ngx_pad_handover_gone
};


static ngx_queue_t  ngx_pad_relay_hos;       /* stand-ins */
static ngx_queue_t  ngx_pad_relay_hss;       /* handing over */


void
ngx_pad_handover_init(void)
{
    ngx_queue_init(&ngx_pad_relay_hos);
    ngx_queue_init(&ngx_pad_relay_hss);
}


void
ngx_pad_handover_exit(void)
{
    ngx_queue_t  *q;

    while (!ngx_queue_empty(&ngx_pad_relay_hos)) {
        q = ngx_queue_head(&ngx_pad_relay_hos);
        ngx_pad_relay_ho_free(ngx_queue_data(q, ngx_pad_relay_ho_t, queue));
    }

    while (!ngx_queue_empty(&ngx_pad_relay_hss)) {
        q = ngx_queue_head(&ngx_pad_relay_hss);
        ngx_pad_relay_hs_free(ngx_queue_data(q, ngx_pad_relay_hs_t, queue));
    }
}


/* --- the new worker ------------------------------------------------------ */




ngx_int_t
ngx_pad_relay_ws_handler(ngx_http_request_t *r, ngx_str_t *sid,
    ngx_pad_loc_conf_t *plcf)
{
    ngx_int_t               rc;
    ngx_str_t               owner;
    ngx_pad_eio_session_t  *s;
    u_char                  buf[NGX_PAD_RELAY_CHANNEL_LEN];

    owner.data = buf;

    if (!ngx_pad_relay_w.on || r->headers_in.upgrade == NULL
        || ngx_pad_relay_owner_channel(sid, &owner) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (!ngx_pad_relay_w.subscribed || !ngx_pad_redis_ready(ngx_pad_redis)) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pad: relay: redis unavailable, cannot take session "
                      "%V over", sid);
        ngx_pad_relay_w.n_ho_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_HANDOVERS_FAILED);
        return NGX_DECLINED;
    }

    s = ngx_pad_eio_create_standin(r, plcf, sid, &ngx_pad_handover_hooks);
    if (s == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "pad relay: websocket for session %V of %V", sid);

    rc = ngx_pad_ws_handshake(r, s);

    if (s->ws == NULL) {
        /* refused or failed: nothing holds the stand-in */
        ngx_pad_eio_close(s, "websocket handshake failed");
    }

    return rc;
}


/* 2probe answered here: the owner answers its pending GET with a noop */

static void
ngx_pad_handover_probe(ngx_pad_eio_session_t *s)
{
    ngx_str_t  sid, owner;
    u_char     buf[NGX_PAD_RELAY_CHANNEL_LEN];

    sid.data = s->sid;
    sid.len = NGX_PAD_SID_LEN;
    owner.data = buf;

    if (!ngx_pad_relay_w.on
        || ngx_pad_relay_owner_channel(&sid, &owner) != NGX_OK)
    {
        return;
    }

    (void) ngx_pad_relay_request(&owner, 'U', 0, &sid, NULL, 0,
                                 NULL, NULL, NULL);
}


/* "5" came: ask the owner for the session */

static ngx_int_t
ngx_pad_handover_upgrade(ngx_pad_eio_session_t *s)
{
    ngx_str_t            sid, owner;
    ngx_pad_relay_ho_t  *ho;
    u_char               buf[NGX_PAD_RELAY_CHANNEL_LEN];

    sid.data = s->sid;
    sid.len = NGX_PAD_SID_LEN;
    owner.data = buf;

    if (!ngx_pad_relay_w.on || !ngx_pad_relay_w.subscribed || s->handover
        || ngx_pad_relay_owner_channel(&sid, &owner) != NGX_OK)
    {
        ngx_pad_relay_w.n_ho_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_HANDOVERS_FAILED);
        return NGX_ERROR;
    }

    ho = ngx_calloc(sizeof(ngx_pad_relay_ho_t), s->log);
    if (ho == NULL) {
        ngx_pad_relay_w.n_ho_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_HANDOVERS_FAILED);
        return NGX_ERROR;
    }

    ho->session = s;
    ho->id = ++ngx_pad_relay_w.next_id;

    ho->timer.handler = ngx_pad_relay_ho_timeout;
    ho->timer.data = ho;
    ho->timer.log = ngx_cycle->log;
    ho->timer.cancelable = 1;

    if (ngx_pad_relay_request(&owner, 'H', ho->id, &sid, NULL, 0,
                              ngx_pad_relay_ho_published, ho, &ho->pub)
        != NGX_OK)
    {
        ngx_free(ho);
        ngx_pad_relay_w.n_ho_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_HANDOVERS_FAILED);
        return NGX_ERROR;
    }

    ngx_pad_eio_ref(s);
    s->handover = ho;
    ngx_queue_insert_tail(&ngx_pad_relay_hos, &ho->queue);

    /* the owner may wait for a commit in flight: twice the relay time */
    ngx_add_timer(&ho->timer, 2 * ngx_pad_relay_w.conf->timeout);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, s->log, 0,
                   "pad relay: asking %V for the session", &owner);

    return NGX_OK;
}


static void
ngx_pad_relay_ho_published(void *data, redisReply *reply, ngx_str_t *err)
{
    ngx_pad_relay_ho_t  *ho = data;

    ho->pub = NULL;

    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        ngx_pad_relay_ho_fail(ho, "redis unavailable");
        return;
    }

    if (reply->integer == 0) {
        ngx_pad_relay_ho_fail(ho, "the owner is gone");
    }
}


static void
ngx_pad_relay_ho_timeout(ngx_event_t *ev)
{
    ngx_pad_relay_ho_fail(ev->data, "no answer in time");
}


/* the handover failed: the WebSocket closes, the client reconnects */

static void
ngx_pad_relay_ho_fail(ngx_pad_relay_ho_t *ho, const char *why)
{
    ngx_pad_eio_session_t  *s;

    s = ho->session;

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "pad: relay: cannot take session %*s over: %s",
                  (size_t) NGX_PAD_SID_LEN, s->sid, why);

    ngx_pad_relay_w.n_ho_failed++;

    ngx_pad_metric_inc(NGX_PAD_M_HANDOVERS_FAILED);

    ngx_pad_eio_ref(s);
    ngx_pad_relay_ho_free(ho);

    s->close_code = NGX_PAD_WS_CLOSE_GOING_AWAY;
    ngx_pad_eio_close(s, "handover failed");
    ngx_pad_eio_unref(s);
}


static void
ngx_pad_relay_ho_free(ngx_pad_relay_ho_t *ho)
{
    ngx_pad_eio_session_t  *s;

    s = ho->session;

    if (ho->timer.timer_set) {
        ngx_del_timer(&ho->timer);
    }

    if (ho->pub) {
        ngx_pad_redis_cancel(ho->pub);
        ho->pub = NULL;
    }

    ngx_queue_remove(&ho->queue);

    s->handover = NULL;
    ngx_free(ho);

    ngx_pad_eio_unref(s);
}


/* the stand-in closes (its WebSocket went away) before the state came */

static void
ngx_pad_handover_gone(ngx_pad_eio_session_t *s)
{
    if (s->handover) {
        ngx_pad_relay_ho_free(s->handover);
    }
}


void
ngx_pad_handover_on_answer(ngx_pad_relay_msg_t *m)
{
    json_t                 *st;
    ngx_queue_t            *q;
    ngx_pad_relay_ho_t     *ho;
    ngx_pad_eio_session_t  *s;

    ho = NULL;

    for (q = ngx_queue_head(&ngx_pad_relay_hos);
         q != ngx_queue_sentinel(&ngx_pad_relay_hos);
         q = ngx_queue_next(q))
    {
        ho = ngx_queue_data(q, ngx_pad_relay_ho_t, queue);

        if (ho->id == m->id) {
            break;
        }

        ho = NULL;
    }

    if (ho == NULL) {
        /* too late: the WebSocket is gone, the client reconnects */
        return;
    }

    if (m->status != NGX_HTTP_OK) {
        ngx_pad_relay_ho_fail(ho, "refused by the owner");
        return;
    }

    st = json_loadb((char *) m->body.data, m->body.len, 0, NULL);
    if (st == NULL) {
        ngx_pad_relay_ho_fail(ho, "invalid state");
        return;
    }

    s = ho->session;

    ngx_pad_eio_ref(s);
    ngx_pad_relay_ho_free(ho);

    if (ngx_pad_eio_import(s, st) != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: relay: cannot import session %*s",
                      (size_t) NGX_PAD_SID_LEN, s->sid);
        ngx_pad_relay_w.n_ho_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_HANDOVERS_FAILED);
        s->close_code = NGX_PAD_WS_CLOSE_GOING_AWAY;
        ngx_pad_eio_close(s, "handover failed");

    } else {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: relay: session %*s taken over",
                      (size_t) NGX_PAD_SID_LEN, s->sid);
        ngx_pad_relay_w.n_taken++;
    }

    ngx_pad_eio_unref(s);
    json_decref(st);
}


/* --- the owner ----------------------------------------------------------- */




void
ngx_pad_handover_serve(ngx_pad_relay_msg_t *m)
{
    ngx_pad_relay_hs_t     *hs;
    ngx_pad_eio_session_t  *s;

    s = ngx_pad_eio_lookup(&m->sid);

    if (s == NULL || s->state != NGX_PAD_EIO_POLLING) {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "pad: relay: session %V cannot be handed over",
                      &m->sid);
        ngx_pad_relay_reply(&m->reply, 'H', m->id, NGX_HTTP_NOT_FOUND, NULL,
                            NULL, 0);
        return;
    }

    hs = ngx_calloc(sizeof(ngx_pad_relay_hs_t) + m->reply.len, s->log);
    if (hs == NULL) {
        ngx_pad_relay_reply(&m->reply, 'H', m->id,
                            NGX_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL, 0);
        return;
    }

    hs->session = s;
    hs->id = m->id;
    hs->started = ngx_current_msec;
    hs->reply.data = (u_char *) (hs + 1);
    hs->reply.len = m->reply.len;
    ngx_memcpy(hs->reply.data, m->reply.data, m->reply.len);

    hs->timer.handler = ngx_pad_relay_hs_handler;
    hs->timer.data = hs;
    hs->timer.log = ngx_cycle->log;
    hs->timer.cancelable = 1;

    ngx_pad_eio_ref(s);
    ngx_pad_eio_set_state(s, NGX_PAD_EIO_HANDING);
    s->remote_probe = 0;
    ngx_queue_insert_tail(&ngx_pad_relay_hss, &hs->queue);

    /* a GET still held returns with a noop; the rest goes by ws */
    ngx_pad_eio_answer_noop(s);

    ngx_pad_relay_hs_handler(&hs->timer);
}


/* asks the app for the state until it has nothing in flight */

static void
ngx_pad_relay_hs_handler(ngx_event_t *ev)
{
    u_char                 *body;
    json_t                 *st;
    ngx_int_t               rc;
    ngx_pad_relay_hs_t     *hs = ev->data;
    ngx_pad_eio_session_t  *s;

    s = hs->session;

    if (ngx_pad_eio_closed(s)) {
        ngx_pad_relay_reply(&hs->reply, 'H', hs->id, NGX_HTTP_NOT_FOUND, NULL,
                            NULL, 0);
        ngx_pad_relay_hs_free(hs);
        return;
    }

    rc = ngx_pad_eio_export(s, &st);

    if (rc == NGX_AGAIN) {
        if (ngx_current_msec - hs->started < ngx_pad_relay_w.conf->timeout) {
            ngx_add_timer(&hs->timer, 10);
            return;
        }

        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: relay: session %*s still busy, not handed over",
                      (size_t) NGX_PAD_SID_LEN, s->sid);
        rc = NGX_ERROR;
    }

    body = NULL;

    if (rc == NGX_OK) {
        body = (u_char *) json_dumps(st, JSON_COMPACT);
        json_decref(st);
    }

    if (body == NULL) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: relay: session %*s not handed over",
                      (size_t) NGX_PAD_SID_LEN, s->sid);
        ngx_pad_relay_w.n_ho_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_HANDOVERS_FAILED);
        ngx_pad_relay_reply(&hs->reply, 'H', hs->id,
                            NGX_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL, 0);

        /* the client's WebSocket closes there: the session ends */
        ngx_pad_eio_ref(s);
        ngx_pad_relay_hs_free(hs);
        ngx_pad_eio_close(s, "handover failed");
        ngx_pad_eio_unref(s);
        return;
    }

    ngx_pad_relay_reply(&hs->reply, 'H', hs->id, NGX_HTTP_OK, NULL, body,
                        ngx_strlen(body));
    free(body);

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "pad: relay: session %*s handed over to %V",
                  (size_t) NGX_PAD_SID_LEN, s->sid, &hs->reply);

    ngx_pad_relay_w.n_handed++;

    ngx_pad_metric_inc(NGX_PAD_M_HANDOVERS);

    ngx_pad_eio_ref(s);
    ngx_pad_relay_hs_free(hs);
    ngx_pad_eio_close_handed(s);
    ngx_pad_eio_unref(s);
}


static void
ngx_pad_relay_hs_free(ngx_pad_relay_hs_t *hs)
{
    ngx_pad_eio_session_t  *s;

    s = hs->session;

    if (hs->timer.timer_set) {
        ngx_del_timer(&hs->timer);
    }

    ngx_queue_remove(&hs->queue);
    ngx_free(hs);

    ngx_pad_eio_unref(s);
}
