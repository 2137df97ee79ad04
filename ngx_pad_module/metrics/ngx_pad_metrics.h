
/*
 * ngx_pad_module: metrics of every worker in one shared memory zone
 * ("pad_metrics_zone name size", reused across reloads as limit_req's
 * zones are).
 *
 * Each worker owns a slot of the zone and is the only writer of it while
 * it lives, so a count is one plain add, no lock and no atomic operation:
 * ngx_pad_metric_inc(NGX_PAD_M_JOINS).  A reader (the "pad_status" page)
 * sums the slots; an aligned word is never read torn.  A worker that exits folds its
 * counters into the zone's "retired" slot, so counters never go back;
 * its gauges go with it.  A slot whose worker died is folded when the
 * next worker claims a slot, and its gauges are not counted meanwhile.
 *
 * This layer knows nothing of the others: every layer may call it.
 */


#ifndef _NGX_PAD_METRICS_H_INCLUDED_
#define _NGX_PAD_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef enum {
    /* gauges */
    NGX_PAD_M_SESSIONS_POLLING = 0,
    NGX_PAD_M_SESSIONS_WEBSOCKET,
    NGX_PAD_M_PADS_LOADED,
    NGX_PAD_M_PAD_SESSIONS,
    NGX_PAD_M_QUEUED_BYTES,
    NGX_PAD_M_REDIS_UP,
    NGX_PAD_M_COMMITS_WAITING,

    /* counters */
    NGX_PAD_M_CONNECTIONS,
    NGX_PAD_M_JOINS,
    NGX_PAD_M_JOINS_REFUSED,
    NGX_PAD_M_COMMITS_ACCEPTED,
    NGX_PAD_M_COMMITS_NOOP,
    NGX_PAD_M_COMMITS_REBASED,
    NGX_PAD_M_COMMIT_CONFLICTS,
    NGX_PAD_M_REFUSED_BAD_CHANGESET,
    NGX_PAD_M_REFUSED_UNAVAILABLE,
    NGX_PAD_M_REFUSED_SLOW_COMMIT,
    NGX_PAD_M_REFUSED_READ_ONLY,
    NGX_PAD_M_REVISIONS_DELIVERED,
    NGX_PAD_M_BATCHES,
    NGX_PAD_M_BATCHED_REVISIONS,
    NGX_PAD_M_CATCH_UP_READS,
    NGX_PAD_M_SLOW_CONSUMER_CLOSES,
    NGX_PAD_M_CHAT_MESSAGES,
    NGX_PAD_M_REDIS_COMMANDS,
    NGX_PAD_M_REDIS_ERRORS,
    NGX_PAD_M_REDIS_RECONNECTS,
    NGX_PAD_M_RELAYED,
    NGX_PAD_M_RELAY_FAILED,
    NGX_PAD_M_HANDOVERS,
    NGX_PAD_M_HANDOVERS_FAILED,
    NGX_PAD_M_COMMIT_OUTAGE_RETRIES,

    NGX_PAD_M_N
} ngx_pad_metric_e;

#define NGX_PAD_M_FIRST_COUNTER  NGX_PAD_M_CONNECTIONS


typedef enum {
    NGX_PAD_H_COMMIT = 0,        /* USER_CHANGES in -> ACCEPT_COMMIT queued */
    NGX_PAD_H_FANOUT,            /* revision applied -> queued to sockets */
    NGX_PAD_H_REDIS,             /* a Redis command, sent -> answered */

    NGX_PAD_H_N
} ngx_pad_hist_e;


/*
 * What each metric is called: the Prometheus family, one label (or none)
 * and its value; the metrics of one family are neighbours in the enum.
 */

typedef struct {
    const char                *family;
    const char                *label;      /* NULL: none */
    const char                *value;
    const char                *help;
    ngx_uint_t                 counter;    /* else a gauge */
} ngx_pad_metric_desc_t;

extern const ngx_pad_metric_desc_t  ngx_pad_metrics_desc[NGX_PAD_M_N];
extern const ngx_pad_metric_desc_t  ngx_pad_metrics_hist_desc[NGX_PAD_H_N];


/* bucket bounds in microseconds; the last bucket is +Inf */
#define NGX_PAD_HB  14

extern const uint64_t  ngx_pad_metrics_bounds[NGX_PAD_HB];


typedef struct {
    ngx_atomic_t               v[NGX_PAD_M_N];
    ngx_atomic_t               bucket[NGX_PAD_H_N][NGX_PAD_HB + 1];
    ngx_atomic_t               sum_us[NGX_PAD_H_N];
} ngx_pad_metrics_values_t;


/* what a reader gets: the sum over every slot */
typedef struct {
    uint64_t                   v[NGX_PAD_M_N];
    uint64_t                   bucket[NGX_PAD_H_N][NGX_PAD_HB + 1];
    uint64_t                   sum_us[NGX_PAD_H_N];
    ngx_uint_t                 workers;     /* live slots */
    ngx_uint_t                 slots;
    time_t                     started;     /* the zone's first start */
} ngx_pad_metrics_snapshot_t;


typedef struct {
    ngx_shm_zone_t            *zone;
    ngx_str_t                  name;
    size_t                     size;
    ngx_flag_t                 used;        /* a pad_status location */
} ngx_pad_metrics_conf_t;


/* this worker's slot (a private one when no zone is configured) */
extern ngx_pad_metrics_values_t  *ngx_pad_metrics;


#define ngx_pad_metric_add(m, n)                                            \
    (ngx_pad_metrics->v[m] += (ngx_atomic_uint_t) (n))
#define ngx_pad_metric_inc(m)  ngx_pad_metric_add(m, 1)
#define ngx_pad_metric_dec(m)  ngx_pad_metric_add(m, -1)


/* microseconds of a monotonic clock, for ngx_pad_metric_observe() */
uint64_t ngx_pad_metrics_now_us(void);
void ngx_pad_metric_observe(ngx_pad_hist_e h, uint64_t start_us);


/*
 * configuration: the "pad_metrics_zone" directive; ngx_pad_metrics_init_conf
 * declares the zone (the default one, "pad_metrics" of 1m, when none is
 * named) if "used" says some part of the configuration needs it
 */
void ngx_pad_metrics_create_conf(ngx_pad_metrics_conf_t *mcf);
char *ngx_pad_metrics_zone_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_pad_metrics_init_conf(ngx_conf_t *cf, ngx_pad_metrics_conf_t *mcf,
    ngx_uint_t used, void *tag);

ngx_int_t ngx_pad_metrics_init_process(ngx_cycle_t *cycle,
    ngx_pad_metrics_conf_t *mcf);
void ngx_pad_metrics_exit_process(ngx_cycle_t *cycle);

/* NGX_DECLINED: this worker has no zone */
ngx_int_t ngx_pad_metrics_snapshot(ngx_pad_metrics_snapshot_t *snap);


#endif /* _NGX_PAD_METRICS_H_INCLUDED_ */
