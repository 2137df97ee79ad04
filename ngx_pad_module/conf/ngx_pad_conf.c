
/*
 * ngx_pad_module: directive values with a range (ngx_pad_conf.h).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "conf/ngx_pad_conf.h"


typedef enum {
    NGX_PAD_CONF_NUM = 0,
    NGX_PAD_CONF_UINT,
    NGX_PAD_CONF_MSEC,
    NGX_PAD_CONF_SIZE
} ngx_pad_conf_kind_e;


char *
ngx_pad_conf_bad_value(ngx_conf_t *cf, ngx_str_t *name, ngx_str_t *value,
    const char *text)
{
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" must be %s, not \"%V\"",
                       name, text, value);

    return NGX_CONF_ERROR;
}


static char *
ngx_pad_conf_set_range(ngx_conf_t *cf, ngx_command_t *cmd, void *conf,
    ngx_pad_conf_kind_e kind)
{
    char                  *p = conf;
    int64_t                v;
    ngx_str_t             *value;
    ngx_pad_conf_range_t  *range = cmd->post;

    value = cf->args->elts;
    p += cmd->offset;

    switch (kind) {

    case NGX_PAD_CONF_NUM:
    case NGX_PAD_CONF_UINT:
        if (kind == NGX_PAD_CONF_NUM
            ? *(ngx_int_t *) p != NGX_CONF_UNSET
            : *(ngx_uint_t *) p != NGX_CONF_UNSET_UINT)
        {
            return "is duplicate";
        }

        v = ngx_atoi(value[1].data, value[1].len);
        break;

    case NGX_PAD_CONF_MSEC:
        if (*(ngx_msec_t *) p != NGX_CONF_UNSET_MSEC) {
            return "is duplicate";
        }

        v = ngx_parse_time(&value[1], 0);
        break;

    default: /* NGX_PAD_CONF_SIZE */
        if (*(size_t *) p != NGX_CONF_UNSET_SIZE) {
            return "is duplicate";
        }

        v = ngx_parse_size(&value[1]);
        break;
    }

    if (v == NGX_ERROR || v < range->low || v > range->high) {
        return ngx_pad_conf_bad_value(cf, &cmd->name, &value[1],
                                      range->text);
    }

    switch (kind) {

    case NGX_PAD_CONF_NUM:
        *(ngx_int_t *) p = (ngx_int_t) v;
        break;

    case NGX_PAD_CONF_UINT:
        *(ngx_uint_t *) p = (ngx_uint_t) v;
        break;

    case NGX_PAD_CONF_MSEC:
        *(ngx_msec_t *) p = (ngx_msec_t) v;
        break;

    default:
        *(size_t *) p = (size_t) v;
        break;
    }

    return NGX_CONF_OK;
}


char *
ngx_pad_conf_set_num_range(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_pad_conf_set_range(cf, cmd, conf, NGX_PAD_CONF_NUM);
}


char *
ngx_pad_conf_set_uint_range(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_pad_conf_set_range(cf, cmd, conf, NGX_PAD_CONF_UINT);
}


char *
ngx_pad_conf_set_msec_range(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_pad_conf_set_range(cf, cmd, conf, NGX_PAD_CONF_MSEC);
}


char *
ngx_pad_conf_set_size_range(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_pad_conf_set_range(cf, cmd, conf, NGX_PAD_CONF_SIZE);
}
