
/*
 * ngx_pad_module: settings of the session relay (ngx_pad_relay.c), part
 * of the main conf; the directives are listed by NGX_PAD_RELAY_COMMANDS
 * in the module's command table.  This header does not include
 * ngx_pad_module.h.
 */


#ifndef _NGX_PAD_RELAY_CONF_H_INCLUDED_
#define _NGX_PAD_RELAY_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "conf/ngx_pad_conf.h"


typedef struct {
    ngx_msec_t                 timeout;        /* pad_relay_timeout */
    ngx_uint_t                 max;            /* pad_relay_max */
} ngx_pad_relay_conf_t;


void ngx_pad_relay_create_conf(ngx_pad_relay_conf_t *rcf);
char *ngx_pad_relay_init_conf(ngx_conf_t *cf, ngx_pad_relay_conf_t *rcf);


/* "base" is offsetof(ngx_pad_main_conf_t, relay) */

extern ngx_pad_conf_range_t  ngx_pad_relay_timeout_range;
extern ngx_pad_conf_range_t  ngx_pad_relay_max_range;

#define NGX_PAD_RELAY_COMMANDS(base)                                          \
    { ngx_string("pad_relay_timeout"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,     \
      ngx_pad_conf_set_msec_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_relay_conf_t, timeout),                       \
      &ngx_pad_relay_timeout_range },                                         \
    { ngx_string("pad_relay_max"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,         \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_relay_conf_t, max),                           \
      &ngx_pad_relay_max_range }


#endif /* _NGX_PAD_RELAY_CONF_H_INCLUDED_ */
