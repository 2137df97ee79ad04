
/*
 * ngx_pad_module: the Redis client's two connections and its commands
 * (ngx_pad_redis.h; the types are in ngx_pad_redis_int.h).  What the
 * pub/sub connection subscribes is ngx_pad_redis_pubsub.c's, reached
 * through the hooks the client was given (ngx_pad_redis.c).
 *
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

#include "redis/ngx_pad_redis_int.h"
#include "redis/ngx_pad_redis_adapter.h"
#include "metrics/ngx_pad_metrics.h"


static void ngx_pad_redis_set_reason(ngx_pad_redis_conn_t *conn,
    const char *what, const char *detail);
static void ngx_pad_redis_ready_conn(ngx_pad_redis_conn_t *conn);
static void ngx_pad_redis_on_connect(const redisAsyncContext *ac,
    int status);
static void ngx_pad_redis_on_disconnect(const redisAsyncContext *ac,
    int status);
static void ngx_pad_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static ngx_int_t ngx_pad_redis_role_check(ngx_pad_redis_conn_t *conn,
    redisReply *reply);
static void ngx_pad_redis_fail_later(ngx_pad_redis_t *rc,
    ngx_pad_redis_req_t *req, const char *what, ngx_str_t *detail);
static ngx_msec_t ngx_pad_redis_clock(void);
static void ngx_pad_redis_timer_handler(ngx_event_t *ev);
static void ngx_pad_redis_retry_handler(ngx_event_t *ev);
static void ngx_pad_redis_keepalive_handler(ngx_event_t *ev);


/* connections */


void
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


void
ngx_pad_redis_connect(ngx_pad_redis_conn_t *conn)
{
    int                   n;
    u_char                buf[NGX_PAD_REDIS_ERRLEN];
    ngx_str_t             db;
    const char           *argv[3];
    size_t                argvlen[3];
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

    if (conn->addr) {
        /* a cluster node's connection */
        addr = conn->addr;

    } else if (rc->master_addr) {
        addr = rc->master_addr(rc);

        if (addr == NULL) {
            /* the sentinel part connects it once it knows the master */
            ngx_str_set(&conn->reason, "no master from the sentinels yet");
            return;
        }

    } else {
        addr = &conf->addrs[rc->addr_index % conf->naddrs];
    }

    ngx_log_debug4(NGX_LOG_DEBUG_EVENT, rc->log, 0,
                   "pad redis: connecting %s connection to %V (%V:%ui)",
                   conn->name, &conf->addr_text, &addr->host, addr->port);

    conn->state = NGX_PAD_REDIS_CONNECTING;

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

        /* AUTH [user] password */

        n = 0;
        argv[n] = "AUTH";
        argvlen[n++] = 4;

        if (conf->user.len) {
            argv[n] = (char *) conf->user.data;
            argvlen[n++] = conf->user.len;
        }

        argv[n] = (char *) conf->password.data;
        argvlen[n++] = conf->password.len;

        if (ngx_pad_redis_send(conn, req, n, argv, argvlen) != NGX_OK) {
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

    if (rc->master_addr && conn->kind == NGX_PAD_REDIS_CMD) {
        /* what the sentinels named may be a replica by now */

        req = ngx_pad_redis_req_alloc(rc, NGX_PAD_REDIS_REQ_ROLE);
        if (req == NULL) {
            goto failed;
        }

        argv[0] = "ROLE";
        argvlen[0] = 4;

        if (ngx_pad_redis_send(conn, req, 1, argv, argvlen) != NGX_OK) {
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

void
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

    if (prev == NGX_PAD_REDIS_READY && conn->kind == NGX_PAD_REDIS_CMD) {
        ngx_pad_metric_dec(NGX_PAD_M_REDIS_UP);
    }

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

        if (req->kind >= NGX_PAD_REDIS_REQ_SUB
            && req->kind <= NGX_PAD_REDIS_REQ_KEEPSUB)
        {
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
        rc->pubsub_lost(rc);
    }

    if (conn->kind == NGX_PAD_REDIS_NODE && !rc->exiting) {
        rc->cluster_lost(conn);
    }

    if (rc->exiting) {
        return;
    }

    if (rc->master_failed) {
        /* the sentinels are asked again (the retry below goes there) */
        rc->master_failed(rc);
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

void
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
    ngx_pad_redis_t       *rc;

    static ngx_str_t  empty = ngx_null_string;

    rc = conn->rc;

    conn->state = NGX_PAD_REDIS_READY;

    if (conn->kind == NGX_PAD_REDIS_CMD) {
        ngx_pad_metric_inc(NGX_PAD_M_REDIS_UP);
    }

    if (conn->ever_ready) {
        ngx_pad_metric_inc(NGX_PAD_M_REDIS_RECONNECTS);
    }

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

        if (rc->cluster) {
            rc->cluster_ready(rc);
        }

        if (rc->on_ready) {
            rc->on_ready(rc->on_ready_data);
        }

        return;
    }

    if (conn->kind == NGX_PAD_REDIS_NODE) {
        /* commands queued while connecting were sent behind the PING */
        return;
    }

    /* pub/sub: its part subscribes what it wants */

    rc->pubsub_ready(conn);
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


const char *
ngx_pad_redis_ac_error(const redisAsyncContext *ac)
{
    if (ac->c.err && ac->c.errstr[0]) {
        return ac->c.errstr;
    }

    return "closed by peer";
}


/* commands */


ngx_pad_redis_req_t *
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
    req->link = NULL;
    req->held = NULL;
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

    if (rc->cluster) {
        /* routed by the slot of its key (ngx_pad_redis_cluster.c) */
        return rc->cluster_command(rc, handler, data, argc, argv, argvlen);
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

    if (req->kind == NGX_PAD_REDIS_REQ_CLUSTER) {
        req->rc->cluster_cancel(req);
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


ngx_int_t
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

    req->sent_us = ngx_pad_metrics_now_us();
    ngx_pad_redis_pending_add(conn, req);

    return NGX_OK;
}


/* a command formatted already (cluster mode keeps it for a resend) */

ngx_int_t
ngx_pad_redis_send_formatted(ngx_pad_redis_conn_t *conn,
    ngx_pad_redis_req_t *req, const char *cmd, size_t len)
{
    if (conn->ac == NULL) {
        return NGX_ERROR;
    }

    if (redisAsyncFormattedCommand(conn->ac, ngx_pad_redis_reply, req, cmd,
                                   len)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    req->sent_us = ngx_pad_metrics_now_us();
    ngx_pad_redis_pending_add(conn, req);

    return NGX_OK;
}


void
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

        if (reply && reply->type != REDIS_REPLY_ERROR) {
            ngx_pad_metric_inc(NGX_PAD_M_REDIS_COMMANDS);
            ngx_pad_metric_observe(NGX_PAD_H_REDIS, req->sent_us);

        } else {
            ngx_pad_metric_inc(NGX_PAD_M_REDIS_ERRORS);
        }

        if (reply && reply->type == REDIS_REPLY_ERROR && conn->rc->master_addr
            && conn->ac == ac
            && ngx_strnstr((u_char *) reply->str, "READONLY",
                           (size_t) reply->len))
        {
            /* demoted while connected: ask the sentinels again */
            ngx_pad_redis_drop(conn, "the master became a replica",
                               "READONLY");
        }

        if (req->link && req->rc->wait_hold(req, reply) == NGX_OK) {
            /* the handler is called once WAIT answers */
            return;
        }

        ngx_free(req);

        if (handler) {
            handler(data, reply, reply ? NULL : &err);
        }

        return;

    case NGX_PAD_REDIS_REQ_WAIT:

        req->rc->wait_done(req, reply, &err);
        break;

    case NGX_PAD_REDIS_REQ_HANDSHAKE:
    case NGX_PAD_REDIS_REQ_HELLO:
    case NGX_PAD_REDIS_REQ_PING:
    case NGX_PAD_REDIS_REQ_ROLE:

        if (reply == NULL || conn->ac != ac) {
            break;
        }

        if (reply->type == REDIS_REPLY_ERROR) {
            ngx_pad_redis_scrub(buf, sizeof(buf), reply,
                                &conn->rc->conf->password);
            ngx_pad_redis_drop(conn, "redis refused", (char *) buf);
            break;
        }

        if (req->kind == NGX_PAD_REDIS_REQ_ROLE
            && ngx_pad_redis_role_check(conn, reply) != NGX_OK)
        {
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


/*
 * An error reply for the log, without the secret: Redis quotes the
 * arguments of a command it does not know ("ERR unknown command ...,
 * with args beginning with: ..."); then only its first word is kept.
 */

void
ngx_pad_redis_scrub(u_char *buf, size_t size, redisReply *reply,
    ngx_str_t *secret)
{
    u_char  *p;

    ngx_cpystrn(buf, (u_char *) reply->str, size);

    if (secret->len == 0
        || ngx_strnstr((u_char *) reply->str, (char *) secret->data,
                       (size_t) reply->len)
           == NULL)
    {
        return;
    }

    p = (u_char *) ngx_strchr(buf, ' ');
    if (p == NULL) {
        p = buf;
    }

    ngx_cpystrn(p, (u_char *) " (the rest withheld: it quotes the password)",
                size - (p - buf));
}


/* ROLE of what the sentinels named: a replica never takes writes */

static ngx_int_t
ngx_pad_redis_role_check(ngx_pad_redis_conn_t *conn, redisReply *reply)
{
    u_char       buf[64];
    redisReply  *r;

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        r = reply->element[0];

        if ((r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
            && r->len == 6 && ngx_strncmp(r->str, "master", 6) == 0)
        {
            return NGX_OK;
        }

        if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
            ngx_cpystrn(buf, (u_char *) r->str,
                        ngx_min(sizeof(buf), (size_t) r->len + 1));
            ngx_pad_redis_drop(conn, "not the master, ROLE says",
                               (char *) buf);
            return NGX_DECLINED;
        }
    }

    ngx_pad_redis_drop(conn, "not the master", "unexpected ROLE reply");

    return NGX_DECLINED;
}


static void
ngx_pad_redis_fail_later(ngx_pad_redis_t *rc, ngx_pad_redis_req_t *req,
    const char *what, ngx_str_t *detail)
{
    u_char  *p, *last;

    p = req->err;
    last = p + sizeof(req->err);

    if (req->link) {
        /*
         * a write whose WAIT never answered: not an outage to retry
         * through (a retry that found it stored would acknowledge it
         * without the replicas), its outcome is unknown
         */
        p = ngx_slprintf(p, last, "redis WAIT not answered: ");
    }

    if (detail && detail->len) {
        p = ngx_slprintf(p, last, "%s: %V", what, detail);

    } else {
        p = ngx_slprintf(p, last, "%s", what);
    }

    req->errlen = p - req->err;
    req->conn = NULL;

    if (req->kind == NGX_PAD_REDIS_REQ_USER) {
        ngx_pad_metric_inc(NGX_PAD_M_REDIS_ERRORS);
    }

    ngx_queue_insert_tail(&rc->failed, &req->queue);

    if (!rc->fail_ev.posted && !rc->exiting) {
        /*
         * the next loop iteration: a handler that retries at once cannot
         * keep this one busy forever
         */
        ngx_post_event(&rc->fail_ev, &ngx_posted_next_events);
    }
}


void
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

        if (conn->kind != NGX_PAD_REDIS_PUBSUB) {
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

        } else if (rc->pubsub_keepalive(conn) != NGX_OK) {
            ngx_pad_redis_drop(conn, "cannot send keepalive", NULL);
            return;
        }
    }

    if (!ngx_exiting) {
        ngx_add_timer(&conn->keepalive, rc->conf->keepalive);
    }
}
