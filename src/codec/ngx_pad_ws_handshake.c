
/*
 * The checks of a WebSocket opening handshake (see ngx_pad_ws_handshake.h).
 */


#include <string.h>
#include <strings.h>

#include "codec/ngx_pad_ws_handshake.h"


static int ngx_pad_ws_base64_char(unsigned char c);


int
ngx_pad_ws_hs_check(const ngx_pad_ws_hs_t *hs, const char **reason)
{
    if (hs->subrequest) {
        *reason = "websocket in a subrequest";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (hs->http2) {
        *reason = "websocket over HTTP/2 is not supported";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (!hs->get) {
        *reason = "websocket handshake must be GET";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (!hs->http11) {
        *reason = "websocket handshake needs HTTP/1.1";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (!hs->upgrade) {
        *reason = "missing \"Upgrade: websocket\"";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (!hs->connection) {
        *reason = "missing \"Connection: upgrade\"";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (hs->version == NULL) {
        *reason = "missing Sec-WebSocket-Version";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (hs->version_len != 2 || memcmp(hs->version, "13", 2) != 0) {
        *reason = "unsupported Sec-WebSocket-Version";
        return NGX_PAD_WS_HS_UPGRADE_NEEDED;
    }

    if (hs->key == NULL) {
        *reason = "missing Sec-WebSocket-Key";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (!ngx_pad_ws_key_valid(hs->key, hs->key_len)) {
        *reason = "invalid Sec-WebSocket-Key";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    if (hs->body) {
        *reason = "websocket handshake with a body";
        return NGX_PAD_WS_HS_BAD_REQUEST;
    }

    *reason = NULL;

    return NGX_PAD_WS_HS_OK;
}


int
ngx_pad_ws_token_in(const unsigned char *value, size_t len,
    const char *token, size_t token_len)
{
    const unsigned char  *p, *end, *s;

    p = value;
    end = value + len;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        s = p;

        while (p < end && *p != ',') {
            p++;
        }

        while (p > s && (p[-1] == ' ' || p[-1] == '\t')) {
            p--;
        }

        if ((size_t) (p - s) == token_len
            && strncasecmp((const char *) s, token, token_len) == 0)
        {
            return 1;
        }

        while (p < end && *p != ',') {
            p++;
        }
    }

    return 0;
}


/*
 * As nginx's ngx_decode_base64() decides it for a 24-character key: the
 * characters up to the first '=' must be of the base64 alphabet and
 * decode to 16 bytes, which takes exactly 22 of them; what follows the
 * '=' is not looked at.
 */

int
ngx_pad_ws_key_valid(const unsigned char *key, size_t len)
{
    size_t  i;

    if (len != 24) {
        return 0;
    }

    for (i = 0; i < 22; i++) {
        if (!ngx_pad_ws_base64_char(key[i])) {
            return 0;
        }
    }

    return key[22] == '=';
}


static int
ngx_pad_ws_base64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '+' || c == '/';
}
