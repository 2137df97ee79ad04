
/*
 * ngx_pad_module: the HTTP API's directives.  The key file is read when
 * the configuration is read (nginx -t, start, reload), as Etherpad reads
 * APIKEY.txt at start; its content with white space trimmed at both ends
 * is the key.  Without a key file the API answers every call with code 4.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "http/ngx_pad_http_api_conf.h"
#include "http/ngx_pad_http_api.h"


#define NGX_PAD_API_KEY_FILE_MAX  4096


ngx_pad_conf_range_t  ngx_pad_api_body_max_range =
    ngx_pad_conf_range(1024, 1024 * 1024 * 1024, "1k..1g");

ngx_pad_conf_range_t  ngx_pad_api_chat_max_range =
    ngx_pad_conf_range(1, 10000000, "1..10000000");

ngx_pad_conf_range_t  ngx_pad_api_diff_max_range =
    ngx_pad_conf_range(1, 1000000, "1..1000000");


void
ngx_pad_api_create_conf(ngx_pad_api_conf_t *acf)
{
    acf->used = 0;
    acf->body_max = NGX_CONF_UNSET_SIZE;
    acf->chat_max = NGX_CONF_UNSET_UINT;
    acf->diff_max = NGX_CONF_UNSET_UINT;
}


char *
ngx_pad_api_init_conf(ngx_conf_t *cf, ngx_pad_api_conf_t *acf)
{
    ngx_conf_init_size_value(acf->body_max, 2 * 1024 * 1024);
    ngx_conf_init_uint_value(acf->chat_max, 10000);
    ngx_conf_init_uint_value(acf->diff_max, 10000);

    return NGX_CONF_OK;
}


char *
ngx_pad_api_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_api_conf_t  *acf = (ngx_pad_api_conf_t *)
                                   ((u_char *) conf + cmd->offset);

    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == ngx_pad_http_api_handler) {
        return "is duplicate";
    }

    clcf->handler = ngx_pad_http_api_handler;
    acf->used = 1;

    return NGX_CONF_OK;
}


char *
ngx_pad_api_set_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_api_conf_t  *acf = (ngx_pad_api_conf_t *)
                                   ((u_char *) conf + cmd->offset);

    u_char           *buf, *p, *last;
    ssize_t           n;
    ngx_str_t        *value;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    if (acf->key_file.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    acf->key_file = value[1];

    if (ngx_conf_full_name(cf->cycle, &acf->key_file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = acf->key_file;
    file.log = cf->log;

    file.fd = ngx_open_file(file.name.data, NGX_FILE_RDONLY,
                            NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &file.name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > NGX_PAD_API_KEY_FILE_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a key file (larger than %d bytes"
                           " or unreadable)", &file.name,
                           NGX_PAD_API_KEY_FILE_MAX);
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    buf = ngx_pnalloc(cf->pool, NGX_PAD_API_KEY_FILE_MAX);
    if (buf == NULL) {
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, buf, NGX_PAD_API_KEY_FILE_MAX, 0);

    ngx_close_file(file.fd);

    if (n == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    /* Etherpad compares with apikey.trim() */

    p = buf;
    last = buf + n;

    while (p < last && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'
                        || *p == '\f' || *p == '\v'))
    {
        p++;
    }

    while (last > p && (last[-1] == ' ' || last[-1] == '\t'
                        || last[-1] == '\r' || last[-1] == '\n'
                        || last[-1] == '\f' || last[-1] == '\v'))
    {
        last--;
    }

    if (p == last) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the API key file \"%V\" is empty", &file.name);
        return NGX_CONF_ERROR;
    }

    acf->key.data = p;
    acf->key.len = last - p;

    return NGX_CONF_OK;
}
