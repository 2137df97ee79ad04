
/*
 * ngx_pad_module: pad engine directives (main level).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "engine/ngx_pad_engine_conf.h"


static void ngx_pad_engine_cleanup_settings(void *data);


ngx_pad_conf_range_t  ngx_pad_engine_batch_max_range =
    ngx_pad_conf_range(2, 1024, "2..1024");
ngx_pad_conf_range_t  ngx_pad_engine_window_range =
    ngx_pad_conf_range(10, 1000000, "10..1000000");
ngx_pad_conf_range_t  ngx_pad_engine_max_pads_range =
    ngx_pad_conf_range(1, 10000000, "1..10000000");
ngx_pad_conf_range_t  ngx_pad_engine_max_commits_range =
    ngx_pad_conf_range(1, 1000000, "1..1000000");
ngx_pad_conf_range_t  ngx_pad_engine_max_changeset_range =
    ngx_pad_conf_range(64, 256 * 1024 * 1024, "64..256m");
ngx_pad_conf_range_t  ngx_pad_engine_max_pool_range =
    ngx_pad_conf_range(16, 1000000, "16..1000000");
ngx_pad_conf_range_t  ngx_pad_engine_commit_timeout_range =
    ngx_pad_conf_range(1, 3600000, "1ms..1h");
ngx_pad_conf_range_t  ngx_pad_engine_max_rebase_range =
    ngx_pad_conf_range(1, 100000000, "1..100000000");

ngx_pad_conf_range_t  ngx_pad_engine_commit_wait_max_range =
    ngx_pad_conf_range(0, 1000000, "0..1000000");

ngx_pad_conf_range_t  ngx_pad_engine_join_timeout_range =
    ngx_pad_conf_range(1, 3600000, "1ms..1h");

ngx_pad_conf_range_t  ngx_pad_engine_users_listed_range =
    ngx_pad_conf_range(0, 10000, "0..10000");


void
ngx_pad_engine_create_conf(ngx_pad_engine_conf_t *ecf)
{
    ecf->batch = NGX_CONF_UNSET;
    ecf->batch_max = NGX_CONF_UNSET_UINT;
    ecf->window = NGX_CONF_UNSET_UINT;
    ecf->max_pads = NGX_CONF_UNSET_UINT;
    ecf->max_commits = NGX_CONF_UNSET_UINT;
    ecf->max_changeset = NGX_CONF_UNSET_SIZE;
    ecf->max_pool = NGX_CONF_UNSET_UINT;
    ecf->require_author = NGX_CONF_UNSET;
    ecf->commit_timeout = NGX_CONF_UNSET_MSEC;
    ecf->max_rebase = NGX_CONF_UNSET_UINT;
    ecf->commit_wait_max = NGX_CONF_UNSET_UINT;
    ecf->join_timeout = NGX_CONF_UNSET_MSEC;
    ecf->users_listed = NGX_CONF_UNSET_UINT;
    ngx_str_null(&ecf->default_text);
    ngx_str_null(&ecf->settings_file);
    ecf->settings = NULL;
}


char *
ngx_pad_engine_init_conf(ngx_conf_t *cf, ngx_pad_engine_conf_t *ecf)
{
    json_t              *j;
    json_error_t         err;
    ngx_pool_cleanup_t  *cln;

    ngx_conf_init_value(ecf->batch, 0);
    ngx_conf_init_uint_value(ecf->batch_max, 100);
    ngx_conf_init_uint_value(ecf->window, 1000);
    ngx_conf_init_uint_value(ecf->max_pads, 10000);
    ngx_conf_init_uint_value(ecf->max_commits, 1000);
    ngx_conf_init_size_value(ecf->max_changeset, 1024 * 1024);
    ngx_conf_init_uint_value(ecf->max_pool, 10000);
    ngx_conf_init_value(ecf->require_author, 0);
    ngx_conf_init_msec_value(ecf->commit_timeout, 10000);
    ngx_conf_init_uint_value(ecf->max_rebase, 100000);
    ngx_conf_init_uint_value(ecf->commit_wait_max, 10000);
    ngx_conf_init_msec_value(ecf->join_timeout, 10000);
    ngx_conf_init_uint_value(ecf->users_listed, 100);

    if (ecf->default_text.data == NULL) {
        ngx_str_set(&ecf->default_text,
                    "Welcome to Etherpad!\n\n"
                    "This pad text is synchronized as you type, so that "
                    "everyone viewing this page sees the same text. This "
                    "allows you to collaborate seamlessly on documents!\n\n");
    }

    if (ecf->default_text.len == 0
        || ecf->default_text.data[ecf->default_text.len - 1] != '\n')
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"pad_default_text\" must end with a newline");
        return NGX_CONF_ERROR;
    }

    if (ecf->settings_file.len) {
        if (ngx_conf_full_name(cf->cycle, &ecf->settings_file, 1) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        j = json_load_file((char *) ecf->settings_file.data, 0, &err);

        if (j == NULL || !json_is_object(j)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"pad_client_settings\" \"%V\": %s at line "
                               "%d", &ecf->settings_file,
                               j ? "not a JSON object" : err.text,
                               j ? 0 : err.line);
            json_decref(j);
            return NGX_CONF_ERROR;
        }

        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            json_decref(j);
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_pad_engine_cleanup_settings;
        cln->data = j;
        ecf->settings = j;
    }

    return NGX_CONF_OK;
}


static void
ngx_pad_engine_cleanup_settings(void *data)
{
    json_decref(data);
}
