
/*
 * Engine.IO v4 and Socket.IO v5 packet parsing.
 */


#include "codec/ngx_pad_eio_codec.h"


int
ngx_pad_eio_packet_type(const unsigned char *p, size_t n)
{
    if (n == 0 || p[0] < '0' || p[0] > '6') {
        return -1;
    }

    return p[0] - '0';
}


int
ngx_pad_eio_payload_next(const unsigned char **pos, const unsigned char *end,
    const unsigned char **pkt, size_t *len)
{
    const unsigned char  *p;

    if (*pos == NULL || *pos >= end) {
        return 0;
    }

    p = *pos;

    while (p < end && *p != NGX_PAD_EIO_SEPARATOR) {
        p++;
    }

    *pkt = *pos;
    *len = (size_t) (p - *pos);

    if (p < end) {
        p++;        /* the separator */
    }

    *pos = p;

    return 1;
}


int
ngx_pad_sio_parse(const unsigned char *p, size_t n, ngx_pad_sio_packet_t *pkt)
{
    size_t   i, start;
    int64_t  v;

    pkt->type = -1;
    pkt->nsp = (const unsigned char *) "/";
    pkt->nsp_len = 1;
    pkt->ack_id = -1;
    pkt->attachments = 0;
    pkt->data = NULL;
    pkt->data_len = 0;

    if (n == 0 || p[0] < '0' || p[0] > '6') {
        return -1;
    }

    pkt->type = p[0] - '0';
    i = 1;

    if (pkt->type == NGX_PAD_SIO_BINARY_EVENT
        || pkt->type == NGX_PAD_SIO_BINARY_ACK)
    {
        start = i;
        v = 0;

        while (i < n && p[i] >= '0' && p[i] <= '9') {
            if (i - start >= 9) {
                return -1;
            }

            v = v * 10 + (p[i] - '0');
            i++;
        }

        if (i == start || i == n || p[i] != '-') {
            return -1;
        }

        pkt->attachments = v;
        i++;
    }

    if (i < n && p[i] == '/') {
        start = i;

        while (i < n && p[i] != ',') {
            i++;
        }

        pkt->nsp = p + start;
        pkt->nsp_len = i - start;

        if (i < n) {
            i++;        /* the ',' */
        }
    }

    if (i < n && p[i] >= '0' && p[i] <= '9') {
        start = i;
        v = 0;

        while (i < n && p[i] >= '0' && p[i] <= '9') {
            if (i - start >= 16) {
                return -1;
            }

            v = v * 10 + (p[i] - '0');
            i++;
        }

        if (v > NGX_PAD_SIO_MAX_ACK_ID) {
            return -1;
        }

        pkt->ack_id = v;
    }

    if (i < n) {
        pkt->data = p + i;
        pkt->data_len = n - i;
    }

    return 0;
}


size_t
ngx_pad_sio_prefix(unsigned char *buf, int type, int64_t ack_id)
{
    size_t         n, k;
    unsigned char  digits[20];

    buf[0] = '4';
    buf[1] = (unsigned char) ('0' + type);
    n = 2;

    if (ack_id >= 0) {
        k = 0;

        do {
            digits[k++] = (unsigned char) ('0' + ack_id % 10);
            ack_id /= 10;
        } while (ack_id && k < sizeof(digits));

        while (k) {
            buf[n++] = digits[--k];
        }
    }

    return n;
}
