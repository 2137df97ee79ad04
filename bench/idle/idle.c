/*
 * Idle-session load client: opens N Socket.IO sessions over WebSocket
 * (EIO=4&transport=websocket, then CONNECT "40" answered by 40{"sid":..})
 * with C concurrent handshakes, using epoll, and reports the handshake
 * rate.  The sessions then stay open and idle (pings are answered) until
 * stdin is closed.
 *
 *   idle PORT N [CONCURRENCY]
 *
 * Prints "ready {json}" when all sessions are up (or failed).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>


enum { S_CONNECTING, S_HTTP, S_FRAMES, S_DONE, S_FAILED };

typedef struct {
    int            fd;
    int            state;
    int            connected;   /* 40{...} seen */
    size_t         len;
    unsigned char  buf[1024];
} conn_t;


static int       port, total, conc, ep;
static int       started, done, failed;
static conn_t   *conns;


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void
send_text(conn_t *c, const char *text)
{
    size_t         n, i;
    unsigned char  f[64];

    n = strlen(text);
    f[0] = 0x81;
    f[1] = (unsigned char) (0x80 | n);
    memcpy(f + 2, "\x11\x22\x33\x44", 4);

    for (i = 0; i < n; i++) {
        f[6 + i] = (unsigned char) text[i] ^ f[2 + (i & 3)];
    }

    if (write(c->fd, f, 6 + n) != (ssize_t) (6 + n)) {
        c->state = S_FAILED;
    }
}


static void finish(conn_t *c, int ok);


static void
start_one(void)
{
    int                 fd, one;
    conn_t             *c;
    struct sockaddr_in  sin;
    struct epoll_event  ev;

    if (started >= total) {
        return;
    }

    c = &conns[started++];

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        perror("socket");
        exit(1);
    }

    one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    c->fd = fd;
    c->state = S_CONNECTING;
    c->len = 0;

    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0
        && errno != EINPROGRESS)
    {
        finish(c, 0);
        return;
    }

    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}


static void
finish(conn_t *c, int ok)
{
    if (ok) {
        c->state = S_DONE;
        done++;

    } else {
        c->state = S_FAILED;
        failed++;
        close(c->fd);
    }

    start_one();
}


static void
on_frames(conn_t *c)
{
    size_t          hl, plen;
    unsigned char  *p;

    for ( ;; ) {
        if (c->len < 2) {
            return;
        }

        p = c->buf;
        plen = p[1] & 0x7f;
        hl = 2;

        if (plen == 126) {
            if (c->len < 4) {
                return;
            }

            plen = (p[2] << 8) | p[3];
            hl = 4;

        } else if (plen == 127) {
            c->state = S_FAILED;
            return;
        }

        if (c->len < hl + plen) {
            return;
        }

        if ((p[0] & 0x0f) == 1) {
            if (plen >= 1 && p[hl] == '0' && !c->connected) {
                send_text(c, "40");

            } else if (plen >= 3 && memcmp(p + hl, "40{", 3) == 0
                       && !c->connected)
            {
                c->connected = 1;
                finish(c, 1);

            } else if (plen == 1 && p[hl] == '2') {
                send_text(c, "3");
            }

        } else if ((p[0] & 0x0f) == 8) {
            if (c->state != S_DONE) {
                finish(c, 0);
            }

            return;
        }

        memmove(c->buf, c->buf + hl + plen, c->len - hl - plen);
        c->len -= hl + plen;
    }
}


static void
on_event(conn_t *c, uint32_t events)
{
    char                 req[512];
    ssize_t              n;
    unsigned char       *e;
    struct epoll_event   ev;

    if (c->state == S_FAILED) {
        return;
    }

    if (c->state == S_CONNECTING) {
        if (events & (EPOLLERR | EPOLLHUP)) {
            finish(c, 0);
            return;
        }

        if (!(events & EPOLLOUT)) {
            return;
        }

        n = snprintf(req, sizeof(req),
                     "GET /socket.io/?EIO=4&transport=websocket&padId=bench "
                     "HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n", port);

        if (write(c->fd, req, n) != n) {
            finish(c, 0);
            return;
        }

        c->state = S_HTTP;
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        return;
    }

    n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

    if (n <= 0) {
        if (n < 0 && errno == EAGAIN) {
            return;
        }

        if (c->state != S_DONE) {
            finish(c, 0);

        } else {
            close(c->fd);
            c->state = S_FAILED;
        }

        return;
    }

    c->len += n;

    if (c->state == S_HTTP) {
        e = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (e == NULL) {
            return;
        }

        if (c->len < 12 || memcmp(c->buf + 9, "101", 3) != 0) {
            finish(c, 0);
            return;
        }

        e += 4;
        c->len -= e - c->buf;
        memmove(c->buf, e, c->len);
        c->state = S_FRAMES;
    }

    on_frames(c);
}


int
main(int argc, char **argv)
{
    int                  i, n;
    char                 b;
    double               t0, t1;
    struct epoll_event   evs[256], ev;

    if (argc < 3) {
        fprintf(stderr, "usage: idle PORT N [CONCURRENCY]\n");
        return 2;
    }

    port = atoi(argv[1]);
    total = atoi(argv[2]);
    conc = argc > 3 ? atoi(argv[3]) : 200;

    conns = calloc(total, sizeof(conn_t));
    ep = epoll_create1(0);

    if (conns == NULL || ep < 0) {
        perror("init");
        return 1;
    }

    fcntl(0, F_SETFL, O_NONBLOCK);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);

    t0 = now();
    t1 = 0;

    for (i = 0; i < conc && i < total; i++) {
        start_one();
    }

    for ( ;; ) {
        n = epoll_wait(ep, evs, 256, 1000);

        for (i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) {
                if (read(0, &b, 1) == 0) {
                    goto out;
                }

                continue;
            }

            on_event(evs[i].data.ptr, evs[i].events);
        }

        if (t1 == 0 && done + failed == total) {
            t1 = now();
            printf("ready {\"sessions\":%d,\"failed\":%d,\"seconds\":%.3f,"
                   "\"handshakes_per_second\":%.0f,\"client\":\"c\"}\n",
                   done, failed, t1 - t0, done / (t1 - t0));
            fflush(stdout);
        }
    }

out:

    for (i = 0; i < started; i++) {
        if (conns[i].state != S_FAILED) {
            close(conns[i].fd);
        }
    }

    return 0;
}
