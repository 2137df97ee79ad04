
/*
 * ngx_pad_module: directive values with a range.  A bad value, one that
 * does not parse or lies outside the range, stops "nginx -t" with the
 * directive and the range it takes:
 *
 *   "pad_ping_interval" must be 10ms..1h, not "-3s" in nginx.conf:12
 *
 * Use as nginx's ngx_conf_set_*_slot, with an ngx_pad_conf_range_t as the
 * command's post:
 *
 *   static ngx_pad_conf_range_t  ngx_pad_ping_range =
 *       ngx_pad_conf_range(10, 3600000, "10ms..1h");
 *
 *   { ngx_string("pad_ping_interval"), ..., ngx_pad_conf_set_msec_range,
 *     ..., offsetof(...), &ngx_pad_ping_range }
 *
 * This layer knows nothing of the others: every layer may use it.
 */


#ifndef _NGX_PAD_CONF_H_INCLUDED_
#define _NGX_PAD_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    ngx_conf_post_handler_pt   post_handler;   /* NULL; ngx_conf_post_t */
    int64_t                    low;
    int64_t                    high;
    const char                *text;           /* "10ms..1h" */
} ngx_pad_conf_range_t;


#define ngx_pad_conf_range(low, high, text)  { NULL, low, high, text }


/* a number (ngx_int_t field) */
char *ngx_pad_conf_set_num_range(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* ngx_uint_t field */
char *ngx_pad_conf_set_uint_range(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* a time in milliseconds (ngx_msec_t field), "500ms", "3s", "1h" */
char *ngx_pad_conf_set_msec_range(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* a size in bytes (size_t field), "64k", "4m" */
char *ngx_pad_conf_set_size_range(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* the same message for a value checked elsewhere (cross-directive rules) */
char *ngx_pad_conf_bad_value(ngx_conf_t *cf, ngx_str_t *name,
    ngx_str_t *value, const char *text);


#endif /* _NGX_PAD_CONF_H_INCLUDED_ */
