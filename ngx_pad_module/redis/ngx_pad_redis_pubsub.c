
/*
 * ngx_pad_module: the Redis client's subscriptions (ngx_pad_redis.h):
 * channels counted by listeners, SUBSCRIBE/UNSUBSCRIBE on the pub/sub
 * connection confirmed in order, messages dispatched to the listeners,
 * READY/LOST/RESUBSCRIBED delivered from posted events.  Runs on the
 * connection machinery of ngx_pad_redis_conn.c; that one reaches this
 * file only through the hooks ngx_pad_redis_create() set.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "redis/ngx_pad_redis_int.h"


static ngx_int_t ngx_pad_redis_send_sub(ngx_pad_redis_conn_t *conn,
    ngx_uint_t kind, ngx_pad_redis_chan_t *chan, ngx_str_t *name);
static void ngx_pad_redis_sub_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_pad_redis_chan_sync(ngx_pad_redis_t *rc,
    ngx_pad_redis_chan_t *chan);
static void ngx_pad_redis_chan_confirmed(ngx_pad_redis_t *rc,
    ngx_pad_redis_chan_t *chan);
static void ngx_pad_redis_chan_sweep(ngx_pad_redis_t *rc,
    ngx_pad_redis_chan_t *chan);
static void ngx_pad_redis_dispatch(ngx_pad_redis_t *rc, ngx_str_t *name,
    ngx_str_t *payload);
static void ngx_pad_redis_sub_post(ngx_pad_redis_sub_t *sub);
static void ngx_pad_redis_sub_notify(ngx_event_t *ev);
static void ngx_pad_redis_sub_free(ngx_pad_redis_sub_t *sub);


/* pub/sub */


static ngx_int_t
ngx_pad_redis_send_sub(ngx_pad_redis_conn_t *conn, ngx_uint_t kind,
    ngx_pad_redis_chan_t *chan, ngx_str_t *name)
{
    const char           *argv[2];
    size_t                argvlen[2];
    ngx_pad_redis_req_t  *req;

    if (conn->ac == NULL || conn->state != NGX_PAD_REDIS_READY) {
        return NGX_ERROR;
    }

    req = ngx_pad_redis_req_alloc(conn->rc, kind);
    if (req == NULL) {
        return NGX_ERROR;
    }

    req->chan = chan;

    if (kind == NGX_PAD_REDIS_REQ_UNSUB) {
        argv[0] = "UNSUBSCRIBE";
        argvlen[0] = sizeof("UNSUBSCRIBE") - 1;

    } else {
        argv[0] = "SUBSCRIBE";
        argvlen[0] = sizeof("SUBSCRIBE") - 1;
    }

    argv[1] = (char *) name->data;
    argvlen[1] = name->len;

    if (redisAsyncCommandArgv(conn->ac, ngx_pad_redis_sub_reply, conn->rc,
                              2, argv, argvlen)
        != REDIS_OK)
    {
        ngx_free(req);
        return NGX_ERROR;
    }

    ngx_pad_redis_pending_add(conn, req);

    return NGX_OK;
}


static void
ngx_pad_redis_sub_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    ngx_pad_redis_t  *rc = privdata;

    ngx_str_t              name, payload;
    ngx_uint_t             unsub;
    redisReply            *reply, *type;
    ngx_queue_t           *q;
    ngx_pad_redis_req_t   *req;
    ngx_pad_redis_chan_t  *chan;
    ngx_pad_redis_conn_t  *conn;

    reply = r;
    conn = &rc->pubsub;

    if (reply == NULL) {
        /* once per channel while the context is freed */
        if (conn->ac == ac) {
            ngx_pad_redis_lost(conn, "connection lost",
                               ngx_pad_redis_ac_error(ac));
        }

        return;
    }

    if (conn->ac != ac || reply->type != REDIS_REPLY_ARRAY
        || reply->elements < 3
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    type = reply->element[0];

    name.data = (u_char *) reply->element[1]->str;
    name.len = reply->element[1]->len;

    if (type->len == 7 && ngx_strncmp(type->str, "message", 7) == 0) {

        if (reply->element[2]->type != REDIS_REPLY_STRING) {
            return;
        }

        payload.data = (u_char *) reply->element[2]->str;
        payload.len = reply->element[2]->len;

        ngx_pad_redis_dispatch(rc, &name, &payload);
        return;
    }

    if (type->len == 9 && ngx_strncmp(type->str, "subscribe", 9) == 0) {
        unsub = 0;

    } else if (type->len == 11
               && ngx_strncmp(type->str, "unsubscribe", 11) == 0)
    {
        unsub = 1;

    } else {
        return;
    }

    if (ngx_queue_empty(&conn->pending)) {
        ngx_pad_redis_drop(conn, "unexpected pub/sub reply", NULL);
        return;
    }

    q = ngx_queue_head(&conn->pending);
    req = ngx_queue_data(q, ngx_pad_redis_req_t, queue);

    if (req->kind < NGX_PAD_REDIS_REQ_SUB
        || unsub != (req->kind == NGX_PAD_REDIS_REQ_UNSUB))
    {
        ngx_pad_redis_drop(conn, "unexpected pub/sub reply", NULL);
        return;
    }

    ngx_queue_remove(q);

    chan = req->chan;
    ngx_free(req);

    if (ngx_queue_empty(&conn->pending) && conn->timer.timer_set) {
        ngx_del_timer(&conn->timer);
    }

    if (chan == NULL) {
        return;
    }

    if (chan->inflight) {
        chan->inflight--;
    }

    if (chan->inflight == 0) {
        if (chan->sent_sub) {
            ngx_pad_redis_chan_confirmed(rc, chan);

        } else {
            chan->subscribed = 0;
            ngx_pad_redis_chan_sync(rc, chan);
        }
    }
}


ngx_pad_redis_sub_t *
ngx_pad_redis_subscribe(ngx_pad_redis_t *rc, ngx_str_t *channel,
    ngx_pad_redis_sub_handler_pt handler, void *data)
{
    uint32_t               hash;
    ngx_pad_redis_sub_t   *sub;
    ngx_pad_redis_chan_t  *chan;

    if (rc == NULL || channel->len == 0) {
        return NULL;
    }

    sub = ngx_calloc(sizeof(ngx_pad_redis_sub_t), rc->log);
    if (sub == NULL) {
        return NULL;
    }

    hash = ngx_crc32_short(channel->data, channel->len);

    chan = (ngx_pad_redis_chan_t *)
               ngx_str_rbtree_lookup(&rc->chans, channel, hash);

    if (chan == NULL) {
        chan = ngx_calloc(sizeof(ngx_pad_redis_chan_t) + channel->len,
                          rc->log);
        if (chan == NULL) {
            ngx_free(sub);
            return NULL;
        }

        chan->sn.str.data = (u_char *) chan + sizeof(ngx_pad_redis_chan_t);
        chan->sn.str.len = channel->len;
        ngx_memcpy(chan->sn.str.data, channel->data, channel->len);
        chan->sn.node.key = hash;

        ngx_rbtree_insert(&rc->chans, &chan->sn.node);
        ngx_queue_insert_tail(&rc->all_chans, &chan->all);
        ngx_queue_init(&chan->listeners);
    }

    sub->rc = rc;
    sub->chan = chan;
    sub->handler = handler;
    sub->data = data;
    sub->ev.handler = ngx_pad_redis_sub_notify;
    sub->ev.data = sub;
    sub->ev.log = rc->log;

    ngx_queue_insert_tail(&chan->listeners, &sub->queue);
    chan->nlisteners++;

    if (chan->subscribed && chan->sent_sub && chan->inflight == 0) {
        sub->notify_ready = 1;
        ngx_pad_redis_sub_post(sub);

    } else {
        ngx_pad_redis_chan_sync(rc, chan);
    }

    return sub;
}


void
ngx_pad_redis_unsubscribe(ngx_pad_redis_sub_t *sub)
{
    ngx_pad_redis_t       *rc;
    ngx_pad_redis_chan_t  *chan;

    if (sub == NULL || sub->removed) {
        return;
    }

    rc = sub->rc;
    chan = sub->chan;

    sub->removed = 1;
    sub->active = 0;
    sub->handler = NULL;
    sub->data = NULL;

    if (sub->ev.posted) {
        ngx_delete_posted_event(&sub->ev);
    }

    if (chan->dispatching || sub->busy) {
        /* freed by the dispatch loop or the notifier */
        return;
    }

    ngx_pad_redis_sub_free(sub);
    ngx_pad_redis_chan_sync(rc, chan);
}


static void
ngx_pad_redis_sub_free(ngx_pad_redis_sub_t *sub)
{
    ngx_queue_remove(&sub->queue);
    sub->chan->nlisteners--;
    ngx_free(sub);
}


/* bring a channel's subscription in line with its listeners */

static void
ngx_pad_redis_chan_sync(ngx_pad_redis_t *rc, ngx_pad_redis_chan_t *chan)
{
    ngx_uint_t             want;
    ngx_pad_redis_conn_t  *conn;

    if (chan->dispatching) {
        return;
    }

    want = (chan->nlisteners > 0);
    conn = &rc->pubsub;

    if (conn->state == NGX_PAD_REDIS_READY && !rc->exiting) {

        if (want && !chan->sent_sub) {
            if (ngx_pad_redis_send_sub(conn, NGX_PAD_REDIS_REQ_SUB, chan,
                                       &chan->sn.str)
                != NGX_OK)
            {
                ngx_pad_redis_drop(conn, "cannot subscribe", NULL);
                return;
            }

            chan->sent_sub = 1;
            chan->inflight++;

        } else if (!want && chan->sent_sub) {
            if (ngx_pad_redis_send_sub(conn, NGX_PAD_REDIS_REQ_UNSUB, chan,
                                       &chan->sn.str)
                != NGX_OK)
            {
                ngx_pad_redis_drop(conn, "cannot unsubscribe", NULL);
                return;
            }

            chan->sent_sub = 0;
            chan->inflight++;
        }
    }

    if (!want && !chan->sent_sub && chan->inflight == 0) {
        ngx_rbtree_delete(&rc->chans, &chan->sn.node);
        ngx_queue_remove(&chan->all);
        ngx_free(chan);
    }
}


static void
ngx_pad_redis_chan_confirmed(ngx_pad_redis_t *rc, ngx_pad_redis_chan_t *chan)
{
    ngx_queue_t          *q;
    ngx_pad_redis_sub_t  *sub;

    chan->subscribed = 1;

    for (q = ngx_queue_head(&chan->listeners);
         q != ngx_queue_sentinel(&chan->listeners);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_pad_redis_sub_t, queue);

        if (!sub->removed && !sub->active) {
            sub->notify_ready = 1;
            ngx_pad_redis_sub_post(sub);
        }
    }
}


/* the pub/sub connection is gone: every subscription with it */

void
ngx_pad_redis_pubsub_lost(ngx_pad_redis_t *rc)
{
    ngx_queue_t           *q, *next, *lq;
    ngx_pad_redis_sub_t   *sub;
    ngx_pad_redis_chan_t  *chan;

    for (q = ngx_queue_head(&rc->all_chans);
         q != ngx_queue_sentinel(&rc->all_chans);
         q = next)
    {
        next = ngx_queue_next(q);
        chan = ngx_queue_data(q, ngx_pad_redis_chan_t, all);

        chan->subscribed = 0;
        chan->sent_sub = 0;
        chan->inflight = 0;

        for (lq = ngx_queue_head(&chan->listeners);
             lq != ngx_queue_sentinel(&chan->listeners);
             lq = ngx_queue_next(lq))
        {
            sub = ngx_queue_data(lq, ngx_pad_redis_sub_t, queue);

            if (sub->removed) {
                continue;
            }

            sub->notify_ready = 0;

            if (sub->active) {
                sub->active = 0;
                sub->notify_lost = 1;

                if (!rc->exiting) {
                    ngx_pad_redis_sub_post(sub);
                }
            }
        }

        ngx_pad_redis_chan_sync(rc, chan);
    }
}


static void
ngx_pad_redis_dispatch(ngx_pad_redis_t *rc, ngx_str_t *name,
    ngx_str_t *payload)
{
    uint32_t               hash;
    ngx_queue_t           *q;
    ngx_pad_redis_sub_t   *sub;
    ngx_pad_redis_chan_t  *chan;

    hash = ngx_crc32_short(name->data, name->len);

    chan = (ngx_pad_redis_chan_t *)
               ngx_str_rbtree_lookup(&rc->chans, name, hash);

    if (chan == NULL || !chan->sent_sub || chan->dispatching) {
        return;
    }

    chan->dispatching = 1;

    for (q = ngx_queue_head(&chan->listeners);
         q != ngx_queue_sentinel(&chan->listeners);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_pad_redis_sub_t, queue);

        if (sub->active && !sub->removed && sub->handler) {
            sub->handler(sub->data, NGX_PAD_REDIS_SUB_MESSAGE, payload);
        }
    }

    chan->dispatching = 0;

    ngx_pad_redis_chan_sweep(rc, chan);
}


/* free listeners removed while the channel was busy */

static void
ngx_pad_redis_chan_sweep(ngx_pad_redis_t *rc, ngx_pad_redis_chan_t *chan)
{
    ngx_uint_t            removed;
    ngx_queue_t          *q, *next;
    ngx_pad_redis_sub_t  *sub;

    removed = 0;

    for (q = ngx_queue_head(&chan->listeners);
         q != ngx_queue_sentinel(&chan->listeners);
         q = next)
    {
        next = ngx_queue_next(q);
        sub = ngx_queue_data(q, ngx_pad_redis_sub_t, queue);

        if (sub->removed && !sub->busy) {
            ngx_pad_redis_sub_free(sub);
            removed = 1;
        }
    }

    if (removed) {
        ngx_pad_redis_chan_sync(rc, chan);
    }
}


static void
ngx_pad_redis_sub_post(ngx_pad_redis_sub_t *sub)
{
    if (!sub->ev.posted) {
        ngx_post_event(&sub->ev, &ngx_posted_events);
    }
}


static void
ngx_pad_redis_sub_notify(ngx_event_t *ev)
{
    ngx_pad_redis_sub_t  *sub = ev->data;

    ngx_uint_t             event;
    ngx_pad_redis_t       *rc;
    ngx_pad_redis_chan_t  *chan;

    rc = sub->rc;
    chan = sub->chan;
    sub->busy = 1;

    if (sub->notify_lost) {
        sub->notify_lost = 0;

        if (!sub->removed && sub->handler) {
            sub->handler(sub->data, NGX_PAD_REDIS_SUB_LOST, NULL);
        }
    }

    if (sub->notify_ready && !sub->removed) {
        sub->notify_ready = 0;

        if (chan->subscribed && chan->sent_sub && chan->inflight == 0) {
            event = sub->confirmed ? NGX_PAD_REDIS_SUB_RESUBSCRIBED
                                   : NGX_PAD_REDIS_SUB_READY;
            sub->confirmed = 1;
            sub->active = 1;

            if (sub->handler) {
                sub->handler(sub->data, event, NULL);
            }
        }
    }

    sub->busy = 0;

    if (sub->removed && !chan->dispatching) {
        ngx_pad_redis_sub_free(sub);
        ngx_pad_redis_chan_sync(rc, chan);
    }
}

/* hooks of the connections (wired by ngx_pad_redis_create()) */

/* the pub/sub connection is ready: the keepalive channel first, then
   every wanted channel */

void
ngx_pad_redis_pubsub_ready(ngx_pad_redis_conn_t *conn)
{
    ngx_queue_t           *q, *next;
    ngx_pad_redis_t       *rc;
    ngx_pad_redis_chan_t  *chan;

    rc = conn->rc;

    if (ngx_pad_redis_send_sub(conn, NGX_PAD_REDIS_REQ_KEEPSUB, NULL,
                               &rc->ka_channel)
        != NGX_OK)
    {
        ngx_pad_redis_drop(conn, "cannot subscribe", NULL);
        return;
    }

    for (q = ngx_queue_head(&rc->all_chans);
         q != ngx_queue_sentinel(&rc->all_chans);
         q = next)
    {
        next = ngx_queue_next(q);
        chan = ngx_queue_data(q, ngx_pad_redis_chan_t, all);

        ngx_pad_redis_chan_sync(rc, chan);

        if (conn->state != NGX_PAD_REDIS_READY) {
            return;
        }
    }
}


/* an idle pub/sub connection: its own channel subscribed again */

ngx_int_t
ngx_pad_redis_pubsub_keepalive(ngx_pad_redis_conn_t *conn)
{
    return ngx_pad_redis_send_sub(conn, NGX_PAD_REDIS_REQ_KEEPSUB, NULL,
                                  &conn->rc->ka_channel);
}


/* the client goes: listeners stay valid, their notices are not posted */

void
ngx_pad_redis_pubsub_destroy(ngx_pad_redis_t *rc)
{
    ngx_queue_t           *q, *lq;
    ngx_pad_redis_sub_t   *sub;
    ngx_pad_redis_chan_t  *chan;

    for (q = ngx_queue_head(&rc->all_chans);
         q != ngx_queue_sentinel(&rc->all_chans);
         q = ngx_queue_next(q))
    {
        chan = ngx_queue_data(q, ngx_pad_redis_chan_t, all);

        for (lq = ngx_queue_head(&chan->listeners);
             lq != ngx_queue_sentinel(&chan->listeners);
             lq = ngx_queue_next(lq))
        {
            sub = ngx_queue_data(lq, ngx_pad_redis_sub_t, queue);

            if (sub->ev.posted) {
                ngx_delete_posted_event(&sub->ev);
            }
        }
    }
}
