
/*
 * ngx_pad_module: the Redis client's internals, shared by its files only
 * (ngx_pad_redis.c: the client object; ngx_pad_redis_conn.c: connections
 * and commands; ngx_pad_redis_pubsub.c: subscriptions).  Users include
 * ngx_pad_redis.h.
 */


#ifndef _NGX_PAD_REDIS_INT_H_INCLUDED_
#define _NGX_PAD_REDIS_INT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "redis/ngx_pad_redis.h"


#define NGX_PAD_REDIS_CMD            0
#define NGX_PAD_REDIS_PUBSUB         1
#define NGX_PAD_REDIS_NODE           2    /* a cluster primary's commands */

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
#define NGX_PAD_REDIS_REQ_ROLE       7    /* handshake: ROLE (sentinel) */
#define NGX_PAD_REDIS_REQ_WAIT       8    /* WAIT after a user command */
#define NGX_PAD_REDIS_REQ_ASKING     9    /* cluster: ASKING, reply ignored */
#define NGX_PAD_REDIS_REQ_CLUSTER    10   /* cluster: a caller's handle */

#define NGX_PAD_REDIS_BACKOFF_MIN    100
#define NGX_PAD_REDIS_ERRLEN         160


typedef struct ngx_pad_redis_chan_s      ngx_pad_redis_chan_t;
typedef struct ngx_pad_redis_sentinel_s  ngx_pad_redis_sentinel_t;
typedef struct ngx_pad_redis_cluster_s   ngx_pad_redis_cluster_t;


typedef struct {
    ngx_pad_redis_t              *rc;
    redisAsyncContext            *ac;
    ngx_pad_redis_addr_t         *addr;       /* its own, or NULL */
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
    uint64_t                      sent_us;    /* for the latency metric */
    ngx_uint_t                    kind;
    ngx_pad_redis_req_t          *link;       /* user command <-> WAIT */
    redisReply                   *held;       /* its reply, until WAIT */
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

    /* the pub/sub part, reached by the connections through these */
    void                        (*pubsub_ready)(ngx_pad_redis_conn_t *conn);
    ngx_int_t                   (*pubsub_keepalive)(
                                     ngx_pad_redis_conn_t *conn);
    void                        (*pubsub_lost)(ngx_pad_redis_t *rc);

    /* WAIT (ngx_pad_redis_wait.c), reached by the connections thus */
    ngx_int_t                   (*wait_hold)(ngx_pad_redis_req_t *req,
                                     redisReply *reply);
    void                        (*wait_done)(ngx_pad_redis_req_t *wreq,
                                     redisReply *reply, ngx_str_t *err);

    /*
     * The Sentinel part (NULL without pad_redis_sentinel): where the
     * connections go (NULL: not known yet, the part connects them once
     * it knows), and a connection to it failed.
     */
    ngx_pad_redis_sentinel_t     *snt;
    ngx_pad_redis_addr_t       *(*master_addr)(ngx_pad_redis_t *rc);
    void                        (*master_failed)(ngx_pad_redis_t *rc);
    /*
     * The cluster part (NULL without pad_redis_cluster): commands are
     * routed there; the seed connection (cmd) became ready; a node's
     * connection was lost; a handle of its own cancelled.
     */
    ngx_pad_redis_cluster_t      *cluster;
    ngx_pad_redis_req_t        *(*cluster_command)(ngx_pad_redis_t *rc,
                                     ngx_pad_redis_handler_pt handler,
                                     void *data, int argc,
                                     const char **argv,
                                     const size_t *argvlen);
    void                        (*cluster_ready)(ngx_pad_redis_t *rc);
    void                        (*cluster_lost)(ngx_pad_redis_conn_t *conn);
    void                        (*cluster_cancel)(ngx_pad_redis_req_t *req);
};


/* ngx_pad_redis_conn.c */
void ngx_pad_redis_conn_init(ngx_pad_redis_t *rc,
    ngx_pad_redis_conn_t *conn, ngx_uint_t kind, char *name);
void ngx_pad_redis_connect(ngx_pad_redis_conn_t *conn);
void ngx_pad_redis_lost(ngx_pad_redis_conn_t *conn, const char *what,
    const char *detail);
void ngx_pad_redis_drop(ngx_pad_redis_conn_t *conn, const char *what,
    const char *detail);
const char *ngx_pad_redis_ac_error(const redisAsyncContext *ac);
/* an error reply for the log, without "secret" */
void ngx_pad_redis_scrub(u_char *buf, size_t size, redisReply *reply,
    ngx_str_t *secret);
ngx_pad_redis_req_t *ngx_pad_redis_req_alloc(ngx_pad_redis_t *rc,
    ngx_uint_t kind);
void ngx_pad_redis_pending_add(ngx_pad_redis_conn_t *conn,
    ngx_pad_redis_req_t *req);
ngx_int_t ngx_pad_redis_send(ngx_pad_redis_conn_t *conn,
    ngx_pad_redis_req_t *req, int argc, const char **argv,
    const size_t *argvlen);
ngx_int_t ngx_pad_redis_send_formatted(ngx_pad_redis_conn_t *conn,
    ngx_pad_redis_req_t *req, const char *cmd, size_t len);
void ngx_pad_redis_fail_handler(ngx_event_t *ev);

/* ngx_pad_redis_wait.c: the hooks */
ngx_int_t ngx_pad_redis_wait_hold(ngx_pad_redis_req_t *req,
    redisReply *reply);
void ngx_pad_redis_wait_done(ngx_pad_redis_req_t *wreq, redisReply *reply,
    ngx_str_t *err);

/* ngx_pad_redis_sentinel.c: sets the hooks above and starts asking */
ngx_int_t ngx_pad_redis_sentinel_init(ngx_pad_redis_t *rc,
    ngx_cycle_t *cycle);
void ngx_pad_redis_sentinel_destroy(ngx_pad_redis_t *rc);

/* ngx_pad_redis_cluster.c: sets the cluster hooks above, and its end */
ngx_int_t ngx_pad_redis_cluster_init(ngx_pad_redis_t *rc,
    ngx_cycle_t *cycle);
void ngx_pad_redis_cluster_destroy(ngx_pad_redis_t *rc);

/* ngx_pad_redis_pubsub.c: the hooks, and the client's end */
void ngx_pad_redis_pubsub_ready(ngx_pad_redis_conn_t *conn);
ngx_int_t ngx_pad_redis_pubsub_keepalive(ngx_pad_redis_conn_t *conn);
void ngx_pad_redis_pubsub_lost(ngx_pad_redis_t *rc);
void ngx_pad_redis_pubsub_destroy(ngx_pad_redis_t *rc);


#endif /* _NGX_PAD_REDIS_INT_H_INCLUDED_ */
