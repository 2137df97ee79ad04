
/*
 * ngx_pad_module: the Redis client's Sentinel part (its states:
 * ngx_pad_redis_sentinel.h).  The sentinels' connections are short
 * hiredis contexts of this file (one per question, one for the watch),
 * on nginx's loop through the adapter; their callbacks' privdata is the
 * part itself (it lives as long as the worker) and a callback of a
 * context that is no longer the current one is ignored.
 *
 * The master's address goes to ngx_pad_redis_conn.c through the
 * master_addr hook; the data connections' own backoff paces the
 * questions asked after their failures (master_failed).  Passwords are
 * sent, never logged.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "redis/ngx_pad_redis_sentinel.h"
#include "redis/ngx_pad_redis_adapter.h"


static ngx_pad_redis_addr_t *ngx_pad_redis_sentinel_addr(
    ngx_pad_redis_t *rc);
static void ngx_pad_redis_sentinel_failed(ngx_pad_redis_t *rc);
static redisAsyncContext *ngx_pad_redis_sentinel_open(
    ngx_pad_redis_sentinel_t *s, ngx_uint_t i, u_char *err, size_t len);
static void ngx_pad_redis_sentinel_on_connect(const redisAsyncContext *ac,
    int status);
static void ngx_pad_redis_sentinel_on_disconnect(
    const redisAsyncContext *ac, int status);
static void ngx_pad_redis_sentinel_auth_reply(redisAsyncContext *ac,
    void *r, void *privdata);
static void ngx_pad_redis_sentinel_gone(ngx_pad_redis_sentinel_t *s,
    const redisAsyncContext *ac, const char *what);
static void ngx_pad_redis_sentinel_close(redisAsyncContext **acp);
static ngx_msec_t ngx_pad_redis_sentinel_backoff(ngx_pad_redis_sentinel_t *s,
    ngx_uint_t failures);

static void ngx_pad_redis_sentinel_ask(ngx_pad_redis_sentinel_t *s);
static void ngx_pad_redis_sentinel_ask_start(ngx_pad_redis_sentinel_t *s);
static void ngx_pad_redis_sentinel_ask_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_pad_redis_sentinel_ask_fail(ngx_pad_redis_sentinel_t *s,
    const char *what, const char *detail);
static void ngx_pad_redis_sentinel_ask_timer(ngx_event_t *ev);

static void ngx_pad_redis_sentinel_watch(ngx_pad_redis_sentinel_t *s);
static void ngx_pad_redis_sentinel_watch_reply(redisAsyncContext *ac,
    void *r, void *privdata);
static void ngx_pad_redis_sentinel_switch_msg(ngx_pad_redis_sentinel_t *s,
    redisReply *payload);
static void ngx_pad_redis_sentinel_watch_fail(ngx_pad_redis_sentinel_t *s,
    const char *what, const char *detail);
static void ngx_pad_redis_sentinel_watch_timer(ngx_event_t *ev);

static void ngx_pad_redis_sentinel_master(ngx_pad_redis_sentinel_t *s,
    u_char *host, size_t hlen, ngx_uint_t port, const char *from);


static ngx_str_t  ngx_pad_redis_switch_channel = ngx_string("+switch-master");


ngx_int_t
ngx_pad_redis_sentinel_init(ngx_pad_redis_t *rc, ngx_cycle_t *cycle)
{
    ngx_pad_redis_sentinel_t  *s;

    s = ngx_pcalloc(cycle->pool, sizeof(ngx_pad_redis_sentinel_t));
    if (s == NULL) {
        return NGX_ERROR;
    }

    s->rc = rc;
    s->conf = rc->conf;
    s->log = rc->log;

    s->ask_timer.handler = ngx_pad_redis_sentinel_ask_timer;
    s->ask_timer.data = s;
    s->ask_timer.log = rc->log;
    s->ask_timer.cancelable = 1;

    s->watch_timer.handler = ngx_pad_redis_sentinel_watch_timer;
    s->watch_timer.data = s;
    s->watch_timer.log = rc->log;
    s->watch_timer.cancelable = 1;

    /* spread the workers over the sentinels */
    s->ask_index = (ngx_uint_t) ngx_random() % s->conf->nsentinels;
    s->watch_index = s->ask_index;

    rc->snt = s;
    rc->master_addr = ngx_pad_redis_sentinel_addr;
    rc->master_failed = ngx_pad_redis_sentinel_failed;

    ngx_pad_redis_sentinel_ask(s);
    ngx_pad_redis_sentinel_watch(s);

    return NGX_OK;
}


void
ngx_pad_redis_sentinel_destroy(ngx_pad_redis_t *rc)
{
    ngx_pad_redis_sentinel_t  *s = rc->snt;

    if (s->ask_timer.timer_set) {
        ngx_del_timer(&s->ask_timer);
    }

    if (s->watch_timer.timer_set) {
        ngx_del_timer(&s->watch_timer);
    }

    ngx_pad_redis_sentinel_close(&s->ask_ac);
    ngx_pad_redis_sentinel_close(&s->watch_ac);
}


/* the hooks */


static ngx_pad_redis_addr_t *
ngx_pad_redis_sentinel_addr(ngx_pad_redis_t *rc)
{
    ngx_pad_redis_sentinel_t  *s = rc->snt;

    return s->known ? &s->master : NULL;
}


static void
ngx_pad_redis_sentinel_failed(ngx_pad_redis_t *rc)
{
    ngx_pad_redis_sentinel_t  *s = rc->snt;

    if (s->switching || rc->exiting) {
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, s->log, 0,
                   "pad redis: sentinel: a connection to master \"%V\" "
                   "failed, asking the sentinels", &s->conf->sentinel_name);

    ngx_pad_redis_sentinel_ask(s);
}


/* a sentinel's connection, with AUTH queued first when configured */

static redisAsyncContext *
ngx_pad_redis_sentinel_open(ngx_pad_redis_sentinel_t *s, ngx_uint_t i,
    u_char *err, size_t len)
{
    const char            *argv[2];
    size_t                 argvlen[2];
    redisAsyncContext     *ac;
    ngx_pad_redis_addr_t  *addr;

    addr = &s->conf->sentinels[i];

    ac = redisAsyncConnect((char *) addr->host.data, (int) addr->port);
    if (ac == NULL) {
        ngx_cpystrn(err, (u_char *) "out of memory", len);
        return NULL;
    }

    if (ac->err) {
        ngx_cpystrn(err, (u_char *) ac->errstr, len);
        redisAsyncFree(ac);
        return NULL;
    }

    ac->data = s;

    if (ngx_pad_redis_adapter_attach(ac, s->log) != NGX_OK) {
        redisAsyncFree(ac);
        ngx_cpystrn(err, (u_char *) "cannot attach connection", len);
        return NULL;
    }

    redisAsyncSetConnectCallback(ac, ngx_pad_redis_sentinel_on_connect);
    redisAsyncSetDisconnectCallback(ac, ngx_pad_redis_sentinel_on_disconnect);

    if (s->conf->sentinel_password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (char *) s->conf->sentinel_password.data;
        argvlen[1] = s->conf->sentinel_password.len;

        if (redisAsyncCommandArgv(ac, ngx_pad_redis_sentinel_auth_reply, s,
                                  2, argv, argvlen)
            != REDIS_OK)
        {
            redisAsyncFree(ac);
            ngx_cpystrn(err, (u_char *) "cannot queue AUTH", len);
            return NULL;
        }
    }

    return ac;
}


static void
ngx_pad_redis_sentinel_on_connect(const redisAsyncContext *ac, int status)
{
    if (status != REDIS_OK) {
        /* hiredis frees the context after this returns */
        ngx_pad_redis_sentinel_gone(ac->data, ac, "connect failed");
    }
}


static void
ngx_pad_redis_sentinel_on_disconnect(const redisAsyncContext *ac,
    int status)
{
    ngx_pad_redis_sentinel_gone(ac->data, ac, "connection closed");
}


static void
ngx_pad_redis_sentinel_gone(ngx_pad_redis_sentinel_t *s,
    const redisAsyncContext *ac, const char *what)
{
    u_char  buf[NGX_PAD_REDIS_ERRLEN];

    ngx_cpystrn(buf, (u_char *) ((ac->c.err && ac->c.errstr[0])
                                 ? ac->c.errstr : "closed by peer"),
                sizeof(buf));

    if (ac == s->ask_ac) {
        s->ask_ac = NULL;
        ngx_pad_redis_sentinel_ask_fail(s, what, (char *) buf);

    } else if (ac == s->watch_ac) {
        s->watch_ac = NULL;
        ngx_pad_redis_sentinel_watch_fail(s, what, (char *) buf);
    }
}


static void
ngx_pad_redis_sentinel_auth_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    ngx_pad_redis_sentinel_t  *s = privdata;

    u_char       buf[NGX_PAD_REDIS_ERRLEN];
    redisReply  *reply = r;

    if (reply == NULL || reply->type != REDIS_REPLY_ERROR) {
        return;
    }

    ngx_pad_redis_scrub(buf, sizeof(buf), reply,
                        &s->conf->sentinel_password);

    if (ac == s->ask_ac) {
        ngx_pad_redis_sentinel_ask_fail(s, "AUTH refused", (char *) buf);

    } else if (ac == s->watch_ac) {
        ngx_pad_redis_sentinel_watch_fail(s, "AUTH refused", (char *) buf);
    }
}


/* forget a context and free it (deferred by hiredis inside a callback) */

static void
ngx_pad_redis_sentinel_close(redisAsyncContext **acp)
{
    redisAsyncContext  *ac;

    ac = *acp;

    if (ac) {
        *acp = NULL;
        redisAsyncFree(ac);
    }
}


/* 100ms, 200ms, ... up to pad_redis_backoff_max, plus up to 25% */

static ngx_msec_t
ngx_pad_redis_sentinel_backoff(ngx_pad_redis_sentinel_t *s,
    ngx_uint_t failures)
{
    ngx_uint_t  shift;
    ngx_msec_t  delay;

    shift = failures ? failures - 1 : 0;
    if (shift > 16) {
        shift = 16;
    }

    delay = (ngx_msec_t) NGX_PAD_REDIS_BACKOFF_MIN << shift;
    if (delay > s->conf->backoff_max) {
        delay = s->conf->backoff_max;
    }

    return delay + (ngx_msec_t) ngx_random() % (delay / 4 + 1);
}


/* asking: SENTINEL get-master-addr-by-name NAME, the sentinels in turn */


static void
ngx_pad_redis_sentinel_ask(ngx_pad_redis_sentinel_t *s)
{
    if (s->ask_state != NGX_PAD_SENTINEL_ASK_IDLE || s->rc->exiting) {
        /* a question is out, or the backoff asks next */
        return;
    }

    s->ask_tried = 0;

    ngx_pad_redis_sentinel_ask_start(s);
}


static void
ngx_pad_redis_sentinel_ask_start(ngx_pad_redis_sentinel_t *s)
{
    u_char                 err[NGX_PAD_REDIS_ERRLEN];
    const char            *argv[3];
    size_t                 argvlen[3];
    redisAsyncContext     *ac;
    ngx_pad_redis_addr_t  *addr;

    addr = &s->conf->sentinels[s->ask_index];

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, s->log, 0,
                   "pad redis: sentinel: asking %V:%ui for master \"%V\"",
                   &addr->host, addr->port, &s->conf->sentinel_name);

    s->ask_state = NGX_PAD_SENTINEL_ASK_QUERY;

    ac = ngx_pad_redis_sentinel_open(s, s->ask_index, err, sizeof(err));
    if (ac == NULL) {
        ngx_pad_redis_sentinel_ask_fail(s, "cannot connect", (char *) err);
        return;
    }

    s->ask_ac = ac;

    argv[0] = "SENTINEL";
    argvlen[0] = 8;
    argv[1] = "get-master-addr-by-name";
    argvlen[1] = 23;
    argv[2] = (char *) s->conf->sentinel_name.data;
    argvlen[2] = s->conf->sentinel_name.len;

    if (redisAsyncCommandArgv(ac, ngx_pad_redis_sentinel_ask_reply, s, 3,
                              argv, argvlen)
        != REDIS_OK)
    {
        ngx_pad_redis_sentinel_ask_fail(s, "cannot queue the question",
                                        NULL);
        return;
    }

    ngx_add_timer(&s->ask_timer,
                  s->conf->connect_timeout + s->conf->command_timeout);
}


static void
ngx_pad_redis_sentinel_ask_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    ngx_pad_redis_sentinel_t  *s = privdata;

    u_char                 buf[NGX_PAD_REDIS_ERRLEN];
    ngx_int_t              port;
    redisReply            *reply = r, *host, *p;
    ngx_pad_redis_addr_t  *addr;

    if (ac != s->ask_ac || reply == NULL) {
        /* an old context, or lost: the disconnect callback tells */
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_cpystrn(buf, (u_char *) reply->str, sizeof(buf));
        ngx_pad_redis_sentinel_ask_fail(s, "refused", (char *) buf);
        return;
    }

    if (reply->type == REDIS_REPLY_NIL) {
        ngx_pad_redis_sentinel_ask_fail(s, "does not know the master",
                                        NULL);
        return;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING
        || reply->element[0]->len == 0
        || reply->element[0]->len >= NGX_SOCKADDR_STRLEN)
    {
        ngx_pad_redis_sentinel_ask_fail(s, "unexpected reply", NULL);
        return;
    }

    host = reply->element[0];
    p = reply->element[1];

    port = ngx_atoi((u_char *) p->str, p->len);
    if (port < 1 || port > 65535) {
        ngx_pad_redis_sentinel_ask_fail(s, "unexpected port", NULL);
        return;
    }

    addr = &s->conf->sentinels[s->ask_index];

    if (s->bad & ((ngx_uint_t) 1 << s->ask_index)) {
        s->bad &= ~((ngx_uint_t) 1 << s->ask_index);
        ngx_log_error(NGX_LOG_NOTICE, s->log, 0,
                      "pad redis: sentinel %V:%ui answers again",
                      &addr->host, addr->port);
    }

    if (s->ask_timer.timer_set) {
        ngx_del_timer(&s->ask_timer);
    }

    ngx_pad_redis_sentinel_close(&s->ask_ac);

    s->ask_state = NGX_PAD_SENTINEL_ASK_IDLE;
    s->ask_failures = 0;

    ngx_pad_redis_sentinel_master(s, (u_char *) host->str, host->len,
                                  (ngx_uint_t) port, "a sentinel");
}


static void
ngx_pad_redis_sentinel_ask_fail(ngx_pad_redis_sentinel_t *s,
    const char *what, const char *detail)
{
    ngx_uint_t             bit;
    ngx_pad_redis_addr_t  *addr;

    ngx_pad_redis_sentinel_close(&s->ask_ac);

    if (s->ask_timer.timer_set) {
        ngx_del_timer(&s->ask_timer);
    }

    if (s->rc->exiting) {
        s->ask_state = NGX_PAD_SENTINEL_ASK_IDLE;
        return;
    }

    addr = &s->conf->sentinels[s->ask_index];
    bit = (ngx_uint_t) 1 << s->ask_index;

    if (!(s->bad & bit)) {
        /* once per sentinel until it answers again */
        s->bad |= bit;
        ngx_log_error(NGX_LOG_ERR, s->log, 0,
                      "pad redis: sentinel %V:%ui, asked for master \"%V\": "
                      "%s%s%s%s",
                      &addr->host, addr->port, &s->conf->sentinel_name,
                      what, detail ? " (" : "", detail ? detail : "",
                      detail ? ")" : "");

    } else {
        ngx_log_debug4(NGX_LOG_DEBUG_EVENT, s->log, 0,
                       "pad redis: sentinel %V:%ui: %s %s",
                       &addr->host, addr->port, what,
                       detail ? detail : "");
    }

    s->ask_tried++;
    s->ask_index = (s->ask_index + 1) % s->conf->nsentinels;

    if (s->ask_tried < s->conf->nsentinels) {
        ngx_pad_redis_sentinel_ask_start(s);
        return;
    }

    s->ask_failures++;
    s->ask_state = NGX_PAD_SENTINEL_ASK_BACKOFF;

    if (s->ask_failures == 1) {
        ngx_log_error(NGX_LOG_ERR, s->log, 0,
                      "pad redis: no sentinel named master \"%V\"; asking "
                      "again with backoff up to %M ms",
                      &s->conf->sentinel_name, s->conf->backoff_max);
    }

    ngx_add_timer(&s->ask_timer,
                  ngx_pad_redis_sentinel_backoff(s, s->ask_failures));
}


static void
ngx_pad_redis_sentinel_ask_timer(ngx_event_t *ev)
{
    ngx_pad_redis_sentinel_t  *s = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate || s->rc->exiting) {
        return;
    }

    if (s->ask_state == NGX_PAD_SENTINEL_ASK_QUERY) {
        ngx_pad_redis_sentinel_ask_fail(s, "no answer in time", NULL);
        return;
    }

    if (s->ask_state == NGX_PAD_SENTINEL_ASK_BACKOFF) {
        s->ask_state = NGX_PAD_SENTINEL_ASK_IDLE;
        ngx_pad_redis_sentinel_ask(s);
    }
}


/* watching: SUBSCRIBE +switch-master on one sentinel */


static void
ngx_pad_redis_sentinel_watch(ngx_pad_redis_sentinel_t *s)
{
    u_char                 err[NGX_PAD_REDIS_ERRLEN];
    const char            *argv[2];
    size_t                 argvlen[2];
    redisAsyncContext     *ac;
    ngx_pad_redis_addr_t  *addr;

    addr = &s->conf->sentinels[s->watch_index];

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, s->log, 0,
                   "pad redis: sentinel: subscribing to +switch-master on "
                   "%V:%ui", &addr->host, addr->port);

    s->watch_state = NGX_PAD_SENTINEL_WATCH_CONNECTING;

    ac = ngx_pad_redis_sentinel_open(s, s->watch_index, err, sizeof(err));
    if (ac == NULL) {
        ngx_pad_redis_sentinel_watch_fail(s, "cannot connect", (char *) err);
        return;
    }

    s->watch_ac = ac;

    argv[0] = "SUBSCRIBE";
    argvlen[0] = 9;
    argv[1] = (char *) ngx_pad_redis_switch_channel.data;
    argvlen[1] = ngx_pad_redis_switch_channel.len;

    if (redisAsyncCommandArgv(ac, ngx_pad_redis_sentinel_watch_reply, s, 2,
                              argv, argvlen)
        != REDIS_OK)
    {
        ngx_pad_redis_sentinel_watch_fail(s, "cannot queue SUBSCRIBE", NULL);
        return;
    }

    ngx_add_timer(&s->watch_timer,
                  s->conf->connect_timeout + s->conf->command_timeout);
}


static void
ngx_pad_redis_sentinel_watch_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    ngx_pad_redis_sentinel_t  *s = privdata;

    u_char                 buf[NGX_PAD_REDIS_ERRLEN];
    redisReply            *reply = r, *kind;
    ngx_pad_redis_addr_t  *addr;

    if (ac != s->watch_ac || reply == NULL) {
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_cpystrn(buf, (u_char *) reply->str, sizeof(buf));
        ngx_pad_redis_sentinel_watch_fail(s, "refused", (char *) buf);
        return;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || reply->element[0]->type != REDIS_REPLY_STRING)
    {
        ngx_pad_redis_sentinel_watch_fail(s, "unexpected reply", NULL);
        return;
    }

    kind = reply->element[0];

    if (kind->len == 7 && ngx_strncmp(kind->str, "message", 7) == 0) {
        ngx_pad_redis_sentinel_switch_msg(s, reply->element[2]);
        return;
    }

    if (kind->len != 9 || ngx_strncmp(kind->str, "subscribe", 9) != 0
        || s->watch_state != NGX_PAD_SENTINEL_WATCH_CONNECTING)
    {
        return;
    }

    if (s->watch_timer.timer_set) {
        ngx_del_timer(&s->watch_timer);
    }

    addr = &s->conf->sentinels[s->watch_index];

    if (s->watch_failures) {
        ngx_log_error(NGX_LOG_NOTICE, s->log, 0,
                      "pad redis: watching +switch-master on sentinel "
                      "%V:%ui again", &addr->host, addr->port);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, s->log, 0,
                   "pad redis: sentinel: subscribed to +switch-master on "
                   "%V:%ui", &addr->host, addr->port);

    s->watch_state = NGX_PAD_SENTINEL_WATCH_SUBSCRIBED;
    s->watch_failures = 0;

    /* a switch while nobody watched: ask */
    ngx_pad_redis_sentinel_ask(s);
}


/* "<name> <old-ip> <old-port> <new-ip> <new-port>" */

static void
ngx_pad_redis_sentinel_switch_msg(ngx_pad_redis_sentinel_t *s,
    redisReply *payload)
{
    u_char      *p, *last, *f[5];
    size_t       flen[5];
    ngx_int_t    port;
    ngx_uint_t   n;

    if (payload->type != REDIS_REPLY_STRING) {
        return;
    }

    p = (u_char *) payload->str;
    last = p + payload->len;

    for (n = 0; n < 5 && p < last; n++) {
        f[n] = p;

        while (p < last && *p != ' ') {
            p++;
        }

        flen[n] = p - f[n];

        if (p < last) {
            p++;
        }
    }

    if (n != 5 || flen[0] != s->conf->sentinel_name.len
        || ngx_strncmp(f[0], s->conf->sentinel_name.data, flen[0]) != 0)
    {
        /* another master's, or not for us */
        return;
    }

    port = ngx_atoi(f[4], flen[4]);

    if (port < 1 || port > 65535 || flen[3] == 0
        || flen[3] >= NGX_SOCKADDR_STRLEN)
    {
        ngx_log_error(NGX_LOG_ERR, s->log, 0,
                      "pad redis: unexpected +switch-master message for "
                      "master \"%V\"", &s->conf->sentinel_name);
        return;
    }

    ngx_pad_redis_sentinel_master(s, f[3], flen[3], (ngx_uint_t) port,
                                  "+switch-master");
}


static void
ngx_pad_redis_sentinel_watch_fail(ngx_pad_redis_sentinel_t *s,
    const char *what, const char *detail)
{
    ngx_pad_redis_addr_t            *addr;
    ngx_pad_redis_sentinel_watch_e   prev;

    ngx_pad_redis_sentinel_close(&s->watch_ac);

    if (s->watch_timer.timer_set) {
        ngx_del_timer(&s->watch_timer);
    }

    prev = s->watch_state;
    s->watch_state = NGX_PAD_SENTINEL_WATCH_BACKOFF;

    if (s->rc->exiting) {
        return;
    }

    addr = &s->conf->sentinels[s->watch_index];

    if (prev == NGX_PAD_SENTINEL_WATCH_SUBSCRIBED || s->watch_failures == 0) {
        ngx_log_error(NGX_LOG_ERR, s->log, 0,
                      "pad redis: watching +switch-master on sentinel "
                      "%V:%ui: %s%s%s%s; trying the next sentinel",
                      &addr->host, addr->port, what, detail ? " (" : "",
                      detail ? detail : "", detail ? ")" : "");

    } else {
        ngx_log_debug4(NGX_LOG_DEBUG_EVENT, s->log, 0,
                       "pad redis: sentinel %V:%ui: watch: %s %s",
                       &addr->host, addr->port, what, detail ? detail : "");
    }

    s->watch_failures++;
    s->watch_index = (s->watch_index + 1) % s->conf->nsentinels;

    ngx_add_timer(&s->watch_timer,
                  ngx_pad_redis_sentinel_backoff(s, s->watch_failures));
}


static void
ngx_pad_redis_sentinel_watch_timer(ngx_event_t *ev)
{
    ngx_pad_redis_sentinel_t  *s = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate || s->rc->exiting) {
        return;
    }

    if (s->watch_state == NGX_PAD_SENTINEL_WATCH_CONNECTING) {
        ngx_pad_redis_sentinel_watch_fail(s, "no answer in time", NULL);
        return;
    }

    if (s->watch_state == NGX_PAD_SENTINEL_WATCH_BACKOFF) {
        ngx_pad_redis_sentinel_watch(s);
    }
}


/*
 * The master is at host:port: a new address drops both data
 * connections and opens the command connection there; the same one
 * reopens a command connection that waits for it.
 */

static void
ngx_pad_redis_sentinel_master(ngx_pad_redis_sentinel_t *s, u_char *host,
    size_t hlen, ngx_uint_t port, const char *from)
{
    u_char           buf[NGX_SOCKADDR_STRLEN + 16];
    ngx_pad_redis_t *rc;

    rc = s->rc;

    if (s->known && s->master.port == port && s->master.host.len == hlen
        && ngx_strncmp(s->master.host.data, host, hlen) == 0)
    {
        ngx_log_debug3(NGX_LOG_DEBUG_EVENT, s->log, 0,
                       "pad redis: sentinel: master \"%V\" still %V:%ui",
                       &s->conf->sentinel_name, &s->master.host, port);

        if (rc->cmd.state == NGX_PAD_REDIS_DOWN
            && !rc->cmd.retry.timer_set)
        {
            ngx_pad_redis_connect(&rc->cmd);
        }

        return;
    }

    ngx_memcpy(s->master_host, host, hlen);
    s->master_host[hlen] = '\0';
    s->master.host.data = s->master_host;
    s->master.host.len = hlen;
    s->master.port = port;

    ngx_log_error(NGX_LOG_NOTICE, s->log, 0,
                  "pad redis: master \"%V\" is %V:%ui%s (from %s)",
                  &s->conf->sentinel_name, &s->master.host, port,
                  s->known ? " now" : "", from);

    s->known = 1;

    ngx_sprintf(buf, "to %V:%ui%Z", &s->master.host, port);

    s->switching = 1;

    if (rc->pubsub.state != NGX_PAD_REDIS_DOWN) {
        ngx_pad_redis_drop(&rc->pubsub, "the master moved", (char *) buf);
    }

    if (rc->cmd.state != NGX_PAD_REDIS_DOWN) {
        ngx_pad_redis_drop(&rc->cmd, "the master moved", (char *) buf);
    }

    s->switching = 0;

    /* pub/sub follows once the command connection is ready */

    if (rc->pubsub.retry.timer_set) {
        ngx_del_timer(&rc->pubsub.retry);
    }

    ngx_pad_redis_connect(&rc->cmd);
}
