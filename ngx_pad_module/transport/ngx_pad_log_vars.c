
/*
 * ngx_pad_module: the access log's variables of a Socket.IO request:
 *
 *   $pad_id      the pad the session joined (a read-only session: the pad
 *                behind its r. id)
 *   $pad_author  the session's author id
 *   $pad_rev     the last revision the session was sent
 *
 * The application notes them on the socket (ngx_pad_socket_note*(), see
 * ngx_pad_app.h) as they change.  A request that serves a session (a
 * polling GET or POST, the WebSocket) holds the session until it ends;
 * just before nginx logs it, a cleanup copies the notes into the
 * request's variables.  A request of no session (a handshake refused, a
 * request relayed to the session's owner) logs "-".
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "transport/ngx_pad_transport.h"


typedef struct {
    ngx_http_request_t        *request;
    ngx_pad_eio_session_t     *session;     /* referenced */
} ngx_pad_log_note_t;


static ngx_str_t  ngx_pad_log_var_names[NGX_PAD_LOG_VARS] = {
    ngx_string("pad_id"),
    ngx_string("pad_author"),
    ngx_string("pad_rev"),
};


static ngx_int_t
ngx_pad_log_var_unset(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    v->not_found = 1;

    return NGX_OK;
}


ngx_int_t
ngx_pad_log_vars_add(ngx_conf_t *cf)
{
    ngx_uint_t             i;
    ngx_http_variable_t   *var;

    for (i = 0; i < NGX_PAD_LOG_VARS; i++) {
        var = ngx_http_add_variable(cf, &ngx_pad_log_var_names[i], 0);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = ngx_pad_log_var_unset;
        var->data = i;
    }

    return NGX_OK;
}


/* the variables' indexes in this configuration, kept by the location */

ngx_int_t
ngx_pad_log_vars_index(ngx_conf_t *cf, ngx_pad_loc_conf_t *plcf)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_PAD_LOG_VARS; i++) {
        plcf->log_var[i] = ngx_http_get_variable_index(cf,
                                                  &ngx_pad_log_var_names[i]);
        if (plcf->log_var[i] == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* what the application notes */

/* one allocation of exactly what a joined session needs */

void
ngx_pad_socket_note(ngx_pad_socket_t *s, ngx_str_t *pad, u_char *author,
    size_t author_len, int64_t rev)
{
    u_char  *p;
    size_t   plen, alen;

    plen = ngx_min(pad->len, NGX_PAD_NOTE_PAD_MAX);
    alen = ngx_min(author_len, NGX_PAD_NOTE_AUTHOR_MAX);

    s->note_rev = rev;

    p = ngx_alloc(plen + alen + 1, s->log);
    if (p == NULL) {
        /* only the access log loses */
        return;
    }

    ngx_memcpy(p, pad->data, plen);
    ngx_memcpy(p + plen, author, alen);

    if (s->note) {
        ngx_free(s->note);
    }

    s->note = p;
    s->note_pad_len = plen;
    s->note_author_len = alen;
}


void
ngx_pad_socket_note_rev(ngx_pad_socket_t *s, int64_t rev)
{
    s->note_rev = rev;
}


static ngx_int_t
ngx_pad_log_var_set(ngx_http_request_t *r, ngx_int_t index, u_char *data,
    size_t len)
{
    u_char                     *p;
    ngx_http_variable_value_t  *v;

    if (index == NGX_ERROR || len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, data, len);

    v = &r->variables[index];
    v->data = p;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/* runs just before the request is logged (ngx_http_free_request) */

static void
ngx_pad_log_note_cleanup(void *data)
{
    ngx_pad_log_note_t  *n = data;

    u_char                  buf[NGX_INT64_LEN];
    ngx_http_request_t     *r;
    ngx_pad_loc_conf_t     *plcf;
    ngx_pad_eio_session_t  *s;

    r = n->request;
    s = n->session;
    plcf = ngx_http_get_module_loc_conf(r, ngx_pad_module);

    if (plcf && (ngx_pad_log_var_set(r, plcf->log_var[0], s->note,
                                     s->note_pad_len)
                 != NGX_OK
                 || ngx_pad_log_var_set(r, plcf->log_var[1],
                                        s->note + s->note_pad_len,
                                        s->note_author_len)
                    != NGX_OK
                 || (s->note_rev >= 0
                     && ngx_pad_log_var_set(r, plcf->log_var[2], buf,
                                            ngx_sprintf(buf, "%L",
                                                        s->note_rev)
                                            - buf)
                        != NGX_OK)))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "pad: no memory for the log's variables");
    }

    ngx_pad_eio_unref(s);
}


/* the request r serves session s: its log shows s's notes */

void
ngx_pad_log_vars_note(ngx_http_request_t *r, ngx_pad_eio_session_t *s)
{
    ngx_http_cleanup_t  *cln;
    ngx_pad_log_note_t  *n;

    cln = ngx_http_cleanup_add(r->main, sizeof(ngx_pad_log_note_t));
    if (cln == NULL) {
        /* only the log loses: the request goes on */
        return;
    }

    n = cln->data;
    n->request = r->main;
    n->session = s;
    ngx_pad_eio_ref(s);

    cln->handler = ngx_pad_log_note_cleanup;
}
