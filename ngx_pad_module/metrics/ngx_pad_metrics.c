
/*
 * ngx_pad_module: the metrics zone (ngx_pad_metrics.h).
 *
 * Layout of the zone: a header (layout id, first start, the retired
 * counters) and a fixed array of slots, one per running worker, each
 * owned by the pid written in it.  The zone's slab mutex is taken only
 * to claim, release or read the slots; the hot path is one plain add
 * on the worker's own slot (its only writer).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "metrics/ngx_pad_metrics.h"


/* changes whenever the layout does: a reload into another build */
#define NGX_PAD_METRICS_LAYOUT                                              \
    (0x7061644d00000000ULL + (NGX_PAD_M_N << 16) + (NGX_PAD_H_N << 8)       \
     + NGX_PAD_HB)

#define NGX_PAD_METRICS_MAX_SLOTS  256
#define NGX_PAD_METRICS_MIN_SLOTS  8
#define NGX_PAD_METRICS_MIN_SIZE   (64 * 1024)
#define NGX_PAD_METRICS_DEFAULT_SIZE  (1024 * 1024)


typedef struct {
    ngx_atomic_t               pid;         /* 0: free */
    ngx_pad_metrics_values_t   m;
} ngx_pad_metrics_slot_t;


typedef struct {
    uint64_t                   layout;
    time_t                     started;
    ngx_uint_t                 nslots;
    ngx_pad_metrics_values_t   retired;     /* folded counters */
    ngx_pad_metrics_slot_t     slot[1];
} ngx_pad_metrics_shm_t;


#define G(f, l, v, h)  { f, l, v, h, 0 }
#define C(f, l, v, h)  { f, l, v, h, 1 }

const ngx_pad_metric_desc_t  ngx_pad_metrics_desc[NGX_PAD_M_N] = {
    G("pad_sessions", "transport", "polling",
      "Engine.IO sessions, by transport"),
    G("pad_sessions", "transport", "websocket",
      "Engine.IO sessions, by transport"),
    G("pad_pads_loaded", NULL, NULL, "Pads held in the workers' memory"),
    G("pad_pad_sessions", NULL, NULL, "Sessions joined to a pad"),
    G("pad_queued_bytes", NULL, NULL,
      "Bytes in the sessions' queues, not yet written"),
    G("pad_redis_connected", NULL, NULL,
      "Workers whose Redis command connection is up"),
    G("pad_commits_waiting", NULL, NULL,
      "Commits waiting for Redis to come back (an outage)"),

    C("pad_connections_total", NULL, NULL, "Socket.IO connections"),
    C("pad_joins_total", "result", "ok", "CLIENT_READY answered, by result"),
    C("pad_joins_total", "result", "refused",
      "CLIENT_READY answered, by result"),
    C("pad_commits_total", "result", "accepted",
      "USER_CHANGES acknowledged, by result"),
    C("pad_commits_total", "result", "noop",
      "USER_CHANGES acknowledged, by result"),
    C("pad_commits_rebased_total", NULL, NULL,
      "Accepted commits that were rebased over other revisions"),
    C("pad_commit_conflicts_total", NULL, NULL,
      "Appends that lost a race in Redis and were rebased again"),
    C("pad_commits_refused_total", "reason", "badChangeset",
      "USER_CHANGES refused, by the disconnect reason sent"),
    C("pad_commits_refused_total", "reason", "unavailable",
      "USER_CHANGES refused, by the disconnect reason sent"),
    C("pad_commits_refused_total", "reason", "slowcommit",
      "USER_CHANGES refused, by the disconnect reason sent"),
    C("pad_commits_refused_total", "reason", "readonly",
      "USER_CHANGES refused, by the disconnect reason sent"),
    C("pad_revisions_delivered_total", NULL, NULL,
      "Revisions queued to sockets (NEW_CHANGES, batch items, "
      "ACCEPT_COMMIT)"),
    C("pad_new_changes_batches_total", NULL, NULL,
      "NEW_CHANGES_BATCH messages sent"),
    C("pad_batched_revisions_total", NULL, NULL,
      "Revisions sent inside NEW_CHANGES_BATCH messages"),
    C("pad_catch_up_reads_total", NULL, NULL,
      "Reads of revisions from Redis for sessions behind the window"),
    C("pad_slow_consumer_closes_total", NULL, NULL,
      "Sessions closed because their queue exceeded pad_send_queue_max"),
    C("pad_chat_messages_total", NULL, NULL,
      "Chat messages handed to the store"),
    C("pad_redis_commands_total", NULL, NULL, "Redis commands answered"),
    C("pad_redis_errors_total", NULL, NULL,
      "Redis commands that failed or timed out"),
    C("pad_redis_reconnects_total", NULL, NULL,
      "Redis connections established again after a loss"),
    C("pad_relay_requests_total", "result", "relayed",
      "Requests for a session owned by another worker: relayed to it, "
      "or failed"),
    C("pad_relay_requests_total", "result", "failed",
      "Requests for a session owned by another worker: relayed to it, "
      "or failed"),
    C("pad_handovers_total", "result", "ok",
      "Sessions handed over to the worker that took their WebSocket, by "
      "result"),
    C("pad_handovers_total", "result", "failed",
      "Sessions handed over to the worker that took their WebSocket, by "
      "result"),
    C("pad_commit_outage_retries_total", NULL, NULL,
      "Appends checked and retried after Redis failed or was unreachable"),
};

const ngx_pad_metric_desc_t  ngx_pad_metrics_hist_desc[NGX_PAD_H_N] = {
    G("pad_commit_seconds", NULL, NULL,
      "USER_CHANGES received to the revision stored and applied"),
    G("pad_fanout_seconds", NULL, NULL,
      "A revision applied to the end of the pass that queued it"),
    G("pad_redis_command_seconds", NULL, NULL,
      "A Redis command sent to its answer"),
};

#undef G
#undef C


const uint64_t  ngx_pad_metrics_bounds[NGX_PAD_HB] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
    500000, 1000000, 2500000, 5000000
};


static ngx_pad_metrics_values_t   ngx_pad_metrics_private;
ngx_pad_metrics_values_t          *ngx_pad_metrics = &ngx_pad_metrics_private;

static ngx_pad_metrics_slot_t     *ngx_pad_metrics_own;
static ngx_pad_metrics_shm_t      *ngx_pad_metrics_shm;
static ngx_slab_pool_t            *ngx_pad_metrics_pool;
static ngx_shm_zone_t             *ngx_pad_metrics_zone;


static ngx_int_t ngx_pad_metrics_init_zone(ngx_shm_zone_t *zone, void *data);
static void ngx_pad_metrics_fold(ngx_pad_metrics_shm_t *shm,
    ngx_pad_metrics_slot_t *slot);
static ngx_uint_t ngx_pad_metrics_alive(ngx_pid_t pid);


uint64_t
ngx_pad_metrics_now_us(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}


void
ngx_pad_metric_observe(ngx_pad_hist_e h, uint64_t start_us)
{
    uint64_t    us, now;
    ngx_uint_t  i;

    now = ngx_pad_metrics_now_us();
    us = (now > start_us) ? now - start_us : 0;

    for (i = 0; i < NGX_PAD_HB && us > ngx_pad_metrics_bounds[i]; i++) {
        /* void */
    }

    ngx_pad_metrics->bucket[h][i]++;
    ngx_pad_metrics->sum_us[h] += us;
}


/* configuration */

void
ngx_pad_metrics_create_conf(ngx_pad_metrics_conf_t *mcf)
{
    mcf->zone = NULL;
    ngx_str_null(&mcf->name);
    mcf->size = 0;
    mcf->used = 0;
}


/* pad_metrics_zone name size; */

char *
ngx_pad_metrics_zone_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_metrics_conf_t  *mcf;
    ngx_str_t               *value;
    ssize_t                  size;

    mcf = (ngx_pad_metrics_conf_t *) ((char *) conf + cmd->offset);

    if (mcf->name.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pad_metrics_zone\": empty zone name");
        return NGX_CONF_ERROR;
    }

    size = ngx_parse_size(&value[2]);

    if (size == NGX_ERROR || size < NGX_PAD_METRICS_MIN_SIZE
        || size > 64 * 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pad_metrics_zone\": invalid size \"%V\", "
                           "must be 64k..64m", &value[2]);
        return NGX_CONF_ERROR;
    }

    mcf->name = value[1];
    mcf->size = size;

    return NGX_CONF_OK;
}


/* the zone, declared or the default one ("pad_metrics", 1m) */

char *
ngx_pad_metrics_init_conf(ngx_conf_t *cf, ngx_pad_metrics_conf_t *mcf,
    ngx_uint_t used, void *tag)
{
    if (!used && !mcf->used && mcf->name.len == 0) {
        return NGX_CONF_OK;
    }

    if (mcf->name.len == 0) {
        ngx_str_set(&mcf->name, "pad_metrics");
        mcf->size = NGX_PAD_METRICS_DEFAULT_SIZE;
    }

    mcf->zone = ngx_shared_memory_add(cf, &mcf->name, mcf->size, tag);
    if (mcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (mcf->zone->data && mcf->zone->init != ngx_pad_metrics_init_zone) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pad_metrics_zone\": the shared memory zone "
                           "\"%V\" is already used for something else",
                           &mcf->name);
        return NGX_CONF_ERROR;
    }

    mcf->zone->init = ngx_pad_metrics_init_zone;
    mcf->zone->data = mcf;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_pad_metrics_init_zone(ngx_shm_zone_t *zone, void *data)
{
    size_t                   bytes;
    ngx_uint_t               n;
    ngx_slab_pool_t         *pool;
    ngx_pad_metrics_shm_t   *shm, *old = data;

    pool = (ngx_slab_pool_t *) zone->shm.addr;

    if (old && old->layout == NGX_PAD_METRICS_LAYOUT) {
        /* a reload: the counters go on */
        zone->data = old;
        return NGX_OK;
    }

    if (old == NULL && zone->shm.exists) {
        zone->data = pool->data;
        return NGX_OK;
    }

    /*
     * A new zone, or one of another build's layout (whose old workers
     * still write their slots): a new array beside it.
     */

    n = (zone->shm.size / 2) / sizeof(ngx_pad_metrics_slot_t);
    n = ngx_min(n, NGX_PAD_METRICS_MAX_SLOTS);

    for ( ;; ) {
        bytes = sizeof(ngx_pad_metrics_shm_t)
                + (n - 1) * sizeof(ngx_pad_metrics_slot_t);

        shm = ngx_slab_calloc(pool, bytes);
        if (shm != NULL) {
            break;
        }

        if (n <= NGX_PAD_METRICS_MIN_SLOTS) {
            ngx_log_error(NGX_LOG_EMERG, zone->shm.log, 0,
                          "pad_metrics_zone \"%V\": no room for %ui slots, "
                          "make the zone larger", &zone->shm.name, n);
            return NGX_ERROR;
        }

        n /= 2;
    }

    shm->layout = NGX_PAD_METRICS_LAYOUT;
    shm->started = ngx_time();
    shm->nslots = n;

    pool->data = shm;
    zone->data = shm;

    ngx_log_debug2(NGX_LOG_DEBUG_CORE, zone->shm.log, 0,
                   "pad metrics: zone \"%V\": %ui slots", &zone->shm.name,
                   n);

    return NGX_OK;
}


/* counters of a slot into the retired ones; the slot is free after it */

static void
ngx_pad_metrics_fold(ngx_pad_metrics_shm_t *shm, ngx_pad_metrics_slot_t *slot)
{
    ngx_uint_t  i, h;

    for (i = NGX_PAD_M_FIRST_COUNTER; i < NGX_PAD_M_N; i++) {
        shm->retired.v[i] += slot->m.v[i];
    }

    for (h = 0; h < NGX_PAD_H_N; h++) {
        for (i = 0; i <= NGX_PAD_HB; i++) {
            shm->retired.bucket[h][i] += slot->m.bucket[h][i];
        }

        shm->retired.sum_us[h] += slot->m.sum_us[h];
    }

    ngx_memzero(&slot->m, sizeof(ngx_pad_metrics_values_t));
    slot->pid = 0;
}


static ngx_uint_t
ngx_pad_metrics_alive(ngx_pid_t pid)
{
    if (pid == ngx_pid) {
        return 1;
    }

    return kill(pid, 0) == 0 || ngx_errno != NGX_ESRCH;
}


ngx_int_t
ngx_pad_metrics_init_process(ngx_cycle_t *cycle, ngx_pad_metrics_conf_t *mcf)
{
    ngx_uint_t               i;
    ngx_slab_pool_t         *pool;
    ngx_pad_metrics_shm_t   *shm;
    ngx_pad_metrics_slot_t  *slot, *free;

    if (mcf->zone == NULL || mcf->zone->data == NULL) {
        return NGX_OK;
    }

    ngx_pad_metrics_zone = mcf->zone;
    pool = (ngx_slab_pool_t *) mcf->zone->shm.addr;
    shm = mcf->zone->data;
    free = NULL;

    ngx_shmtx_lock(&pool->mutex);

    for (i = 0; i < shm->nslots; i++) {
        slot = &shm->slot[i];

        if (slot->pid && !ngx_pad_metrics_alive((ngx_pid_t) slot->pid)) {
            /* a worker that died: what it counted stays counted */
            ngx_pad_metrics_fold(shm, slot);
        }

        if (slot->pid == 0 && free == NULL) {
            free = slot;
        }
    }

    if (free) {
        free->pid = (ngx_atomic_uint_t) ngx_pid;
    }

    ngx_shmtx_unlock(&pool->mutex);

    if (free == NULL) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "pad_metrics_zone \"%V\": all %ui slots taken, this "
                      "worker's metrics are not counted; make the zone "
                      "larger", &mcf->zone->shm.name, shm->nslots);
        return NGX_OK;
    }

    ngx_pad_metrics_own = free;
    ngx_pad_metrics_shm = shm;
    ngx_pad_metrics_pool = pool;
    ngx_pad_metrics = &free->m;

    ngx_log_debug2(NGX_LOG_DEBUG_CORE, cycle->log, 0,
                   "pad metrics: worker %P took slot %ui", ngx_pid,
                   (ngx_uint_t) (free - shm->slot));

    return NGX_OK;
}


void
ngx_pad_metrics_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_pad_metrics_own == NULL) {
        return;
    }

    ngx_shmtx_lock(&ngx_pad_metrics_pool->mutex);
    ngx_pad_metrics_fold(ngx_pad_metrics_shm, ngx_pad_metrics_own);
    ngx_shmtx_unlock(&ngx_pad_metrics_pool->mutex);

    ngx_log_debug1(NGX_LOG_DEBUG_CORE, cycle->log, 0,
                   "pad metrics: worker %P gave its slot back", ngx_pid);

    ngx_pad_metrics_own = NULL;
    ngx_pad_metrics = &ngx_pad_metrics_private;
}


/* the sum of every slot, under the zone's lock (not the hot path) */

ngx_int_t
ngx_pad_metrics_snapshot(ngx_pad_metrics_snapshot_t *snap)
{
    ngx_uint_t               i, j, h, alive;
    ngx_slab_pool_t         *pool;
    ngx_pad_metrics_shm_t   *shm;
    ngx_pad_metrics_slot_t  *slot;

    ngx_memzero(snap, sizeof(ngx_pad_metrics_snapshot_t));

    if (ngx_pad_metrics_zone == NULL) {
        return NGX_DECLINED;
    }

    pool = (ngx_slab_pool_t *) ngx_pad_metrics_zone->shm.addr;
    shm = ngx_pad_metrics_zone->data;

    ngx_shmtx_lock(&pool->mutex);

    for (i = NGX_PAD_M_FIRST_COUNTER; i < NGX_PAD_M_N; i++) {
        snap->v[i] = shm->retired.v[i];
    }

    for (h = 0; h < NGX_PAD_H_N; h++) {
        for (j = 0; j <= NGX_PAD_HB; j++) {
            snap->bucket[h][j] = shm->retired.bucket[h][j];
        }

        snap->sum_us[h] = shm->retired.sum_us[h];
    }

    for (i = 0; i < shm->nslots; i++) {
        slot = &shm->slot[i];

        if (slot->pid == 0) {
            continue;
        }

        alive = ngx_pad_metrics_alive((ngx_pid_t) slot->pid);
        snap->workers += alive;

        for (j = 0; j < NGX_PAD_M_N; j++) {
            if (j >= NGX_PAD_M_FIRST_COUNTER || alive) {
                snap->v[j] += slot->m.v[j];
            }
        }

        for (h = 0; h < NGX_PAD_H_N; h++) {
            for (j = 0; j <= NGX_PAD_HB; j++) {
                snap->bucket[h][j] += slot->m.bucket[h][j];
            }

            snap->sum_us[h] += slot->m.sum_us[h];
        }
    }

    snap->slots = shm->nslots;
    snap->started = shm->started;

    ngx_shmtx_unlock(&pool->mutex);

    return NGX_OK;
}
