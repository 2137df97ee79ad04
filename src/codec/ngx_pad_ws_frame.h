
/*
 * Incremental RFC 6455 frame decoder and server frame encoder.
 * Pure C: no nginx headers, no allocation, no I/O.
 *
 * The decoder takes input in chunks of any size.  It unmasks payload in
 * place and hands it back as events, so a frame's payload is never
 * copied by the decoder and a partial header is kept in at most 14
 * bytes of state.  It enforces, for client-to-server frames:
 *   - RSV1..3 clear (no extension is negotiated),
 *   - known opcodes only,
 *   - the mask bit set,
 *   - control frames with FIN set and at most 125 bytes,
 *   - continuation frames only inside a fragmented message, and no new
 *     data frame inside one,
 *   - the 64-bit length's top bit clear,
 *   - the total message size (all fragments) within max_message,
 *   - optionally no binary messages (close code 1003).
 */


#ifndef _NGX_PAD_WS_FRAME_H_INCLUDED_
#define _NGX_PAD_WS_FRAME_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_PAD_WS_OP_CONT      0x0
#define NGX_PAD_WS_OP_TEXT      0x1
#define NGX_PAD_WS_OP_BINARY    0x2
#define NGX_PAD_WS_OP_CLOSE     0x8
#define NGX_PAD_WS_OP_PING      0x9
#define NGX_PAD_WS_OP_PONG      0xa

#define NGX_PAD_WS_CLOSE_NORMAL        1000
#define NGX_PAD_WS_CLOSE_GOING_AWAY    1001
#define NGX_PAD_WS_CLOSE_PROTOCOL      1002
#define NGX_PAD_WS_CLOSE_UNSUPPORTED   1003
#define NGX_PAD_WS_CLOSE_NO_STATUS     1005
#define NGX_PAD_WS_CLOSE_ABNORMAL      1006
#define NGX_PAD_WS_CLOSE_BAD_DATA      1007
#define NGX_PAD_WS_CLOSE_POLICY        1008
#define NGX_PAD_WS_CLOSE_TOO_BIG       1009
#define NGX_PAD_WS_CLOSE_INTERNAL      1011
#define NGX_PAD_WS_CLOSE_TRY_AGAIN     1013

#define NGX_PAD_WS_MAX_CONTROL  125
#define NGX_PAD_WS_MAX_HEADER   14     /* 2 + 8 + 4 */


/* results of ngx_pad_ws_decode() */
#define NGX_PAD_WS_AGAIN   0      /* all input consumed, need more */
#define NGX_PAD_WS_DATA    1      /* ev describes a payload chunk */
#define NGX_PAD_WS_FAIL    2      /* ev->code / ev->reason say why */


typedef struct {
    unsigned char   hdr[NGX_PAD_WS_MAX_HEADER];
    unsigned char   mask[4];
    unsigned        hdr_len:4;
    unsigned        in_payload:1;
    unsigned        in_message:1;     /* a fragmented message is open */
    unsigned        fin:1;
    unsigned        reject_binary:1;
    unsigned        failed:1;
    unsigned        opcode:4;
    unsigned        msg_opcode:4;     /* opcode of the open message */
    uint64_t        payload_len;
    uint64_t        payload_pos;
    uint64_t        msg_len;          /* data bytes of the open message */
    uint64_t        max_message;
} ngx_pad_ws_decoder_t;


typedef struct {
    unsigned char  *data;             /* unmasked payload chunk */
    size_t          len;
    unsigned        opcode;           /* of the frame (0 = continuation) */
    unsigned        msg_opcode;       /* text/binary for data frames */
    unsigned        frame_start:1;    /* first chunk of the frame */
    unsigned        frame_end:1;      /* last chunk of the frame */
    unsigned        message_end:1;    /* frame_end of a FIN data frame */
    uint64_t        frame_len;        /* declared payload length */
    unsigned        code;             /* close code on NGX_PAD_WS_FAIL */
    const char     *reason;
} ngx_pad_ws_event_t;


void ngx_pad_ws_decoder_init(ngx_pad_ws_decoder_t *d, uint64_t max_message,
    int reject_binary);

/*
 * Decodes from *pos up to end.  Returns NGX_PAD_WS_DATA with one chunk
 * (possibly empty, for empty frames) and advances *pos past it; the
 * caller calls again with the rest.  Returns NGX_PAD_WS_AGAIN once *pos
 * reaches end with nothing to report.  After NGX_PAD_WS_FAIL the decoder
 * stays failed.
 */
int ngx_pad_ws_decode(ngx_pad_ws_decoder_t *d, unsigned char **pos,
    unsigned char *end, ngx_pad_ws_event_t *ev);

/* writes an unmasked server frame header; returns its length (2..10) */
size_t ngx_pad_ws_frame_header(unsigned char *buf, unsigned opcode,
    int fin, uint64_t len);

/* whether a close code received from a client is valid (RFC 6455 7.4) */
int ngx_pad_ws_close_code_valid(unsigned code);


#endif /* _NGX_PAD_WS_FRAME_H_INCLUDED_ */
