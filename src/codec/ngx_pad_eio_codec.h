
/*
 * Engine.IO v4 and Socket.IO v5 packet parsing.  Pure C: slices only,
 * no allocation; JSON payloads are returned as slices for the caller to
 * parse.
 *
 * Engine.IO packet: one type digit ('0' open .. '6' noop), then data.
 * Polling payload: packets joined by the record separator 0x1e.
 * Socket.IO packet (inside an Engine.IO '4' message):
 *     <type digit>[<attachments>-][/<nsp>,][<ack id>][<JSON>]
 */


#ifndef _NGX_PAD_EIO_CODEC_H_INCLUDED_
#define _NGX_PAD_EIO_CODEC_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_PAD_EIO_OPEN      0
#define NGX_PAD_EIO_CLOSE     1
#define NGX_PAD_EIO_PING      2
#define NGX_PAD_EIO_PONG      3
#define NGX_PAD_EIO_MESSAGE   4
#define NGX_PAD_EIO_UPGRADE   5
#define NGX_PAD_EIO_NOOP      6

#define NGX_PAD_EIO_SEPARATOR 0x1e

#define NGX_PAD_SIO_CONNECT        0
#define NGX_PAD_SIO_DISCONNECT     1
#define NGX_PAD_SIO_EVENT          2
#define NGX_PAD_SIO_ACK            3
#define NGX_PAD_SIO_CONNECT_ERROR  4
#define NGX_PAD_SIO_BINARY_EVENT   5
#define NGX_PAD_SIO_BINARY_ACK     6

/* the largest ack id accepted: 2^53 - 1 (a JavaScript safe integer) */
#define NGX_PAD_SIO_MAX_ACK_ID     9007199254740991LL


typedef struct {
    int                   type;
    const unsigned char  *nsp;        /* "/" when absent */
    size_t                nsp_len;
    int64_t               ack_id;     /* -1 when absent */
    int64_t               attachments;
    const unsigned char  *data;       /* JSON text, may be empty */
    size_t                data_len;
} ngx_pad_sio_packet_t;


/* the type of an Engine.IO packet, or -1 when it has none */
int ngx_pad_eio_packet_type(const unsigned char *p, size_t n);

/*
 * Splits a polling payload: sets pkt and len to the next packet and
 * returns 1, or returns 0 when pos has reached end.  An empty payload
 * has no packets, a trailing separator is ignored, and an empty packet
 * between two separators is returned as such (its type is invalid).
 */
int ngx_pad_eio_payload_next(const unsigned char **pos,
    const unsigned char *end, const unsigned char **pkt, size_t *len);

/* parses a Socket.IO packet; returns 0, or -1 when malformed */
int ngx_pad_sio_parse(const unsigned char *p, size_t n,
    ngx_pad_sio_packet_t *pkt);

/*
 * Writes the Engine.IO + Socket.IO prefix "4<type>[<ack id>]" for the
 * namespace "/" into buf (at least 24 bytes); returns its length.
 */
size_t ngx_pad_sio_prefix(unsigned char *buf, int type, int64_t ack_id);


#endif /* _NGX_PAD_EIO_CODEC_H_INCLUDED_ */
