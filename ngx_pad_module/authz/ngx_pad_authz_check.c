
/*
 * ngx_pad_module: the site's access check (pad_access_check), a small
 * HTTP/1.0 client on the worker's event loop.
 *
 * Why not an nginx subrequest: a subrequest needs a live client request
 * in the deciding worker, and the deciding worker is the session's owner,
 * which a relayed polling request (another worker's client) or a
 * WebSocket frame (no request) does not give.  A connection of our own
 * works the same from every path; pointed at a location of the same
 * nginx it can use auth_request, proxy_pass, map, ... there.
 *
 *   GET <uri>?pad=<pad id, %-escaped> HTTP/1.0
 *   Host: <host>
 *   X-Pad-Id: <pad id, %-escaped>
 *   X-Pad-Read-Only: 1                  (asked by its r. id)
 *   X-Pad-Token: <author token>         (when valid)
 *   X-Pad-Client-Addr: <client address>
 *   X-Pad-Kind: socket | export
 *   Cookie: <the client's Cookie header> (when it has no control byte)
 *
 * Answers: 2xx allow, 2xx with "X-Pad-Access: readonly" read-only,
 * 401/403 deny; any other status, a response whose header is longer
 * than pad_access_check_max_response, garbage, a connection error or no
 * header within pad_access_check_timeout: deny (fail closed), logged at
 * warn.  The handler is called once, from a posted event, never from
 * inside ngx_pad_authz_check_start().
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_event_connect.h>

#include "authz/ngx_pad_authz.h"


struct ngx_pad_authz_check_s {
    ngx_peer_connection_t      pc;
    ngx_event_t                timer;
    ngx_event_t                done;
    ngx_log_t                 *log;
    ngx_pad_authz_check_pt     handler;
    void                      *data;
    ngx_pad_access_check_e     answer;
    u_char                    *out;
    size_t                     out_len;
    size_t                     sent;
    u_char                    *in;
    size_t                     in_len;
    size_t                     in_size;
    ngx_uint_t                 active;     /* counted in ngx_pad_authz_n */
    u_char                     pad[64];    /* for the log */
    size_t                     pad_len;
};


static ngx_int_t ngx_pad_authz_check_request(ngx_pad_authz_check_t *chk,
    ngx_pad_authz_input_t *in, ngx_url_t *u);
static void ngx_pad_authz_check_write(ngx_event_t *wev);
static void ngx_pad_authz_check_read(ngx_event_t *rev);
static ngx_int_t ngx_pad_authz_check_parse(ngx_pad_authz_check_t *chk,
    ngx_uint_t eof);
static void ngx_pad_authz_check_timeout(ngx_event_t *ev);
static void ngx_pad_authz_check_fail(ngx_pad_authz_check_t *chk,
    const char *why);
static void ngx_pad_authz_check_finish(ngx_pad_authz_check_t *chk,
    ngx_pad_access_check_e answer);
static void ngx_pad_authz_check_done(ngx_event_t *ev);
static void ngx_pad_authz_check_close(ngx_pad_authz_check_t *chk);


static ngx_uint_t  ngx_pad_authz_n;      /* checks in flight, this worker */


ngx_pad_authz_check_t *
ngx_pad_authz_check_start(ngx_pad_authz_input_t *in, ngx_log_t *log,
    ngx_pad_authz_check_pt handler, void *data)
{
    ngx_int_t               rc;
    ngx_url_t              *u;
    ngx_connection_t       *c;
    ngx_pad_authz_conf_t   *acf;
    ngx_pad_authz_check_t  *chk;

    acf = ngx_pad_authz_conf_get();

    if (acf == NULL || acf->check == NULL) {
        return NULL;
    }

    u = acf->check;

    chk = ngx_calloc(sizeof(ngx_pad_authz_check_t) + acf->check_max, log);
    if (chk == NULL) {
        return NULL;
    }

    chk->log = log;
    chk->handler = handler;
    chk->data = data;
    chk->in = (u_char *) (chk + 1);
    chk->in_size = acf->check_max;
    chk->pad_len = ngx_min(in->pad.len, sizeof(chk->pad));
    ngx_memcpy(chk->pad, in->pad.data, chk->pad_len);

    chk->timer.handler = ngx_pad_authz_check_timeout;
    chk->timer.cancelable = 1;      /* a graceful exit does not wait */
    chk->timer.data = chk;
    chk->timer.log = log;
    chk->done.handler = ngx_pad_authz_check_done;
    chk->done.data = chk;
    chk->done.log = log;

    if (ngx_pad_authz_check_request(chk, in, u) != NGX_OK) {
        ngx_free(chk);
        return NULL;
    }

    if (ngx_pad_authz_n >= acf->check_conns) {
        ngx_pad_authz_check_fail(chk, "too many checks in flight "
                                 "(pad_access_check_max_connections)");
        return chk;
    }

    chk->active = 1;
    ngx_pad_authz_n++;

    chk->pc.sockaddr = u->addrs[0].sockaddr;
    chk->pc.socklen = u->addrs[0].socklen;
    chk->pc.name = &u->addrs[0].name;
    chk->pc.get = ngx_event_get_peer;
    chk->pc.log = log;
    chk->pc.log_error = NGX_ERROR_ERR;

    ngx_add_timer(&chk->timer, acf->check_timeout);

    rc = ngx_event_connect_peer(&chk->pc);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        ngx_pad_authz_check_fail(chk, "cannot connect");
        return chk;
    }

    c = chk->pc.connection;
    c->data = chk;
    c->read->handler = ngx_pad_authz_check_read;
    c->write->handler = ngx_pad_authz_check_write;
    c->log = log;
    c->read->log = log;
    c->write->log = log;

    if (rc == NGX_OK) {
        ngx_pad_authz_check_write(c->write);
    }

    return chk;
}


void
ngx_pad_authz_check_cancel(ngx_pad_authz_check_t *chk)
{
    if (chk == NULL) {
        return;
    }

    ngx_pad_authz_check_close(chk);

    if (chk->done.posted) {
        ngx_delete_posted_event(&chk->done);
    }

    ngx_free(chk->out);
    ngx_free(chk);
}


static ngx_int_t
ngx_pad_authz_check_request(ngx_pad_authz_check_t *chk,
    ngx_pad_authz_input_t *in, ngx_url_t *u)
{
    size_t       len, esc;
    u_char      *p;
    ngx_str_t    cookie;
    ngx_uint_t   i;

    cookie = in->cookie;

    for (i = 0; i < cookie.len; i++) {
        if ((cookie.data[i] < 0x20 && cookie.data[i] != '\t')
            || cookie.data[i] == 0x7f)
        {
            cookie.len = 0;     /* never a header of ours split */
            break;
        }
    }

    esc = ngx_escape_uri(NULL, in->pad.data, in->pad.len,
                         NGX_ESCAPE_URI_COMPONENT);

    len = sizeof("GET ?pad= HTTP/1.0\r\n") - 1 + u->uri.len
          + 2 * (in->pad.len + 2 * esc)
          + sizeof("Host: \r\n") - 1 + u->host.len + sizeof(":65535") - 1
          + sizeof("X-Pad-Id: \r\n") - 1
          + sizeof("X-Pad-Read-Only: 1\r\n") - 1
          + sizeof("X-Pad-Token: \r\n") - 1 + in->token.len
          + sizeof("X-Pad-Client-Addr: \r\n") - 1 + in->addr.len
          + sizeof("X-Pad-Kind: \r\n") - 1 + in->kind.len
          + sizeof("Cookie: \r\n") - 1 + cookie.len
          + sizeof("Connection: close\r\n\r\n") - 1;

    chk->out = ngx_alloc(len, chk->log);
    if (chk->out == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(chk->out, "GET %V%c", &u->uri,
                    ngx_strlchr(u->uri.data, u->uri.data + u->uri.len, '?')
                    ? '&' : '?');
    p = ngx_cpymem(p, "pad=", 4);
    p = (u_char *) ngx_escape_uri(p, in->pad.data, in->pad.len,
                                  NGX_ESCAPE_URI_COMPONENT);
    p = ngx_cpymem(p, " HTTP/1.0\r\nHost: ", 17);
    p = ngx_cpymem(p, u->host.data, u->host.len);

    if (u->port != 80) {
        p = ngx_sprintf(p, ":%d", (int) u->port);
    }

    p = ngx_cpymem(p, "\r\nX-Pad-Id: ", 12);
    p = (u_char *) ngx_escape_uri(p, in->pad.data, in->pad.len,
                                  NGX_ESCAPE_URI_COMPONENT);
    p = ngx_cpymem(p, "\r\n", 2);

    if (in->readonly_id) {
        p = ngx_cpymem(p, "X-Pad-Read-Only: 1\r\n", 20);
    }

    if (in->token.len) {
        p = ngx_sprintf(p, "X-Pad-Token: %V\r\n", &in->token);
    }

    if (in->addr.len) {
        p = ngx_sprintf(p, "X-Pad-Client-Addr: %V\r\n", &in->addr);
    }

    p = ngx_sprintf(p, "X-Pad-Kind: %V\r\n", &in->kind);

    if (cookie.len) {
        p = ngx_sprintf(p, "Cookie: %V\r\n", &cookie);
    }

    p = ngx_cpymem(p, "Connection: close\r\n\r\n", 21);

    chk->out_len = p - chk->out;

    return NGX_OK;
}


static void
ngx_pad_authz_check_write(ngx_event_t *wev)
{
    ssize_t                 n;
    ngx_connection_t       *c;
    ngx_pad_authz_check_t  *chk;

    c = wev->data;
    chk = c->data;

    while (chk->sent < chk->out_len) {
        n = c->send(c, chk->out + chk->sent, chk->out_len - chk->sent);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_pad_authz_check_fail(chk, "cannot wait to write");
            }

            return;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_pad_authz_check_fail(chk, "cannot send the request");
            return;
        }

        chk->sent += n;
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_pad_authz_check_fail(chk, "cannot wait to read");
        return;
    }

    if (c->read->ready) {
        ngx_pad_authz_check_read(c->read);
    }
}


static void
ngx_pad_authz_check_read(ngx_event_t *rev)
{
    ssize_t                 n;
    ngx_connection_t       *c;
    ngx_pad_authz_check_t  *chk;

    c = rev->data;
    chk = c->data;

    if (chk->sent < chk->out_len) {
        /* a read event before the request went out: wait for it */
        return;
    }

    for ( ;; ) {

        if (chk->in_len == chk->in_size) {
            ngx_pad_authz_check_fail(chk, "response header too large "
                                     "(pad_access_check_max_response)");
            return;
        }

        n = c->recv(c, chk->in + chk->in_len, chk->in_size - chk->in_len);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_pad_authz_check_fail(chk, "cannot wait to read");
            }

            return;
        }

        if (n == NGX_ERROR) {
            ngx_pad_authz_check_fail(chk, "cannot read the response");
            return;
        }

        if (n > 0) {
            chk->in_len += n;
        }

        if (ngx_pad_authz_check_parse(chk, n == 0) != NGX_AGAIN) {
            return;
        }

        if (n == 0) {
            ngx_pad_authz_check_fail(chk, "closed before the response "
                                     "header ended");
            return;
        }
    }
}


/* NGX_AGAIN: the header has not ended yet; else finished */

static ngx_int_t
ngx_pad_authz_check_parse(ngx_pad_authz_check_t *chk, ngx_uint_t eof)
{
    u_char      *p, *end, *line, *eol, *v;
    ngx_uint_t   status;

    p = chk->in;
    end = chk->in + chk->in_len;

    /* the header's end: an empty line */

    for (eol = p; eol < end; eol++) {
        if (*eol == '\n'
            && ((eol + 1 < end && eol[1] == '\n')
                || (eol + 2 < end && eol[1] == '\r' && eol[2] == '\n')))
        {
            break;
        }
    }

    if (eol >= end) {
        return NGX_AGAIN;
    }

    end = eol + 1;

    /* HTTP/1.x DDD */

    if (end - p < 12 || ngx_strncmp(p, "HTTP/1.", 7) != 0
        || p[8] != ' ' || p[9] < '1' || p[9] > '5'
        || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
    {
        ngx_pad_authz_check_fail(chk, "not an HTTP response");
        return NGX_OK;
    }

    status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');

    if (status == 401 || status == 403) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, chk->log, 0,
                       "pad access check: %ui, deny", status);
        ngx_pad_authz_check_finish(chk, NGX_PAD_ACCESS_CHECK_DENY);
        return NGX_OK;
    }

    if (status < 200 || status > 299) {
        ngx_log_error(NGX_LOG_WARN, chk->log, 0,
                      "pad: access check of \"%*s\": status %ui, denied "
                      "(fail closed)", chk->pad_len, chk->pad, status);
        ngx_pad_authz_check_finish(chk, NGX_PAD_ACCESS_CHECK_DENY);
        return NGX_OK;
    }

    /* X-Pad-Access: readonly */

    for (line = p; line < end; line = eol + 1) {
        eol = ngx_strlchr(line, end, '\n');
        if (eol == NULL) {
            break;
        }

        if (eol - line < 13
            || ngx_strncasecmp(line, (u_char *) "X-Pad-Access:", 13) != 0)
        {
            continue;
        }

        v = line + 13;

        while (v < eol && (*v == ' ' || *v == '\t')) {
            v++;
        }

        if (eol - v >= 8 && ngx_strncasecmp(v, (u_char *) "readonly", 8) == 0
            && (eol - v == 8 || v[8] == '\r' || v[8] == ' '))
        {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, chk->log, 0,
                           "pad access check: read-only");
            ngx_pad_authz_check_finish(chk, NGX_PAD_ACCESS_CHECK_READONLY);
            return NGX_OK;
        }
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, chk->log, 0,
                   "pad access check: %ui, allow", status);
    ngx_pad_authz_check_finish(chk, NGX_PAD_ACCESS_CHECK_ALLOW);

    return NGX_OK;
}


static void
ngx_pad_authz_check_timeout(ngx_event_t *ev)
{
    ngx_pad_authz_check_fail(ev->data, "timed out "
                             "(pad_access_check_timeout)");
}


static void
ngx_pad_authz_check_fail(ngx_pad_authz_check_t *chk, const char *why)
{
    ngx_log_error(NGX_LOG_WARN, chk->log, 0,
                  "pad: access check of \"%*s\": %s, denied (fail closed)",
                  chk->pad_len, chk->pad, why);

    ngx_pad_authz_check_finish(chk, NGX_PAD_ACCESS_CHECK_DENY);
}


static void
ngx_pad_authz_check_finish(ngx_pad_authz_check_t *chk,
    ngx_pad_access_check_e answer)
{
    ngx_pad_authz_check_close(chk);

    chk->answer = answer;
    ngx_post_event(&chk->done, &ngx_posted_events);
}


static void
ngx_pad_authz_check_done(ngx_event_t *ev)
{
    ngx_pad_authz_check_t  *chk = ev->data;

    chk->handler(chk->data, chk->answer);

    ngx_free(chk->out);
    ngx_free(chk);
}


static void
ngx_pad_authz_check_close(ngx_pad_authz_check_t *chk)
{
    if (chk->timer.timer_set) {
        ngx_del_timer(&chk->timer);
    }

    if (chk->pc.connection) {
        ngx_close_connection(chk->pc.connection);
        chk->pc.connection = NULL;
    }

    if (chk->active) {
        chk->active = 0;
        ngx_pad_authz_n--;
    }
}
