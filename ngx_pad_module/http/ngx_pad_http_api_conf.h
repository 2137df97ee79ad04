
/*
 * ngx_pad_module: the HTTP API's settings (http level: one API key for the
 * pads of one Redis, as Etherpad has one per instance).  Its directives
 * are listed by NGX_PAD_API_COMMANDS in the module's command table.
 */


#ifndef _NGX_PAD_HTTP_API_CONF_H_INCLUDED_
#define _NGX_PAD_HTTP_API_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "conf/ngx_pad_conf.h"


typedef struct {
    ngx_flag_t                 used;          /* a pad_api location */
    ngx_str_t                  key;           /* pad_api_key_file, trimmed */
    ngx_str_t                  key_file;
    size_t                     body_max;      /* pad_api_body_max */
    ngx_str_t                  default_text;  /* pad_default_text's */
    ngx_uint_t                 chat_max;      /* pad_api_chat_max */
    ngx_uint_t                 diff_max;      /* pad_api_diff_max */
    void                      *jwt_key;       /* EVP_PKEY *: pad_api_jwt_key */
    ngx_array_t               *jwt_clients;   /* of ngx_str_t */
} ngx_pad_api_conf_t;


void ngx_pad_api_create_conf(ngx_pad_api_conf_t *acf);
char *ngx_pad_api_init_conf(ngx_conf_t *cf, ngx_pad_api_conf_t *acf);

/* "conf" is the main conf, cmd->offset locates the API's settings */
char *ngx_pad_api_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_pad_api_set_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* ngx_pad_http_api_jwt.c */
char *ngx_pad_api_set_jwt_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_pad_api_set_jwt_clients(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


extern ngx_pad_conf_range_t  ngx_pad_api_body_max_range;
extern ngx_pad_conf_range_t  ngx_pad_api_chat_max_range;
extern ngx_pad_conf_range_t  ngx_pad_api_diff_max_range;


/* "base" is offsetof(ngx_pad_main_conf_t, api) */

#define NGX_PAD_API_COMMANDS(base)                                            \
    { ngx_string("pad_api"), NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,               \
      ngx_pad_api_set, NGX_HTTP_MAIN_CONF_OFFSET, (base), NULL },             \
    { ngx_string("pad_api_key_file"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,      \
      ngx_pad_api_set_key_file, NGX_HTTP_MAIN_CONF_OFFSET, (base), NULL },    \
    { ngx_string("pad_api_body_max"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,      \
      ngx_pad_conf_set_size_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_api_conf_t, body_max),                        \
      &ngx_pad_api_body_max_range },                                          \
    { ngx_string("pad_api_jwt_key"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,       \
      ngx_pad_api_set_jwt_key, NGX_HTTP_MAIN_CONF_OFFSET, (base), NULL },     \
    { ngx_string("pad_api_jwt_clients"), NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,   \
      ngx_pad_api_set_jwt_clients, NGX_HTTP_MAIN_CONF_OFFSET, (base), NULL }, \
    { ngx_string("pad_api_chat_max"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,      \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_api_conf_t, chat_max),                        \
      &ngx_pad_api_chat_max_range },                                          \
    { ngx_string("pad_api_diff_max"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,      \
      ngx_pad_conf_set_uint_range, NGX_HTTP_MAIN_CONF_OFFSET,                 \
      (base) + offsetof(ngx_pad_api_conf_t, diff_max),                        \
      &ngx_pad_api_diff_max_range }


#endif /* _NGX_PAD_HTTP_API_CONF_H_INCLUDED_ */
