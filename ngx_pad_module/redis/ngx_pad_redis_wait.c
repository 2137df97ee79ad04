
/*
 * ngx_pad_module: writes that must reach the replicas
 * (pad_redis_wait_replicas N T; ngx_pad_redis_command_wait_argv() in
 * ngx_pad_redis.h).  "WAIT N T" is pipelined right after the command on
 * the same connection (WAIT counts the replicas that have every write
 * of its connection so far); the command's reply is kept until WAIT
 * answers.  ngx_pad_redis_conn.c reaches the two halves through the
 * client's wait_hold and wait_done hooks.
 *
 * A WAIT holds its connection in Redis for up to T when replicas lag:
 * commands pipelined behind it wait too (the configuration requires T
 * below pad_redis_command_timeout).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "redis/ngx_pad_redis_int.h"
#include "metrics/ngx_pad_metrics.h"


static redisReply *ngx_pad_redis_reply_dup(redisReply *r);


/* commands followed by WAIT (pad_redis_wait_replicas) */


ngx_pad_redis_req_t *
ngx_pad_redis_command_wait_argv(ngx_pad_redis_t *rc,
    ngx_pad_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen)
{
    u_char                 nb[2][NGX_INT_T_LEN];
    const char            *wargv[3];
    size_t                 wargvlen[3];
    ngx_pad_redis_req_t   *req, *wreq;
    ngx_pad_redis_conn_t  *conn;

    req = ngx_pad_redis_command_argv(rc, handler, data, argc, argv,
                                     argvlen);

    if (req == NULL || rc->conf->wait_replicas == 0 || req->conn == NULL) {
        /* no WAIT, or failing already */
        return req;
    }

    conn = req->conn;

    wreq = ngx_pad_redis_req_alloc(rc, NGX_PAD_REDIS_REQ_WAIT);
    if (wreq == NULL) {
        ngx_pad_redis_drop(conn, "out of memory", "WAIT");
        return req;
    }

    wargv[0] = "WAIT";
    wargvlen[0] = 4;
    wargv[1] = (char *) nb[0];
    wargvlen[1] = ngx_sprintf(nb[0], "%ui", rc->conf->wait_replicas) - nb[0];
    wargv[2] = (char *) nb[1];
    wargvlen[2] = ngx_sprintf(nb[1], "%M", rc->conf->wait_timeout) - nb[1];

    if (ngx_pad_redis_send(conn, wreq, 3, wargv, wargvlen) != NGX_OK) {
        ngx_free(wreq);
        /* fails the command too: its outcome is unknown */
        ngx_pad_redis_drop(conn, "cannot send WAIT", NULL);
        return req;
    }

    req->link = wreq;
    wreq->link = req;

    return req;
}


/*
 * The command's reply, before its WAIT's: kept (a copy: hiredis frees
 * its own) for the handler once WAIT says enough replicas have it.  An
 * error or no reply goes to the handler now, the WAIT is forgotten.
 */

ngx_int_t
ngx_pad_redis_wait_hold(ngx_pad_redis_req_t *req, redisReply *reply)
{
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        req->link->link = NULL;
        req->link = NULL;
        return NGX_DECLINED;
    }

    req->held = ngx_pad_redis_reply_dup(reply);

    if (req->held == NULL) {
        ngx_log_error(NGX_LOG_ERR, req->rc->log, 0,
                      "pad redis: out of memory keeping a reply for WAIT");
        req->link->link = NULL;
        req->link = NULL;
        return NGX_DECLINED;
    }

    /* the connection may be reused by cancel(): conn stays set */

    return NGX_OK;
}


void
ngx_pad_redis_wait_done(ngx_pad_redis_req_t *wreq, redisReply *reply,
    ngx_str_t *err)
{
    u_char                    buf[NGX_PAD_REDIS_ERRLEN];
    void                     *data;
    ngx_str_t                 e;
    redisReply               *held;
    ngx_pad_redis_req_t      *req;
    ngx_pad_redis_conf_t     *conf;
    ngx_pad_redis_handler_pt  handler;

    req = wreq->link;

    if (req == NULL) {
        /* its command failed or was answered with an error */
        return;
    }

    conf = wreq->rc->conf;
    handler = req->handler;
    data = req->data;
    held = req->held;

    ngx_free(req);

    if (reply && reply->type == REDIS_REPLY_INTEGER
        && reply->integer >= (long long) conf->wait_replicas)
    {
        if (handler) {
            handler(data, held, NULL);
        }

        freeReplyObject(held);
        return;
    }

    if (reply == NULL) {
        /* not "redis unavailable": no retry may acknowledge it */
        e.data = buf;
        e.len = ngx_slprintf(buf, buf + sizeof(buf),
                             "redis WAIT not answered: %V", err)
                - buf;

    } else {
        e.data = buf;
        e.len = (reply->type == REDIS_REPLY_INTEGER)
                ? ngx_slprintf(buf, buf + sizeof(buf),
                               "redis WAIT: %L of %ui replicas within %M ms",
                               (int64_t) reply->integer, conf->wait_replicas,
                               conf->wait_timeout) - buf
                : ngx_slprintf(buf, buf + sizeof(buf),
                               "redis WAIT failed: %*s",
                               (size_t) (reply->type == REDIS_REPLY_ERROR
                                         ? reply->len : 0),
                               reply->str) - buf;
    }

    ngx_log_error(NGX_LOG_WARN, wreq->rc->log, 0,
                  "pad redis: a write is not acknowledged: %V", &e);

    ngx_pad_metric_inc(NGX_PAD_M_REDIS_ERRORS);

    freeReplyObject(held);

    if (handler) {
        handler(data, NULL, &e);
    }
}


/* a copy of a reply, freed by freeReplyObject() (hiredis 0.14: free()) */

static redisReply *
ngx_pad_redis_reply_dup(redisReply *r)
{
    size_t       i;
    redisReply  *c;

    c = calloc(1, sizeof(redisReply));
    if (c == NULL) {
        return NULL;
    }

    c->type = r->type;
    c->integer = r->integer;

    switch (r->type) {

    case REDIS_REPLY_ARRAY:
        if (r->elements == 0) {
            break;
        }

        c->element = calloc(r->elements, sizeof(redisReply *));
        if (c->element == NULL) {
            free(c);
            return NULL;
        }

        c->elements = r->elements;

        for (i = 0; i < r->elements; i++) {
            c->element[i] = ngx_pad_redis_reply_dup(r->element[i]);
            if (c->element[i] == NULL) {
                freeReplyObject(c);
                return NULL;
            }
        }

        break;

    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        c->str = malloc((size_t) r->len + 1);
        if (c->str == NULL) {
            free(c);
            return NULL;
        }

        ngx_memcpy(c->str, r->str, (size_t) r->len);
        c->str[r->len] = '\0';
        c->len = r->len;
        break;

    default:
        break;
    }

    return c;
}
