
/*
 * ngx_pad_module: Redis and pad-storage directives.  The Redis client's
 * own settings (pad_redis and the pad_redis_* timeouts) are checked by
 * ngx_pad_redis_conf.c.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "store/ngx_pad_store_conf.h"


ngx_pad_conf_range_t  ngx_pad_store_lost_grace_range =
    ngx_pad_conf_range(0, 3600000, "0..1h");
ngx_pad_conf_range_t  ngx_pad_store_snapshot_range =
    ngx_pad_conf_range(1, 1000000, "1..1000000");

ngx_pad_conf_range_t  ngx_pad_store_list_max_range =
    ngx_pad_conf_range(1, 100000000, "1..100000000");


static ngx_str_t  ngx_pad_store_default_prefix = ngx_string("ngxpad:");


void
ngx_pad_store_create_conf(ngx_pad_store_conf_t *scf)
{
    /* the struct comes zeroed from ngx_pcalloc() */

    ngx_pad_redis_conf_create(&scf->redis);
    scf->snapshot_interval = NGX_CONF_UNSET_UINT;
    scf->lost_grace = NGX_CONF_UNSET_MSEC;
    scf->list_max = NGX_CONF_UNSET_UINT;
    scf->http = NGX_CONF_UNSET;
}


char *
ngx_pad_store_init_conf(ngx_conf_t *cf, ngx_pad_store_conf_t *scf)
{
    char  *rv;

    rv = ngx_pad_redis_conf_init(cf, &scf->redis);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    ngx_conf_init_uint_value(scf->snapshot_interval, 100);
    ngx_conf_init_msec_value(scf->lost_grace, 15000);
    ngx_conf_init_uint_value(scf->list_max, 1000000);
    ngx_conf_init_value(scf->http, 0);

    if (scf->prefix.data == NULL) {
        scf->prefix = ngx_pad_store_default_prefix;
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

    /* the client's own channel is named under the same prefix */
    scf->redis.channel_prefix = scf->prefix;

    return NGX_CONF_OK;
}


char *
ngx_pad_store_set_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_store_conf_t  *scf = (ngx_pad_store_conf_t *)
                                     ((u_char *) conf + cmd->offset);

    ngx_str_t  *value;

    if (scf->redis.cluster) {
        return "excludes \"pad_redis_cluster\"";
    }

    if (scf->redis.addr_text.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    return ngx_pad_redis_conf_addr(cf, &scf->redis, &value[1]);
}
