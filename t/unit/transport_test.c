/*
 * Unit tests of the pure transport parts (TAP): the RFC 6455 frame
 * decoder/encoder, the incremental UTF-8 validator, the Engine.IO /
 * Socket.IO packet codec, the WebSocket handshake checks and the relay
 * messages between workers, form fields (query strings, urlencoded and
 * multipart bodies), one cookie of a Cookie header.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ngx_pad_ws_frame.h"
#include "codec/ngx_pad_utf8.h"
#include "codec/ngx_pad_eio_codec.h"
#include "codec/ngx_pad_ws_handshake.h"
#include "codec/ngx_pad_relay_codec.h"
#include "codec/ngx_pad_form.h"
#include "codec/ngx_pad_cookie.h"

#include "tap.h"


/* builds a masked client frame into buf; returns its length */

static size_t
frame(unsigned char *buf, int fin, unsigned rsv, unsigned op, int masked,
    const char *payload, size_t len)
{
    size_t         n, i;
    unsigned char  mask[4] = { 0x12, 0x34, 0x56, 0x78 };

    buf[0] = (unsigned char) ((fin ? 0x80 : 0) | (rsv << 4) | op);
    n = 1;

    if (len < 126) {
        buf[n++] = (unsigned char) ((masked ? 0x80 : 0) | len);

    } else if (len <= 0xffff) {
        buf[n++] = (unsigned char) ((masked ? 0x80 : 0) | 126);
        buf[n++] = (unsigned char) (len >> 8);
        buf[n++] = (unsigned char) len;

    } else {
        buf[n++] = (unsigned char) ((masked ? 0x80 : 0) | 127);

        for (i = 0; i < 8; i++) {
            buf[n++] = (unsigned char) ((uint64_t) len >> (56 - 8 * i));
        }
    }

    if (masked) {
        memcpy(buf + n, mask, 4);
        n += 4;
    }

    for (i = 0; i < len; i++) {
        buf[n + i] = (unsigned char) payload[i] ^ (masked ? mask[i & 3] : 0);
    }

    return n + len;
}


typedef struct {
    char      text[4096];
    size_t    len;
    unsigned  messages;
    unsigned  controls;
    unsigned  last_control;
    unsigned  fail_code;
    unsigned  msg_opcode;
} collect_t;


/* feeds buf to a decoder in chunks of "step" bytes and collects events */

static void
feed(ngx_pad_ws_decoder_t *d, unsigned char *buf, size_t n, size_t step,
    collect_t *c)
{
    int                  rc;
    size_t               off, k;
    unsigned char       *p, *end;
    ngx_pad_ws_event_t   ev;

    for (off = 0; off < n && !c->fail_code; off += k) {
        k = (n - off < step) ? n - off : step;
        p = buf + off;
        end = p + k;

        for ( ;; ) {
            rc = ngx_pad_ws_decode(d, &p, end, &ev);

            if (rc == NGX_PAD_WS_AGAIN) {
                break;
            }

            if (rc == NGX_PAD_WS_FAIL) {
                c->fail_code = ev.code;
                return;
            }

            if (ev.opcode >= NGX_PAD_WS_OP_CLOSE) {
                if (ev.frame_end) {
                    c->controls++;
                    c->last_control = ev.opcode;
                }

                continue;
            }

            if (c->len + ev.len < sizeof(c->text)) {
                memcpy(c->text + c->len, ev.data, ev.len);
                c->len += ev.len;
            }

            if (ev.message_end) {
                c->messages++;
                c->msg_opcode = ev.msg_opcode;
            }
        }
    }
}


static void
test_frames(void)
{
    size_t                 n, step;
    collect_t              c;
    unsigned char          buf[200000];
    ngx_pad_ws_decoder_t   d;
    char                   big[70000];
    unsigned char          hdr[10];

    /* one masked text frame, fed whole and byte by byte */

    for (step = 1; step <= 64; step *= 4) {
        n = frame(buf, 1, 0, 1, 1, "42[\"x\"]", 7);
        ngx_pad_ws_decoder_init(&d, 1000, 1);
        memset(&c, 0, sizeof(c));
        feed(&d, buf, n, step, &c);
        okf(c.messages == 1 && c.len == 7
            && memcmp(c.text, "42[\"x\"]", 7) == 0 && c.msg_opcode == 1,
            "text frame decoded and unmasked (%s)",
            step == 1 ? "byte by byte" : "in chunks");
    }

    /* two frames in one buffer, then an empty frame */

    n = frame(buf, 1, 0, 1, 1, "abc", 3);
    n += frame(buf + n, 1, 0, 1, 1, "defg", 4);
    n += frame(buf + n, 1, 0, 1, 1, "", 0);
    ngx_pad_ws_decoder_init(&d, 1000, 1);
    memset(&c, 0, sizeof(c));
    feed(&d, buf, n, n, &c);
    ok(c.messages == 3 && c.len == 7 && memcmp(c.text, "abcdefg", 7) == 0,
       "three pipelined frames, one of them empty");

    /* fragmentation with interleaved control frames */

    /* (the decoder unmasks in place: build the input for every run) */

    for (step = 1; step <= 7; step += 6) {
        n = frame(buf, 0, 0, 1, 1, "hel", 3);
        n += frame(buf + n, 1, 0, 9, 1, "pi", 2);
        n += frame(buf + n, 0, 0, 0, 1, "lo ", 3);
        n += frame(buf + n, 1, 0, 10, 1, "", 0);
        n += frame(buf + n, 1, 0, 0, 1, "world", 5);

        ngx_pad_ws_decoder_init(&d, 1000, 1);
        memset(&c, 0, sizeof(c));
        feed(&d, buf, n, step, &c);
        ok(c.messages == 1 && c.controls == 2 && c.len == 11
           && memcmp(c.text, "hello world", 11) == 0,
           "fragments reassembled around ping and pong");
    }

    /* 16-bit and 64-bit lengths */

    memset(big, 'a', sizeof(big));
    n = frame(buf, 1, 0, 1, 1, big, 300);
    ngx_pad_ws_decoder_init(&d, 100000, 1);
    memset(&c, 0, sizeof(c));
    feed(&d, buf, n, 100, &c);
    ok(c.messages == 1 && c.len == 300, "16-bit length");

    n = frame(buf, 1, 0, 1, 1, big, 65536);
    ngx_pad_ws_decoder_init(&d, 100000, 1);
    memset(&c, 0, sizeof(c));
    feed(&d, buf, n, 1000, &c);
    ok(c.messages == 1 && c.fail_code == 0, "64-bit length (65536)");

    /* failures */

#define FAIL_CASE(desc, code, expr)                                           \
    n = (expr);                                                               \
    ngx_pad_ws_decoder_init(&d, 1000, 1);                                     \
    memset(&c, 0, sizeof(c));                                                 \
    feed(&d, buf, n, 1, &c);                                                  \
    is_int(c.fail_code, code, desc " -> " #code)

    FAIL_CASE("unmasked frame", 1002, frame(buf, 1, 0, 1, 0, "x", 1));
    FAIL_CASE("RSV1 set", 1002, frame(buf, 1, 4, 1, 1, "x", 1));
    FAIL_CASE("RSV3 set", 1002, frame(buf, 1, 1, 1, 1, "x", 1));
    FAIL_CASE("reserved data opcode 3", 1002, frame(buf, 1, 0, 3, 1, "x", 1));
    FAIL_CASE("reserved control opcode 0xb", 1002,
              frame(buf, 1, 0, 0xb, 1, "x", 1));
    FAIL_CASE("continuation without a message", 1002,
              frame(buf, 1, 0, 0, 1, "x", 1));
    FAIL_CASE("binary message", 1003, frame(buf, 1, 0, 2, 1, "x", 1));
    FAIL_CASE("fragmented ping", 1002, frame(buf, 0, 0, 9, 1, "x", 1));
    FAIL_CASE("126-byte ping", 1002, frame(buf, 1, 0, 9, 1, big, 126));
    FAIL_CASE("message over the limit", 1009,
              frame(buf, 1, 0, 1, 1, big, 1001));

    n = frame(buf, 0, 0, 1, 1, "x", 1);
    FAIL_CASE("text frame inside a fragmented message", 1002,
              n + frame(buf + n, 1, 0, 1, 1, "y", 1));

    n = frame(buf, 0, 0, 1, 1, big, 600);
    FAIL_CASE("fragments adding up over the limit", 1009,
              n + frame(buf + n, 1, 0, 0, 1, big, 401));

    buf[0] = 0x81;
    buf[1] = 0x80 | 127;
    buf[2] = 0x80;
    memset(buf + 3, 0, 11);
    FAIL_CASE("64-bit length with the top bit set", 1002, 14);

    /* exactly the limit passes */

    n = frame(buf, 0, 0, 1, 1, big, 600);
    n += frame(buf + n, 1, 0, 0, 1, big, 400);
    ngx_pad_ws_decoder_init(&d, 1000, 1);
    memset(&c, 0, sizeof(c));
    feed(&d, buf, n, 3, &c);
    ok(c.messages == 1 && c.fail_code == 0,
       "fragments adding up to exactly the limit");

    /* binary allowed when not rejected */

    n = frame(buf, 1, 0, 2, 1, "\x01\x02", 2);
    ngx_pad_ws_decoder_init(&d, 1000, 0);
    memset(&c, 0, sizeof(c));
    feed(&d, buf, n, 1, &c);
    ok(c.messages == 1 && c.msg_opcode == 2, "binary accepted when allowed");

    /* a failed decoder stays failed */

    {
        unsigned char       *p, *e;
        ngx_pad_ws_event_t   ev;

        n = frame(buf, 1, 0, 1, 0, "x", 1);
        n += frame(buf + n, 1, 0, 1, 1, "y", 1);
        ngx_pad_ws_decoder_init(&d, 1000, 1);
        p = buf;
        e = buf + n;
        ok(ngx_pad_ws_decode(&d, &p, e, &ev) == NGX_PAD_WS_FAIL
           && ngx_pad_ws_decode(&d, &p, e, &ev) == NGX_PAD_WS_FAIL,
           "decoder stays failed");
    }

    /* encoder */

    ok(ngx_pad_ws_frame_header(hdr, 1, 1, 5) == 2 && hdr[0] == 0x81
       && hdr[1] == 5, "header for 5 bytes");
    ok(ngx_pad_ws_frame_header(hdr, 1, 1, 125) == 2 && hdr[1] == 125,
       "header for 125 bytes");
    ok(ngx_pad_ws_frame_header(hdr, 1, 1, 126) == 4 && hdr[1] == 126
       && hdr[2] == 0 && hdr[3] == 126, "header for 126 bytes");
    ok(ngx_pad_ws_frame_header(hdr, 1, 1, 65535) == 4 && hdr[2] == 0xff
       && hdr[3] == 0xff, "header for 65535 bytes");
    ok(ngx_pad_ws_frame_header(hdr, 8, 1, 65536) == 10 && hdr[0] == 0x88
       && hdr[1] == 127 && hdr[7] == 1 && hdr[8] == 0 && hdr[9] == 0,
       "close header for 65536 bytes");

    /* close codes */

    ok(ngx_pad_ws_close_code_valid(1000) && ngx_pad_ws_close_code_valid(1011)
       && ngx_pad_ws_close_code_valid(3000)
       && ngx_pad_ws_close_code_valid(4999),
       "valid close codes");
    ok(!ngx_pad_ws_close_code_valid(999) && !ngx_pad_ws_close_code_valid(1004)
       && !ngx_pad_ws_close_code_valid(1005)
       && !ngx_pad_ws_close_code_valid(1006)
       && !ngx_pad_ws_close_code_valid(1015)
       && !ngx_pad_ws_close_code_valid(2000)
       && !ngx_pad_ws_close_code_valid(5000),
       "invalid close codes");
}


static void
test_utf8(void)
{
    size_t          i, k;
    ngx_pad_utf8_t  u;

    static const char *good[] = {
        "", "plain ascii", "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "\xed\x9f\xbf", "\xee\x80\x80",
        "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", NULL
    };

    static const char *bad[] = {
        "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
        "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\xaf",
        "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
        "\xfe", "a\xc3(", "\xe2\x28\xa1", NULL
    };

    for (i = 0; good[i]; i++) {
        okf(ngx_pad_utf8_valid((const unsigned char *) good[i],
                               strlen(good[i])),
            "valid UTF-8 #%c", (char) ('0' + i));
    }

    for (i = 0; bad[i]; i++) {
        okf(!ngx_pad_utf8_valid((const unsigned char *) bad[i],
                                strlen(bad[i])),
            "invalid UTF-8 #%c", (char) ('a' + i));
    }

    ok(!ngx_pad_utf8_valid((const unsigned char *) "\xe2\x82", 2),
       "truncated sequence is not complete");

    /* a 4-byte sequence split at every position */

    for (k = 1; k < 4; k++) {
        ngx_pad_utf8_init(&u);
        ok(ngx_pad_utf8_feed(&u, (const unsigned char *) "\xf0\x9f\x98\x80",
                             k) == NGX_PAD_UTF8_PARTIAL
           && ngx_pad_utf8_feed(&u,
                                (const unsigned char *) "\xf0\x9f\x98\x80" + k,
                                4 - k) == NGX_PAD_UTF8_OK,
           "sequence split across chunks");
    }

    /* fail fast: the bad byte fails even with more to come */

    ngx_pad_utf8_init(&u);
    ok(ngx_pad_utf8_feed(&u, (const unsigned char *) "\xed\xa0", 2)
       == NGX_PAD_UTF8_INVALID
       && ngx_pad_utf8_feed(&u, (const unsigned char *) "a", 1)
          == NGX_PAD_UTF8_INVALID,
       "surrogate fails at its second byte and stays failed");
}


static void
test_codec(void)
{
    size_t                 len, n;
    unsigned char          buf[32];
    const unsigned char   *pos, *end, *pkt;
    ngx_pad_sio_packet_t   p;
    const char            *s;

    ok(ngx_pad_eio_packet_type((const unsigned char *) "4x", 2) == 4,
       "engine.io message type");
    ok(ngx_pad_eio_packet_type((const unsigned char *) "6", 1) == 6,
       "engine.io noop type");
    ok(ngx_pad_eio_packet_type((const unsigned char *) "7", 1) == -1
       && ngx_pad_eio_packet_type((const unsigned char *) "", 0) == -1
       && ngx_pad_eio_packet_type((const unsigned char *) "b4", 2) == -1,
       "invalid engine.io types");

    s = "40\x1e" "42[\"a\"]\x1e" "3";
    pos = (const unsigned char *) s;
    end = pos + strlen(s);
    n = 0;

    while (ngx_pad_eio_payload_next(&pos, end, &pkt, &len)) {
        n++;

        if (n == 2) {
            ok(len == 7 && memcmp(pkt, "42[\"a\"]", 7) == 0,
               "second packet of a payload");
        }
    }

    ok(n == 3, "payload split into 3 packets");

    s = "a\x1e\x1e" "b\x1e";
    pos = (const unsigned char *) s;
    end = pos + strlen(s);
    n = 0;

    while (ngx_pad_eio_payload_next(&pos, end, &pkt, &len)) {
        n++;

        if (n == 2) {
            ok(len == 0, "empty packet between separators");
        }
    }

    ok(n == 3, "trailing separator ignored");

    pos = (const unsigned char *) "";
    ok(!ngx_pad_eio_payload_next(&pos, pos, &pkt, &len),
       "empty payload has no packets");

    /* Socket.IO */

#define SIO(str) ngx_pad_sio_parse((const unsigned char *) (str),             \
                                   strlen(str), &p)

    ok(SIO("0") == 0 && p.type == 0 && p.nsp_len == 1 && p.ack_id == -1
       && p.data_len == 0, "CONNECT");
    ok(SIO("0{\"token\":\"x\"}") == 0 && p.type == 0 && p.data_len == 13,
       "CONNECT with auth");
    ok(SIO("0/admin,") == 0 && p.nsp_len == 6
       && memcmp(p.nsp, "/admin", 6) == 0, "CONNECT to /admin");
    ok(SIO("2/admin,12[\"a\"]") == 0 && p.ack_id == 12 && p.data_len == 5,
       "EVENT with namespace and ack id");
    ok(SIO("2[\"message\",{}]") == 0 && p.type == 2 && p.ack_id == -1
       && p.data_len == 14, "EVENT");
    ok(SIO("21[\"message\"]") == 0 && p.ack_id == 1, "EVENT with ack 1");
    ok(SIO("3123[null]") == 0 && p.type == 3 && p.ack_id == 123
       && p.data_len == 6, "ACK");
    ok(SIO("1") == 0 && p.type == 1, "DISCONNECT");
    ok(SIO("51-[\"a\",{\"_placeholder\":true,\"num\":0}]") == 0 && p.type == 5
       && p.attachments == 1, "BINARY_EVENT attachments");
    ok(SIO("5[\"a\"]") == -1, "BINARY_EVENT without attachments");
    ok(SIO("9") == -1 && SIO("") == -1 && SIO("x") == -1,
       "invalid socket.io types");
    ok(SIO("29007199254740991[1]") == 0 && p.ack_id == 9007199254740991LL,
       "largest ack id");
    ok(SIO("29007199254740992[1]") == -1, "ack id over 2^53-1");
    ok(SIO("2/nsp") == 0 && p.nsp_len == 4 && p.data_len == 0,
       "namespace without a comma");

    n = ngx_pad_sio_prefix(buf, 2, -1);
    ok(n == 2 && memcmp(buf, "42", 2) == 0, "prefix 42");
    n = ngx_pad_sio_prefix(buf, 3, 0);
    ok(n == 3 && memcmp(buf, "430", 3) == 0, "prefix 430");
    n = ngx_pad_sio_prefix(buf, 3, 9007199254740991LL);
    ok(n == 18 && memcmp(buf, "439007199254740991", 18) == 0,
       "prefix with the largest ack id");
}


#define U(s)  ((const unsigned char *) (s))


/* a valid handshake, as the RFC 6455 sample has it */

static void
hs_valid(ngx_pad_ws_hs_t *hs)
{
    memset(hs, 0, sizeof(*hs));
    hs->get = 1;
    hs->http11 = 1;
    hs->upgrade = 1;
    hs->connection = 1;
    hs->version = U("13");
    hs->version_len = 2;
    hs->key = U("dGhlIHNhbXBsZSBub25jZQ==");
    hs->key_len = 24;
}


static void
test_ws_handshake(void)
{
    const char       *why;
    ngx_pad_ws_hs_t   hs;

    hs_valid(&hs);
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_OK && why == NULL,
       "handshake: the RFC 6455 sample passes");

    hs_valid(&hs);
    hs.version = U("8");
    hs.version_len = 1;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_UPGRADE_NEEDED
       && strcmp(why, "unsupported Sec-WebSocket-Version") == 0,
       "handshake: another version is 426");

    hs_valid(&hs);
    hs.version = NULL;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "missing Sec-WebSocket-Version") == 0,
       "handshake: no version is 400");

    hs_valid(&hs);
    hs.key = NULL;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "missing Sec-WebSocket-Key") == 0,
       "handshake: no key");

    hs_valid(&hs);
    hs.key = U("dGhlIHNhbXBsZSBub25jZQ=");
    hs.key_len = 23;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "invalid Sec-WebSocket-Key") == 0,
       "handshake: a short key");

    hs_valid(&hs);
    hs.get = 0;
    hs.http11 = 0;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "websocket handshake must be GET") == 0,
       "handshake: the method is checked before the version");

    hs_valid(&hs);
    hs.http11 = 0;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "websocket handshake needs HTTP/1.1") == 0,
       "handshake: HTTP/1.0");

    hs_valid(&hs);
    hs.subrequest = 1;
    hs.http2 = 1;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "websocket in a subrequest") == 0,
       "handshake: a subrequest first");

    hs_valid(&hs);
    hs.http2 = 1;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "websocket over HTTP/2 is not supported") == 0,
       "handshake: HTTP/2");

    hs_valid(&hs);
    hs.upgrade = 0;
    hs.connection = 0;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "missing \"Upgrade: websocket\"") == 0,
       "handshake: Upgrade before Connection");

    hs_valid(&hs);
    hs.connection = 0;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "missing \"Connection: upgrade\"") == 0,
       "handshake: Connection");

    hs_valid(&hs);
    hs.body = 1;
    ok(ngx_pad_ws_hs_check(&hs, &why) == NGX_PAD_WS_HS_BAD_REQUEST
       && strcmp(why, "websocket handshake with a body") == 0,
       "handshake: a body");

    ok(ngx_pad_ws_token_in(U("keep-alive, Upgrade"), 19, "upgrade", 7),
       "token: in a list, any case");
    ok(ngx_pad_ws_token_in(U(" \tupgrade \t"), 11, "upgrade", 7),
       "token: blanks around it");
    ok(!ngx_pad_ws_token_in(U("upgraded"), 8, "upgrade", 7),
       "token: not a prefix");
    ok(!ngx_pad_ws_token_in(U("up grade"), 8, "upgrade", 7),
       "token: not split");
    ok(ngx_pad_ws_token_in(U(",,upgrade,"), 10, "upgrade", 7),
       "token: empty list members");
    ok(!ngx_pad_ws_token_in(U(""), 0, "upgrade", 7), "token: empty value");

    ok(ngx_pad_ws_key_valid(U("dGhlIHNhbXBsZSBub25jZQ=="), 24),
       "key: 16 bytes");
    ok(ngx_pad_ws_key_valid(U("AAAAAAAAAAAAAAAAAAAA+/=x"), 24),
       "key: after the first '=' nothing is read (as nginx decodes)");
    ok(!ngx_pad_ws_key_valid(U("dGhlIHNhbXBsZSBub25jZQ=="), 23),
       "key: 23 characters");
    ok(!ngx_pad_ws_key_valid(U("dGhlIHNhbXBsZSBub25jZQAA"), 24),
       "key: 18 bytes");
    ok(!ngx_pad_ws_key_valid(U("dGhlIHNhbXBsZSBub25jZ==="), 24),
       "key: 15 bytes");
    ok(!ngx_pad_ws_key_valid(U("dGhlIHNhbXBsZSBub25jZ-=="), 24),
       "key: base64url is not base64");
}


static int
relay_parse(const char *in, size_t len, ngx_pad_rmsg_t *m)
{
    return ngx_pad_relay_parse(U(in), len, m);
}


#define RP(s)  relay_parse(s, sizeof(s) - 1, &m)


static void
test_relay_codec(void)
{
    size_t          n;
    unsigned char   buf[NGX_PAD_RELAY_HEADER_MAX];
    ngx_pad_rmsg_t  m;

    ok(RP("QG 7 pad:relay:0a0b0c0d AAAAAAAAAAAAAAAAAAAA 0\n") == 0
       && m.type == 'Q' && m.kind == 'G' && m.id == 7
       && m.reply.len == 18 && memcmp(m.reply.data, "pad:relay:0a0b0c0d", 18)
          == 0
       && m.sid.len == 20 && m.body.len == 0,
       "relay: a GET request");

    ok(RP("QP 8 ch sid 5\n4abc\x1e") == 0 && m.kind == 'P'
       && m.body.len == 5 && memcmp(m.body.data, "4abc\x1e", 5) == 0,
       "relay: a POST with its body");

    ok(RP("RD 9 200 3\nok\n") == 0 && m.type == 'R' && m.kind == 'D'
       && m.id == 9 && m.status == 200 && m.body.len == 3,
       "relay: an answer; the body may hold a newline");

    ok(RP("RA 9 0 0\n") == 0 && m.kind == 'A' && m.status == 0,
       "relay: the owner holds the GET");

    ok(RP("RD 9 200 4\nok\n") == -1, "relay: body shorter than said");
    ok(RP("RD 9 200 1\nok") == -1, "relay: body longer than said");
    ok(RP("RD 9 200 2 ok") == -1, "relay: the length must end a line");
    ok(RP("XD 9 200 0\n") == -1, "relay: unknown type");
    ok(RP("QGG 1 ch sid 0\n") == -1, "relay: type and kind are 2 bytes");
    ok(RP("QG -1 ch sid 0\n") == -1, "relay: negative id");
    ok(RP("QG 1  sid 0\n") == -1, "relay: empty word");
    ok(RP("QG 1 ch sid") == -1, "relay: cut short");
    ok(RP("RD 9223372036854775807 200 0\n") == 0
       && m.id == 9223372036854775807ULL, "relay: the largest id");
    ok(RP("RD 9223372036854775808 200 0\n") == -1, "relay: id overflow");
    ok(RP("QG\n1\nch\nsid\n0\n") == 0 && m.sid.len == 3,
       "relay: a newline also separates words");
    ok(relay_parse("", 0, &m) == -1, "relay: empty message");

    n = ngx_pad_relay_request_header(buf, 'G', 42, U("pad:relay:01"), 12,
                                     U("SID"), 3, 17);
    ok(n == 26 && memcmp(buf, "QG 42 pad:relay:01 SID 17\n", 26) == 0,
       "relay: request header");

    ok(relay_parse((const char *) buf, n, &m) == -1,
       "relay: a header without its body is refused");

    n = ngx_pad_relay_answer_header(buf, 'D', 3, 400, 0);
    ok(n == 11 && memcmp(buf, "RD 3 400 0\n", 11) == 0
       && relay_parse((const char *) buf, n, &m) == 0 && m.status == 400,
       "relay: answer header, parsed back");

    memset(buf, 'x', sizeof(buf));
    ok(ngx_pad_relay_request_header(buf, 'G', 1, buf, 65, U("s"), 1, 0) == 0,
       "relay: a channel name too long");
}


static int
field_is(ngx_pad_form_field_t *f, const char *name, const char *value)
{
    return f->name.len == strlen(name)
           && memcmp(f->name.data, name, f->name.len) == 0
           && f->value.len == strlen(value)
           && memcmp(f->value.data, value, f->value.len) == 0;
}


static void
test_form(void)
{
    char                  buf[256];
    size_t                n;
    const char           *q, *body, *type;
    ngx_pad_str_t         b;
    ngx_pad_form_field_t  f[8];

    q = "padID=a+b%20c&&text=%E2%82%AC%zz%4&flag&=v&x=";
    n = 0;
    ok(ngx_pad_form_urlencoded(q, strlen(q), buf, f, 8, &n) == 0,
       "form: a query decodes");
    is_int((int) n, 5, "form: empty pairs are skipped");
    ok(field_is(&f[0], "padID", "a b c"), "form: '+' and %20 are spaces");
    ok(field_is(&f[1], "text", "\xe2\x82\xac%zz%4"),
       "form: %XX bytes; malformed escapes kept as they are");
    ok(field_is(&f[2], "flag", ""), "form: a name without '=' is empty");
    ok(field_is(&f[3], "", "v"), "form: an empty name");
    ok(field_is(&f[4], "x", ""), "form: an empty value");

    n = 0;
    ok(ngx_pad_form_urlencoded("a=1&b=2&c=3", 11, buf, f, 2, &n) == -1,
       "form: more fields than max fail");

    type = "multipart/form-data; boundary=----abc";
    ok(ngx_pad_form_boundary(type, strlen(type), &b) == 0
       && b.len == 7 && memcmp(b.data, "----abc", 7) == 0,
       "form: the boundary");
    type = "Multipart/Form-Data;boundary=\"q q\"";
    ok(ngx_pad_form_boundary(type, strlen(type), &b) == 0
       && b.len == 3 && memcmp(b.data, "q q", 3) == 0,
       "form: a quoted boundary, any case");
    type = "application/x-www-form-urlencoded";
    ok(ngx_pad_form_boundary(type, strlen(type), &b) == -1,
       "form: urlencoded has no boundary");
    type = "multipart/form-data";
    ok(ngx_pad_form_boundary(type, strlen(type), &b) == -1,
       "form: multipart without a boundary");

    b.data = "XX";
    b.len = 2;
    body = "preamble\r\n--XX\r\n"
           "Content-Disposition: form-data; name=\"padID\"\r\n\r\n"
           "p1\r\n--XX\r\n"
           "Content-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n"
           "Content-Type: text/plain\r\n\r\nfile\r\n--XX\r\n"
           "content-disposition: form-data; name=\"text\"\r\n\r\n"
           "a\r\nb--X\r\n--XX--\r\n";
    n = 0;
    ok(ngx_pad_form_multipart(body, strlen(body), &b, f, 8, &n) == 0,
       "form: a multipart body");
    is_int((int) n, 2, "form: the file part is skipped");
    ok(field_is(&f[0], "padID", "p1"), "form: the first part");
    ok(field_is(&f[1], "text", "a\r\nb--X"),
       "form: CRLF and dashes inside a value");

    n = 0;
    body = "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv";
    ok(ngx_pad_form_multipart(body, strlen(body), &b, f, 8, &n) == -1,
       "form: a part without its end fails");
    n = 0;
    body = "--XX\r\nX-Other: 1\r\n\r\nv\r\n--XX--";
    ok(ngx_pad_form_multipart(body, strlen(body), &b, f, 8, &n) == -1,
       "form: a part without a name fails");
    n = 0;
    body = "no boundary here";
    ok(ngx_pad_form_multipart(body, strlen(body), &b, f, 8, &n) == -1,
       "form: a body without the boundary fails");
}


static int
cookie_is(const char *header, const char *name, const char *value)
{
    ngx_pad_str_t  v;

    if (ngx_pad_cookie_get(header, strlen(header), name, &v) != 0) {
        return value == NULL;
    }

    return value != NULL && v.len == strlen(value)
           && memcmp(v.data, value, v.len) == 0;
}


/* as the cookie package (Etherpad's cookie-parser) parses a header */

static void
test_cookie(void)
{
    ok(cookie_is("token=t.abc; sessionID=s.1,s.2", "sessionID", "s.1,s.2"),
       "cookie: the second pair");
    ok(cookie_is("token=t.abc; sessionID=s.1", "token", "t.abc"),
       "cookie: the first pair");
    ok(cookie_is("xtoken=1; token=2", "token", "2"),
       "cookie: a name is matched whole");
    ok(cookie_is("a=1;b=2", "b", "2"), "cookie: no space after ';'");
    ok(cookie_is("  a \t=  1 ;b=2", "a", "1"),
       "cookie: the name and the value are trimmed");
    ok(cookie_is("a=\"q r\"; b=1", "a", "q r"),
       "cookie: a quoted value loses its quotes");
    ok(cookie_is("a=\"", "a", ""), "cookie: a lone quote is empty");
    ok(cookie_is("a=1; a=2", "a", "1"), "cookie: the first of a name wins");
    ok(cookie_is("junk; a=1", "a", "1"),
       "cookie: a pair without '=' before another is skipped");
    ok(cookie_is("a=1; junk", "junk", NULL),
       "cookie: a pair without '=' is no cookie");
    ok(cookie_is("a=1; b=x=y", "b", "x=y"),
       "cookie: the value keeps later '='");
    ok(cookie_is("a=; b=2", "a", ""), "cookie: an empty value");
    ok(cookie_is("", "a", NULL), "cookie: an empty header");
    ok(cookie_is("a=%41", "a", "%41"), "cookie: the value is not decoded");
}


int
main(void)
{
    test_frames();
    test_utf8();
    test_codec();
    test_ws_handshake();
    test_relay_codec();
    test_form();
    test_cookie();

    return done_testing();
}
