
/*
 * ngx_pad_module: the Redis client's settings (ngx_pad_redis_conf.h).
 *
 * Host names are resolved at configuration time, every address kept: a
 * failed connect moves on to the next one; hiredis would otherwise call
 * a blocking getaddrinfo() inside the worker on every reconnect.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "redis/ngx_pad_redis_conf.h"


ngx_pad_conf_range_t  ngx_pad_redis_connect_timeout_range =
    ngx_pad_conf_range(1, 600000, "1ms..10m");
ngx_pad_conf_range_t  ngx_pad_redis_command_timeout_range =
    ngx_pad_conf_range(1, 600000, "1ms..10m");
ngx_pad_conf_range_t  ngx_pad_redis_backoff_max_range =
    ngx_pad_conf_range(10, 3600000, "10ms..1h");
ngx_pad_conf_range_t  ngx_pad_redis_keepalive_range =
    ngx_pad_conf_range(100, 3600000, "100ms..1h");
ngx_pad_conf_range_t  ngx_pad_redis_db_range =
    ngx_pad_conf_range(0, 65535, "0..65535");
ngx_pad_conf_range_t  ngx_pad_redis_cluster_refresh_range =
    ngx_pad_conf_range(1000, 3600000, "1s..1h");
ngx_pad_conf_range_t  ngx_pad_redis_cluster_max_nodes_range =
    ngx_pad_conf_range(1, 64, "1..64");


#define NGX_PAD_REDIS_SEEDS_MAX  16


static ngx_str_t  ngx_pad_redis_default_addr = ngx_string("127.0.0.1:6379");


void
ngx_pad_redis_conf_create(ngx_pad_redis_conf_t *rcf)
{
    rcf->connect_timeout = NGX_CONF_UNSET_MSEC;
    rcf->command_timeout = NGX_CONF_UNSET_MSEC;
    rcf->backoff_max = NGX_CONF_UNSET_MSEC;
    rcf->keepalive = NGX_CONF_UNSET_MSEC;
    rcf->db = NGX_CONF_UNSET;
    rcf->cluster_refresh = NGX_CONF_UNSET_MSEC;
    rcf->cluster_max_nodes = NGX_CONF_UNSET_UINT;
}


char *
ngx_pad_redis_conf_init(ngx_conf_t *cf, ngx_pad_redis_conf_t *rcf)
{
    char  *rv;

    if (rcf->addr_text.len == 0) {
        rv = ngx_pad_redis_conf_addr(cf, rcf, &ngx_pad_redis_default_addr);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    ngx_conf_init_msec_value(rcf->connect_timeout, 2000);
    ngx_conf_init_msec_value(rcf->command_timeout, 3000);
    ngx_conf_init_msec_value(rcf->backoff_max, 3000);
    ngx_conf_init_msec_value(rcf->keepalive, 10000);
    ngx_conf_init_value(rcf->db, 0);
    ngx_conf_init_msec_value(rcf->cluster_refresh, 10000);
    ngx_conf_init_uint_value(rcf->cluster_max_nodes, 16);

    if (rcf->cluster && rcf->db != 0) {
        return "\"pad_redis_db\" cannot be used with \"pad_redis_cluster\" "
               "(a cluster has database 0 only)";
    }

    return NGX_CONF_OK;
}


char *
ngx_pad_redis_conf_addr(ngx_conf_t *cf, ngx_pad_redis_conf_t *rcf,
    ngx_str_t *addr)
{
    u_char      *p;
    size_t       len;
    ngx_url_t    u;
    ngx_uint_t   i;

    if (addr->len > 5 && ngx_strncmp(addr->data, "unix:", 5) == 0) {
        len = addr->len - 5;

        if (len == 0 || len >= 100 || addr->data[5] != '/') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid redis unix socket \"%V\"", addr);
            return NGX_CONF_ERROR;
        }

        p = ngx_pnalloc(cf->pool, len + 1);
        rcf->addrs = ngx_pcalloc(cf->pool, sizeof(ngx_pad_redis_addr_t));
        if (p == NULL || rcf->addrs == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(p, addr->data + 5, len);
        p[len] = '\0';

        rcf->addrs[0].host.data = p;
        rcf->addrs[0].host.len = len;
        rcf->addrs[0].port = 0;
        rcf->naddrs = 1;
        rcf->unix_socket = 1;
        rcf->addr_text = *addr;

        return NGX_CONF_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *addr;
    u.default_port = NGX_PAD_REDIS_DEFAULT_PORT;
    u.no_resolve = 0;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in redis address \"%V\"", u.err, addr);
        }

        return NGX_CONF_ERROR;
    }

    if (u.naddrs == 0 || u.addrs == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "no address for redis \"%V\"", addr);
        return NGX_CONF_ERROR;
    }

    switch (u.addrs[0].sockaddr->sa_family) {

    case AF_INET:
#if (NGX_HAVE_INET6)
    case AF_INET6:
#endif
        break;

    default:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unsupported redis address \"%V\"", addr);
        return NGX_CONF_ERROR;
    }

    /* all addresses: a connect failure moves on to the next one */

    rcf->addrs = ngx_pcalloc(cf->pool,
                             u.naddrs * sizeof(ngx_pad_redis_addr_t));
    if (rcf->addrs == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < u.naddrs; i++) {
        p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        len = ngx_sock_ntop(u.addrs[i].sockaddr, u.addrs[i].socklen, p,
                            NGX_SOCKADDR_STRLEN, 0);
        p[len] = '\0';

        rcf->addrs[i].host.data = p;
        rcf->addrs[i].host.len = len;
        rcf->addrs[i].port = ngx_inet_get_port(u.addrs[i].sockaddr);
    }

    rcf->naddrs = u.naddrs;
    rcf->unix_socket = 0;
    rcf->addr_text = *addr;

    return NGX_CONF_OK;
}


/*
 * pad_redis_cluster host:port [host:port ...]: the seeds, each resolved
 * here to its first address; the slot map names the rest
 */

char *
ngx_pad_redis_conf_set_cluster(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_pad_redis_conf_t  *rcf = (ngx_pad_redis_conf_t *)
                                     ((u_char *) conf + cmd->offset);

    u_char      *p;
    size_t       len;
    ngx_url_t    u;
    ngx_str_t   *value;
    ngx_uint_t   i, n;

    if (rcf->cluster) {
        return "is duplicate";
    }

    if (rcf->addr_text.len) {
        return "excludes \"pad_redis\"";
    }

    value = cf->args->elts;
    n = cf->args->nelts - 1;

    if (n > NGX_PAD_REDIS_SEEDS_MAX) {
        return "takes at most 16 seeds";
    }

    rcf->addrs = ngx_pcalloc(cf->pool, n * sizeof(ngx_pad_redis_addr_t));
    if (rcf->addrs == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        ngx_memzero(&u, sizeof(ngx_url_t));

        u.url = value[i + 1];
        u.no_resolve = 0;

        if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.no_port
            || u.naddrs == 0 || u.addrs == NULL
            || (u.addrs[0].sockaddr->sa_family != AF_INET
#if (NGX_HAVE_INET6)
                && u.addrs[0].sockaddr->sa_family != AF_INET6
#endif
               ))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in cluster seed \"%V\" (host:port)",
                               u.err ? u.err : "no TCP address and port",
                               &value[i + 1]);
            return NGX_CONF_ERROR;
        }

        p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, p,
                            NGX_SOCKADDR_STRLEN, 0);
        p[len] = '\0';

        rcf->addrs[i].host.data = p;
        rcf->addrs[i].host.len = len;
        rcf->addrs[i].port = ngx_inet_get_port(u.addrs[0].sockaddr);
    }

    /* in the logs: "cluster <first seed>" */

    p = ngx_pnalloc(cf->pool, sizeof("cluster ") - 1 + value[1].len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    rcf->addr_text.data = p;
    rcf->addr_text.len = ngx_sprintf(p, "cluster %V", &value[1]) - p;
    rcf->naddrs = n;
    rcf->unix_socket = 0;
    rcf->cluster = 1;

    return NGX_CONF_OK;
}
