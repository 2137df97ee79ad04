
/*
 * ngx_pad_module: Redis and pad-storage settings (main level).
 *
 * The struct is embedded in ngx_pad_main_conf_t as "store"; the
 * directives are listed by NGX_PAD_STORE_COMMANDS in the module's
 * command table.  This header does not include ngx_pad_module.h.
 */


#ifndef _NGX_PAD_STORE_CONF_H_INCLUDED_
#define _NGX_PAD_STORE_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "redis/ngx_pad_redis_conf.h"


typedef struct {
    ngx_pad_redis_conf_t       redis;             /* pad_redis* */
    ngx_str_t                  prefix;            /* pad_redis_prefix */
    ngx_uint_t                 snapshot_interval; /* pad_snapshot_interval */
    ngx_msec_t                 lost_grace;        /* pad_redis_lost_grace */
    ngx_uint_t                 list_max;          /* pad_redis_list_max */

    ngx_flag_t                 http;              /* a pad_http location */
} ngx_pad_store_conf_t;


/* create_main_conf: mark every field unset */
void ngx_pad_store_create_conf(ngx_pad_store_conf_t *scf);

/* init_main_conf: defaults and checks */
char *ngx_pad_store_init_conf(ngx_conf_t *cf, ngx_pad_store_conf_t *scf);

/* directive handlers; "conf" is the main conf, cmd->offset locates scf */
char *ngx_pad_store_set_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


extern ngx_pad_conf_range_t  ngx_pad_store_lost_grace_range;
extern ngx_pad_conf_range_t  ngx_pad_store_snapshot_range;
extern ngx_pad_conf_range_t  ngx_pad_store_list_max_range;


/*
 * Entries of the module's command table; "base" is
 * offsetof(ngx_pad_main_conf_t, store).
 */

#define NGX_PAD_STORE_MAIN  (NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1)

#define NGX_PAD_STORE_COMMANDS(base)                                          \
    { ngx_string("pad_redis"), NGX_PAD_STORE_MAIN,                            \
      ngx_pad_store_set_redis, NGX_HTTP_MAIN_CONF_OFFSET, (base), NULL },     \
    { ngx_string("pad_redis_connect_timeout"), NGX_PAD_STORE_MAIN,            \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, redis.connect_timeout),         \
      &ngx_pad_redis_connect_timeout_range },                                 \
    { ngx_string("pad_redis_command_timeout"), NGX_PAD_STORE_MAIN,            \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, redis.command_timeout),         \
      &ngx_pad_redis_command_timeout_range },                                 \
    { ngx_string("pad_redis_backoff_max"), NGX_PAD_STORE_MAIN,                \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, redis.backoff_max),             \
      &ngx_pad_redis_backoff_max_range },                                     \
    { ngx_string("pad_redis_keepalive"), NGX_PAD_STORE_MAIN,                  \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, redis.keepalive),               \
      &ngx_pad_redis_keepalive_range },                                       \
    { ngx_string("pad_redis_db"), NGX_PAD_STORE_MAIN,                         \
      ngx_pad_conf_set_num_range, NGX_HTTP_MAIN_CONF_OFFSET,                  \
      (base) + offsetof(ngx_pad_store_conf_t, redis.db),                      \
      &ngx_pad_redis_db_range },                                              \
    { ngx_string("pad_redis_password"), NGX_PAD_STORE_MAIN,                   \
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,                       \
      (base) + offsetof(ngx_pad_store_conf_t, redis.password),                \
      NULL },                                                                 \
    { ngx_string("pad_redis_cluster"), NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,    \
      ngx_pad_redis_conf_set_cluster, NGX_HTTP_MAIN_CONF_OFFSET,              \
      (base) + offsetof(ngx_pad_store_conf_t, redis), NULL },                 \
    { ngx_string("pad_redis_cluster_refresh"), NGX_PAD_STORE_MAIN,            \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, redis.cluster_refresh),         \
      &ngx_pad_redis_cluster_refresh_range },                                 \
    { ngx_string("pad_redis_cluster_max_nodes"), NGX_PAD_STORE_MAIN,          \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, redis.cluster_max_nodes),       \
      &ngx_pad_redis_cluster_max_nodes_range },                               \
    { ngx_string("pad_redis_password_file"), NGX_PAD_STORE_MAIN,              \
      ngx_pad_redis_conf_set_secret_file, NGX_HTTP_MAIN_CONF_OFFSET,          \
      (base) + offsetof(ngx_pad_store_conf_t, redis.password),                \
      NULL },                                                                 \
    { ngx_string("pad_redis_user"), NGX_PAD_STORE_MAIN,                       \
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,                       \
      (base) + offsetof(ngx_pad_store_conf_t, redis.user),                    \
      NULL },                                                                 \
    { ngx_string("pad_redis_sentinel"), NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,    \
      ngx_pad_redis_conf_set_sentinel, NGX_HTTP_MAIN_CONF_OFFSET,             \
      (base) + offsetof(ngx_pad_store_conf_t, redis), NULL },                 \
    { ngx_string("pad_redis_sentinel_password"), NGX_PAD_STORE_MAIN,          \
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,                       \
      (base) + offsetof(ngx_pad_store_conf_t, redis.sentinel_password),       \
      NULL },                                                                 \
    { ngx_string("pad_redis_sentinel_password_file"), NGX_PAD_STORE_MAIN,     \
      ngx_pad_redis_conf_set_secret_file, NGX_HTTP_MAIN_CONF_OFFSET,          \
      (base) + offsetof(ngx_pad_store_conf_t, redis.sentinel_password),       \
      NULL },                                                                 \
    { ngx_string("pad_redis_wait_replicas"),                                  \
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,                                     \
      ngx_pad_redis_conf_set_wait_range, NGX_HTTP_MAIN_CONF_OFFSET,           \
      (base) + offsetof(ngx_pad_store_conf_t, redis), NULL },                 \
    { ngx_string("pad_redis_prefix"), NGX_PAD_STORE_MAIN,                     \
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,                       \
      (base) + offsetof(ngx_pad_store_conf_t, prefix),                        \
      NULL },                                                                 \
    { ngx_string("pad_redis_lost_grace"), NGX_PAD_STORE_MAIN,                 \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, lost_grace),                    \
      &ngx_pad_store_lost_grace_range },                                      \
    { ngx_string("pad_snapshot_interval"), NGX_PAD_STORE_MAIN,                \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, snapshot_interval),             \
      &ngx_pad_store_snapshot_range },                                        \
    { ngx_string("pad_redis_list_max"), NGX_PAD_STORE_MAIN,                   \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_store_conf_t, list_max),                      \
      &ngx_pad_store_list_max_range }


#endif /* _NGX_PAD_STORE_CONF_H_INCLUDED_ */
