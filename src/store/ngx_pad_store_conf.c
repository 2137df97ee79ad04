
/*
 * ngx_pad_module: Redis and pad-storage directives.
 *
 * "pad_redis" takes "host:port", "[v6]:port", an address without a port
 * (6379) or "unix:/path".  Host names are resolved here, at configuration
 * time, and the first address is used: hiredis would otherwise call a
 * blocking getaddrinfo() inside the worker on every reconnect.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "store/ngx_pad_store_conf.h"
#include "store/ngx_pad_http_export.h"


static ngx_str_t  ngx_pad_store_default_addr = ngx_string("127.0.0.1:6379");
static ngx_str_t  ngx_pad_store_default_prefix = ngx_string("ngxpad:");


static char *ngx_pad_store_parse_addr(ngx_conf_t *cf,
    ngx_pad_store_conf_t *scf, ngx_str_t *addr);


void
ngx_pad_store_create_conf(ngx_pad_store_conf_t *scf)
{
    /* the struct comes zeroed from ngx_pcalloc() */

    scf->connect_timeout = NGX_CONF_UNSET_MSEC;
    scf->command_timeout = NGX_CONF_UNSET_MSEC;
    scf->backoff_max = NGX_CONF_UNSET_MSEC;
    scf->keepalive = NGX_CONF_UNSET_MSEC;
    scf->db = NGX_CONF_UNSET;
    scf->snapshot_interval = NGX_CONF_UNSET_UINT;
    scf->lost_grace = NGX_CONF_UNSET_MSEC;
    scf->http = NGX_CONF_UNSET;
}


char *
ngx_pad_store_init_conf(ngx_conf_t *cf, ngx_pad_store_conf_t *scf)
{
    char  *rv;

    if (scf->addr_text.len == 0) {
        rv = ngx_pad_store_parse_addr(cf, scf, &ngx_pad_store_default_addr);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    ngx_conf_init_msec_value(scf->connect_timeout, 2000);
    ngx_conf_init_msec_value(scf->command_timeout, 3000);
    ngx_conf_init_msec_value(scf->backoff_max, 3000);
    ngx_conf_init_msec_value(scf->keepalive, 10000);
    ngx_conf_init_value(scf->db, 0);
    ngx_conf_init_uint_value(scf->snapshot_interval, 100);
    ngx_conf_init_msec_value(scf->lost_grace, 15000);
    ngx_conf_init_value(scf->http, 0);

    if (scf->prefix.data == NULL) {
        scf->prefix = ngx_pad_store_default_prefix;
    }

    if (scf->connect_timeout < 1 || scf->connect_timeout > 600000) {
        return "\"pad_redis_connect_timeout\" must be 1ms..10m";
    }

    if (scf->command_timeout < 1 || scf->command_timeout > 600000) {
        return "\"pad_redis_command_timeout\" must be 1ms..10m";
    }

    if (scf->backoff_max < 10 || scf->backoff_max > 3600000) {
        return "\"pad_redis_backoff_max\" must be 10ms..1h";
    }

    if (scf->keepalive < 100 || scf->keepalive > 3600000) {
        return "\"pad_redis_keepalive\" must be 100ms..1h";
    }

    if (scf->db < 0 || scf->db > 65535) {
        return "\"pad_redis_db\" must be 0..65535";
    }

    if (scf->lost_grace > 3600000) {
        return "\"pad_redis_lost_grace\" must be 0..1h";
    }

    if (scf->snapshot_interval < 1 || scf->snapshot_interval > 1000000) {
        return "\"pad_snapshot_interval\" must be 1..1000000";
    }

    if (scf->prefix.len > 64
        || ngx_strlchr(scf->prefix.data, scf->prefix.data + scf->prefix.len,
                       '{')
        || ngx_strlchr(scf->prefix.data, scf->prefix.data + scf->prefix.len,
                       '}'))
    {
        return "\"pad_redis_prefix\" must be at most 64 bytes without "
               "\"{\" or \"}\"";
    }

    return NGX_CONF_OK;
}


char *
ngx_pad_store_set_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_store_conf_t  *scf = (ngx_pad_store_conf_t *)
                                     ((u_char *) conf + cmd->offset);

    ngx_str_t  *value;

    if (scf->addr_text.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    return ngx_pad_store_parse_addr(cf, scf, &value[1]);
}


char *
ngx_pad_store_set_http(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_store_conf_t  *scf = (ngx_pad_store_conf_t *)
                                     ((u_char *) conf + cmd->offset);

    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == ngx_pad_http_export_handler) {
        return "is duplicate";
    }

    clcf->handler = ngx_pad_http_export_handler;
    scf->http = 1;

    return NGX_CONF_OK;
}


static char *
ngx_pad_store_parse_addr(ngx_conf_t *cf, ngx_pad_store_conf_t *scf,
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
        scf->addrs = ngx_pcalloc(cf->pool, sizeof(ngx_pad_store_addr_t));
        if (p == NULL || scf->addrs == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(p, addr->data + 5, len);
        p[len] = '\0';

        scf->addrs[0].host.data = p;
        scf->addrs[0].host.len = len;
        scf->addrs[0].port = 0;
        scf->naddrs = 1;
        scf->unix_socket = 1;
        scf->addr_text = *addr;

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

    scf->addrs = ngx_pcalloc(cf->pool,
                             u.naddrs * sizeof(ngx_pad_store_addr_t));
    if (scf->addrs == NULL) {
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

        scf->addrs[i].host.data = p;
        scf->addrs[i].host.len = len;
        scf->addrs[i].port = ngx_inet_get_port(u.addrs[i].sockaddr);
    }

    scf->naddrs = u.naddrs;
    scf->unix_socket = 0;
    scf->addr_text = *addr;

    return NGX_CONF_OK;
}
