/*
 * libFuzzer target: the RFC 6455 frame decoder and the UTF-8 validator
 * over arbitrary client bytes, fed in chunks whose sizes the input
 * chooses.  Checks the decoder's invariants: chunks stay inside the
 * input, control frames stay within 125 bytes, no message passes the
 * size limit, and a completed text message is valid UTF-8.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ngx_pad_ws_frame.h"
#include "codec/ngx_pad_utf8.h"


#define MAX_MESSAGE  4096


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   rc;
    int                   inc;
    size_t                off, k, step, msg, ctl;
    static unsigned char  text[MAX_MESSAGE];
    unsigned char        *buf, *p, *end;
    ngx_pad_utf8_t        u;
    ngx_pad_ws_event_t    ev;
    ngx_pad_ws_decoder_t  d;

    if (size < 2) {
        return 0;
    }

    step = (size_t) data[0] + 1;
    ngx_pad_ws_decoder_init(&d, MAX_MESSAGE, data[1] & 1);

    size -= 2;
    buf = malloc(size ? size : 1);
    if (buf == NULL) {
        return 0;
    }

    memcpy(buf, data + 2, size);

    msg = 0;
    ctl = 0;
    ngx_pad_utf8_init(&u);

    for (off = 0; off < size; off += k) {
        k = (size - off < step) ? size - off : step;
        p = buf + off;
        end = p + k;

        for ( ;; ) {
            rc = ngx_pad_ws_decode(&d, &p, end, &ev);

            if (rc == NGX_PAD_WS_AGAIN) {
                if (p != end) {
                    abort();
                }

                break;
            }

            if (rc == NGX_PAD_WS_FAIL) {
                if (!ngx_pad_ws_close_code_valid(ev.code)) {
                    abort();
                }

                goto done;
            }

            if (ev.data < buf || ev.data + ev.len > end) {
                abort();
            }

            if (ev.opcode >= NGX_PAD_WS_OP_CLOSE) {
                if (ev.frame_start) {
                    ctl = 0;
                }

                ctl += ev.len;

                if (ctl > NGX_PAD_WS_MAX_CONTROL) {
                    abort();
                }

                continue;
            }

            if (ev.frame_start && ev.opcode != NGX_PAD_WS_OP_CONT) {
                msg = 0;
                ngx_pad_utf8_init(&u);
            }

            if (msg + ev.len > MAX_MESSAGE) {
                abort();
            }

            memcpy(text + msg, ev.data, ev.len);
            msg += ev.len;

            if (ev.msg_opcode == NGX_PAD_WS_OP_TEXT) {
                inc = ngx_pad_utf8_feed(&u, ev.data, ev.len);

                /* the chunked verdict must match one pass over it all */

                if (ev.message_end
                    && (inc == NGX_PAD_UTF8_OK)
                       != ngx_pad_utf8_valid(text, msg))
                {
                    abort();
                }
            }
        }
    }

done:

    free(buf);

    return 0;
}
