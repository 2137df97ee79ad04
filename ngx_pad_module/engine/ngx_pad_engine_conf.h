
/*
 * ngx_pad_module: pad engine settings (main level).
 *
 * The struct is embedded in ngx_pad_main_conf_t as "engine"; the
 * directives are listed by NGX_PAD_ENGINE_COMMANDS in the module's
 * command table.  This header does not include ngx_pad_module.h.
 */


#ifndef _NGX_PAD_ENGINE_CONF_H_INCLUDED_
#define _NGX_PAD_ENGINE_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "conf/ngx_pad_conf.h"


typedef struct {
    ngx_flag_t                 batch;           /* pad_new_changes_batch */
    ngx_uint_t                 batch_max;       /* pad_new_changes_batch_max */
    ngx_uint_t                 window;          /* pad_revisions_window */
    ngx_uint_t                 max_pads;        /* pad_max_pads */
    ngx_uint_t                 max_commits;     /* pad_max_pending_commits */
    size_t                     max_changeset;   /* pad_max_changeset */
    ngx_uint_t                 max_pool;        /* pad_max_wire_pool */
    ngx_flag_t                 require_author;  /* pad_require_author */
    ngx_msec_t                 commit_timeout;  /* pad_commit_timeout */
    ngx_uint_t                 max_rebase;      /* pad_max_rebase */
    ngx_uint_t                 commit_wait_max; /* pad_commit_wait_max */
    ngx_msec_t                 join_timeout;    /* pad_join_timeout */
    ngx_uint_t                 users_listed;    /* pad_users_listed */
    ngx_str_t                  default_text;    /* pad_default_text */
    ngx_str_t                  settings_file;   /* pad_client_settings */
    void                      *settings;        /* json_t *, parsed */
} ngx_pad_engine_conf_t;


void ngx_pad_engine_create_conf(ngx_pad_engine_conf_t *ecf);
char *ngx_pad_engine_init_conf(ngx_conf_t *cf, ngx_pad_engine_conf_t *ecf);


#define NGX_PAD_ENGINE_MAIN  (NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1)

extern ngx_pad_conf_range_t  ngx_pad_engine_batch_max_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_window_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_max_pads_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_max_commits_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_max_changeset_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_max_pool_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_commit_timeout_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_max_rebase_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_commit_wait_max_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_join_timeout_range;
extern ngx_pad_conf_range_t  ngx_pad_engine_users_listed_range;

#define NGX_PAD_ENGINE_COMMANDS(base)                                         \
    { ngx_string("pad_new_changes_batch"),                                    \
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,                                       \
      ngx_conf_set_flag_slot, NGX_HTTP_MAIN_CONF_OFFSET,                      \
      (base) + offsetof(ngx_pad_engine_conf_t, batch),                        \
      NULL },                                                                 \
    { ngx_string("pad_new_changes_batch_max"),                                \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, batch_max),                    \
      &ngx_pad_engine_batch_max_range },                                      \
    { ngx_string("pad_revisions_window"),                                     \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, window),                       \
      &ngx_pad_engine_window_range },                                         \
    { ngx_string("pad_max_pads"),                                             \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, max_pads),                     \
      &ngx_pad_engine_max_pads_range },                                       \
    { ngx_string("pad_max_pending_commits"),                                  \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, max_commits),                  \
      &ngx_pad_engine_max_commits_range },                                    \
    { ngx_string("pad_max_changeset"),                                        \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_size_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, max_changeset),                \
      &ngx_pad_engine_max_changeset_range },                                  \
    { ngx_string("pad_max_wire_pool"),                                        \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, max_pool),                     \
      &ngx_pad_engine_max_pool_range },                                       \
    { ngx_string("pad_require_author"),                                       \
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,                                       \
      ngx_conf_set_flag_slot, NGX_HTTP_MAIN_CONF_OFFSET,                      \
      (base) + offsetof(ngx_pad_engine_conf_t, require_author),               \
      NULL },                                                                 \
    { ngx_string("pad_commit_timeout"),                                       \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, commit_timeout),               \
      &ngx_pad_engine_commit_timeout_range },                                 \
    { ngx_string("pad_max_rebase"),                                           \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, max_rebase),                   \
      &ngx_pad_engine_max_rebase_range },                                     \
    { ngx_string("pad_commit_wait_max"),                                      \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, commit_wait_max),              \
      &ngx_pad_engine_commit_wait_max_range },                                \
    { ngx_string("pad_join_timeout"),                                         \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, join_timeout),                 \
      &ngx_pad_engine_join_timeout_range },                                   \
    { ngx_string("pad_users_listed"),                                         \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_engine_conf_t, users_listed),                 \
      &ngx_pad_engine_users_listed_range },                                   \
    { ngx_string("pad_default_text"),                                         \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,                       \
      (base) + offsetof(ngx_pad_engine_conf_t, default_text),                 \
      NULL },                                                                 \
    { ngx_string("pad_client_settings"),                                      \
      NGX_PAD_ENGINE_MAIN,                                                    \
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,                       \
      (base) + offsetof(ngx_pad_engine_conf_t, settings_file),                \
      NULL }


#endif /* _NGX_PAD_ENGINE_CONF_H_INCLUDED_ */
