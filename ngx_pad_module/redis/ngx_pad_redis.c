
/*
 * ngx_pad_module: the per-worker Redis client (see ngx_pad_redis.h).
 *
 * Ownership: a command's request is referenced by hiredis (privdata of
 * its reply callback) until hiredis calls that callback, with the reply
 * or with NULL when the context goes away; so a request is freed in the
 * callback only.  Pub/sub confirmations are tracked by requests that
 * hiredis does not know about (their callback's privdata is the client):
 * they are matched to SUBSCRIBE/UNSUBSCRIBE replies in order and freed by
 * this file when the connection goes down.
 *
 * Timeouts: one timer per connection.  While connecting it is the connect
 * timeout (connect + AUTH/SELECT + PING); once ready it fires at the
 * deadline of the oldest pending request (replies come in order), and an
 * expired deadline drops the connection, which fails every pending
 * request.  Deadlines are kept on the monotonic clock and checked again
 * when the timer fires, so a long-running handler elsewhere in the worker
 * (stale cached time) cannot make a command time out early.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <sys/ioctl.h>

#include "redis/ngx_pad_redis.h"
#include "redis/ngx_pad_redis_adapter.h"


#define NGX_PAD_REDIS_CMD            0
#define NGX_PAD_REDIS_PUBSUB         1

#define NGX_PAD_REDIS_DOWN           0
#define NGX_PAD_REDIS_CONNECTING     1
#define NGX_PAD_REDIS_READY          2

#define NGX_PAD_REDIS_REQ_USER       0
#define NGX_PAD_REDIS_REQ_HANDSHAKE  1    /* AUTH, SELECT */
#define NGX_PAD_REDIS_REQ_HELLO      2    /* PING that makes it ready */
#define NGX_PAD_REDIS_REQ_PING       3    /* keepalive */
#define NGX_PAD_REDIS_REQ_SUB        4    /* pub/sub: SUBSCRIBE channel */
#define NGX_PAD_REDIS_REQ_UNSUB      5    /* pub/sub: UNSUBSCRIBE channel */
#define NGX_PAD_REDIS_REQ_KEEPSUB    6    /* pub/sub keepalive */

#define NGX_PAD_REDIS_BACKOFF_MIN    100
#define NGX_PAD_REDIS_ERRLEN         160


typedef struct ngx_pad_redis_chan_s  ngx_pad_redis_chan_t;


typedef struct {
    ngx_pad_redis_t              *rc;
    redisAsyncContext            *ac;
    char                         *name;
    ngx_uint_t                    kind;
    ngx_uint_t                    state;
    ngx_uint_t                    failures;
    ngx_uint_t                    ever_ready;
    ngx_queue_t                   pending;
    ngx_msec_t                    connect_deadline;
    ngx_event_t                   timer;
    ngx_event_t                   retry;
    ngx_event_t                   keepalive;
    ngx_str_t                     reason;
    u_char                        reason_buf[NGX_PAD_REDIS_ERRLEN];
} ngx_pad_redis_conn_t;


struct ngx_pad_redis_req_s {
    ngx_queue_t                   queue;
    ngx_pad_redis_handler_pt      handler;
    void                         *data;
    ngx_pad_redis_t              *rc;
    ngx_pad_redis_conn_t         *conn;       /* NULL: in rc->failed */
    ngx_pad_redis_chan_t         *chan;
    ngx_msec_t                    deadline;
    ngx_uint_t                    kind;
    size_t                        errlen;
    u_char                        err[NGX_PAD_REDIS_ERRLEN];
};


struct ngx_pad_redis_chan_s {
    ngx_str_node_t                sn;         /* must be first */
    ngx_queue_t                   all;
    ngx_queue_t                   listeners;
    ngx_uint_t                    nlisteners;
    ngx_uint_t                    inflight;
    unsigned                      sent_sub:1;
    unsigned                      subscribed:1;
    unsigned                      dispatching:1;
};


struct ngx_pad_redis_sub_s {
    ngx_queue_t                   queue;
    ngx_pad_redis_t              *rc;
    ngx_pad_redis_chan_t         *chan;
    ngx_pad_redis_sub_handler_pt  handler;
    void                         *data;
    ngx_event_t                   ev;
    unsigned                      active:1;
    unsigned                      confirmed:1;
    unsigned                      notify_lost:1;
    unsigned                      notify_ready:1;
    unsigned                      removed:1;
    unsigned                      busy:1;
};


struct ngx_pad_redis_s {
    ngx_pad_redis_conf_t         *conf;
    ngx_log_t                    *log;
    ngx_pad_redis_conn_t          cmd;
    ngx_pad_redis_conn_t          pubsub;
    ngx_rbtree_t                  chans;
    ngx_rbtree_node_t             sentinel;
    ngx_queue_t                   all_chans;
    ngx_queue_t                   failed;
    ngx_event_t                   fail_ev;
    ngx_str_t                     ka_channel;
    ngx_uint_t                    addr_index;   /* in conf->addrs */
    ngx_uint_t                    exiting;
    ngx_pad_redis_ready_pt        on_ready;     /* command connection */
    void                         *on_ready_data;
};


static void ngx_pad_redis_conn_init(ngx_pad_redis_t *rc,
    ngx_pad_redis_conn_t *conn, ngx_uint_t kind, char *name);
static void ngx_pad_redis_connect(ngx_pad_redis_conn_t *conn);
static void ngx_pad_redis_set_reason(ngx_pad_redis_conn_t *conn,
    const char *what, const char *detail);
static void ngx_pad_redis_lost(ngx_pad_redis_conn_t *conn,
    const char *what, const char *detail);
static void ngx_pad_redis_drop(ngx_pad_redis_conn_t *conn,
    const char *what, const char *detail);
static void ngx_pad_redis_ready_conn(ngx_pad_redis_conn_t *conn);
static void ngx_pad_redis_on_connect(const redisAsyncContext *ac,
    int status);
static void ngx_pad_redis_on_disconnect(const redisAsyncContext *ac,
    int status);
static const char *ngx_pad_redis_ac_error(const redisAsyncContext *ac);
static ngx_pad_redis_req_t *ngx_pad_redis_req_alloc(ngx_pad_redis_t *rc,
    ngx_uint_t kind);
static ngx_int_t ngx_pad_redis_send(ngx_pad_redis_conn_t *conn,
    ngx_pad_redis_req_t *req, int argc, const char **argv,
    const size_t *argvlen);
static void ngx_pad_redis_pending_add(ngx_pad_redis_conn_t *conn,
    ngx_pad_redis_req_t *req);
static void ngx_pad_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_pad_redis_fail_later(ngx_pad_redis_t *rc,
    ngx_pad_redis_req_t *req, const char *what, ngx_str_t *detail);
static void ngx_pad_redis_fail_handler(ngx_event_t *ev);
static ngx_msec_t ngx_pad_redis_clock(void);
static void ngx_pad_redis_timer_handler(ngx_event_t *ev);
static void ngx_pad_redis_retry_handler(ngx_event_t *ev);
static void ngx_pad_redis_keepalive_handler(ngx_event_t *ev);
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
static void ngx_pad_redis_chans_lost(ngx_pad_redis_t *rc);
static void ngx_pad_redis_dispatch(ngx_pad_redis_t *rc, ngx_str_t *name,
    ngx_str_t *payload);
static void ngx_pad_redis_sub_post(ngx_pad_redis_sub_t *sub);
static void ngx_pad_redis_sub_notify(ngx_event_t *ev);
static void ngx_pad_redis_sub_free(ngx_pad_redis_sub_t *sub);


ngx_pad_redis_t  *ngx_pad_redis;


ngx_pad_redis_t *
ngx_pad_redis_create(ngx_cycle_t *cycle, ngx_pad_redis_conf_t *conf)
{
    u_char           *p;
    ngx_pad_redis_t  *rc;

    rc = ngx_pcalloc(cycle->pool, sizeof(ngx_pad_redis_t));
    if (rc == NULL) {
        return NULL;
    }

    rc->conf = conf;
    rc->log = cycle->log;

    ngx_rbtree_init(&rc->chans, &rc->sentinel, ngx_str_rbtree_insert_value);
    ngx_queue_init(&rc->all_chans);
    ngx_queue_init(&rc->failed);

    rc->fail_ev.handler = ngx_pad_redis_fail_handler;
    rc->fail_ev.data = rc;
    rc->fail_ev.log = rc->log;

    /* a channel of this worker only, re-subscribed as a keepalive */

    p = ngx_pnalloc(cycle->pool, conf->channel_prefix.len
                                 + sizeof("worker::ka") + NGX_INT64_LEN * 2);
    if (p == NULL) {
        return NULL;
    }

    rc->ka_channel.data = p;
    rc->ka_channel.len = ngx_sprintf(p, "%Vworker:%P:%ui:ka",
                                     &conf->channel_prefix, ngx_pid,
                                     (ngx_uint_t) ngx_random())
                         - p;

    ngx_pad_redis_conn_init(rc, &rc->cmd, NGX_PAD_REDIS_CMD, "command");
    ngx_pad_redis_conn_init(rc, &rc->pubsub, NGX_PAD_REDIS_PUBSUB,
                            "pub/sub");

    ngx_pad_redis_connect(&rc->cmd);

    return rc;
}


void
ngx_pad_redis_destroy(ngx_pad_redis_t *rc)
{
    ngx_queue_t            *q, *lq;
    ngx_pad_redis_sub_t    *sub;
    ngx_pad_redis_chan_t   *chan;
    ngx_pad_redis_conn_t   *conn;
    ngx_pad_redis_conn_t   *conns[2];
    ngx_uint_t              i;

    if (rc->exiting) {
        return;
    }

    rc->exiting = 1;

    conns[0] = &rc->pubsub;
    conns[1] = &rc->cmd;

    for (i = 0; i < 2; i++) {
        conn = conns[i];

        if (conn->retry.timer_set) {
            ngx_del_timer(&conn->retry);
        }

        if (conn->keepalive.timer_set) {
            ngx_del_timer(&conn->keepalive);
        }

        if (conn->state != NGX_PAD_REDIS_DOWN) {
            ngx_pad_redis_drop(conn, "worker is exiting", NULL);
        }

        if (conn->timer.timer_set) {
            ngx_del_timer(&conn->timer);
        }
    }

    /* requests that were to fail from a posted event: fail them now */

    if (rc->fail_ev.posted) {
        ngx_delete_posted_event(&rc->fail_ev);
    }

    ngx_pad_redis_fail_handler(&rc->fail_ev);

    /* listeners stay valid (their owners may unsubscribe later) */

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


void
ngx_pad_redis_on_ready(ngx_pad_redis_t *rc, ngx_pad_redis_ready_pt handler,
    void *data)
{
    rc->on_ready = handler;
    rc->on_ready_data = data;
}


ngx_uint_t
ngx_pad_redis_ready(ngx_pad_redis_t *rc)
{
    return rc != NULL && rc->cmd.state == NGX_PAD_REDIS_READY;
}


/* connections */


static void
ngx_pad_redis_conn_init(ngx_pad_redis_t *rc, ngx_pad_redis_conn_t *conn,
    ngx_uint_t kind, char *name)
{
    conn->rc = rc;
    conn->kind = kind;
    conn->name = name;
    conn->state = NGX_PAD_REDIS_DOWN;

    ngx_queue_init(&conn->pending);

    conn->timer.handler = ngx_pad_redis_timer_handler;
    conn->timer.data = conn;
    conn->timer.log = rc->log;

    conn->retry.handler = ngx_pad_redis_retry_handler;
    conn->retry.data = conn;
    conn->retry.log = rc->log;
    conn->retry.cancelable = 1;

    conn->keepalive.handler = ngx_pad_redis_keepalive_handler;
    conn->keepalive.data = conn;
    conn->keepalive.log = rc->log;
    conn->keepalive.cancelable = 1;

    ngx_str_set(&conn->reason, "not connected yet");
}


static void
ngx_pad_redis_connect(ngx_pad_redis_conn_t *conn)
{
    u_char                buf[NGX_PAD_REDIS_ERRLEN];
    ngx_str_t             db;
    const char           *argv[2];
    size_t                argvlen[2];
    redisAsyncContext    *ac;
    ngx_pad_redis_t      *rc;
    ngx_pad_redis_req_t  *req;
    ngx_pad_redis_addr_t *addr;
    ngx_pad_redis_conf_t *conf;

    rc = conn->rc;
    conf = rc->conf;

    if (rc->exiting || conn->state != NGX_PAD_REDIS_DOWN) {
        return;
    }

    if (conn->kind == NGX_PAD_REDIS_PUBSUB
        && rc->cmd.state != NGX_PAD_REDIS_READY)
    {
        /* opened when the command connection becomes ready */
        return;
    }

    if (conn->retry.timer_set) {
        ngx_del_timer(&conn->retry);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, rc->log, 0,
                   "pad redis: connecting %s connection to %V",
                   conn->name, &conf->addr_text);

    conn->state = NGX_PAD_REDIS_CONNECTING;

    addr = &conf->addrs[rc->addr_index % conf->naddrs];

    if (conf->unix_socket) {
        ac = redisAsyncConnectUnix((char *) addr->host.data);

    } else {
        ac = redisAsyncConnect((char *) addr->host.data, (int) addr->port);
    }

    if (ac == NULL) {
        ngx_pad_redis_lost(conn, "out of memory", NULL);
        return;
    }

    if (ac->err) {
        ngx_cpystrn(buf, (u_char *) ac->errstr, sizeof(buf));
        redisAsyncFree(ac);
        ngx_pad_redis_lost(conn, "connect failed", (char *) buf);
        return;
    }

    ac->data = conn;

    if (ngx_pad_redis_adapter_attach(ac, rc->log) != NGX_OK) {
        redisAsyncFree(ac);
        ngx_pad_redis_lost(conn, "cannot attach connection",
                           "worker_connections exhausted?");
        return;
    }

    conn->ac = ac;

    /* after attach: this asks for a write event already */
    redisAsyncSetConnectCallback(ac, ngx_pad_redis_on_connect);
    redisAsyncSetDisconnectCallback(ac, ngx_pad_redis_on_disconnect);

    conn->connect_deadline = ngx_pad_redis_clock() + conf->connect_timeout;
    conn->timer.cancelable = 1;
    ngx_add_timer(&conn->timer, conf->connect_timeout);

    /* handshake, pipelined: [AUTH] [SELECT] PING */

    if (conf->password.len) {
        req = ngx_pad_redis_req_alloc(rc, NGX_PAD_REDIS_REQ_HANDSHAKE);
        if (req == NULL) {
            goto failed;
        }

        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (char *) conf->password.data;
        argvlen[1] = conf->password.len;

        if (ngx_pad_redis_send(conn, req, 2, argv, argvlen) != NGX_OK) {
            ngx_free(req);
            goto failed;
        }
    }

    if (conf->db && conn->kind == NGX_PAD_REDIS_CMD) {
        req = ngx_pad_redis_req_alloc(rc, NGX_PAD_REDIS_REQ_HANDSHAKE);
        if (req == NULL) {
            goto failed;
        }

        db.data = buf;
        db.len = ngx_sprintf(buf, "%i", conf->db) - buf;

        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = (char *) db.data;
        argvlen[1] = db.len;

        if (ngx_pad_redis_send(conn, req, 2, argv, argvlen) != NGX_OK) {
            ngx_free(req);
            goto failed;
        }
    }

    req = ngx_pad_redis_req_alloc(rc, NGX_PAD_REDIS_REQ_HELLO);
    if (req == NULL) {
        goto failed;
    }

    argv[0] = "PING";
    argvlen[0] = 4;

    if (ngx_pad_redis_send(conn, req, 1, argv, argvlen) != NGX_OK) {
        ngx_free(req);
        goto failed;
    }

    return;

failed:

    ngx_pad_redis_drop(conn, "cannot queue handshake", NULL);
}


static void
ngx_pad_redis_set_reason(ngx_pad_redis_conn_t *conn, const char *what,
    const char *detail)
{
    u_char  *p, *last;

    p = conn->reason_buf;
    last = p + sizeof(conn->reason_buf);

    if (detail && detail[0]) {
        p = ngx_slprintf(p, last, "%s (%s)", what, detail);

    } else {
        p = ngx_slprintf(p, last, "%s", what);
    }

    conn->reason.data = conn->reason_buf;
    conn->reason.len = p - conn->reason_buf;
}


/*
 * The connection's context is gone or going (hiredis frees it, or the
 * caller does right after): forget it, fail what only this file tracks,
 * log the transition, schedule the reconnect.  Idempotent.
 */

static void
ngx_pad_redis_lost(ngx_pad_redis_conn_t *conn, const char *what,
    const char *detail)
{
    ngx_msec_t            delay;
    ngx_uint_t            prev, shift;
    ngx_queue_t          *q, *next;
    ngx_pad_redis_t      *rc;
    ngx_pad_redis_req_t  *req;

    if (conn->state == NGX_PAD_REDIS_DOWN) {
        return;
    }

    rc = conn->rc;
    prev = conn->state;

    conn->ac = NULL;
    conn->state = NGX_PAD_REDIS_DOWN;

    ngx_pad_redis_set_reason(conn, what, detail);

    if (conn->timer.timer_set) {
        ngx_del_timer(&conn->timer);
    }

    if (conn->keepalive.timer_set) {
        ngx_del_timer(&conn->keepalive);
    }

    /* pub/sub confirmations are ours; commands' requests are hiredis' */

    for (q = ngx_queue_head(&conn->pending);
         q != ngx_queue_sentinel(&conn->pending);
         q = next)
    {
        next = ngx_queue_next(q);
        req = ngx_queue_data(q, ngx_pad_redis_req_t, queue);

        if (req->kind >= NGX_PAD_REDIS_REQ_SUB) {
            ngx_queue_remove(q);
            ngx_free(req);
        }
    }

    if (rc->exiting || ngx_exiting || ngx_quit || ngx_terminate) {
        ngx_log_error(NGX_LOG_INFO, rc->log, 0,
                      "pad redis: %s connection to %V closed: %V",
                      conn->name, &rc->conf->addr_text, &conn->reason);

    } else if (prev == NGX_PAD_REDIS_READY) {
        ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                      "pad redis: %s connection to %V lost: %V; reconnecting",
                      conn->name, &rc->conf->addr_text, &conn->reason);

    } else if (conn->failures == 0) {
        ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                      "pad redis: cannot connect %s connection to %V: %V; "
                      "retrying with backoff up to %M ms",
                      conn->name, &rc->conf->addr_text, &conn->reason,
                      rc->conf->backoff_max);

    } else {
        ngx_log_debug3(NGX_LOG_DEBUG_EVENT, rc->log, 0,
                       "pad redis: %s connection to %V: attempt failed: %V",
                       conn->name, &rc->conf->addr_text, &conn->reason);
    }

    conn->failures++;

    if (prev == NGX_PAD_REDIS_CONNECTING && conn->kind == NGX_PAD_REDIS_CMD
        && rc->conf->naddrs > 1)
    {
        /* try the next address of the name next time */
        rc->addr_index = (rc->addr_index + 1) % rc->conf->naddrs;
    }

    if (conn->kind == NGX_PAD_REDIS_PUBSUB) {
        ngx_pad_redis_chans_lost(rc);
    }

    if (rc->exiting) {
        return;
    }

    /* 100ms, 200ms, ... up to pad_redis_backoff_max, plus up to 25% */

    shift = conn->failures - 1;
    if (shift > 16) {
        shift = 16;
    }

    delay = (ngx_msec_t) NGX_PAD_REDIS_BACKOFF_MIN << shift;
    if (delay > rc->conf->backoff_max) {
        delay = rc->conf->backoff_max;
    }

    delay += (ngx_msec_t) ngx_random() % (delay / 4 + 1);

    ngx_add_timer(&conn->retry, delay);
}


/* drop a connection this file decided to drop */

static void
ngx_pad_redis_drop(ngx_pad_redis_conn_t *conn, const char *what,
    const char *detail)
{
    redisAsyncContext  *ac;

    ac = conn->ac;

    ngx_pad_redis_lost(conn, what, detail);

    if (ac) {
        /* fails every pending command (deferred if inside a callback) */
        redisAsyncFree(ac);
    }
}


static void
ngx_pad_redis_ready_conn(ngx_pad_redis_conn_t *conn)
{
    ngx_queue_t           *q, *next;
    ngx_pad_redis_t       *rc;
    ngx_pad_redis_chan_t  *chan;

    static ngx_str_t  empty = ngx_null_string;

    rc = conn->rc;

    conn->state = NGX_PAD_REDIS_READY;

    if (conn->failures || !conn->ever_ready) {
        ngx_log_error(NGX_LOG_NOTICE, rc->log, 0,
                      "pad redis: %s connection to %V ready%s%s%V%s",
                      conn->name, &rc->conf->addr_text,
                      conn->ever_ready ? " again" : "",
                      rc->conf->naddrs > 1 ? " (" : "",
                      rc->conf->naddrs > 1
                      ? &rc->conf->addrs[rc->addr_index].host : &empty,
                      rc->conf->naddrs > 1 ? ")" : "");
    }

    conn->failures = 0;
    conn->ever_ready = 1;

    if (conn->timer.timer_set) {
        ngx_del_timer(&conn->timer);
    }

    if (!ngx_queue_empty(&conn->pending)) {
        conn->timer.cancelable = 0;
        ngx_add_timer(&conn->timer, rc->conf->command_timeout);
    }

    ngx_add_timer(&conn->keepalive, rc->conf->keepalive);

    if (conn->kind == NGX_PAD_REDIS_CMD) {
        if (rc->pubsub.state == NGX_PAD_REDIS_DOWN
            && !rc->pubsub.retry.timer_set)
        {
            ngx_pad_redis_connect(&rc->pubsub);
        }

        if (rc->on_ready) {
            rc->on_ready(rc->on_ready_data);
        }

        return;
    }

    /* pub/sub: the keepalive channel first, then every wanted channel */

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


static void
ngx_pad_redis_on_connect(const redisAsyncContext *ac, int status)
{
    ngx_pad_redis_conn_t  *conn = ac->data;

    if (status != REDIS_OK && conn->ac == ac) {
        /* hiredis frees the context after this returns */
        ngx_pad_redis_lost(conn, "connect failed",
                           ngx_pad_redis_ac_error(ac));
    }
}


static void
ngx_pad_redis_on_disconnect(const redisAsyncContext *ac, int status)
{
    ngx_pad_redis_conn_t  *conn = ac->data;

    if (conn->ac == ac) {
        ngx_pad_redis_lost(conn, "connection closed",
                           ngx_pad_redis_ac_error(ac));
    }
}


static const char *
ngx_pad_redis_ac_error(const redisAsyncContext *ac)
{
    if (ac->c.err && ac->c.errstr[0]) {
        return ac->c.errstr;
    }

    return "closed by peer";
}


/* commands */


static ngx_pad_redis_req_t *
ngx_pad_redis_req_alloc(ngx_pad_redis_t *rc, ngx_uint_t kind)
{
    ngx_pad_redis_req_t  *req;

    req = ngx_alloc(sizeof(ngx_pad_redis_req_t), rc->log);
    if (req == NULL) {
        return NULL;
    }

    req->handler = NULL;
    req->data = NULL;
    req->rc = rc;
    req->conn = NULL;
    req->chan = NULL;
    req->deadline = 0;
    req->kind = kind;
    req->errlen = 0;

    return req;
}


ngx_pad_redis_req_t *
ngx_pad_redis_command_argv(ngx_pad_redis_t *rc,
    ngx_pad_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen)
{
    ngx_pad_redis_req_t   *req;
    ngx_pad_redis_conn_t  *conn;

    if (rc == NULL) {
        return NULL;
    }

    req = ngx_pad_redis_req_alloc(rc, NGX_PAD_REDIS_REQ_USER);
    if (req == NULL) {
        return NULL;
    }

    req->handler = handler;
    req->data = data;

    conn = &rc->cmd;

    if (rc->exiting) {
        /* exit_process: no more commands, and no handler call */
        ngx_free(req);
        return NULL;
    }

    if (conn->state == NGX_PAD_REDIS_DOWN) {
        ngx_pad_redis_fail_later(rc, req, "redis unavailable",
                                 &conn->reason);
        return req;
    }

    if (ngx_pad_redis_send(conn, req, argc, argv, argvlen) != NGX_OK) {
        ngx_pad_redis_fail_later(rc, req, "cannot send redis command",
                                 NULL);
    }

    return req;
}


void
ngx_pad_redis_cancel(ngx_pad_redis_req_t *req)
{
    if (req == NULL) {
        return;
    }

    if (req->conn == NULL) {
        /* waiting in rc->failed */
        ngx_queue_remove(&req->queue);
        ngx_free(req);
        return;
    }

    /* hiredis still refers to it: the reply callback frees it */
    req->handler = NULL;
    req->data = NULL;
}


static ngx_int_t
ngx_pad_redis_send(ngx_pad_redis_conn_t *conn, ngx_pad_redis_req_t *req,
    int argc, const char **argv, const size_t *argvlen)
{
    if (conn->ac == NULL) {
        return NGX_ERROR;
    }

    if (redisAsyncCommandArgv(conn->ac, ngx_pad_redis_reply, req, argc,
                              argv, argvlen)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    ngx_pad_redis_pending_add(conn, req);

    return NGX_OK;
}


static void
ngx_pad_redis_pending_add(ngx_pad_redis_conn_t *conn,
    ngx_pad_redis_req_t *req)
{
    req->conn = conn;
    req->deadline = ngx_pad_redis_clock() + conn->rc->conf->command_timeout;

    ngx_queue_insert_tail(&conn->pending, &req->queue);

    if (conn->state == NGX_PAD_REDIS_READY && !conn->timer.timer_set) {
        conn->timer.cancelable = 0;
        ngx_add_timer(&conn->timer, conn->rc->conf->command_timeout);
    }
}


static void
ngx_pad_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    ngx_pad_redis_req_t  *req = privdata;

    u_char                    buf[NGX_PAD_REDIS_ERRLEN];
    void                     *data;
    ngx_str_t                 err;
    redisReply               *reply;
    ngx_pad_redis_conn_t     *conn;
    ngx_pad_redis_handler_pt  handler;

    reply = r;
    conn = req->conn;

    ngx_queue_remove(&req->queue);

    if (reply == NULL) {
        if (conn->ac == ac) {
            ngx_pad_redis_lost(conn, "connection lost",
                               ngx_pad_redis_ac_error(ac));
        }

        /* "redis unavailable: connect failed (...)", "redis command ..." */

        err.data = buf;
        err.len = ngx_slprintf(buf, buf + sizeof(buf), "%s%V",
                               (conn->reason.len > 6
                                && ngx_strncmp(conn->reason.data, "redis ", 6)
                                   == 0)
                               ? "" : "redis unavailable: ",
                               &conn->reason)
                  - buf;

    } else {
        err.len = 0;
        err.data = NULL;

        if (conn->ac == ac && ngx_queue_empty(&conn->pending)
            && conn->timer.timer_set
            && conn->state == NGX_PAD_REDIS_READY)
        {
            ngx_del_timer(&conn->timer);
        }
    }

    handler = req->handler;
    data = req->data;

    switch (req->kind) {

    case NGX_PAD_REDIS_REQ_USER:
        ngx_free(req);

        if (handler) {
            handler(data, reply, reply ? NULL : &err);
        }

        return;

    case NGX_PAD_REDIS_REQ_HANDSHAKE:
    case NGX_PAD_REDIS_REQ_HELLO:
    case NGX_PAD_REDIS_REQ_PING:

        if (reply == NULL || conn->ac != ac) {
            break;
        }

        if (reply->type == REDIS_REPLY_ERROR) {
            ngx_cpystrn(buf, (u_char *) reply->str, sizeof(buf));
            ngx_pad_redis_drop(conn, "redis refused", (char *) buf);
            break;
        }

        if (req->kind == NGX_PAD_REDIS_REQ_HELLO
            && conn->state == NGX_PAD_REDIS_CONNECTING)
        {
            ngx_pad_redis_ready_conn(conn);
        }

        break;

    default:
        break;
    }

    ngx_free(req);
}


static void
ngx_pad_redis_fail_later(ngx_pad_redis_t *rc, ngx_pad_redis_req_t *req,
    const char *what, ngx_str_t *detail)
{
    u_char  *p, *last;

    p = req->err;
    last = p + sizeof(req->err);

    if (detail && detail->len) {
        p = ngx_slprintf(p, last, "%s: %V", what, detail);

    } else {
        p = ngx_slprintf(p, last, "%s", what);
    }

    req->errlen = p - req->err;
    req->conn = NULL;

    ngx_queue_insert_tail(&rc->failed, &req->queue);

    if (!rc->fail_ev.posted && !rc->exiting) {
        /*
         * the next loop iteration: a handler that retries at once cannot
         * keep this one busy forever
         */
        ngx_post_event(&rc->fail_ev, &ngx_posted_next_events);
    }
}


static void
ngx_pad_redis_fail_handler(ngx_event_t *ev)
{
    ngx_pad_redis_t  *rc = ev->data;

    u_char                    buf[NGX_PAD_REDIS_ERRLEN];
    void                     *data;
    ngx_str_t                 err;
    ngx_queue_t              *q;
    ngx_pad_redis_req_t      *req;
    ngx_queue_t               batch;
    ngx_pad_redis_handler_pt  handler;

    /* only those failed so far; later ones wait for the next iteration */

    if (ngx_queue_empty(&rc->failed)) {
        return;
    }

    batch = rc->failed;
    batch.next->prev = &batch;
    batch.prev->next = &batch;
    ngx_queue_init(&rc->failed);

    while (!ngx_queue_empty(&batch)) {
        q = ngx_queue_head(&batch);
        ngx_queue_remove(q);

        req = ngx_queue_data(q, ngx_pad_redis_req_t, queue);

        handler = req->handler;
        data = req->data;

        err.len = req->errlen;
        err.data = ngx_cpymem(buf, req->err, err.len) - err.len;

        ngx_free(req);

        if (handler) {
            handler(data, NULL, &err);
        }
    }
}


/* timers */


static void
ngx_pad_redis_timer_handler(ngx_event_t *ev)
{
    ngx_pad_redis_conn_t  *conn = ev->data;

    int                   n;
    u_char                buf[NGX_INT_T_LEN + 16];
    ngx_msec_t            now;
    ngx_msec_int_t        left;
    ngx_pad_redis_req_t  *req;

    /*
     * Deadlines are on the real clock: nginx's cached time may be far
     * behind when a handler ran long before the timer was added.
     */

    now = ngx_pad_redis_clock();

    if (conn->state == NGX_PAD_REDIS_CONNECTING) {
        left = (ngx_msec_int_t) (conn->connect_deadline - now);

        if (left > 0) {
            ngx_add_timer(&conn->timer, (ngx_msec_t) left);
            return;
        }

        ngx_pad_redis_drop(conn, "connect timed out", NULL);
        return;
    }

    if (conn->state != NGX_PAD_REDIS_READY
        || ngx_queue_empty(&conn->pending))
    {
        return;
    }

    req = ngx_queue_data(ngx_queue_head(&conn->pending),
                         ngx_pad_redis_req_t, queue);

    left = (ngx_msec_int_t) (req->deadline - now);

    if (left > 0) {
        conn->timer.cancelable = 0;
        ngx_add_timer(&conn->timer, (ngx_msec_t) left);
        return;
    }

    if (conn->ac && ioctl(conn->ac->c.fd, FIONREAD, &n) == 0 && n > 0) {
        /* the reply is arriving, its read event is not handled yet */
        conn->timer.cancelable = 0;
        ngx_add_timer(&conn->timer, 20);
        return;
    }

    /* logged by ngx_pad_redis_lost() as the reason */

    ngx_sprintf(buf, "after %M ms%Z", conn->rc->conf->command_timeout);

    ngx_pad_redis_drop(conn, "redis command timed out", (char *) buf);
}


static ngx_msec_t
ngx_pad_redis_clock(void)
{
    struct timespec  ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
        return ngx_current_msec;
    }

    return (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void
ngx_pad_redis_retry_handler(ngx_event_t *ev)
{
    ngx_pad_redis_conn_t  *conn = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_pad_redis_connect(conn);
}


static void
ngx_pad_redis_keepalive_handler(ngx_event_t *ev)
{
    ngx_pad_redis_conn_t  *conn = ev->data;

    const char           *argv[1];
    size_t                argvlen[1];
    ngx_pad_redis_t      *rc;
    ngx_pad_redis_req_t  *req;

    rc = conn->rc;

    if (rc->exiting || conn->state != NGX_PAD_REDIS_READY) {
        return;
    }

    if (ngx_queue_empty(&conn->pending)) {

        if (conn->kind == NGX_PAD_REDIS_CMD) {
            req = ngx_pad_redis_req_alloc(rc, NGX_PAD_REDIS_REQ_PING);
            if (req == NULL) {
                return;
            }

            argv[0] = "PING";
            argvlen[0] = 4;

            if (ngx_pad_redis_send(conn, req, 1, argv, argvlen) != NGX_OK) {
                ngx_free(req);
                ngx_pad_redis_drop(conn, "cannot send PING", NULL);
                return;
            }

        } else if (ngx_pad_redis_send_sub(conn, NGX_PAD_REDIS_REQ_KEEPSUB,
                                          NULL, &rc->ka_channel)
                   != NGX_OK)
        {
            ngx_pad_redis_drop(conn, "cannot send keepalive", NULL);
            return;
        }
    }

    if (!ngx_exiting) {
        ngx_add_timer(&conn->keepalive, rc->conf->keepalive);
    }
}


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

static void
ngx_pad_redis_chans_lost(ngx_pad_redis_t *rc)
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
