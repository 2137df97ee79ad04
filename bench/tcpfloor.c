/*
 * tcpfloor: the kernel's price of one small frame on loopback TCP, the
 * floor under "server CPU per delivered revision" when every revision goes
 * to every reader as its own write.
 *
 * A writer process sends SIZE-byte messages round-robin over N connected
 * loopback sockets, one write() each (what a server does when each socket
 * gets one frame per event loop iteration); a reader process drains them
 * with epoll.  Prints JSON: writer and reader CPU microseconds per message,
 * and the same for writes that carry BATCH messages at once.
 *
 *   tcpfloor [N sockets (200)] [SIZE (267)] [SECONDS (1)] [BATCH (8)]
 */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>


static double
cpu_us(int who)
{
    struct rusage  ru;

    getrusage(who, &ru);

    return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec
           + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}


static double
now_s(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void
reader(int *fds, int n)
{
    int                 ep, i, k;
    struct epoll_event  ev, evs[256];
    static char         buf[1 << 16];

    ep = epoll_create1(0);

    for (i = 0; i < n; i++) {
        ev.events = EPOLLIN;
        ev.data.fd = fds[i];
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    }

    for ( ;; ) {
        k = epoll_wait(ep, evs, 256, -1);

        for (i = 0; i < k; i++) {
            if (read(evs[i].data.fd, buf, sizeof(buf)) <= 0) {
                _exit(0);
            }
        }
    }
}


/* writer CPU us and reader CPU us per message */

static void
run(int n, int size, double secs, int batch, double *w_us, double *r_us)
{
    int                 i, one = 1, lfd, *cl, *sv;
    struct sockaddr_in  a;
    socklen_t           al = sizeof(a);
    pid_t               pid;
    char               *msg;
    double              c0, c1, t0, rc;
    uint64_t            sent = 0;
    int                 status;
    struct rusage       ru;

    cl = calloc(n, sizeof(int));
    sv = calloc(n, sizeof(int));
    msg = malloc((size_t) size * batch);
    memset(msg, 'x', (size_t) size * batch);

    lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *) &a, sizeof(a)) != 0
        || listen(lfd, 1024) != 0
        || getsockname(lfd, (struct sockaddr *) &a, &al) != 0)
    {
        perror("tcpfloor");
        exit(1);
    }

    for (i = 0; i < n; i++) {
        cl[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cl[i], (struct sockaddr *) &a, sizeof(a)) != 0) {
            perror("tcpfloor: connect");
            exit(1);
        }
        sv[i] = accept(lfd, NULL, NULL);
        setsockopt(sv[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }

    pid = fork();
    if (pid == 0) {
        for (i = 0; i < n; i++) {
            close(sv[i]);
        }
        reader(cl, n);
    }

    for (i = 0; i < n; i++) {
        close(cl[i]);
    }

    c0 = cpu_us(RUSAGE_SELF);
    t0 = now_s();

    while (now_s() - t0 < secs) {
        for (i = 0; i < n; i++) {
            if (write(sv[i], msg, (size_t) size * batch) < 0) {
                perror("tcpfloor: write");
                exit(1);
            }
        }
        sent += (uint64_t) n * batch;
    }

    c1 = cpu_us(RUSAGE_SELF);

    for (i = 0; i < n; i++) {
        close(sv[i]);
    }
    close(lfd);

    wait4(pid, &status, 0, &ru);
    rc = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec
         + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;

    *w_us = (c1 - c0) / (double) sent;
    *r_us = rc / (double) sent;

    free(cl);
    free(sv);
    free(msg);
}


int
main(int argc, char **argv)
{
    int     n = argc > 1 ? atoi(argv[1]) : 200;
    int     size = argc > 2 ? atoi(argv[2]) : 267;
    double  secs = argc > 3 ? atof(argv[3]) : 1;
    int     batch = argc > 4 ? atoi(argv[4]) : 8;
    double  w1, r1, wb, rb;

    signal(SIGPIPE, SIG_IGN);

    run(n, size, secs, 1, &w1, &r1);
    run(n, size, secs, batch, &wb, &rb);

    printf("{\"sockets\":%d,\"size\":%d,\"writer_us_per_msg\":%.3f,"
           "\"reader_us_per_msg\":%.3f,\"batch\":%d,"
           "\"writer_us_per_msg_batched\":%.3f,"
           "\"reader_us_per_msg_batched\":%.3f}\n",
           n, size, w1, r1, batch, wb, rb);

    return 0;
}
