
/*
 * Incremental RFC 6455 frame decoder and server frame encoder.
 */


#include <string.h>

#include "codec/ngx_pad_ws_frame.h"


static int ngx_pad_ws_fail(ngx_pad_ws_decoder_t *d, ngx_pad_ws_event_t *ev,
    unsigned code, const char *reason);
static int ngx_pad_ws_check_header(ngx_pad_ws_decoder_t *d,
    ngx_pad_ws_event_t *ev);


void
ngx_pad_ws_decoder_init(ngx_pad_ws_decoder_t *d, uint64_t max_message,
    int reject_binary)
{
    memset(d, 0, sizeof(ngx_pad_ws_decoder_t));
    d->max_message = max_message;
    d->reject_binary = reject_binary ? 1 : 0;
}


static int
ngx_pad_ws_fail(ngx_pad_ws_decoder_t *d, ngx_pad_ws_event_t *ev,
    unsigned code, const char *reason)
{
    d->failed = 1;
    ev->code = code;
    ev->reason = reason;
    ev->data = NULL;
    ev->len = 0;

    return NGX_PAD_WS_FAIL;
}


/* checks of the first two header bytes, done as soon as they arrive */

static int
ngx_pad_ws_check_header(ngx_pad_ws_decoder_t *d, ngx_pad_ws_event_t *ev)
{
    unsigned  b0, b1, op, len7;

    b0 = d->hdr[0];
    b1 = d->hdr[1];
    op = b0 & 0x0f;
    len7 = b1 & 0x7f;

    if (b0 & 0x70) {
        return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                               "reserved bits set");
    }

    if (!(b1 & 0x80)) {
        return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                               "unmasked client frame");
    }

    switch (op) {

    case NGX_PAD_WS_OP_CONT:
        if (!d->in_message) {
            return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                                   "continuation without a message");
        }
        break;

    case NGX_PAD_WS_OP_TEXT:
    case NGX_PAD_WS_OP_BINARY:
        if (d->in_message) {
            return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                                   "data frame inside a fragmented message");
        }

        if (op == NGX_PAD_WS_OP_BINARY && d->reject_binary) {
            return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_UNSUPPORTED,
                                   "binary messages are not supported");
        }
        break;

    case NGX_PAD_WS_OP_CLOSE:
    case NGX_PAD_WS_OP_PING:
    case NGX_PAD_WS_OP_PONG:
        if (!(b0 & 0x80)) {
            return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                                   "fragmented control frame");
        }

        if (len7 > NGX_PAD_WS_MAX_CONTROL) {
            return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                                   "control frame too long");
        }
        break;

    default:
        return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                               "reserved opcode");
    }

    return NGX_PAD_WS_AGAIN;
}


int
ngx_pad_ws_decode(ngx_pad_ws_decoder_t *d, unsigned char **pos,
    unsigned char *end, ngx_pad_ws_event_t *ev)
{
    size_t          need, n, i;
    unsigned        len7, k;
    uint64_t        len, left;
    unsigned char  *p;

    ev->code = 0;
    ev->reason = NULL;

    if (d->failed) {
        return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                               "decoder failed");
    }

    if (!d->in_payload) {

        for ( ;; ) {
            if (d->hdr_len < 2) {
                need = 2;

            } else {
                len7 = d->hdr[1] & 0x7f;
                need = 2 + 4 + (len7 == 126 ? 2 : (len7 == 127 ? 8 : 0));
            }

            if (d->hdr_len == need) {
                break;
            }

            if (*pos == end) {
                return NGX_PAD_WS_AGAIN;
            }

            d->hdr[d->hdr_len++] = **pos;
            (*pos)++;

            if (d->hdr_len == 2) {
                if (ngx_pad_ws_check_header(d, ev) == NGX_PAD_WS_FAIL) {
                    return NGX_PAD_WS_FAIL;
                }
            }
        }

        len7 = d->hdr[1] & 0x7f;

        if (len7 == 126) {
            len = ((uint64_t) d->hdr[2] << 8) | d->hdr[3];
            k = 4;

        } else if (len7 == 127) {
            if (d->hdr[2] & 0x80) {
                return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_PROTOCOL,
                                       "frame length too large");
            }

            len = 0;
            for (k = 2; k < 10; k++) {
                len = (len << 8) | d->hdr[k];
            }

        } else {
            len = len7;
            k = 2;
        }

        memcpy(d->mask, &d->hdr[k], 4);

        d->fin = (d->hdr[0] & 0x80) ? 1 : 0;
        d->opcode = d->hdr[0] & 0x0f;
        d->payload_len = len;
        d->payload_pos = 0;

        if (d->opcode < NGX_PAD_WS_OP_CLOSE) {
            if (len > d->max_message || d->msg_len > d->max_message - len) {
                return ngx_pad_ws_fail(d, ev, NGX_PAD_WS_CLOSE_TOO_BIG,
                                       "message too big");
            }

            if (d->opcode != NGX_PAD_WS_OP_CONT) {
                d->msg_opcode = d->opcode;
                d->msg_len = 0;
            }

            d->msg_len += len;
            d->in_message = 1;
        }

        d->in_payload = 1;
    }

    left = d->payload_len - d->payload_pos;
    n = (size_t) (end - *pos);

    if (left < n) {
        n = (size_t) left;
    }

    if (n == 0 && left != 0) {
        return NGX_PAD_WS_AGAIN;
    }

    p = *pos;
    k = (unsigned) (d->payload_pos & 3);

    for (i = 0; i < n; i++) {
        p[i] ^= d->mask[(k + i) & 3];
    }

    ev->data = p;
    ev->len = n;
    ev->opcode = d->opcode;
    ev->msg_opcode = (d->opcode < NGX_PAD_WS_OP_CLOSE) ? d->msg_opcode
                                                       : d->opcode;
    ev->frame_start = (d->payload_pos == 0);
    ev->frame_len = d->payload_len;

    d->payload_pos += n;
    *pos += n;

    ev->frame_end = (d->payload_pos == d->payload_len);
    ev->message_end = 0;

    if (ev->frame_end) {
        d->in_payload = 0;
        d->hdr_len = 0;

        if (d->opcode < NGX_PAD_WS_OP_CLOSE && d->fin) {
            ev->message_end = 1;
            d->in_message = 0;
            d->msg_len = 0;
        }
    }

    return NGX_PAD_WS_DATA;
}


size_t
ngx_pad_ws_frame_header(unsigned char *buf, unsigned opcode, int fin,
    uint64_t len)
{
    int  i;

    buf[0] = (unsigned char) ((fin ? 0x80 : 0) | (opcode & 0x0f));

    if (len < 126) {
        buf[1] = (unsigned char) len;
        return 2;
    }

    if (len <= 0xffff) {
        buf[1] = 126;
        buf[2] = (unsigned char) (len >> 8);
        buf[3] = (unsigned char) len;
        return 4;
    }

    buf[1] = 127;

    for (i = 0; i < 8; i++) {
        buf[2 + i] = (unsigned char) (len >> (56 - 8 * i));
    }

    return 10;
}


int
ngx_pad_ws_close_code_valid(unsigned code)
{
    if (code >= 3000 && code <= 4999) {
        return 1;
    }

    switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
        return 1;
    }

    return 0;
}
