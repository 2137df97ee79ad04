
/*
 * ngx_pad_module: the Redis Lua scripts of the pad store, embedded by
 * util/gen-lua.sh (ngx_pad_store_scripts.c is generated).
 */


#ifndef _NGX_PAD_STORE_SCRIPTS_H_INCLUDED_
#define _NGX_PAD_STORE_SCRIPTS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    ngx_str_t                  name;
    ngx_str_t                  body;
    u_char                     sha1[40];   /* hex, set at init */
} ngx_pad_lua_script_t;


/* in the order of the file names; ends with an empty name */
extern ngx_pad_lua_script_t  ngx_pad_lua_scripts[];


#endif /* _NGX_PAD_STORE_SCRIPTS_H_INCLUDED_ */
