/*
 * libFuzzer target: Engine.IO polling payloads and Socket.IO packets as
 * the transport parses them (payload split, packet type, Socket.IO
 * header, JSON payload with jansson), plus the ack-id prefix round
 * trip.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec/ngx_pad_eio_codec.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                 len, n;
    json_t                *json;
    json_error_t           err;
    unsigned char          pre[32];
    const unsigned char   *pos, *end, *pkt;
    ngx_pad_sio_packet_t   p, q;

    pos = data;
    end = data + size;
    n = 0;

    while (ngx_pad_eio_payload_next(&pos, end, &pkt, &len)) {
        if (pkt < data || pkt + len > end || ++n > size + 1) {
            abort();
        }

        if (ngx_pad_eio_packet_type(pkt, len) != 4) {
            continue;
        }

        if (ngx_pad_sio_parse(pkt + 1, len - 1, &p) != 0) {
            continue;
        }

        if (p.type < 0 || p.type > 6
            || (p.data && (p.data < pkt || p.data + p.data_len > pkt + len))
            || p.ack_id > NGX_PAD_SIO_MAX_ACK_ID)
        {
            abort();
        }

        if (p.data_len) {
            json = json_loadb((const char *) p.data, p.data_len,
                              JSON_DECODE_ANY, &err);
            if (json) {
                json_decref(json);
            }
        }

        if (p.ack_id >= 0 && p.type < 5) {
            len = ngx_pad_sio_prefix(pre, p.type, p.ack_id);

            if (ngx_pad_sio_parse(pre + 1, len - 1, &q) != 0
                || q.type != p.type || q.ack_id != p.ack_id)
            {
                abort();
            }
        }
    }

    return 0;
}
