
/*
 * ngx_pad_module: the per-worker Redis client object (ngx_pad_redis.h):
 * created and destroyed here, its connections and commands in
 * ngx_pad_redis_conn.c, its subscriptions in ngx_pad_redis_pubsub.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "redis/ngx_pad_redis_int.h"


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

    rc->pubsub_ready = ngx_pad_redis_pubsub_ready;
    rc->pubsub_keepalive = ngx_pad_redis_pubsub_keepalive;
    rc->pubsub_lost = ngx_pad_redis_pubsub_lost;
    rc->wait_hold = ngx_pad_redis_wait_hold;
    rc->wait_done = ngx_pad_redis_wait_done;

    ngx_pad_redis_conn_init(rc, &rc->cmd, NGX_PAD_REDIS_CMD, "command");
    ngx_pad_redis_conn_init(rc, &rc->pubsub, NGX_PAD_REDIS_PUBSUB,
                            "pub/sub");

    if (conf->sentinel_name.len
        && ngx_pad_redis_sentinel_init(rc, cycle) != NGX_OK)
    {
        return NULL;
    }

    /* with sentinels: once they named the master */

    if (conf->cluster && ngx_pad_redis_cluster_init(rc, cycle) != NGX_OK) {
        return NULL;
    }

    /* with a cluster: the seed connection, for the map (and pub/sub) */
    ngx_pad_redis_connect(&rc->cmd);

    return rc;
}


void
ngx_pad_redis_destroy(ngx_pad_redis_t *rc)
{
    ngx_pad_redis_conn_t   *conn;
    ngx_pad_redis_conn_t   *conns[2];
    ngx_uint_t              i;

    if (rc->exiting) {
        return;
    }

    rc->exiting = 1;

    if (rc->snt) {
        ngx_pad_redis_sentinel_destroy(rc);
    }

    if (rc->cluster) {
        ngx_pad_redis_cluster_destroy(rc);
    }

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

    ngx_pad_redis_pubsub_destroy(rc);
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
