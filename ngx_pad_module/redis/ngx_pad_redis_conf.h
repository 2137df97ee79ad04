
/*
 * ngx_pad_module: the Redis client's settings.  The client takes only
 * this; whoever owns the directives (the store: pad_redis*) embeds it.
 */


#ifndef _NGX_PAD_REDIS_CONF_H_INCLUDED_
#define _NGX_PAD_REDIS_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "conf/ngx_pad_conf.h"


#define NGX_PAD_REDIS_DEFAULT_PORT  6379


typedef struct {
    ngx_str_t                  host;              /* IP literal or path, NUL */
    ngx_uint_t                 port;
} ngx_pad_redis_addr_t;


typedef struct {
    ngx_str_t                  addr_text;         /* as written */
    ngx_pad_redis_addr_t      *addrs;             /* resolved, in order */
    ngx_uint_t                 naddrs;
    ngx_uint_t                 unix_socket;       /* host is a unix path */

    ngx_msec_t                 connect_timeout;
    ngx_msec_t                 command_timeout;
    ngx_msec_t                 backoff_max;
    ngx_msec_t                 keepalive;
    ngx_int_t                  db;
    ngx_str_t                  password;
    ngx_str_t                  channel_prefix;    /* of its own channel */

    /* ngx_pad_redis_cluster.c: pad_redis_cluster (addrs are the seeds) */
    ngx_uint_t                 cluster;
    ngx_msec_t                 cluster_refresh;
    ngx_uint_t                 cluster_max_nodes;

    /* ngx_pad_redis_sentinel.c: pad_redis_sentinel, pad_redis_user, ... */
    ngx_str_t                  user;              /* AUTH user password */
    ngx_str_t                  sentinel_name;     /* the master's name */
    ngx_pad_redis_addr_t      *sentinels;
    ngx_uint_t                 nsentinels;
    ngx_str_t                  sentinel_password;
    ngx_uint_t                 wait_replicas;     /* 0: no WAIT */
    ngx_msec_t                 wait_timeout;
} ngx_pad_redis_conf_t;


/* every field unset (the struct comes zeroed) */
void ngx_pad_redis_conf_create(ngx_pad_redis_conf_t *rcf);

/* defaults and checks: NGX_CONF_OK or a message naming the directive */
char *ngx_pad_redis_conf_init(ngx_conf_t *cf, ngx_pad_redis_conf_t *rcf);

/*
 * "host:port", "[v6]:port", "host" (port 6379) or "unix:/path"; names
 * are resolved here, at configuration time, never in a worker.
 */
char *ngx_pad_redis_conf_addr(ngx_conf_t *cf, ngx_pad_redis_conf_t *rcf,
    ngx_str_t *addr);


/*
 * Directive handlers (cmd->offset locates the ngx_pad_redis_conf_t in
 * "conf"):
 *   pad_redis_sentinel NAME host:port ...;
 *   pad_redis_password_file, pad_redis_sentinel_password_file PATH: the
 *     secret is the file's first line (cmd->offset + cmd->post: the
 *     ngx_str_t field);
 *   pad_redis_wait_replicas N [TIMEOUT].
 */
char *ngx_pad_redis_conf_set_sentinel(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_pad_redis_conf_set_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_pad_redis_conf_set_wait_range(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


/*
 * pad_redis_cluster host:port [host:port ...]: cluster mode, the seeds
 * (cmd->offset locates the ngx_pad_redis_conf_t in "conf")
 */
char *ngx_pad_redis_conf_set_cluster(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


/* the ranges of its directives (the store's command table names them) */
extern ngx_pad_conf_range_t  ngx_pad_redis_connect_timeout_range;
extern ngx_pad_conf_range_t  ngx_pad_redis_command_timeout_range;
extern ngx_pad_conf_range_t  ngx_pad_redis_backoff_max_range;
extern ngx_pad_conf_range_t  ngx_pad_redis_keepalive_range;
extern ngx_pad_conf_range_t  ngx_pad_redis_db_range;
extern ngx_pad_conf_range_t  ngx_pad_redis_cluster_refresh_range;
extern ngx_pad_conf_range_t  ngx_pad_redis_cluster_max_nodes_range;
extern ngx_pad_conf_range_t  ngx_pad_redis_wait_replicas_range;
extern ngx_pad_conf_range_t  ngx_pad_redis_wait_timeout_range;


#endif /* _NGX_PAD_REDIS_CONF_H_INCLUDED_ */
