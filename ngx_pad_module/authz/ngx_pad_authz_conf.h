
/*
 * ngx_pad_module: the access directives (main level): pad_require_session,
 * pad_edit_only, pad_access_check and its limits.
 *
 * The struct is embedded in ngx_pad_main_conf_t as "authz"; the
 * directives are listed by NGX_PAD_AUTHZ_COMMANDS in the module's command
 * table.
 */


#ifndef _NGX_PAD_AUTHZ_CONF_H_INCLUDED_
#define _NGX_PAD_AUTHZ_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "conf/ngx_pad_conf.h"


typedef struct {
    ngx_flag_t                 require_session;  /* pad_require_session */
    ngx_flag_t                 edit_only;        /* pad_edit_only */
    ngx_url_t                 *check;            /* pad_access_check */
    ngx_msec_t                 check_timeout;    /* ..._timeout */
    size_t                     check_max;        /* ..._max_response */
    ngx_uint_t                 check_conns;      /* ..._max_connections */
} ngx_pad_authz_conf_t;


void ngx_pad_authz_create_conf(ngx_pad_authz_conf_t *acf);
char *ngx_pad_authz_init_conf(ngx_conf_t *cf, ngx_pad_authz_conf_t *acf);
char *ngx_pad_authz_set_check(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* the configuration in this process (NULL: none) */
ngx_pad_authz_conf_t *ngx_pad_authz_conf_get(void);
void ngx_pad_authz_conf_set(ngx_pad_authz_conf_t *acf);


extern ngx_pad_conf_range_t  ngx_pad_authz_check_timeout_range;
extern ngx_pad_conf_range_t  ngx_pad_authz_check_max_range;
extern ngx_pad_conf_range_t  ngx_pad_authz_check_conns_range;

#define NGX_PAD_AUTHZ_COMMANDS(base)                                          \
    { ngx_string("pad_require_session"),                                      \
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,                                       \
      ngx_conf_set_flag_slot, NGX_HTTP_MAIN_CONF_OFFSET,                      \
      (base) + offsetof(ngx_pad_authz_conf_t, require_session),               \
      NULL },                                                                 \
    { ngx_string("pad_edit_only"),                                            \
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,                                       \
      ngx_conf_set_flag_slot, NGX_HTTP_MAIN_CONF_OFFSET,                      \
      (base) + offsetof(ngx_pad_authz_conf_t, edit_only),                     \
      NULL },                                                                 \
    { ngx_string("pad_access_check"),                                         \
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,                                      \
      ngx_pad_authz_set_check, NGX_HTTP_MAIN_CONF_OFFSET,                     \
      (base), NULL },                                                         \
    { ngx_string("pad_access_check_timeout"),                                 \
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,                                      \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_authz_conf_t, check_timeout),                 \
      &ngx_pad_authz_check_timeout_range },                                   \
    { ngx_string("pad_access_check_max_response"),                            \
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,                                      \
      ngx_pad_conf_set_size_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_authz_conf_t, check_max),                     \
      &ngx_pad_authz_check_max_range },                                       \
    { ngx_string("pad_access_check_max_connections"),                         \
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,                                      \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_authz_conf_t, check_conns),                   \
      &ngx_pad_authz_check_conns_range }


#endif /* _NGX_PAD_AUTHZ_CONF_H_INCLUDED_ */
