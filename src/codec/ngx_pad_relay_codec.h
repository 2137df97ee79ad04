
/*
 * The messages of the session relay between workers (see
 * ngx_pad_module/transport/ngx_pad_relay.c), binary-safe: the body is
 * counted.  Pure C: slices only, no allocation.
 *
 *   request  "Q<kind> <id> <reply channel> <sid> <body length>\n<body>"
 *   answer   "R<kind> <id> <status> <body length>\n<body>"
 *
 * Words are separated by one space (or newline); the body length ends
 * with a newline, the body is exactly that long.  Numbers are decimal,
 * at most 2^63 - 1.
 */


#ifndef _NGX_PAD_RELAY_CODEC_H_INCLUDED_
#define _NGX_PAD_RELAY_CODEC_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* room for a header whose channel and sid are at most 64 bytes each */
#define NGX_PAD_RELAY_HEADER_MAX  192


typedef struct {
    const unsigned char  *data;
    size_t                len;
} ngx_pad_rslice_t;


typedef struct {
    unsigned char         type;       /* 'Q' or 'R' */
    unsigned char         kind;
    uint64_t              id;
    ngx_pad_rslice_t      reply;      /* Q */
    ngx_pad_rslice_t      sid;        /* Q */
    uint64_t              status;     /* R */
    ngx_pad_rslice_t      body;
} ngx_pad_rmsg_t;


/* 0, or -1 for a malformed message */
int ngx_pad_relay_parse(const unsigned char *in, size_t len,
    ngx_pad_rmsg_t *m);

/*
 * The header of a request or of an answer into buf (at least
 * NGX_PAD_RELAY_HEADER_MAX bytes); returns its length, 0 when reply or
 * sid is too long.
 */
size_t ngx_pad_relay_request_header(unsigned char *buf, unsigned char kind,
    uint64_t id, const unsigned char *reply, size_t reply_len,
    const unsigned char *sid, size_t sid_len, size_t body_len);
size_t ngx_pad_relay_answer_header(unsigned char *buf, unsigned char kind,
    uint64_t id, uint64_t status, size_t body_len);


#endif /* _NGX_PAD_RELAY_CODEC_H_INCLUDED_ */
