
/*
 * The checks of a WebSocket opening handshake (RFC 6455, 4.2.1).  Pure C:
 * the caller (ngx_pad_module/transport/ngx_pad_ws_handshake.c) gathers
 * what the request says, this decides; computing the accept key stays
 * with the caller (it needs SHA-1).
 */


#ifndef _NGX_PAD_WS_HANDSHAKE_H_INCLUDED_
#define _NGX_PAD_WS_HANDSHAKE_H_INCLUDED_


#include <stddef.h>


#define NGX_PAD_WS_HS_OK              0
#define NGX_PAD_WS_HS_BAD_REQUEST     400
#define NGX_PAD_WS_HS_UPGRADE_NEEDED  426    /* with Sec-WebSocket-Version */


typedef struct {
    unsigned              subrequest:1;
    unsigned              http2:1;
    unsigned              get:1;           /* method GET */
    unsigned              http11:1;        /* HTTP/1.1 or later */
    unsigned              upgrade:1;       /* Upgrade lists "websocket" */
    unsigned              connection:1;    /* Connection lists "upgrade" */
    unsigned              body:1;          /* a body is announced */

    const unsigned char  *version;         /* Sec-WebSocket-Version */
    size_t                version_len;     /* or NULL when absent */
    const unsigned char  *key;             /* Sec-WebSocket-Key */
    size_t                key_len;         /* or NULL when absent */
} ngx_pad_ws_hs_t;


/*
 * NGX_PAD_WS_HS_OK, or the HTTP status of the refusal and its reason in
 * *reason; the checks run in a fixed order, the first failing one says.
 */
int ngx_pad_ws_hs_check(const ngx_pad_ws_hs_t *hs, const char **reason);

/* whether a comma-separated header value holds token (case-insensitive) */
int ngx_pad_ws_token_in(const unsigned char *value, size_t len,
    const char *token, size_t token_len);

/* whether a Sec-WebSocket-Key is 16 bytes in base64 (nginx's decoder) */
int ngx_pad_ws_key_valid(const unsigned char *key, size_t len);


#endif /* _NGX_PAD_WS_HANDSHAKE_H_INCLUDED_ */
