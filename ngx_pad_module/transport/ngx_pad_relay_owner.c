
/*
 * The owner's side of the relay: polling requests that other workers
 * relayed for a session of this worker, served against it as if they
 * were local.  A relayed GET is the session's pending poll (its sink)
 * until the session answers it; the answer is published back.
 */


#include "transport/ngx_pad_relay_int.h"


/* a relayed GET held by the owner as the session's pending poll */

typedef struct {
    ngx_pad_sink_t             sink;
    ngx_queue_t                queue;
    ngx_pad_eio_session_t     *session;        /* referenced */
    uint64_t                   id;
    ngx_str_t                  reply;
} ngx_pad_relay_poll_t;


static void ngx_pad_relay_serve_get(ngx_pad_relay_msg_t *m,
    ngx_pad_eio_session_t *s);
static void ngx_pad_relay_serve_post(ngx_pad_relay_msg_t *m,
    ngx_pad_eio_session_t *s);
static void ngx_pad_relay_serve_probe(ngx_pad_eio_session_t *s);
static void ngx_pad_relay_forget(ngx_pad_relay_msg_t *m,
    ngx_pad_eio_session_t *s);
static void ngx_pad_relay_poll_flush(ngx_pad_sink_t *k, ngx_pad_outq_t *q);
static void ngx_pad_relay_poll_free(ngx_pad_relay_poll_t *rp);


static ngx_queue_t  ngx_pad_relay_polls;


void
ngx_pad_relay_owner_init(void)
{
    ngx_queue_init(&ngx_pad_relay_polls);
}


void
ngx_pad_relay_owner_exit(void)
{
    ngx_queue_t  *q;

    while (!ngx_queue_empty(&ngx_pad_relay_polls)) {
        q = ngx_queue_head(&ngx_pad_relay_polls);
        ngx_pad_relay_poll_free(ngx_queue_data(q, ngx_pad_relay_poll_t,
                                               queue));
    }
}


/* a request of another worker: G, P, X (forget a GET), U (a probe) */

void
ngx_pad_relay_serve(ngx_pad_relay_msg_t *m)
{
    ngx_pad_eio_session_t  *s;

    s = ngx_pad_eio_lookup(&m->sid);

    if (m->kind == 'X') {
        ngx_pad_relay_forget(m, s);
        return;
    }

    if (m->reply.len > NGX_PAD_RELAY_CHANNEL_LEN) {
        return;
    }

    if (m->kind == 'U') {
        if (s && !ngx_pad_eio_closed(s) && ngx_pad_eio_polling(s)) {
            ngx_pad_relay_serve_probe(s);
        }

        return;
    }

    if (m->kind != 'G' && m->kind != 'P') {
        return;
    }

    ngx_pad_relay_w.n_served++;

    if (s == NULL || ngx_pad_eio_closed(s)) {
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST, NGX_PAD_ERR_SID);
        return;
    }

    if (!ngx_pad_eio_polling(s)) {
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_BAD_REQUEST);
        return;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, s->log, 0,
                   "pad relay: serving %c for session %V from %V",
                   m->kind, &m->sid, &m->reply);

    if (m->kind == 'G') {
        ngx_pad_relay_serve_get(m, s);

    } else {
        ngx_pad_relay_serve_post(m, s);
    }
}


/* the relaying worker's client went away: its GET is not answered */

static void
ngx_pad_relay_forget(ngx_pad_relay_msg_t *m, ngx_pad_eio_session_t *s)
{
    ngx_pad_relay_poll_t  *rp;

    if (s == NULL || s->poll == NULL
        || s->poll->flush != ngx_pad_relay_poll_flush)
    {
        return;
    }

    rp = (ngx_pad_relay_poll_t *) s->poll;

    if (rp->id == m->id && rp->reply.len == m->reply.len
        && ngx_strncmp(rp->reply.data, m->reply.data, m->reply.len) == 0)
    {
        ngx_pad_relay_poll_free(rp);
    }
}


static void
ngx_pad_relay_serve_get(ngx_pad_relay_msg_t *m, ngx_pad_eio_session_t *s)
{
    ngx_pad_relay_poll_t  *rp;

    if (s->state == NGX_PAD_EIO_HANDING) {
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_BAD_REQUEST);
        return;
    }

    if (s->poll) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: overlapping polling GET, closing session");
        ngx_pad_eio_close(s, "poll overlap");
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_BAD_REQUEST);
        return;
    }

    rp = ngx_calloc(sizeof(ngx_pad_relay_poll_t) + m->reply.len,
                    ngx_cycle->log);
    if (rp == NULL) {
        ngx_pad_relay_reply(&m->reply, 'D', m->id,
                            NGX_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL, 0);
        return;
    }

    rp->sink.flush = ngx_pad_relay_poll_flush;
    rp->session = s;
    rp->id = m->id;
    rp->reply.data = (u_char *) (rp + 1);
    rp->reply.len = m->reply.len;
    ngx_memcpy(rp->reply.data, m->reply.data, m->reply.len);

    ngx_queue_insert_tail(&ngx_pad_relay_polls, &rp->queue);

    /* the reference of rp: freed with the answer or the session */
    ngx_pad_eio_ref(s);
    s->poll = &rp->sink;

    ngx_pad_relay_reply(&m->reply, 'A', m->id, 0, NULL, NULL, 0);

    if ((s->state == NGX_PAD_EIO_PROBED || s->remote_probe)
        && s->pollq.head == NULL)
    {
        /* the client pauses polling to finish the upgrade: noop */
        s->remote_probe = 0;
        (void) ngx_pad_eio_send_str(s, "6", 1);
    }

    if (s->pollq.head) {
        ngx_pad_eio_flush_poll(s);
    }
}


static void
ngx_pad_relay_serve_post(ngx_pad_relay_msg_t *m, ngx_pad_eio_session_t *s)
{
    if (s->posting) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: overlapping polling POST, closing session");
        ngx_pad_eio_close(s, "post overlap");
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_BAD_REQUEST);
        return;
    }

    if (m->body.len > s->conf->max_payload) {
        ngx_pad_eio_close(s, "payload too large");
        ngx_pad_relay_reply(&m->reply, 'D', m->id,
                            NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, NULL, NULL, 0);
        return;
    }

    if (m->body.len == 0) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: empty polling POST, closing session");
        ngx_pad_eio_close(s, "parse error");
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_BAD_REQUEST);
        return;
    }

    ngx_pad_eio_ref(s);
    s->posting = 1;

    ngx_pad_eio_on_payload(s, m->body.data, m->body.len);

    s->posting = 0;
    ngx_pad_eio_unref(s);

    ngx_pad_relay_reply(&m->reply, 'D', m->id, NGX_HTTP_OK, NULL,
                        (u_char *) "ok", 2);
}


/* the client probes a WebSocket to another worker */

static void
ngx_pad_relay_serve_probe(ngx_pad_eio_session_t *s)
{
    if (s->poll) {
        if (s->pollq.head == NULL) {
            (void) ngx_pad_eio_send_str(s, "6", 1);

        } else {
            ngx_pad_eio_flush_poll(s);
        }

        return;
    }

    /* the next GET returns at once */
    s->remote_probe = 1;
}


/* the sink: answers the relayed GET now with the packets of q (emptied) */

static void
ngx_pad_relay_poll_flush(ngx_pad_sink_t *k, ngx_pad_outq_t *q)
{
    ngx_pad_relay_poll_t  *rp = (ngx_pad_relay_poll_t *) k;

    ngx_pad_relay_reply(&rp->reply, 'D', rp->id, NGX_HTTP_OK, q, NULL, 0);
    ngx_pad_outq_free(q);

    ngx_pad_relay_poll_free(rp);
}


static void
ngx_pad_relay_poll_free(ngx_pad_relay_poll_t *rp)
{
    ngx_pad_eio_session_t  *s;

    s = rp->session;

    ngx_queue_remove(&rp->queue);

    if (s->poll == &rp->sink) {
        s->poll = NULL;
    }

    ngx_free(rp);

    ngx_pad_eio_unref(s);
}
