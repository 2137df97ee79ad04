
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
ngx_pad_conf_range_t  ngx_pad_redis_wait_replicas_range =
    ngx_pad_conf_range(1, 64, "1..64");
ngx_pad_conf_range_t  ngx_pad_redis_wait_timeout_range =
    ngx_pad_conf_range(1, 600000, "1ms..10m");


#define NGX_PAD_REDIS_SENTINELS_MAX  16
#define NGX_PAD_REDIS_SECRET_MAX     1024


static char *ngx_pad_redis_conf_tcp(ngx_conf_t *cf, ngx_str_t *addr,
    const char *what, ngx_pad_redis_addr_t *out);

static ngx_str_t  ngx_pad_redis_default_addr = ngx_string("127.0.0.1:6379");


void
ngx_pad_redis_conf_create(ngx_pad_redis_conf_t *rcf)
{
    rcf->connect_timeout = NGX_CONF_UNSET_MSEC;
    rcf->command_timeout = NGX_CONF_UNSET_MSEC;
    rcf->backoff_max = NGX_CONF_UNSET_MSEC;
    rcf->keepalive = NGX_CONF_UNSET_MSEC;
    rcf->db = NGX_CONF_UNSET;
    rcf->wait_replicas = NGX_CONF_UNSET_UINT;
    rcf->wait_timeout = NGX_CONF_UNSET_MSEC;
    rcf->cluster_refresh = NGX_CONF_UNSET_MSEC;
    rcf->cluster_max_nodes = NGX_CONF_UNSET_UINT;
}


char *
ngx_pad_redis_conf_init(ngx_conf_t *cf, ngx_pad_redis_conf_t *rcf)
{
    char  *rv;

    if (rcf->sentinel_name.len && rcf->cluster) {
        return "\"pad_redis_cluster\" and \"pad_redis_sentinel\" exclude "
               "each other";
    }

    if (rcf->sentinel_name.len && rcf->addr_text.len) {
        return "\"pad_redis\" and \"pad_redis_sentinel\" exclude each "
               "other";
    }

    if (rcf->sentinel_name.len) {
        /* in the logs: the master's name; its address comes later */
        rcf->addr_text = rcf->sentinel_name;

    } else if (rcf->sentinel_password.len) {
        return "\"pad_redis_sentinel_password\" needs "
               "\"pad_redis_sentinel\"";

    } else if (rcf->addr_text.len == 0) {
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
    ngx_conf_init_uint_value(rcf->wait_replicas, 0);
    ngx_conf_init_msec_value(rcf->wait_timeout, 1000);
    ngx_conf_init_msec_value(rcf->cluster_refresh, 10000);
    ngx_conf_init_uint_value(rcf->cluster_max_nodes, 16);

    if (rcf->cluster && rcf->db != 0) {
        return "\"pad_redis_db\" cannot be used with \"pad_redis_cluster\" "
               "(a cluster has database 0 only)";
    }

    if (rcf->user.len && rcf->password.len == 0) {
        return "\"pad_redis_user\" needs \"pad_redis_password\" (or "
               "\"pad_redis_password_file\")";
    }

    if (rcf->wait_replicas && rcf->wait_timeout >= rcf->command_timeout) {
        /* a WAIT holds the command connection for up to its timeout */
        return "\"pad_redis_wait_replicas\" needs a timeout below "
               "\"pad_redis_command_timeout\"";
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


/* pad_redis_sentinel NAME host:port [host:port ...] */

char *
ngx_pad_redis_conf_set_sentinel(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_pad_redis_conf_t  *rcf = (ngx_pad_redis_conf_t *)
                                     ((u_char *) conf + cmd->offset);

    char        *rv;
    u_char      *p;
    ngx_str_t   *value;
    ngx_uint_t   i, n;

    if (rcf->sentinel_name.len) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = cf->args->nelts - 2;

    if (value[1].len == 0 || value[1].len > 128) {
        return "needs a master name of 1..128 bytes";
    }

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        /* "host:port" first: the name is missing */
        if (*p <= ' ' || *p >= 0x7f || *p == ':') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid master name \"%V\" in "
                               "\"pad_redis_sentinel\" (the master's name "
                               "comes first, then the sentinels)",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (n > NGX_PAD_REDIS_SENTINELS_MAX) {
        return "takes at most 16 sentinels";
    }

    rcf->sentinels = ngx_pcalloc(cf->pool, n * sizeof(ngx_pad_redis_addr_t));
    if (rcf->sentinels == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        rv = ngx_pad_redis_conf_tcp(cf, &value[i + 2], "sentinel address",
                                    &rcf->sentinels[i]);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    rcf->nsentinels = n;
    rcf->sentinel_name = value[1];

    return NGX_CONF_OK;
}


/*
 * a sentinel or a cluster seed ("what" in the messages): "host:port" (a
 * name: its first address), port required
 */

static char *
ngx_pad_redis_conf_tcp(ngx_conf_t *cf, ngx_str_t *addr, const char *what,
    ngx_pad_redis_addr_t *out)
{
    u_char     *p;
    size_t      len;
    ngx_url_t   u;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *addr;
    u.no_resolve = 0;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.no_port) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s in %s \"%V\"",
                           u.err ? u.err : "no port", what, addr);
        return NGX_CONF_ERROR;
    }

    if (u.naddrs == 0 || u.addrs == NULL
        || (u.addrs[0].sockaddr->sa_family != AF_INET
#if (NGX_HAVE_INET6)
            && u.addrs[0].sockaddr->sa_family != AF_INET6
#endif
           ))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "no TCP address for %s \"%V\"", what, addr);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, p,
                        NGX_SOCKADDR_STRLEN, 0);
    p[len] = '\0';

    out->host.data = p;
    out->host.len = len;
    out->port = ngx_inet_get_port(u.addrs[0].sockaddr);

    return NGX_CONF_OK;
}


/*
 * pad_redis_password_file PATH: the secret is the file's first line
 * (without its line end), read once here; the secret is never logged
 */

char *
ngx_pad_redis_conf_set_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_str_t  *field = (ngx_str_t *) ((u_char *) conf + cmd->offset);

    u_char      *p, *last;
    ssize_t      n;
    ngx_fd_t     fd;
    ngx_str_t   *value, path;
    u_char       buf[NGX_PAD_REDIS_SECRET_MAX + 2];

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, buf, sizeof(buf));

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_ALERT, cf, ngx_errno,
                           ngx_close_file_n " \"%V\" failed", &path);
    }

    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_fd_n " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    last = ngx_strlchr(buf, buf + n, '\n');
    if (last == NULL) {
        last = buf + n;
    }

    if (last > buf && last[-1] == '\r') {
        last--;
    }

    if (last == buf || last - buf > NGX_PAD_REDIS_SECRET_MAX
        || ngx_strlchr(buf, last, '\0'))
    {
        ngx_explicit_memzero(buf, sizeof(buf));
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs a first line of 1..%d bytes "
                           "in \"%V\"", &cmd->name,
                           NGX_PAD_REDIS_SECRET_MAX, &path);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, last - buf + 1);
    if (p == NULL) {
        ngx_explicit_memzero(buf, sizeof(buf));
        return NGX_CONF_ERROR;
    }

    field->data = p;
    field->len = last - buf;

    ngx_memcpy(p, buf, field->len);
    p[field->len] = '\0';
    ngx_explicit_memzero(buf, sizeof(buf));

    return NGX_CONF_OK;
}


/* pad_redis_wait_replicas N [TIMEOUT] */

char *
ngx_pad_redis_conf_set_wait_range(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_pad_redis_conf_t  *rcf = (ngx_pad_redis_conf_t *)
                                     ((u_char *) conf + cmd->offset);

    ngx_int_t    n;
    ngx_msec_t   t;
    ngx_str_t   *value;

    if (rcf->wait_replicas != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = ngx_atoi(value[1].data, value[1].len);

    if (n == NGX_ERROR
        || n < ngx_pad_redis_wait_replicas_range.low
        || n > ngx_pad_redis_wait_replicas_range.high)
    {
        return ngx_pad_conf_bad_value(cf, &cmd->name, &value[1],
                                      ngx_pad_redis_wait_replicas_range.text);
    }

    if (cf->args->nelts > 2) {
        t = ngx_parse_time(&value[2], 0);

        if (t == (ngx_msec_t) NGX_ERROR
            || (ngx_msec_int_t) t < ngx_pad_redis_wait_timeout_range.low
            || (ngx_msec_int_t) t > ngx_pad_redis_wait_timeout_range.high)
        {
            return ngx_pad_conf_bad_value(cf, &cmd->name, &value[2],
                                        ngx_pad_redis_wait_timeout_range.text);
        }

        rcf->wait_timeout = t;
    }

    rcf->wait_replicas = (ngx_uint_t) n;

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

    char        *rv;
    u_char      *p;
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
        rv = ngx_pad_redis_conf_tcp(cf, &value[i + 1], "cluster seed",
                                    &rcf->addrs[i]);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
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
