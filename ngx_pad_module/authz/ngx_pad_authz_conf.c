
/*
 * ngx_pad_module: the access directives (ngx_pad_authz_conf.h).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "authz/ngx_pad_authz_conf.h"


ngx_pad_conf_range_t  ngx_pad_authz_check_timeout_range =
    ngx_pad_conf_range(1, 600000, "1ms..10m");
ngx_pad_conf_range_t  ngx_pad_authz_check_max_range =
    ngx_pad_conf_range(256, 1048576, "256..1m");
ngx_pad_conf_range_t  ngx_pad_authz_check_conns_range =
    ngx_pad_conf_range(1, 100000, "1..100000");


static ngx_pad_authz_conf_t  *ngx_pad_authz_conf;


void
ngx_pad_authz_create_conf(ngx_pad_authz_conf_t *acf)
{
    acf->require_session = NGX_CONF_UNSET;
    acf->edit_only = NGX_CONF_UNSET;
    acf->check = NULL;
    acf->check_timeout = NGX_CONF_UNSET_MSEC;
    acf->check_max = NGX_CONF_UNSET_SIZE;
    acf->check_conns = NGX_CONF_UNSET_UINT;
}


char *
ngx_pad_authz_init_conf(ngx_conf_t *cf, ngx_pad_authz_conf_t *acf)
{
    ngx_conf_init_value(acf->require_session, 0);
    ngx_conf_init_value(acf->edit_only, 0);
    ngx_conf_init_msec_value(acf->check_timeout, 2000);
    ngx_conf_init_size_value(acf->check_max, 4096);
    ngx_conf_init_uint_value(acf->check_conns, 1024);

    return NGX_CONF_OK;
}


/* pad_access_check http://host[:port]/uri (resolved here, once) */

char *
ngx_pad_authz_set_check(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_authz_conf_t  *acf = (ngx_pad_authz_conf_t *)
                                     ((u_char *) conf + cmd->offset);

    ngx_str_t  *value;
    ngx_url_t  *u;

    if (acf->check) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len <= 7
        || ngx_strncasecmp(value[1].data, (u_char *) "http://", 7) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pad_access_check\" must be an http:// URL, "
                           "not \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    u = ngx_pcalloc(cf->pool, sizeof(ngx_url_t));
    if (u == NULL) {
        return NGX_CONF_ERROR;
    }

    u->url.data = value[1].data + 7;
    u->url.len = value[1].len - 7;
    u->default_port = 80;
    u->uri_part = 1;

    if (ngx_parse_url(cf->pool, u) != NGX_OK || u->naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pad_access_check\": %s in \"%V\"",
                           u->err ? u->err : "no address", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (u->uri.len == 0) {
        ngx_str_set(&u->uri, "/");
    }

    if (ngx_strlchr(u->uri.data, u->uri.data + u->uri.len, '#')) {
        return "must not hold a fragment";
    }

    acf->check = u;

    return NGX_CONF_OK;
}


ngx_pad_authz_conf_t *
ngx_pad_authz_conf_get(void)
{
    return ngx_pad_authz_conf;
}


void
ngx_pad_authz_conf_set(ngx_pad_authz_conf_t *acf)
{
    ngx_pad_authz_conf = acf;
}
