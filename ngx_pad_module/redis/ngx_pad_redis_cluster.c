
/*
 * ngx_pad_module: the Redis client in cluster mode (pad_redis_cluster).
 *
 * The seed connection (the client's "command" connection, on the seeds
 * in turn) reads the slot map with CLUSTER SLOTS (parsed by
 * src/cluster/) at start, after a MOVED, a node's connection error or a
 * CLUSTERDOWN, and every pad_redis_cluster_refresh; at most one read in
 * flight and one a second.  Pub/sub stays on the seed connection: classic
 * PUBLISH reaches every node of a cluster.
 *
 * Every command is routed by the slot of its first key (EVAL/EVALSHA:
 * the first of its keys; other commands: their first argument; no key:
 * slot 0) to one connection per primary (a "node", opened when a command
 * is first routed to it, at most pad_redis_cluster_max_nodes).  A
 * command keeps its formatted bytes until it is answered, for a resend:
 *
 *   MOVED     the slot is the named node's from now on (and the map is
 *             read again); the command is sent there again;
 *   ASK       ASKING and the command to the named node, once;
 *   TRYAGAIN, CLUSTERDOWN
 *             sent again after 50 ms (CLUSTERDOWN: 200 ms);
 *   at most 5 MOVED per command (a loop), then the caller gets the
 *   error; ASK, TRYAGAIN, CLUSTERDOWN (a migration: an importing node
 *   answers TRYAGAIN to a script whose keys are not all there yet) until
 *   pad_redis_command_timeout from the issue.
 *
 * The order of one slot's commands (docs/developers/cluster.md): a
 * command waits in "waiting" (in the order issued) while a command of its
 * slot issued before it waits there too, or is in flight to another node
 * than the slot's owner (a MOVED or ASK sent elsewhere: the commands sent
 * behind it to the old owner come back redirected and go first).
 *
 * States of a command: WAITING -> INFLIGHT -> answered (freed), or
 * INFLIGHT -> WAITING (redirected), or FAILED (delivered from a posted
 * event).  A connection lost, or no reply: the caller gets the error
 * (the outcome is unknown, nothing is sent again).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "redis/ngx_pad_redis_int.h"
#include "cluster/ngx_pad_cluster_slot.h"


#define NGX_PAD_CLUSTER_REDIRECTS_MAX  5
#define NGX_PAD_CLUSTER_TRYAGAIN_MS    50
#define NGX_PAD_CLUSTER_DOWN_MS        200
#define NGX_PAD_CLUSTER_TICK_MS        50
#define NGX_PAD_CLUSTER_REFRESH_MIN    1000
#define NGX_PAD_CLUSTER_BLOCKED_MAX    64


typedef enum {
    NGX_PAD_CREQ_WAITING = 0,
    NGX_PAD_CREQ_INFLIGHT,
    NGX_PAD_CREQ_FAILED,
    NGX_PAD_CREQ_DONE                         /* its handler runs */
} ngx_pad_redis_creq_e;


typedef struct {
    ngx_pad_redis_conn_t          conn;
    ngx_pad_redis_addr_t          addr;
    u_char                        host[NGX_PAD_CLUSTER_HOST_MAX + 1];
    char                          name[NGX_PAD_CLUSTER_HOST_MAX + 32];
    ngx_uint_t                    inflight;   /* commands sent to it */
} ngx_pad_redis_node_t;


typedef struct {
    ngx_pad_redis_req_t           req;        /* the handle: must be first */
    ngx_queue_t                   link;       /* waiting/inflight/failed */
    ngx_pad_redis_cluster_t      *cl;
    ngx_pad_redis_creq_e          state;
    ngx_pad_redis_node_t         *node;       /* INFLIGHT: where */
    ngx_pad_redis_node_t         *last;       /* where it went last */
    char                         *cmd;        /* formatted (hiredis's) */
    size_t                        len;
    ngx_uint_t                    slot;
    uint64_t                      seq;
    ngx_uint_t                    redirects;
    ngx_uint_t                    ask;        /* send ASKING first */
    ngx_pad_redis_node_t         *ask_node;
    ngx_msec_t                    not_before;
    ngx_msec_t                    deadline;
    unsigned                      cancelled:1;
} ngx_pad_redis_creq_t;


typedef enum {
    NGX_PAD_CLUSTER_MAP_IDLE = 0,
    NGX_PAD_CLUSTER_MAP_READING
} ngx_pad_redis_cluster_map_e;


struct ngx_pad_redis_cluster_s {
    ngx_pad_redis_t              *rc;
    ngx_log_t                    *log;
    ngx_pad_cluster_map_t         map;
    ngx_pad_cluster_map_t         next;       /* being parsed */
    ngx_uint_t                    have_map;
    ngx_pad_redis_node_t         *nodeof[NGX_PAD_CLUSTER_NODES_MAX];
    ngx_pad_redis_node_t         *nodes;      /* pad_redis_cluster_max_nodes */
    ngx_uint_t                    nnodes;

    ngx_pad_redis_cluster_map_e   map_state;
    ngx_uint_t                    map_again;  /* asked while reading */
    ngx_msec_t                    map_last;
    ngx_pad_redis_req_t          *map_req;
    ngx_event_t                   map_timer;  /* periodic or delayed read */
    ngx_uint_t                    map_logged; /* the last error, logged */

    ngx_queue_t                   waiting;    /* in the order issued */
    ngx_queue_t                   inflight;
    ngx_queue_t                   failed;
    ngx_event_t                   fail_ev;
    ngx_event_t                   tick;       /* waiting: retries, ends */
    uint64_t                      seq;
    ngx_uint_t                    pumping;
    ngx_uint_t                    full_logged;
};


static ngx_pad_redis_req_t *ngx_pad_redis_cluster_command(ngx_pad_redis_t *rc,
    ngx_pad_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen);
static ngx_uint_t ngx_pad_redis_cluster_slot(int argc, const char **argv,
    const size_t *argvlen);
static void ngx_pad_redis_cluster_cancel(ngx_pad_redis_req_t *req);
static void ngx_pad_redis_cluster_ready(ngx_pad_redis_t *rc);
static void ngx_pad_redis_cluster_lost(ngx_pad_redis_conn_t *conn);
static void ngx_pad_redis_cluster_wait(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr);
static ngx_uint_t ngx_pad_redis_cluster_blocked(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr);
static void ngx_pad_redis_cluster_pump(ngx_pad_redis_cluster_t *cl);
static ngx_int_t ngx_pad_redis_cluster_send(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr, ngx_pad_redis_node_t *node);
static void ngx_pad_redis_cluster_reply(void *data, redisReply *reply,
    ngx_str_t *err);
static ngx_int_t ngx_pad_redis_cluster_redirect(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr, redisReply *reply);
static void ngx_pad_redis_cluster_fail(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr, const char *what, ngx_str_t *detail);
static void ngx_pad_redis_cluster_fail_handler(ngx_event_t *ev);
static void ngx_pad_redis_cluster_free(ngx_pad_redis_creq_t *cr);
static void ngx_pad_redis_cluster_tick(ngx_event_t *ev);
static ngx_pad_redis_node_t *ngx_pad_redis_cluster_owner(
    ngx_pad_redis_cluster_t *cl, ngx_uint_t slot);
static ngx_pad_redis_node_t *ngx_pad_redis_cluster_node(
    ngx_pad_redis_cluster_t *cl, const char *host, ngx_uint_t port);
static void ngx_pad_redis_cluster_refresh(ngx_pad_redis_cluster_t *cl);
static void ngx_pad_redis_cluster_map_timer(ngx_event_t *ev);
static void ngx_pad_redis_cluster_map_read(ngx_pad_redis_cluster_t *cl);
static void ngx_pad_redis_cluster_map_done(void *data, redisReply *reply,
    ngx_str_t *err);
static void ngx_pad_redis_cluster_map_install(ngx_pad_redis_cluster_t *cl);
static ngx_msec_t ngx_pad_redis_cluster_clock(void);


/* the client's end */


ngx_int_t
ngx_pad_redis_cluster_init(ngx_pad_redis_t *rc, ngx_cycle_t *cycle)
{
    ngx_pad_redis_cluster_t  *cl;

    cl = ngx_pcalloc(cycle->pool, sizeof(ngx_pad_redis_cluster_t));
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->nodes = ngx_pcalloc(cycle->pool, rc->conf->cluster_max_nodes
                                         * sizeof(ngx_pad_redis_node_t));
    if (cl->nodes == NULL) {
        return NGX_ERROR;
    }

    cl->rc = rc;
    cl->log = rc->log;

    ngx_pad_cluster_map_init(&cl->map);

    ngx_queue_init(&cl->waiting);
    ngx_queue_init(&cl->inflight);
    ngx_queue_init(&cl->failed);

    cl->fail_ev.handler = ngx_pad_redis_cluster_fail_handler;
    cl->fail_ev.data = cl;
    cl->fail_ev.log = rc->log;

    cl->tick.handler = ngx_pad_redis_cluster_tick;
    cl->tick.data = cl;
    cl->tick.log = rc->log;
    cl->tick.cancelable = 1;

    cl->map_timer.handler = ngx_pad_redis_cluster_map_timer;
    cl->map_timer.data = cl;
    cl->map_timer.log = rc->log;
    cl->map_timer.cancelable = 1;

    rc->cluster = cl;
    rc->cluster_command = ngx_pad_redis_cluster_command;
    rc->cluster_ready = ngx_pad_redis_cluster_ready;
    rc->cluster_lost = ngx_pad_redis_cluster_lost;
    rc->cluster_cancel = ngx_pad_redis_cluster_cancel;

    return NGX_OK;
}


/* worker exit: every command still here gets its error now */

void
ngx_pad_redis_cluster_destroy(ngx_pad_redis_t *rc)
{
    ngx_uint_t                i;
    ngx_queue_t              *q;
    ngx_pad_redis_node_t     *node;
    ngx_pad_redis_creq_t     *cr;
    ngx_pad_redis_cluster_t  *cl;

    cl = rc->cluster;

    if (cl->map_timer.timer_set) {
        ngx_del_timer(&cl->map_timer);
    }

    if (cl->tick.timer_set) {
        ngx_del_timer(&cl->tick);
    }

    for (i = 0; i < cl->nnodes; i++) {
        node = &cl->nodes[i];

        if (node->conn.retry.timer_set) {
            ngx_del_timer(&node->conn.retry);
        }

        if (node->conn.keepalive.timer_set) {
            ngx_del_timer(&node->conn.keepalive);
        }

        if (node->conn.state != NGX_PAD_REDIS_DOWN) {
            ngx_pad_redis_drop(&node->conn, "worker is exiting", NULL);
        }

        if (node->conn.timer.timer_set) {
            ngx_del_timer(&node->conn.timer);
        }
    }

    while (!ngx_queue_empty(&cl->waiting)) {
        q = ngx_queue_head(&cl->waiting);
        cr = ngx_queue_data(q, ngx_pad_redis_creq_t, link);
        ngx_pad_redis_cluster_fail(cl, cr, "worker is exiting", NULL);
    }

    if (cl->fail_ev.posted) {
        ngx_delete_posted_event(&cl->fail_ev);
    }

    ngx_pad_redis_cluster_fail_handler(&cl->fail_ev);
}


/* commands */


static ngx_pad_redis_req_t *
ngx_pad_redis_cluster_command(ngx_pad_redis_t *rc,
    ngx_pad_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen)
{
    long long                 len;
    char                     *cmd;
    ngx_pad_redis_creq_t     *cr;
    ngx_pad_redis_cluster_t  *cl;

    cl = rc->cluster;

    if (rc->exiting || argc < 1) {
        return NULL;
    }

    cr = ngx_calloc(sizeof(ngx_pad_redis_creq_t), rc->log);
    if (cr == NULL) {
        return NULL;
    }

    len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len <= 0) {
        ngx_free(cr);
        return NULL;
    }

    cr->req.handler = handler;
    cr->req.data = data;
    cr->req.rc = rc;
    cr->req.kind = NGX_PAD_REDIS_REQ_CLUSTER;
    cr->cl = cl;
    cr->cmd = cmd;
    cr->len = (size_t) len;
    cr->slot = ngx_pad_redis_cluster_slot(argc, argv, argvlen);
    cr->seq = ++cl->seq;
    cr->deadline = ngx_pad_redis_cluster_clock() + rc->conf->command_timeout;

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, cl->log, 0,
                   "pad redis: cluster: command #%uL, slot %ui",
                   cr->seq, cr->slot);

    ngx_pad_redis_cluster_wait(cl, cr);
    ngx_pad_redis_cluster_pump(cl);

    return &cr->req;
}


/* the slot of the command's first key (0: it has none) */

static ngx_uint_t
ngx_pad_redis_cluster_slot(int argc, const char **argv,
    const size_t *argvlen)
{
    ngx_int_t  nkeys;

    if ((argvlen[0] == 4 && ngx_strncasecmp((u_char *) argv[0],
                                            (u_char *) "EVAL", 4) == 0)
        || (argvlen[0] == 7 && ngx_strncasecmp((u_char *) argv[0],
                                               (u_char *) "EVALSHA", 7)
                               == 0))
    {
        if (argc < 4) {
            return 0;
        }

        nkeys = ngx_atoi((u_char *) argv[2], argvlen[2]);

        return nkeys > 0 ? ngx_pad_cluster_key_slot(argv[3], argvlen[3]) : 0;
    }

    if (argc < 2) {
        return 0;
    }

    return ngx_pad_cluster_key_slot(argv[1], argvlen[1]);
}


static void
ngx_pad_redis_cluster_cancel(ngx_pad_redis_req_t *req)
{
    ngx_pad_redis_creq_t  *cr = (ngx_pad_redis_creq_t *) req;

    req->handler = NULL;
    req->data = NULL;

    if (cr->state == NGX_PAD_CREQ_INFLIGHT) {
        /* freed when its reply (or the connection's end) comes */
        cr->cancelled = 1;
        return;
    }

    if (cr->state == NGX_PAD_CREQ_DONE) {
        /* from its own handler: freed after it */
        return;
    }

    ngx_queue_remove(&cr->link);
    ngx_pad_redis_cluster_free(cr);
}


/* into "waiting", in the order issued */

static void
ngx_pad_redis_cluster_wait(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr)
{
    ngx_queue_t           *q;
    ngx_pad_redis_creq_t  *w;

    cr->state = NGX_PAD_CREQ_WAITING;
    cr->node = NULL;

    for (q = ngx_queue_last(&cl->waiting);
         q != ngx_queue_sentinel(&cl->waiting);
         q = ngx_queue_prev(q))
    {
        w = ngx_queue_data(q, ngx_pad_redis_creq_t, link);

        if (w->seq < cr->seq) {
            break;
        }
    }

    /* after q (the sentinel: first) */
    ngx_queue_insert_after(q, &cr->link);

    if (!cl->tick.timer_set && !cl->rc->exiting) {
        ngx_add_timer(&cl->tick, NGX_PAD_CLUSTER_TICK_MS);
    }
}


/*
 * 1 if a waiting command must wait on: an earlier command of its slot is
 * in flight to another node than the slot's owner, or waits.
 */

static ngx_uint_t
ngx_pad_redis_cluster_blocked(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr)
{
    ngx_queue_t           *q;
    ngx_pad_redis_creq_t  *o;
    ngx_pad_redis_node_t  *owner;

    owner = ngx_pad_redis_cluster_owner(cl, cr->slot);

    if (owner == NULL) {
        return 1;
    }

    for (q = ngx_queue_head(&cl->inflight);
         q != ngx_queue_sentinel(&cl->inflight);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_pad_redis_creq_t, link);

        if (o->slot == cr->slot && o->seq < cr->seq && o->node != owner) {
            return 1;
        }
    }

    for (q = ngx_queue_head(&cl->waiting);
         q != ngx_queue_sentinel(&cl->waiting);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_pad_redis_creq_t, link);

        if (o == cr) {
            break;
        }

        if (o->slot == cr->slot) {
            return 1;
        }
    }

    return 0;
}


/* send what may go, in order; fail what waited past its deadline */

static void
ngx_pad_redis_cluster_pump(ngx_pad_redis_cluster_t *cl)
{
    ngx_msec_t             now;
    ngx_queue_t           *q, *next;
    ngx_pad_redis_node_t  *node;
    ngx_pad_redis_creq_t  *cr;

    if (cl->pumping || cl->rc->exiting) {
        return;
    }

    cl->pumping = 1;
    now = ngx_pad_redis_cluster_clock();

    for (q = ngx_queue_head(&cl->waiting);
         q != ngx_queue_sentinel(&cl->waiting);
         q = next)
    {
        next = ngx_queue_next(q);
        cr = ngx_queue_data(q, ngx_pad_redis_creq_t, link);

        if ((ngx_msec_int_t) (now - cr->deadline) >= 0) {
            ngx_pad_redis_cluster_fail(cl, cr, cl->have_map
                                       ? "redis cluster: no node for the "
                                         "slot in time"
                                       : "redis cluster: no slot map yet",
                                       NULL);
            continue;
        }

        if ((ngx_msec_int_t) (cr->not_before - now) > 0
            || ngx_pad_redis_cluster_blocked(cl, cr))
        {
            continue;
        }

        node = cr->ask ? cr->ask_node
                       : ngx_pad_redis_cluster_owner(cl, cr->slot);

        if (ngx_pad_redis_cluster_send(cl, cr, node) != NGX_OK) {
            ngx_pad_redis_cluster_refresh(cl);
        }
    }

    cl->pumping = 0;
}


static ngx_int_t
ngx_pad_redis_cluster_send(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr, ngx_pad_redis_node_t *node)
{
    static const char     asking[] = "*1\r\n$6\r\nASKING\r\n";
    ngx_pad_redis_conn_t *conn;
    ngx_pad_redis_req_t  *inner, *areq;

    conn = &node->conn;

    if (conn->state == NGX_PAD_REDIS_DOWN && !conn->retry.timer_set) {
        ngx_pad_redis_connect(conn);
    }

    if (conn->state == NGX_PAD_REDIS_DOWN) {
        ngx_pad_redis_cluster_fail(cl, cr, "redis unavailable", &conn->reason);
        return NGX_ERROR;
    }

    inner = ngx_pad_redis_req_alloc(cl->rc, NGX_PAD_REDIS_REQ_USER);
    if (inner == NULL) {
        ngx_pad_redis_cluster_fail(cl, cr, "out of memory", NULL);
        return NGX_OK;
    }

    inner->handler = ngx_pad_redis_cluster_reply;
    inner->data = cr;

    if (cr->ask) {
        areq = ngx_pad_redis_req_alloc(cl->rc, NGX_PAD_REDIS_REQ_ASKING);

        if (areq == NULL
            || ngx_pad_redis_send_formatted(conn, areq, asking,
                                            sizeof(asking) - 1)
               != NGX_OK)
        {
            if (areq) {
                ngx_free(areq);
            }

            ngx_free(inner);
            ngx_pad_redis_cluster_fail(cl, cr, "cannot send ASKING", NULL);
            return NGX_OK;
        }

        cr->ask = 0;
    }

    if (ngx_pad_redis_send_formatted(conn, inner, cr->cmd, cr->len)
        != NGX_OK)
    {
        ngx_free(inner);
        ngx_pad_redis_cluster_fail(cl, cr, "cannot send redis command",
                                   NULL);
        return NGX_OK;
    }

    ngx_queue_remove(&cr->link);
    ngx_queue_insert_tail(&cl->inflight, &cr->link);

    cr->state = NGX_PAD_CREQ_INFLIGHT;
    cr->node = node;
    cr->last = node;
    node->inflight++;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, cl->log, 0,
                   "pad redis: cluster: command #%uL: waiting -> inflight "
                   "to %s (slot %ui)", cr->seq, node->name, cr->slot);

    return NGX_OK;
}


static void
ngx_pad_redis_cluster_reply(void *data, redisReply *reply, ngx_str_t *err)
{
    ngx_pad_redis_creq_t  *cr = data;

    void                     *udata;
    ngx_pad_redis_cluster_t  *cl;
    ngx_pad_redis_handler_pt  handler;

    cl = cr->cl;

    ngx_queue_remove(&cr->link);
    cr->node->inflight--;
    cr->node = NULL;

    if (cr->cancelled) {
        ngx_pad_redis_cluster_free(cr);
        ngx_pad_redis_cluster_pump(cl);
        return;
    }

    if (reply == NULL) {
        /* the node's connection failed: the outcome is unknown */
        ngx_pad_redis_cluster_refresh(cl);

    } else if (reply->type == REDIS_REPLY_ERROR
               && ngx_pad_redis_cluster_redirect(cl, cr, reply) == NGX_OK)
    {
        /* waiting again */
        ngx_pad_redis_cluster_pump(cl);
        return;
    }

    handler = cr->req.handler;
    udata = cr->req.data;

    /* the reply belongs to hiredis: the handle goes after the handler */

    cr->state = NGX_PAD_CREQ_DONE;

    if (handler) {
        handler(udata, reply, err);
    }

    ngx_pad_redis_cluster_free(cr);
    ngx_pad_redis_cluster_pump(cl);
}


/* NGX_OK: the command waits again (redirected or to be retried) */

static ngx_int_t
ngx_pad_redis_cluster_redirect(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr, redisReply *reply)
{
    int                          idx;
    ngx_msec_t                   delay;
    ngx_pad_redis_node_t        *node;
    ngx_pad_cluster_redirect_t   rd;

    delay = 0;

    if (reply->len >= 8 && ngx_strncmp(reply->str, "TRYAGAIN", 8) == 0) {
        delay = NGX_PAD_CLUSTER_TRYAGAIN_MS;

    } else if (reply->len >= 11
               && ngx_strncmp(reply->str, "CLUSTERDOWN", 11) == 0)
    {
        delay = NGX_PAD_CLUSTER_DOWN_MS;
        ngx_pad_redis_cluster_refresh(cl);

    } else if (ngx_pad_cluster_redirect_parse(reply->str, reply->len, &rd)
               != 0)
    {
        return NGX_DECLINED;
    }

    if (delay) {
        /* not executed: sent again until its deadline (the pump's) */
        cr->not_before = ngx_pad_redis_cluster_clock() + delay;
        ngx_log_debug3(NGX_LOG_DEBUG_EVENT, cl->log, 0,
                       "pad redis: cluster: command #%uL: inflight -> "
                       "waiting, %*s", cr->seq,
                       (size_t) ngx_min(reply->len, 11), reply->str);
        ngx_pad_redis_cluster_wait(cl, cr);
        return NGX_OK;
    }

    if (rd.kind == NGX_PAD_CLUSTER_REDIRECT_MOVED
        && ++cr->redirects > NGX_PAD_CLUSTER_REDIRECTS_MAX)
    {
        ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                      "pad redis: cluster: slot %ui: more than %d "
                      "MOVED for one command, the last: \"%*s\"",
                      cr->slot, NGX_PAD_CLUSTER_REDIRECTS_MAX,
                      (size_t) ngx_min(reply->len, 120), reply->str);
        return NGX_DECLINED;
    }

    if (rd.host[0] == '\0' && cr->last) {
        /* "unknown endpoint": the host of the node that answered */
        ngx_memcpy(rd.host, cr->last->host, cr->last->addr.host.len + 1);
    }

    node = ngx_pad_redis_cluster_node(cl, rd.host, rd.port);
    if (node == NULL) {
        return NGX_DECLINED;
    }

    ngx_log_debug4(NGX_LOG_DEBUG_EVENT, cl->log, 0,
                   "pad redis: cluster: command #%uL: inflight -> waiting, "
                   "%s slot %ui to %s",
                   cr->seq, rd.kind == NGX_PAD_CLUSTER_REDIRECT_ASK
                            ? "ASK" : "MOVED", (ngx_uint_t) rd.slot,
                   node->name);

    if (rd.kind == NGX_PAD_CLUSTER_REDIRECT_ASK) {
        cr->ask = 1;
        cr->ask_node = node;
        ngx_pad_redis_cluster_wait(cl, cr);
        return NGX_OK;
    }

    /* MOVED: the slot is that node's now; the map is read again */

    idx = ngx_pad_cluster_map_find(&cl->map, rd.host, rd.port);

    if (idx < 0 && cl->map.nnodes < NGX_PAD_CLUSTER_NODES_MAX) {
        idx = (int) cl->map.nnodes++;
        ngx_memcpy(cl->map.node[idx].host, rd.host, sizeof(rd.host));
        cl->map.node[idx].port = rd.port;
    }

    if (idx >= 0 && rd.slot < NGX_PAD_CLUSTER_SLOTS
        && cl->map.slot[rd.slot] != (uint16_t) idx)
    {
        ngx_log_error(NGX_LOG_INFO, cl->log, 0,
                      "pad redis: cluster: slot %ui moved to %s (MOVED)",
                      (ngx_uint_t) rd.slot, node->name);

        cl->map.slot[rd.slot] = (uint16_t) idx;
        cl->nodeof[idx] = node;
    }

    ngx_pad_redis_cluster_refresh(cl);

    ngx_pad_redis_cluster_wait(cl, cr);

    return NGX_OK;
}


/* the caller gets "what: detail" from a posted event; cr is in no queue */

static void
ngx_pad_redis_cluster_fail(ngx_pad_redis_cluster_t *cl,
    ngx_pad_redis_creq_t *cr, const char *what, ngx_str_t *detail)
{
    u_char  *p, *last;

    if (cr->state == NGX_PAD_CREQ_WAITING) {
        /* from the pump: still in waiting */
        ngx_queue_remove(&cr->link);
        cr->state = NGX_PAD_CREQ_FAILED;
    }

    p = cr->req.err;
    last = p + sizeof(cr->req.err);

    if (detail && detail->len) {
        p = ngx_slprintf(p, last, "%s: %V", what, detail);

    } else {
        p = ngx_slprintf(p, last, "%s", what);
    }

    cr->req.errlen = p - cr->req.err;
    cr->state = NGX_PAD_CREQ_FAILED;

    ngx_queue_insert_tail(&cl->failed, &cr->link);

    if (!cl->fail_ev.posted && !cl->rc->exiting) {
        ngx_post_event(&cl->fail_ev, &ngx_posted_next_events);
    }
}


static void
ngx_pad_redis_cluster_fail_handler(ngx_event_t *ev)
{
    ngx_pad_redis_cluster_t  *cl = ev->data;

    u_char                    buf[NGX_PAD_REDIS_ERRLEN];
    void                     *data;
    ngx_str_t                 err;
    ngx_queue_t              *q;
    ngx_queue_t               batch;
    ngx_pad_redis_creq_t     *cr;
    ngx_pad_redis_handler_pt  handler;

    if (ngx_queue_empty(&cl->failed)) {
        return;
    }

    batch = cl->failed;
    batch.next->prev = &batch;
    batch.prev->next = &batch;
    ngx_queue_init(&cl->failed);

    while (!ngx_queue_empty(&batch)) {
        q = ngx_queue_head(&batch);
        ngx_queue_remove(q);

        cr = ngx_queue_data(q, ngx_pad_redis_creq_t, link);

        handler = cr->req.handler;
        data = cr->req.data;

        err.len = cr->req.errlen;
        err.data = ngx_cpymem(buf, cr->req.err, err.len) - err.len;

        ngx_pad_redis_cluster_free(cr);

        if (handler) {
            handler(data, NULL, &err);
        }
    }
}


static void
ngx_pad_redis_cluster_free(ngx_pad_redis_creq_t *cr)
{
    redisFreeCommand(cr->cmd);
    ngx_free(cr);
}


static void
ngx_pad_redis_cluster_tick(ngx_event_t *ev)
{
    ngx_pad_redis_cluster_t  *cl = ev->data;

    ngx_pad_redis_cluster_pump(cl);

    if (!ngx_queue_empty(&cl->waiting) && !cl->tick.timer_set
        && !cl->rc->exiting)
    {
        ngx_add_timer(&cl->tick, NGX_PAD_CLUSTER_TICK_MS);
    }
}


/* nodes */


static ngx_pad_redis_node_t *
ngx_pad_redis_cluster_owner(ngx_pad_redis_cluster_t *cl, ngx_uint_t slot)
{
    ngx_uint_t               idx;
    ngx_pad_cluster_node_t  *n;

    if (!cl->have_map) {
        return NULL;
    }

    idx = cl->map.slot[slot];

    if (idx == NGX_PAD_CLUSTER_NO_NODE || idx >= cl->map.nnodes) {
        return NULL;
    }

    if (cl->nodeof[idx] == NULL) {
        n = &cl->map.node[idx];
        cl->nodeof[idx] = ngx_pad_redis_cluster_node(cl, n->host, n->port);
    }

    return cl->nodeof[idx];
}


/* the node host:port, created (not connected) when new; NULL: too many */

static ngx_pad_redis_node_t *
ngx_pad_redis_cluster_node(ngx_pad_redis_cluster_t *cl, const char *host,
    ngx_uint_t port)
{
    size_t                 len;
    ngx_uint_t             i;
    ngx_pad_redis_node_t  *node;

    len = ngx_strlen(host);

    for (i = 0; i < cl->nnodes; i++) {
        node = &cl->nodes[i];

        if (node->addr.port == port && node->addr.host.len == len
            && ngx_strncmp(node->host, host, len) == 0)
        {
            return node;
        }
    }

    if (cl->nnodes == cl->rc->conf->cluster_max_nodes
        || len == 0 || len > NGX_PAD_CLUSTER_HOST_MAX)
    {
        if (!cl->full_logged) {
            ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                          "pad redis: cluster: no connection for node "
                          "%s:%ui: \"pad_redis_cluster_max_nodes\" is %ui",
                          host, port, cl->rc->conf->cluster_max_nodes);
            cl->full_logged = 1;
        }

        return NULL;
    }

    node = &cl->nodes[cl->nnodes++];

    ngx_memcpy(node->host, host, len + 1);
    node->addr.host.data = node->host;
    node->addr.host.len = len;
    node->addr.port = port;

    ngx_snprintf((u_char *) node->name, sizeof(node->name) - 1,
                 "cluster node %s:%ui%Z", host, port);

    ngx_pad_redis_conn_init(cl->rc, &node->conn, NGX_PAD_REDIS_NODE,
                            node->name);
    node->conn.addr = &node->addr;

    ngx_log_error(NGX_LOG_NOTICE, cl->log, 0,
                  "pad redis: %s: first command routed there", node->name);

    return node;
}


static void
ngx_pad_redis_cluster_ready(ngx_pad_redis_t *rc)
{
    ngx_pad_redis_cluster_t  *cl = rc->cluster;

    /* the seed connection is (again) ready: the map now */

    cl->map_last = 0;
    ngx_pad_redis_cluster_refresh(cl);
}


static void
ngx_pad_redis_cluster_lost(ngx_pad_redis_conn_t *conn)
{
    ngx_pad_redis_cluster_refresh(conn->rc->cluster);
}


/* the slot map */


/* read the map now, or as soon as allowed */

static void
ngx_pad_redis_cluster_refresh(ngx_pad_redis_cluster_t *cl)
{
    ngx_msec_t  now, since;

    if (cl->rc->exiting) {
        return;
    }

    if (cl->map_state == NGX_PAD_CLUSTER_MAP_READING) {
        cl->map_again = 1;
        return;
    }

    now = ngx_pad_redis_cluster_clock();
    since = now - cl->map_last;

    if (cl->map_last && since < NGX_PAD_CLUSTER_REFRESH_MIN) {
        if (cl->map_timer.timer_set) {
            ngx_del_timer(&cl->map_timer);
        }

        ngx_add_timer(&cl->map_timer, NGX_PAD_CLUSTER_REFRESH_MIN - since);
        return;
    }

    ngx_pad_redis_cluster_map_read(cl);
}


static void
ngx_pad_redis_cluster_map_timer(ngx_event_t *ev)
{
    ngx_pad_redis_cluster_t  *cl = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_pad_redis_cluster_refresh(cl);
}


static void
ngx_pad_redis_cluster_map_read(ngx_pad_redis_cluster_t *cl)
{
    static const char      slots[] = "*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n";
    ngx_pad_redis_t       *rc;
    ngx_pad_redis_req_t   *req;

    rc = cl->rc;

    if (cl->map_timer.timer_set) {
        ngx_del_timer(&cl->map_timer);
    }

    cl->map_last = ngx_pad_redis_cluster_clock();

    if (rc->cmd.state != NGX_PAD_REDIS_READY) {
        /* the seed connection's ready hook asks again */
        ngx_add_timer(&cl->map_timer, rc->conf->cluster_refresh);
        return;
    }

    req = ngx_pad_redis_req_alloc(rc, NGX_PAD_REDIS_REQ_USER);
    if (req == NULL) {
        ngx_add_timer(&cl->map_timer, NGX_PAD_CLUSTER_REFRESH_MIN);
        return;
    }

    req->handler = ngx_pad_redis_cluster_map_done;
    req->data = cl;

    if (ngx_pad_redis_send_formatted(&rc->cmd, req, slots, sizeof(slots) - 1)
        != NGX_OK)
    {
        ngx_free(req);
        ngx_add_timer(&cl->map_timer, NGX_PAD_CLUSTER_REFRESH_MIN);
        return;
    }

    ngx_log_debug0(NGX_LOG_DEBUG_EVENT, cl->log, 0,
                   "pad redis: cluster: map: idle -> reading");

    cl->map_state = NGX_PAD_CLUSTER_MAP_READING;
    cl->map_again = 0;
}


static void
ngx_pad_redis_cluster_map_done(void *data, redisReply *reply,
    ngx_str_t *err)
{
    ngx_pad_redis_cluster_t  *cl = data;

    char                   msg[NGX_PAD_CLUSTER_ERR_MAX];
    ngx_pad_redis_t       *rc;
    ngx_pad_redis_addr_t  *seed;

    rc = cl->rc;
    cl->map_state = NGX_PAD_CLUSTER_MAP_IDLE;

    ngx_log_debug0(NGX_LOG_DEBUG_EVENT, cl->log, 0,
                   "pad redis: cluster: map: reading -> idle");

    if (rc->exiting) {
        return;
    }

    seed = &rc->conf->addrs[rc->addr_index % rc->conf->naddrs];

    if (reply == NULL) {
        ngx_snprintf((u_char *) msg, sizeof(msg) - 1, "%V%Z", err);

    } else if (reply->type == REDIS_REPLY_ERROR) {
        ngx_snprintf((u_char *) msg, sizeof(msg) - 1, "%*s%Z",
                     (size_t) reply->len, reply->str);

    } else if (ngx_pad_cluster_map_parse(&cl->next, reply,
                                         (char *) seed->host.data, msg,
                                         sizeof(msg))
               == 0)
    {
        ngx_pad_redis_cluster_map_install(cl);
        msg[0] = '\0';
    }

    if (msg[0]) {
        if (!cl->map_logged) {
            ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                          "pad redis: cluster: cannot read the slot map "
                          "from %V:%ui: %s", &seed->host, seed->port, msg);
            cl->map_logged = 1;
        }

        ngx_add_timer(&cl->map_timer, NGX_PAD_CLUSTER_REFRESH_MIN);
        return;
    }

    cl->map_logged = 0;

    if (cl->map_again) {
        ngx_pad_redis_cluster_refresh(cl);

    } else if (!cl->map_timer.timer_set) {
        ngx_add_timer(&cl->map_timer, rc->conf->cluster_refresh);
    }

    ngx_pad_redis_cluster_pump(cl);
}


static void
ngx_pad_redis_cluster_map_install(ngx_pad_redis_cluster_t *cl)
{
    ngx_uint_t  i, changed;

    changed = !cl->have_map || cl->map.nnodes != cl->next.nnodes
              || ngx_memcmp(cl->map.slot, cl->next.slot,
                            sizeof(cl->map.slot)) != 0
              || ngx_memcmp(cl->map.node, cl->next.node,
                            cl->next.nnodes * sizeof(ngx_pad_cluster_node_t))
                 != 0;

    if (!changed) {
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, cl->log, 0,
                  "pad redis: cluster: slot map %s: %ud primaries, "
                  "%ud of 16384 slots served",
                  cl->have_map ? "changed" : "read", cl->next.nnodes,
                  cl->next.nslots);

    ngx_memcpy(&cl->map, &cl->next, sizeof(ngx_pad_cluster_map_t));
    cl->have_map = 1;

    for (i = 0; i < NGX_PAD_CLUSTER_NODES_MAX; i++) {
        cl->nodeof[i] = NULL;
    }

    /*
     * A node that left the map keeps its connection: what is in flight
     * there is answered (redirected); a command goes there only again
     * when a MOVED or ASK names it.
     */
}


static ngx_msec_t
ngx_pad_redis_cluster_clock(void)
{
    struct timespec  ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
        return ngx_current_msec;
    }

    return (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
