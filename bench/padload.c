/*
 * padload: a load generator for ngx_pad_module that speaks the real
 * protocol (RFC 6455 WebSocket, Engine.IO v4, Socket.IO v5, Etherpad's pad
 * messages) from one epoll loop per process, optionally over several
 * processes.
 *
 * Every client keeps the pad text at its revision and applies every
 * revision it receives with the project's Easysync library, so that the
 * run ends with a convergence check of every client against export/txt.
 * Writers keep one USER_CHANGES in flight, rebased over what arrives
 * meanwhile (follow(server, pending, false)), as the real client does.
 * Each insert carries its send time (base 36, in the inserted characters),
 * so every receiver measures the fan-out latency of every revision.
 *
 * Phases (driven by the parent over pipes): connect and join -> 'J';
 * parent sends "go" (a CLOCK_MONOTONIC time in us) -> writers run; the
 * measurement window is [go + warmup, go + warmup + duration]; writers
 * stop at its end; each child drains until quiet -> 'Q'; parent sends 'C'
 * when every child is quiet -> children compare texts with export/txt and
 * send their statistics.  The parent measures the server's CPU (utime +
 * stime of the nginx workers and redis-server) and RSS from /proc over the
 * same window and prints one JSON object.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <jansson.h>

#include "easysync/ngx_pad_cs.h"
#include "codec/ngx_pad_ws_frame.h"
#include "codec/ngx_pad_eio_codec.h"


#define HBUCKETS   1280
#define MAXPROCS   8

enum { ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_READY, ST_JOINED, ST_DEAD };
enum { R_READER, R_WRITER };

typedef struct {
    uint64_t  commits;         /* ACCEPT_COMMITs in the window */
    uint64_t  delivered;       /* revisions received (NEW_CHANGES items) */
    uint64_t  frames;          /* WebSocket frames received in window */
    uint64_t  bytes;           /* payload bytes received in window */
    uint64_t  batches;         /* NEW_CHANGES_BATCH messages in window */
    uint64_t  reads;           /* read()s that returned data, in window */
    uint64_t  unverified;      /* revisions no other client here verified */
    uint64_t  wakeups;         /* epoll_wait()s that returned, in window */
    uint64_t  sent;            /* USER_CHANGES sent (whole run) */
    uint64_t  accepted;        /* ACCEPT_COMMITs (whole run) */
    uint64_t  errors;
    uint64_t  gaps;
    uint64_t  dups;
    uint64_t  mismatches;      /* clients whose text != export/txt */
    uint64_t  checked;         /* clients compared */
    uint64_t  unjoined;
    uint64_t  joined;
    uint64_t  cpu_us;          /* this process's CPU during the window */
    uint64_t  drain_us;
    uint64_t  hc[HBUCKETS];    /* commit latency, us */
    uint64_t  hf[HBUCKETS];    /* fan-out latency, us */
} stats_t;

typedef struct {
    int        fd;
    int        state;
    int        role;
    int        pad;
    int64_t    rev;
    char      *text;
    size_t     text_len;
    size_t     text_cap;
    char      *pend;           /* changeset in flight */
    size_t     pend_len;
    uint64_t   pend_sent;      /* us */
    int        owed;           /* timed mode: a tick while in flight */
    uint64_t   owed_stamp;
    uint64_t   next_tick;
    char      *carry;          /* partial frame */
    size_t     carry_len;
    char      *wq;             /* unsent bytes */
    size_t     wq_len;
    size_t     wq_pos;
    int        broken;
    int        own;            /* keeps its own text (writers, late joins) */
    int        fault;          /* --fault: this client gets the fault */
    char       author[48];
    char       token[32];
} client_t;

static struct {
    const char  *host;
    int          port;
    int          pads;
    int          writers;
    int          readers;
    int          procs;
    double       duration;
    double       warmup;
    int          timed;        /* etherpad-load-test pattern */
    int          interval_ms;
    int          ins;          /* inserted characters (stamp) */
    int          maxlen;
    int          inflight;     /* concurrent handshakes per process */
    const char  *prefix;
    const char  *pids;         /* nginx master, redis-server */
    int          optin;
    double       drain_max;
    double       join_max;
    int          own_all;      /* every client keeps its own text */
    const char  *fault;        /* a deliberate fault, for the tests */
} cf = {
    "127.0.0.1", 0, 1, 1, 10, 1, 3.0, 0.5, 0, 400, 8, 2000, 256, "bench",
    NULL, 1, 15.0, 90.0, 0, NULL
};


/*
 * The pad as this process's clients see it.  The text a client ends with
 * is a function of the sequence of changesets it received, so clients
 * need not apply them each: the first client of a pad to receive
 * revision N applies it to the text of N - 1 once and records the
 * changeset's hash and length for N; every other client compares what it
 * received for N with that record.  A client that received the same
 * contiguous sequence from the pad's first revision has the pad's text;
 * any difference (another changeset for some revision, a gap) makes it
 * "broken", which the final check counts as a mismatch.
 *
 * A writer rebases its pending changeset over every revision it receives
 * (follow), and on ACCEPT_COMMIT N applies it to the text of N - 1: the
 * result must equal the text of N made from the changeset the others
 * received.  If no client of this process has N yet, the writer's text
 * becomes the text of N, unverified, and the first client to receive N
 * verifies it by applying its changeset to the text of N - 1.  Texts are
 * kept from the lowest revision a writer of the pad may still need (its
 * current one) or an unverified revision needs.
 */

typedef struct {
    uint64_t   hash;           /* of the changeset */
    uint32_t   cs_len;
    uint32_t   known;          /* 1: hash, cs_len set; 2: none can be */
    char      *text;           /* the text at this revision, or NULL */
    size_t     text_len;
} rev_t;

typedef struct {
    int        init;
    int        bad;            /* a writer's text and a changeset differ */
    int64_t    base;           /* revs[0] is the revision of the join */
    int64_t    top;            /* the newest revision */
    int64_t    kept;           /* texts are kept from this revision on */
    int64_t    unver;          /* the oldest revision not verified */
    rev_t     *revs;
    size_t     cap;
    client_t **writers;        /* this process's writers of the pad */
    int        nwriters;
    int        nclients;       /* this process's clients of the pad */
} padrec_t;

static padrec_t        *pads;

static client_t        *clients;
static int              nclients;
static int              epfd;
static stats_t          st;
static ngx_pad_ctx_t   *ctx;
static ngx_pad_pool_t  *dummy_pool;
static unsigned char   *rbuf;
static size_t           rbuf_cap = 1 << 20;
static uint64_t         t_go, t_w0, t_w1, t_start, t_settle;
static int              running, ended;
static int              show;    /* PADLOAD_SHOW: print frames in window */
static uint64_t         last_rx;
static int              njoined, nconnecting, next_connect;
static int              ctl_in = -1, ctl_out = -1;
static struct sockaddr_in  srv;


static uint64_t
now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


static int
in_window(uint64_t t)
{
    return t >= t_w0 && t < t_w1;
}


/* log-linear histogram: exact below 64, then 32 sub-buckets per octave */

static void
hist_add(uint64_t *h, uint64_t v)
{
    int  e, i;

    if (v < 64) {
        i = (int) v;

    } else {
        e = 63 - __builtin_clzll(v);
        i = 64 + (e - 6) * 32 + (int) ((v >> (e - 5)) & 31);
    }

    if (i >= HBUCKETS) {
        i = HBUCKETS - 1;
    }

    h[i]++;
}


static double
hist_value(int i)
{
    int  e;

    if (i < 64) {
        return i;
    }

    e = (i - 64) / 32 + 6;

    return (double) ((32 + ((i - 64) % 32)) * (1ULL << (e - 5)))
           + (double) (1ULL << (e - 5)) / 2;
}


static double
hist_pct(const uint64_t *h, double p)
{
    int       i;
    uint64_t  n, k, want;

    n = 0;
    for (i = 0; i < HBUCKETS; i++) {
        n += h[i];
    }

    if (n == 0) {
        return -1;
    }

    want = (uint64_t) (p * (double) n);
    if (want >= n) {
        want = n - 1;
    }

    k = 0;
    for (i = 0; i < HBUCKETS; i++) {
        k += h[i];
        if (k > want) {
            return hist_value(i);
        }
    }

    return -1;
}


static uint64_t
hist_count(const uint64_t *h)
{
    int       i;
    uint64_t  n = 0;

    for (i = 0; i < HBUCKETS; i++) {
        n += h[i];
    }

    return n;
}


static double
hist_max(const uint64_t *h)
{
    int  i;

    for (i = HBUCKETS - 1; i >= 0; i--) {
        if (h[i]) {
            return hist_value(i);
        }
    }

    return -1;
}


/* send stamps: cf.ins base-36 digits of us (8) or ms (fewer) */

static uint64_t
stamp_mod(void)
{
    uint64_t  m = 1;
    int       i;

    for (i = 0; i < cf.ins; i++) {
        m *= 36;
    }

    return m;
}


static uint64_t
stamp_unit(void)
{
    return cf.ins >= 8 ? 1 : 1000;
}


static void
stamp_encode(char *out, uint64_t t)
{
    static const char  d[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint64_t           v;
    int                i;

    v = (t / stamp_unit()) % stamp_mod();

    for (i = cf.ins - 1; i >= 0; i--) {
        out[i] = d[v % 36];
        v /= 36;
    }
}


static int
stamp_decode(const char *s, size_t n, uint64_t now, uint64_t *lat)
{
    uint64_t  v, m, t;
    size_t    i;
    int       c;

    if (n != (size_t) cf.ins) {
        return -1;
    }

    v = 0;
    for (i = 0; i < n; i++) {
        c = s[i];
        if (c >= '0' && c <= '9') {
            c -= '0';
        } else if (c >= 'a' && c <= 'z') {
            c = c - 'a' + 10;
        } else {
            return -1;
        }
        v = v * 36 + (uint64_t) c;
    }

    m = stamp_mod();
    t = (now / stamp_unit()) % m;
    *lat = ((t + m - v) % m) * stamp_unit();

    return 0;
}


/* output */

static void client_fail(client_t *c, const char *why);


static void
client_flush(client_t *c)
{
    ssize_t             n;
    struct epoll_event  ev;

    while (c->wq_pos < c->wq_len) {
        n = write(c->fd, c->wq + c->wq_pos, c->wq_len - c->wq_pos);
        if (n < 0) {
            if (errno == EAGAIN) {
                ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
                ev.data.ptr = c;
                epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
                return;
            }
            client_fail(c, "write");
            return;
        }
        c->wq_pos += (size_t) n;
    }

    c->wq_pos = c->wq_len = 0;
}


static void
client_write(client_t *c, const char *p, size_t n)
{
    ssize_t   w;
    char     *q;

    if (c->state == ST_DEAD) {
        return;
    }

    if (c->wq_len == 0) {
        w = write(c->fd, p, n);
        if (w == (ssize_t) n) {
            return;
        }
        if (w < 0) {
            if (errno != EAGAIN) {
                client_fail(c, "write");
                return;
            }
            w = 0;
        }
        p += w;
        n -= (size_t) w;
    }

    q = realloc(c->wq, c->wq_len + n);
    if (q == NULL) {
        client_fail(c, "out of memory");
        return;
    }
    c->wq = q;
    memcpy(c->wq + c->wq_len, p, n);
    c->wq_len += n;

    client_flush(c);
}


/* one masked text frame (mask key 0: the payload goes as it is) */

static void
client_send(client_t *c, const char *p, size_t n)
{
    unsigned char  hdr[NGX_PAD_WS_MAX_HEADER + 4];
    size_t         hl;
    char           stackbuf[4096], *b;

    hl = ngx_pad_ws_frame_header(hdr, NGX_PAD_WS_OP_TEXT, 1, n);
    hdr[1] |= 0x80;
    memset(hdr + hl, 0, 4);
    hl += 4;

    b = (hl + n <= sizeof(stackbuf)) ? stackbuf : malloc(hl + n);
    if (b == NULL) {
        client_fail(c, "out of memory");
        return;
    }

    memcpy(b, hdr, hl);
    memcpy(b + hl, p, n);
    client_write(c, b, hl + n);

    if (b != stackbuf) {
        free(b);
    }
}


static void
client_close(client_t *c)
{
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }

    if (c->state < ST_JOINED) {
        nconnecting--;
    }

    c->state = ST_DEAD;
}


static void
client_fail(client_t *c, const char *why)
{
    static int  logged;

    if (c->state == ST_DEAD) {
        return;
    }

    st.errors++;
    c->broken = 1;

    if (logged++ < 5) {
        fprintf(stderr, "padload[%d]: client %d (pad %d): %s\n",
                (int) getpid(), (int) (c - clients), c->pad, why);
    }

    client_close(c);
}


static int
buf_set(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    char  *t;

    if (n + 1 > *cap) {
        t = realloc(*buf, n + 64);
        if (t == NULL) {
            return -1;
        }
        *buf = t;
        *cap = n + 64;
    }

    memcpy(*buf, p, n);
    *len = n;

    return 0;
}


static int
set_text(client_t *c, const char *p, size_t n)
{
    return buf_set(&c->text, &c->text_len, &c->text_cap, p, n);
}


/* FNV-1a, 64 bits */

static uint64_t
cs_hash(const char *p, size_t n)
{
    uint64_t  h = 0xcbf29ce484222325ULL;
    size_t    i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char) p[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


static int
fault_is(const char *kind)
{
    return cf.fault != NULL && strcmp(cf.fault, kind) == 0;
}


/* the pad's text at rev, if kept */

static int
pad_text(padrec_t *r, int64_t rev, ngx_pad_str_t *t)
{
    rev_t  *e;

    if (rev < r->kept || rev > r->top) {
        return -1;
    }

    e = &r->revs[rev - r->base];
    if (e->text == NULL) {
        return -1;
    }

    t->data = e->text;
    t->len = e->text_len;

    return 0;
}


static void
pad_verified(padrec_t *r)
{
    while (r->unver <= r->top && r->revs[r->unver - r->base].known) {
        r->unver++;
    }
}


/* frees the texts no writer and no verification needs any more */

static void
pad_trim(padrec_t *r)
{
    int64_t    from, rev;
    client_t  *w;
    int        i;

    if (r->top - r->unver > 1000000) {
        /* a safety cap: nobody else here received these revisions */
        while (r->top - r->unver > 1000000) {
            r->revs[r->unver - r->base].known = 2;
            st.unverified++;
            r->unver++;
        }
        pad_verified(r);
    }

    from = r->top;

    if (r->unver <= r->top && r->unver - 1 < from) {
        from = r->unver - 1;
    }

    for (i = 0; i < r->nwriters; i++) {
        w = r->writers[i];
        if (w->state == ST_JOINED && !w->own && !w->broken && w->rev < from) {
            from = w->rev;
        }
    }

    for (rev = r->kept; rev < from; rev++) {
        free(r->revs[rev - r->base].text);
        r->revs[rev - r->base].text = NULL;
    }

    if (from > r->kept) {
        r->kept = from;
    }
}


/* the text of revision top + 1 */

static void
pad_push(padrec_t *r, const ngx_pad_str_t *t, int known, uint64_t h,
    size_t n)
{
    rev_t   *e;
    size_t   i, cap;

    i = (size_t) (r->top + 1 - r->base);

    if (i >= r->cap) {
        cap = r->cap ? r->cap * 2 : 1024;
        e = realloc(r->revs, cap * sizeof(rev_t));
        if (e == NULL) {
            goto nomem;
        }
        memset(e + r->cap, 0, (cap - r->cap) * sizeof(rev_t));
        r->revs = e;
        r->cap = cap;
    }

    e = &r->revs[i];
    e->text = malloc(t->len + 1);
    if (e->text == NULL) {
        goto nomem;
    }
    memcpy(e->text, t->data, t->len);
    e->text_len = t->len;
    e->known = known;
    e->hash = h;
    e->cs_len = (uint32_t) n;

    r->top++;
    pad_verified(r);
    pad_trim(r);

    return;

nomem:

    fprintf(stderr, "padload: out of memory\n");
    exit(1);
}


static int
pad_init(padrec_t *r, int64_t rev, const char *text, size_t len)
{
    r->revs = calloc(64, sizeof(rev_t));
    if (r->revs == NULL) {
        return -1;
    }
    r->cap = 64;
    r->revs[0].text = malloc(len + 1);
    if (r->revs[0].text == NULL) {
        return -1;
    }
    memcpy(r->revs[0].text, text, len);
    r->revs[0].text_len = len;
    r->revs[0].known = 1;
    r->base = rev;
    r->top = rev;
    r->kept = rev;
    r->unver = rev + 1;
    r->init = 1;

    return 0;
}


static void
pad_diverged(client_t *c, int64_t rev, const char *what)
{
    static int  shown;

    if (shown++ < 3) {
        fprintf(stderr, "padload[%d]: client %d pad %d: rev %" PRId64
                ": %s\n", (int) getpid(), (int) (c - clients), c->pad, rev,
                what);
    }
}


/* a client without its own text: revision rev (= c->rev) is cs */

static void
shared_item(client_t *c, int64_t rev, const char *cs, size_t n)
{
    padrec_t       *r = &pads[c->pad];
    rev_t          *e;
    uint64_t        h;
    ngx_pad_str_t   s, text, out;

    h = cs_hash(cs, n);
    e = (rev <= r->top) ? &r->revs[rev - r->base] : NULL;

    if (c->fault && fault_is("cs") && e && e->known == 1 && running) {
        h ^= 1;    /* as if this client had received another changeset */
        c->fault = 0;
    }

    if (e && e->known) {
        if (e->known == 2) {
            st.unverified++;

        } else if (e->hash != h || e->cs_len != n) {
            c->broken = 1;
            pad_diverged(c, rev, "differs from what another client got");
        }
        return;
    }

    if (rev > r->top + 1 || pad_text(r, rev - 1, &text) != 0) {
        /* cannot happen: the client had rev - 1, so the pad has it */
        c->broken = 1;
        st.errors++;
        pad_diverged(c, rev, "the pad's previous text is not kept");
        return;
    }

    s.data = cs;
    s.len = n;

    if (ngx_pad_cs_apply_to_text(ctx, &s, &text, &out) != NGX_PAD_CS_OK) {
        fprintf(stderr, "padload: apply: %s\n", ngx_pad_ctx_error(ctx));
        ngx_pad_ctx_reset(ctx);
        c->broken = 1;
        st.errors++;
        return;
    }

    if (e == NULL) {
        pad_push(r, &out, 1, h, n);
        ngx_pad_ctx_reset(ctx);
        return;
    }

    /* a writer's text for rev, not verified yet */

    if (e->text == NULL || out.len != e->text_len
        || memcmp(out.data, e->text, out.len) != 0)
    {
        r->bad = 1;
        pad_diverged(c, rev, "the changeset's text differs from its "
                     "writer's");
    }

    ngx_pad_ctx_reset(ctx);

    e->known = 1;
    e->hash = h;
    e->cs_len = (uint32_t) n;
    pad_verified(r);
    pad_trim(r);
}


/* a writer without its own text: its pending changeset became rev */

static void
shared_accept(client_t *c, int64_t rev)
{
    padrec_t       *r = &pads[c->pad];
    ngx_pad_str_t   s, text, out, mine;
    char           *fault_buf = NULL;

    s.data = c->pend;
    s.len = c->pend_len;

    if (pad_text(r, rev - 1, &text) != 0 || rev > r->top + 1) {
        c->broken = 1;
        st.errors++;
        pad_diverged(c, rev, "the pad's previous text is not kept");
        return;
    }

    if (ngx_pad_cs_apply_to_text(ctx, &s, &text, &mine) != NGX_PAD_CS_OK) {
        fprintf(stderr, "padload: apply: %s\n", ngx_pad_ctx_error(ctx));
        ngx_pad_ctx_reset(ctx);
        c->broken = 1;
        st.errors++;
        return;
    }

    if (c->fault && fault_is("rebase") && mine.len > 0
        && (fault_buf = malloc(mine.len)) != NULL)
    {
        /* as if the writer had made another text of its commit */
        memcpy(fault_buf, mine.data, mine.len);
        fault_buf[mine.len / 2] ^= 1;
        mine.data = fault_buf;
        c->fault = 0;
    }

    if (rev == r->top + 1) {
        /* verified when another client here receives it, if there is one */
        if (r->nclients < 2) {
            st.unverified++;
        }
        pad_push(r, &mine, r->nclients < 2 ? 2 : 0, 0, 0);

    } else if (pad_text(r, rev, &out) != 0 || out.len != mine.len
               || memcmp(out.data, mine.data, mine.len) != 0)
    {
        c->broken = 1;
        pad_diverged(c, rev, "the writer's text differs from the "
                     "changeset's");

    } else {
        pad_trim(r);
    }

    ngx_pad_ctx_reset(ctx);
    free(fault_buf);
}


/* writers */

static void
writer_commit(client_t *c, uint64_t stamp_time)
{
    ngx_pad_str_t  orig, ins, attr, out;
    intptr_t       len16, pos, ndel;
    char           stamp[16], *msg;
    int            n;
    size_t         cap;

    if (c->own) {
        orig.data = c->text;
        orig.len = c->text_len;

    } else if (pad_text(&pads[c->pad], c->rev, &orig) != 0) {
        client_fail(c, "the pad's text is not kept");
        return;
    }

    if (ngx_pad_utf16_len(ctx, &orig, &len16) != NGX_PAD_CS_OK
        || len16 < 1)
    {
        client_fail(c, "bad text");
        return;
    }

    if (cf.timed) {
        pos = len16 - 1;
        ndel = 0;

    } else {
        pos = (intptr_t) (random() % len16);
        if (pos > len16 - 1) {
            pos = len16 - 1;
        }
        ndel = 0;
        if (len16 > cf.maxlen) {
            ndel = len16 - 1 - pos;
            if (ndel > cf.ins) {
                ndel = cf.ins;
            }
        }
    }

    stamp_encode(stamp, stamp_time);
    ins.data = stamp;
    ins.len = (size_t) cf.ins;
    attr.data = "*0";
    attr.len = 2;

    if (ngx_pad_cs_make_splice(ctx, &orig, pos, ndel, &ins, &attr, &out)
        != NGX_PAD_CS_OK)
    {
        /* a surrogate pair at pos: insert at the start instead */
        if (ngx_pad_cs_make_splice(ctx, &orig, 0, 0, &ins, &attr, &out)
            != NGX_PAD_CS_OK)
        {
            client_fail(c, ngx_pad_ctx_error(ctx));
            ngx_pad_ctx_reset(ctx);
            return;
        }
    }

    free(c->pend);
    c->pend = malloc(out.len);
    if (c->pend == NULL) {
        client_fail(c, "out of memory");
        return;
    }
    memcpy(c->pend, out.data, out.len);
    c->pend_len = out.len;
    ngx_pad_ctx_reset(ctx);

    cap = c->pend_len + 256;
    msg = malloc(cap);
    if (msg == NULL) {
        client_fail(c, "out of memory");
        return;
    }

    n = snprintf(msg, cap,
                 "42[\"message\",{\"type\":\"COLLABROOM\",\"component\":"
                 "\"pad\",\"data\":{\"type\":\"USER_CHANGES\",\"baseRev\":"
                 "%" PRId64 ",\"changeset\":\"%.*s\",\"apool\":{"
                 "\"numToAttrib\":{\"0\":[\"author\",\"%s\"]},"
                 "\"nextNum\":1}}}]",
                 c->rev, (int) c->pend_len, c->pend, c->author);

    c->pend_sent = now_us();
    client_send(c, msg, (size_t) n);
    free(msg);
    st.sent++;
}


static void
writer_next(client_t *c)
{
    uint64_t  t;

    if (c->role != R_WRITER || c->state != ST_JOINED || c->pend || !running
        || ended)
    {
        return;
    }

    if (!cf.timed) {
        writer_commit(c, now_us());
        return;
    }

    if (c->owed) {
        t = c->owed_stamp;
        c->owed = 0;
        writer_commit(c, t);
    }
}


/* incoming revisions */

static const char *
find(const char *p, const char *end, const char *s, size_t n)
{
    return memmem(p, (size_t) (end - p), s, n);
}


/* s at p (the server's usual order) or further on */

static const char *
find_at(const char *p, const char *end, const char *s, size_t n)
{
    if ((size_t) (end - p) >= n && memcmp(p, s, n) == 0) {
        return p;
    }

    return find(p, end, s, n);
}


static int
parse_int(const char *p, const char *end, int64_t *v, const char **next)
{
    int64_t  n = 0;
    int      any = 0;

    while (p < end && *p >= '0' && *p <= '9') {
        n = n * 10 + (*p - '0');
        p++;
        any = 1;
    }

    *v = n;
    *next = p;

    return any ? 0 : -1;
}


/* one revision item starting at p ("newRev":...), returns its end */

static const char *
apply_item(client_t *c, const char *p, const char *end, uint64_t now)
{
    static const char  k_rev[] = "\"newRev\":";
    static const char  k_cs[] = "\"changeset\":\"";
    const char        *q, *cs, *cse, *bank;
    int64_t            rev;
    ngx_pad_str_t      s, text, out, pend;
    uint64_t           lat;

    q = find_at(p, end, k_rev, sizeof(k_rev) - 1);
    if (q == NULL) {
        return NULL;
    }

    if (parse_int(q + sizeof(k_rev) - 1, end, &rev, &q) != 0) {
        return NULL;
    }

    if (q < end && *q == ',') {
        q++;
    }

    cs = find_at(q, end, k_cs, sizeof(k_cs) - 1);
    if (cs == NULL) {
        return NULL;
    }
    cs += sizeof(k_cs) - 1;
    cse = memchr(cs, '"', (size_t) (end - cs));
    if (cse == NULL) {
        return NULL;
    }

    if (c->fault && fault_is("gap") && running && in_window(now)
        && rev == c->rev + 1)
    {
        c->fault = 0;
        return cse;    /* as if this revision had not arrived */
    }

    if (in_window(now)) {
        st.delivered++;
    }

    if (rev <= c->rev) {
        st.dups++;
        return cse;
    }

    if (rev != c->rev + 1) {
        st.gaps++;
        c->broken = 1;
        c->rev = rev;
        return cse;
    }

    c->rev = rev;

    if (c->broken) {
        return cse;
    }

    s.data = cs;
    s.len = (size_t) (cse - cs);

    bank = memchr(cs, '$', s.len);
    if (bank && in_window(now)
        && stamp_decode(bank + 1, (size_t) (cse - bank - 1), now, &lat) == 0)
    {
        hist_add(st.hf, lat);
    }

    if (c->pend) {
        pend.data = c->pend;
        pend.len = c->pend_len;

        if (ngx_pad_cs_follow(ctx, &s, &pend, 0, dummy_pool, &out)
            != NGX_PAD_CS_OK)
        {
            fprintf(stderr, "padload: follow: %s\n", ngx_pad_ctx_error(ctx));
            c->broken = 1;
            st.errors++;
            ngx_pad_ctx_reset(ctx);
            return cse;
        }

        free(c->pend);
        c->pend = malloc(out.len);
        if (c->pend == NULL) {
            c->broken = 1;
            return cse;
        }
        memcpy(c->pend, out.data, out.len);
        c->pend_len = out.len;
        ngx_pad_ctx_reset(ctx);
    }

    if (!c->own) {
        shared_item(c, rev, s.data, s.len);
        return cse;
    }

    text.data = c->text;
    text.len = c->text_len;

    if (ngx_pad_cs_apply_to_text(ctx, &s, &text, &out) != NGX_PAD_CS_OK
        || set_text(c, out.data, out.len) != 0)
    {
        fprintf(stderr, "padload: apply: %s\n", ngx_pad_ctx_error(ctx));
        c->broken = 1;
        st.errors++;
    }

    ngx_pad_ctx_reset(ctx);

    return cse;
}


static void
on_accept(client_t *c, const char *p, const char *end, uint64_t now)
{
    int64_t        rev;
    const char    *q;
    ngx_pad_str_t  s, text, out;

    q = find(p, end, "\"newRev\":", 9);
    if (q == NULL || parse_int(q + 9, end, &rev, &q) != 0) {
        st.errors++;
        return;
    }

    if (c->pend == NULL) {
        st.errors++;
        return;
    }

    if (rev <= c->rev) {
        st.dups++;
        return;
    }

    if (rev != c->rev + 1) {
        st.gaps++;
        c->broken = 1;
    }

    c->rev = rev;
    st.accepted++;

    if (in_window(now)) {
        st.commits++;
        hist_add(st.hc, now - c->pend_sent);
    }

    if (!c->broken && !c->own) {
        shared_accept(c, rev);

    } else if (!c->broken) {
        s.data = c->pend;
        s.len = c->pend_len;
        text.data = c->text;
        text.len = c->text_len;

        if (ngx_pad_cs_apply_to_text(ctx, &s, &text, &out) != NGX_PAD_CS_OK
            || set_text(c, out.data, out.len) != 0)
        {
            c->broken = 1;
            st.errors++;
        }
        ngx_pad_ctx_reset(ctx);
    }

    free(c->pend);
    c->pend = NULL;

    writer_next(c);
}


static void
send_ready(client_t *c)
{
    char  msg[512];
    int   n;

    n = snprintf(msg, sizeof(msg),
                 "42[\"message\",{\"component\":\"pad\",\"type\":"
                 "\"CLIENT_READY\",\"padId\":\"%s-%d\",\"token\":\"%s\","
                 "\"userInfo\":{\"colorId\":null,\"name\":null}%s}]",
                 cf.prefix, c->pad, c->token,
                 cf.optin ? ",\"newChangesBatch\":true" : "");

    client_send(c, msg, (size_t) n);
    c->state = ST_READY;
}


static void
on_client_vars(client_t *c, const char *p, size_t n)
{
    json_t      *a, *d, *ccv, *t, *u, *r;
    json_error_t  err;

    a = json_loadb(p + 2, n - 2, 0, &err);
    d = json_object_get(json_array_get(a, 1), "data");
    ccv = json_object_get(d, "collab_client_vars");
    t = json_object_get(json_object_get(ccv, "initialAttributedText"),
                        "text");
    r = json_object_get(ccv, "rev");
    u = json_object_get(d, "userId");

    if (!json_is_string(t) || !json_is_integer(r) || !json_is_string(u)
        || json_string_length(u) >= sizeof(c->author))
    {
        json_decref(a);
        fprintf(stderr, "padload: CLIENT_VARS: %.*s\n",
                (int) (n > 600 ? 600 : n), p);
        client_fail(c, "bad CLIENT_VARS");
        return;
    }

    c->rev = json_integer_value(r);
    c->own = 1;

    if (!cf.own_all) {
        padrec_t       *pr = &pads[c->pad];
        ngx_pad_str_t   pt;

        if (!pr->init
            && pad_init(pr, c->rev, json_string_value(t),
                        json_string_length(t)) != 0)
        {
            json_decref(a);
            client_fail(c, "out of memory");
            return;
        }

        /* a client that joins at another revision keeps its own text */
        c->own = !(pr->top == c->rev && pad_text(pr, c->rev, &pt) == 0
                   && pt.len == json_string_length(t)
                   && memcmp(pt.data, json_string_value(t), pt.len) == 0);
    }

    if (c->own
        && set_text(c, json_string_value(t), json_string_length(t)) != 0)
    {
        json_decref(a);
        client_fail(c, "out of memory");
        return;
    }

    memcpy(c->author, json_string_value(u), json_string_length(u) + 1);
    json_decref(a);

    c->state = ST_JOINED;
    nconnecting--;
    njoined++;
    st.joined++;

    if (running) {
        writer_next(c);
    }
}


static const char  k_collab[] =
    "42[\"message\",{\"type\":\"COLLABROOM\",\"data\":{\"type\":\"";
static const char  k_cv[] = "42[\"message\",{\"type\":\"CLIENT_VARS\"";


static void
on_message(client_t *c, const char *p, size_t n, uint64_t now)
{
    const char  *end = p + n, *t, *q;
    size_t       kl = sizeof(k_collab) - 1;
    int          items;

    if (n >= kl && memcmp(p, k_collab, kl) == 0) {
        t = p + kl;

        if (end - t > 18 && memcmp(t, "NEW_CHANGES\",", 13) == 0) {
            if (apply_item(c, t + 13, end, now) == NULL) {
                st.errors++;
            }
            return;
        }

        if (end - t > 18 && memcmp(t, "NEW_CHANGES_BATCH\"", 18) == 0) {
            if (in_window(now)) {
                st.batches++;
            }
            q = t + 18;
            items = 0;

            while ((q = find(q, end, "\"newRev\":", 9)) != NULL) {
                q = apply_item(c, q, end, now);
                if (q == NULL) {
                    st.errors++;    /* a malformed item */
                    return;
                }
                items++;
            }

            if (items == 0) {
                st.errors++;
            }
            return;
        }

        if (end - t > 14 && memcmp(t, "ACCEPT_COMMIT\"", 14) == 0) {
            on_accept(c, t, end, now);
            return;
        }

        return;    /* USER_NEWINFO, USER_LEAVE, ... */
    }

    if (n >= sizeof(k_cv) - 1 && memcmp(p, k_cv, sizeof(k_cv) - 1) == 0) {
        on_client_vars(c, p, n);
        return;
    }

    if (c->state == ST_READY && n > 12 && memcmp(p, "42[", 3) == 0
        && find(p, end, "\"CLIENT_VARS\"", 13) != NULL)
    {
        on_client_vars(c, p, n);
        return;
    }

    if (c->state == ST_JOINED && n > 12 && memcmp(p, "42[", 3) == 0
        && find(p, end, "\"ACCEPT_COMMIT\"", 15) != NULL)
    {
        on_accept(c, p, end, now);
        return;
    }

    if (n == 1 && p[0] == '2') {
        client_send(c, "3", 1);
        return;
    }

    if (p[0] == '0' && c->state == ST_OPEN) {
        client_send(c, "40", 2);
        return;
    }

    if (n >= 2 && p[0] == '4' && p[1] == '0' && c->state == ST_OPEN) {
        send_ready(c);
        return;
    }

    if (find(p, end, "\"disconnect\"", 12) || find(p, end, "accessStatus", 12)
        || (n >= 2 && p[0] == '4' && p[1] == '1') || p[0] == '1')
    {
        char  why[160];

        snprintf(why, sizeof(why), "server said: %.*s",
                 (int) (n > 120 ? 120 : n), p);
        client_fail(c, why);
    }
}


/* frames from the server: unmasked, FIN text frames, control frames */

static void
on_bytes(client_t *c, unsigned char *b, size_t n, uint64_t now)
{
    unsigned char  *p = b, *end = b + n, *hdr;
    uint64_t        len;
    size_t          hl;
    unsigned        op;
    char           *q;

    if (c->state == ST_HANDSHAKE) {
        hdr = memmem(p, n, "\r\n\r\n", 4);
        if (hdr == NULL) {
            goto keep;
        }
        if (n < 12 || memcmp(p, "HTTP/1.1 101", 12) != 0) {
            client_fail(c, "handshake refused");
            return;
        }
        p = hdr + 4;
        c->state = ST_OPEN;
    }

    while (end - p >= 2) {
        op = p[0] & 0x0f;
        len = p[1] & 0x7f;
        hl = 2;

        if (len == 126) {
            if (end - p < 4) {
                break;
            }
            len = ((uint64_t) p[2] << 8) | p[3];
            hl = 4;

        } else if (len == 127) {
            if (end - p < 10) {
                break;
            }
            len = 0;
            for (hl = 2; hl < 10; hl++) {
                len = (len << 8) | p[hl];
            }
            hl = 10;
        }

        if ((uint64_t) (end - p) < hl + len) {
            break;
        }

        if (in_window(now)) {
            st.frames++;
            st.bytes += len;
            if (show) {
                fprintf(stderr, "frame op %u len %u: %.*s\n", op,
                        (unsigned) len, (int) (len > 400 ? 400 : len),
                        (char *) p + hl);
            }
        }

        if (!(p[0] & 0x80) || (p[1] & 0x80)) {
            client_fail(c, "fragmented or masked frame");
            return;
        }

        if (op == NGX_PAD_WS_OP_TEXT) {
            on_message(c, (char *) p + hl, (size_t) len, now);

        } else if (op == NGX_PAD_WS_OP_PING) {
            unsigned char  pong[2 + 4 + 125];

            pong[0] = 0x80 | NGX_PAD_WS_OP_PONG;
            pong[1] = 0x80 | (unsigned char) len;
            memset(pong + 2, 0, 4);
            memcpy(pong + 6, p + hl, len);
            client_write(c, (char *) pong, 6 + len);

        } else if (op == NGX_PAD_WS_OP_CLOSE) {
            char  why[160];

            snprintf(why, sizeof(why), "close frame %u %.*s",
                     len >= 2 ? (unsigned) (p[hl] << 8 | p[hl + 1]) : 0,
                     len > 2 ? (int) (len - 2 > 100 ? 100 : len - 2) : 0,
                     (char *) p + hl + 2);
            client_fail(c, why);
            return;
        }

        if (c->state == ST_DEAD) {
            return;
        }

        p += hl + len;
    }

keep:

    if (p == end) {
        c->carry_len = 0;
        return;
    }

    q = (c->carry && (unsigned char *) c->carry == p) ? c->carry : NULL;

    if (q == NULL) {
        q = malloc((size_t) (end - p));
        if (q == NULL) {
            client_fail(c, "out of memory");
            return;
        }
        memcpy(q, p, (size_t) (end - p));
        free(c->carry);
        c->carry = q;
    }

    c->carry_len = (size_t) (end - p);
}


static void
client_read(client_t *c)
{
    ssize_t   n;
    size_t    have;
    uint64_t  now;

    for ( ;; ) {
        have = c->carry_len;

        if (have + 65536 > rbuf_cap) {
            rbuf_cap = (have + 65536) * 2;
            rbuf = realloc(rbuf, rbuf_cap);
            if (rbuf == NULL) {
                fprintf(stderr, "padload: out of memory\n");
                exit(1);
            }
        }

        if (have) {
            memcpy(rbuf, c->carry, have);
        }

        n = read(c->fd, rbuf + have, rbuf_cap - have);

        if (n < 0 && errno == EAGAIN) {
            return;
        }

        if (n <= 0) {
            client_fail(c, n == 0 ? "server closed" : "read");
            return;
        }

        now = now_us();
        last_rx = now;

        if (in_window(now)) {
            st.reads++;
        }

        c->carry_len = 0;
        on_bytes(c, rbuf, have + (size_t) n, now);

        if (c->state == ST_DEAD || (size_t) n < rbuf_cap - have) {
            return;
        }
    }
}


static void
client_connect(client_t *c)
{
    struct epoll_event  ev;
    int                 one = 1;

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        perror("padload: socket");
        c->state = ST_DEAD;
        st.errors++;
        return;
    }

    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    nconnecting++;
    c->state = ST_CONNECTING;

    if (connect(c->fd, (struct sockaddr *) &srv, sizeof(srv)) < 0
        && errno != EINPROGRESS)
    {
        client_fail(c, "connect");
        return;
    }

    ev.events = EPOLLOUT | EPOLLIN | EPOLLET;
    ev.data.ptr = c;
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}


static void
client_connected(client_t *c)
{
    char                req[512];
    int                 n, err;
    socklen_t           len = sizeof(err);
    struct epoll_event  ev;

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
        client_fail(c, "connect failed");
        return;
    }

    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = c;
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);

    c->state = ST_HANDSHAKE;

    n = snprintf(req, sizeof(req),
                 "GET /socket.io/?EIO=4&transport=websocket&padId=%s-%d "
                 "HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n",
                 cf.prefix, c->pad, cf.host, cf.port);

    client_write(c, req, (size_t) n);
}


/* export/txt over a blocking HTTP/1.0 request */

static char *
fetch_export(int pad, size_t *len)
{
    int      fd, n;
    char     req[512], *buf, *body;
    size_t   have = 0, cap = 65536;
    ssize_t  r;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &srv, sizeof(srv)) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }

    {
        struct timeval  tv = { 10, 0 };

        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }

    n = snprintf(req, sizeof(req), "GET /p/%s-%d/export/txt HTTP/1.0\r\n"
                 "Host: %s\r\n\r\n", cf.prefix, pad, cf.host);
    if (write(fd, req, (size_t) n) != n) {
        close(fd);
        return NULL;
    }

    buf = malloc(cap);

    while (buf) {
        if (have == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (buf == NULL) {
                break;
            }
        }
        r = read(fd, buf + have, cap - have);
        if (r <= 0) {
            break;
        }
        have += (size_t) r;
    }

    close(fd);

    if (buf == NULL) {
        return NULL;
    }

    body = memmem(buf, have, "\r\n\r\n", 4);
    if (have < 12 || memcmp(buf + 9, "200", 3) != 0 || body == NULL) {
        free(buf);
        return NULL;
    }

    body += 4;
    *len = have - (size_t) (body - buf);
    memmove(buf, body, *len);

    return buf;
}


static void
check_convergence(void)
{
    char    **exp;
    size_t   *elen;
    int            i, pad, diff, faulted = 0;
    client_t      *c;
    ngx_pad_str_t  pt;
    static int  shown;

    exp = calloc((size_t) cf.pads, sizeof(char *));
    elen = calloc((size_t) cf.pads, sizeof(size_t));
    if (exp == NULL || elen == NULL) {
        return;
    }

    for (i = 0; i < nclients; i++) {
        c = &clients[i];
        if (c->fd == -2) {
            continue;    /* another process's client */
        }

        pad = c->pad;
        st.checked++;

        if (exp[pad] == NULL) {
            exp[pad] = fetch_export(pad, &elen[pad]);
            if (exp[pad] == NULL) {
                st.errors++;
                st.mismatches++;
                continue;
            }
        }

        if (fault_is("export") && !faulted && elen[pad] > 0) {
            exp[pad][elen[pad] / 2] ^= 1;    /* a wrong expectation */
            faulted = 1;
        }

        pt.len = 0;

        if (c->own) {
            diff = c->text_len != elen[pad]
                   || memcmp(c->text, exp[pad], elen[pad]) != 0;

        } else {
            /* the pad's text at the client's revision */
            diff = c->rev != pads[pad].top || pads[pad].bad
                   || pad_text(&pads[pad], c->rev, &pt) != 0
                   || pt.len != elen[pad]
                   || memcmp(pt.data, exp[pad], elen[pad]) != 0;
        }

        if (c->broken || c->state != ST_JOINED || diff) {
            st.mismatches++;
            if (shown++ < 3) {
                fprintf(stderr, "padload[%d]: client %d pad %d diverged "
                        "(state %d broken %d own %d rev %" PRId64 " len %zu,"
                        " export len %zu)\n", (int) getpid(), i, pad,
                        c->state, c->broken, c->own, c->rev,
                        c->own ? c->text_len : pt.len,
                        elen[pad]);
            }
        }
    }

    for (i = 0; i < cf.pads; i++) {
        free(exp[i]);
    }
    free(exp);
    free(elen);
}


static uint64_t
self_cpu_us(void)
{
    struct rusage  ru;

    getrusage(RUSAGE_SELF, &ru);

    return (uint64_t) ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec
           + (uint64_t) ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}


static int
writers_idle(void)
{
    int  i;

    for (i = 0; i < nclients; i++) {
        if (clients[i].fd >= 0 && clients[i].pend) {
            return 0;
        }
    }

    return 1;
}


static void
timed_ticks(uint64_t now)
{
    int        i;
    client_t  *c;

    for (i = 0; i < nclients; i++) {
        c = &clients[i];

        if (c->role != R_WRITER || c->state != ST_JOINED
            || now < c->next_tick)
        {
            continue;
        }

        c->next_tick += (uint64_t) cf.interval_ms * 1000;

        if (!c->owed) {
            c->owed = 1;
            c->owed_stamp = now;
        }

        writer_next(c);
    }
}


static void
child_run(int idx)
{
    struct epoll_event  evs[512], ev;
    int                 i, n, timeout, mine, quiet_sent = 0;
    int                 mine_fault = 0;
    uint64_t            now, cpu0 = 0, drain0 = 0, next_tick_scan = 0;
    client_t           *c;
    unsigned char       cmsg[8];

    srandom((unsigned) (getpid() ^ now_us()));

    ctx = ngx_pad_ctx_create();
    dummy_pool = ngx_pad_pool_create();
    rbuf = malloc(rbuf_cap);
    epfd = epoll_create1(0);

    if (ctx == NULL || dummy_pool == NULL || rbuf == NULL || epfd < 0) {
        fprintf(stderr, "padload: init failed\n");
        exit(1);
    }

    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(epfd, EPOLL_CTL_ADD, ctl_in, &ev);

    pads = calloc((size_t) cf.pads, sizeof(padrec_t));
    if (pads == NULL) {
        fprintf(stderr, "padload: out of memory\n");
        exit(1);
    }

    mine = 0;
    for (i = 0; i < nclients; i++) {
        if (i % cf.procs != idx) {
            clients[i].fd = -2;
            clients[i].state = ST_DEAD;
            continue;
        }
        mine++;
        pads[clients[i].pad].nclients++;

        if (clients[i].role == R_WRITER) {
            padrec_t  *pr = &pads[clients[i].pad];

            if (pr->writers == NULL) {
                pr->writers = calloc((size_t) cf.writers,
                                     sizeof(client_t *));
                if (pr->writers == NULL) {
                    fprintf(stderr, "padload: out of memory\n");
                    exit(1);
                }
            }
            pr->writers[pr->nwriters++] = &clients[i];
        }

        /* --fault: the first reader (rebase: writer) of pad 0 in the
         * first process */
        if (cf.fault && idx == 0 && mine_fault == 0
            && clients[i].pad == 0
            && clients[i].role == (fault_is("rebase") ? R_WRITER : R_READER))
        {
            clients[i].fault = 1;
            mine_fault = 1;
        }
    }

    next_connect = idx;
    t_start = now_us();

    for ( ;; ) {
        if (!running && t_start
            && now_us() - t_start > (uint64_t) (cf.join_max * 1e6))
        {
            /* the joins take too long: count the rest as failed */

            fprintf(stderr, "padload[%d]: joins not done after %.0f s\n",
                    (int) getpid(), cf.join_max);

            for (i = 0; i < nclients; i++) {
                c = &clients[i];
                if (c->fd != -2 && c->state != ST_JOINED
                    && c->state != ST_DEAD)
                {
                    client_fail(c, "join timeout");
                }
            }

            for ( ; next_connect < nclients; next_connect += cf.procs) {
                st.errors++;
            }

            t_start = 0;
        }

        /* pace the handshakes */

        while (next_connect < nclients && nconnecting < cf.inflight) {
            c = &clients[next_connect];
            next_connect += cf.procs;
            client_connect(c);
        }

        if (!running && njoined + (int) st.errors >= mine
            && next_connect >= nclients && nconnecting <= 0)
        {
            /* settle: the joins' USER_NEWINFO storm (O(n^2) messages,
             * relayed between workers too) ends before the window */

            if (t_settle == 0) {
                t_settle = now_us();
            }

            if (!quiet_sent && (now_us() - last_rx > 300000
                                || now_us() - t_settle > 15000000))
            {
                if (write(ctl_out, "J", 1) != 1) {
                    exit(1);
                }
                quiet_sent = 1;
            }
        }

        now = now_us();
        timeout = 50;

        if (running && !ended) {
            if (cpu0 == 0 && now >= t_w0) {
                cpu0 = self_cpu_us();
            }

            if (now >= t_w1) {
                ended = 1;
                st.cpu_us = self_cpu_us() - cpu0;
                drain0 = now;
                quiet_sent = 0;

            } else if (cf.timed && now >= next_tick_scan) {
                timed_ticks(now);
                next_tick_scan = now + 2000;
            }

            timeout = cf.timed ? 2 : 50;
        }

        if (ended && !quiet_sent) {
            if ((writers_idle() && now - last_rx > 300000)
                || now - drain0 > (uint64_t) (cf.drain_max * 1e6))
            {
                st.drain_us = now - drain0;
                if (write(ctl_out, "Q", 1) != 1) {
                    exit(1);
                }
                quiet_sent = 1;
            }
        }

        n = epoll_wait(epfd, evs, 512, timeout);

        if (n > 0 && running && !ended) {
            st.wakeups++;
        }

        for (i = 0; i < n; i++) {
            c = evs[i].data.ptr;

            if (c == NULL) {
                /* control pipe */
                ssize_t  r = read(ctl_in, cmsg, sizeof(cmsg));

                if (r == 8) {
                    memcpy(&t_go, cmsg, 8);
                    t_w0 = t_go + (uint64_t) (cf.warmup * 1e6);
                    t_w1 = t_w0 + (uint64_t) (cf.duration * 1e6);
                    running = 1;
                    quiet_sent = 0;

                    for (int k = 0; k < nclients; k++) {
                        client_t  *w = &clients[k];

                        if (cf.timed) {
                            w->next_tick = t_go + (uint64_t) (random()
                                           % (cf.interval_ms * 1000));
                        }
                        writer_next(w);
                    }

                } else if (r == 1 && cmsg[0] == 'C') {
                    check_convergence();

                    for (int k = 0; k < nclients; k++) {
                        if (clients[k].fd == -2) {
                            continue;
                        }
                        if (clients[k].state != ST_JOINED) {
                            st.unjoined++;
                        }
                    }

                    if (write(ctl_out, &st, sizeof(st))
                        != (ssize_t) sizeof(st))
                    {
                        exit(1);
                    }
                    exit(0);

                } else {
                    exit(1);    /* the parent went away */
                }

                continue;
            }

            if (c->state == ST_DEAD) {
                continue;
            }

            if (c->state == ST_CONNECTING) {
                if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                    client_connected(c);
                }
                continue;
            }

            if (evs[i].events & EPOLLOUT) {
                client_flush(c);
                if (c->wq_len == 0 && c->state != ST_DEAD) {
                    ev.events = EPOLLIN | EPOLLET;
                    ev.data.ptr = c;
                    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
                }
            }

            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                client_read(c);
            }
        }
    }
}


/* server side figures from /proc */

typedef struct {
    int       pids[256];
    int       n;
} pidset_t;


static long
proc_field(int pid, int field)
{
    char   path[64], buf[1024], *p;
    FILE  *f;
    int    i;
    long   v = -1;

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }

    if (fgets(buf, sizeof(buf), f) == NULL) {
        fclose(f);
        return -1;
    }
    fclose(f);

    p = strrchr(buf, ')');
    if (p == NULL) {
        return -1;
    }
    p += 2;    /* field 3 */

    for (i = 3; i < field; i++) {
        p = strchr(p, ' ');
        if (p == NULL) {
            return -1;
        }
        p++;
    }

    sscanf(p, "%ld", &v);

    return v;
}


static void
server_pids(pidset_t *ps, int master, int redis)
{
    DIR            *d;
    struct dirent  *e;
    int             pid;

    ps->n = 0;

    d = opendir("/proc");
    while (d && (e = readdir(d)) != NULL) {
        pid = atoi(e->d_name);
        if (pid > 0 && proc_field(pid, 4) == master && ps->n < 255) {
            ps->pids[ps->n++] = pid;
        }
    }
    if (d) {
        closedir(d);
    }

    if (redis > 0) {
        ps->pids[ps->n++] = redis;
    }
}


static double
cpu_us(const pidset_t *ps, int redis_only, int skip_redis)
{
    int     i;
    double  t = 0, hz = (double) sysconf(_SC_CLK_TCK);
    long    u, s;

    for (i = 0; i < ps->n; i++) {
        if (i == ps->n - 1 ? skip_redis : redis_only) {
            continue;
        }
        u = proc_field(ps->pids[i], 14);
        s = proc_field(ps->pids[i], 15);
        if (u >= 0 && s >= 0) {
            t += (double) (u + s) * 1e6 / hz;
        }
    }

    return t;
}


/* the load generator's CPU: its children from /proc, as the server's, and
 * this process */

static double
loadgen_cpu_us(const pid_t *kids, int n)
{
    int     i;
    double  t, hz = (double) sysconf(_SC_CLK_TCK);
    long    u, s;

    t = (double) self_cpu_us();

    for (i = 0; i < n; i++) {
        u = proc_field((int) kids[i], 14);
        s = proc_field((int) kids[i], 15);
        if (u >= 0 && s >= 0) {
            t += (double) (u + s) * 1e6 / hz;
        }
    }

    return t;
}


/* time runnable but waiting for a CPU (schedstat), us */

static double
runq_wait_us(const pidset_t *ps)
{
    int                 i;
    char                path[64];
    FILE               *f;
    unsigned long long  run, wait;
    double              t = 0;

    for (i = 0; i < ps->n; i++) {
        snprintf(path, sizeof(path), "/proc/%d/schedstat", ps->pids[i]);
        f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }
        if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
            t += (double) wait / 1000;
        }
        fclose(f);
    }

    return t;
}


static double
rss_kib(int pid)
{
    char   path[64], line[256];
    FILE  *f;
    long   v = 0;

    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }

    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmRSS: %ld", &v) == 1) {
            break;
        }
    }
    fclose(f);

    return (double) v;
}


static double
workers_rss(const pidset_t *ps)
{
    int     i;
    double  t = 0;

    for (i = 0; i < ps->n - 1; i++) {
        t += rss_kib(ps->pids[i]);
    }

    return t;
}


static int
read_full(int fd, void *buf, size_t n)
{
    size_t   have = 0;
    ssize_t  r;

    while (have < n) {
        r = read(fd, (char *) buf + have, n - have);
        if (r <= 0) {
            return -1;
        }
        have += (size_t) r;
    }

    return 0;
}


static void
usage(void)
{
    fprintf(stderr,
        "usage: padload --port P [--pads N] [--writers W] [--readers R]\n"
        "  [--procs K] [--duration S] [--warmup S] [--timed] [--interval MS]\n"
        "  [--ins N] [--maxlen N] [--prefix S] [--pids MASTER,REDIS]\n"
        "  [--no-optin] [--inflight N] [--drain-max S] [--join-max S]\n"
        "  [--own-texts] [--fault cs|gap|export|rebase]\n"
        "W writers and R readers on each of N pads; prints one JSON object\n");
    exit(2);
}


int
main(int argc, char **argv)
{
    static struct option  opts[] = {
        { "host", 1, NULL, 'h' }, { "port", 1, NULL, 'p' },
        { "pads", 1, NULL, 'n' }, { "writers", 1, NULL, 'w' },
        { "readers", 1, NULL, 'r' }, { "procs", 1, NULL, 'k' },
        { "duration", 1, NULL, 'd' }, { "warmup", 1, NULL, 'u' },
        { "timed", 0, NULL, 't' }, { "interval", 1, NULL, 'i' },
        { "ins", 1, NULL, 's' }, { "maxlen", 1, NULL, 'm' },
        { "prefix", 1, NULL, 'x' }, { "pids", 1, NULL, 'P' },
        { "no-optin", 0, NULL, 'O' }, { "inflight", 1, NULL, 'f' },
        { "drain-max", 1, NULL, 'D' }, { "join-max", 1, NULL, 'J' },
        { "own-texts", 0, NULL, 'T' }, { "fault", 1, NULL, 'F' },
        { NULL, 0, NULL, 0 }
    };

    int             o, i, k, master = 0, redis = 0, status;
    int             to_child[MAXPROCS][2], from_child[MAXPROCS][2];
    pid_t           kids[MAXPROCS];
    char            b;
    uint64_t        go;
    stats_t         tot, one;
    pidset_t        ps;
    double          s_cpu0, s_cpu1, n_cpu0, n_cpu1, rss0, rss1, rrss0, rrss1;
    double          dur, lg_cpu, lg_self, l_cpu0, l_cpu1, q0, q1, join_s;
    uint64_t        t_begin;
    struct rlimit   rl;
    struct timespec ts;

    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'h': cf.host = optarg; break;
        case 'p': cf.port = atoi(optarg); break;
        case 'n': cf.pads = atoi(optarg); break;
        case 'w': cf.writers = atoi(optarg); break;
        case 'r': cf.readers = atoi(optarg); break;
        case 'k': cf.procs = atoi(optarg); break;
        case 'd': cf.duration = atof(optarg); break;
        case 'u': cf.warmup = atof(optarg); break;
        case 't': cf.timed = 1; break;
        case 'i': cf.interval_ms = atoi(optarg); break;
        case 's': cf.ins = atoi(optarg); break;
        case 'm': cf.maxlen = atoi(optarg); break;
        case 'x': cf.prefix = optarg; break;
        case 'P': sscanf(optarg, "%d,%d", &master, &redis); break;
        case 'O': cf.optin = 0; break;
        case 'f': cf.inflight = atoi(optarg); break;
        case 'D': cf.drain_max = atof(optarg); break;
        case 'J': cf.join_max = atof(optarg); break;
        case 'T': cf.own_all = 1; break;
        case 'F': cf.fault = optarg; break;
        default: usage();
        }
    }

    if (cf.port <= 0 || cf.pads < 1 || cf.procs < 1 || cf.procs > MAXPROCS
        || cf.ins < 4 || cf.ins > 8 || cf.writers < 0 || cf.readers < 0
        || (cf.fault && !fault_is("cs") && !fault_is("gap")
            && !fault_is("export") && !fault_is("rebase")))
    {
        usage();
    }

    signal(SIGPIPE, SIG_IGN);
    show = getenv("PADLOAD_SHOW") != NULL;

    /* whatever happens, the run ends (children die with their pipes) */
    alarm((unsigned) (cf.join_max + cf.warmup + cf.duration + cf.drain_max
                      + 120));

    nclients = cf.pads * (cf.writers + cf.readers);

    /* descriptors: raise the soft limit as far as the hard one allows */

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t  need = (rlim_t) (nclients / cf.procs + 1024);

        if (rl.rlim_cur < need) {
            rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
                perror("padload: setrlimit(RLIMIT_NOFILE)");
            }
        }
    }

    clients = calloc((size_t) nclients, sizeof(client_t));
    if (clients == NULL) {
        return 1;
    }

    srandom((unsigned) now_us());

    for (i = 0; i < nclients; i++) {
        client_t  *c = &clients[i];
        int        per = cf.writers + cf.readers;

        c->fd = -1;
        c->pad = i % cf.pads;
        c->role = ((i / cf.pads) < cf.writers) ? R_WRITER : R_READER;
        (void) per;
        c->rev = -1;
        c->state = ST_DEAD;

        /* "t." + 20 base64 characters */
        snprintf(c->token, sizeof(c->token), "t.%08x%04xA%07d",
                 (unsigned) random(), (unsigned) (random() & 0xffff), i);
    }

    memset(&srv, 0, sizeof(srv));
    srv.sin_family = AF_INET;
    srv.sin_port = htons((uint16_t) cf.port);
    if (inet_pton(AF_INET, cf.host, &srv.sin_addr) != 1) {
        usage();
    }

    if (master > 0) {
        server_pids(&ps, master, redis);
    } else {
        ps.n = 0;
    }

    rss0 = ps.n ? workers_rss(&ps) : 0;
    t_begin = now_us();
    rrss0 = redis ? rss_kib(redis) : 0;

    for (k = 0; k < cf.procs; k++) {
        if (pipe(to_child[k]) != 0 || pipe(from_child[k]) != 0) {
            return 1;
        }

        kids[k] = fork();
        if (kids[k] < 0) {
            return 1;
        }

        if (kids[k] == 0) {
            ctl_in = to_child[k][0];
            ctl_out = from_child[k][1];
            close(to_child[k][1]);
            close(from_child[k][0]);
            child_run(k);
            _exit(0);
        }

        close(to_child[k][0]);
        close(from_child[k][1]);
    }

    /* every client joined */

    for (k = 0; k < cf.procs; k++) {
        if (read(from_child[k][0], &b, 1) != 1 || b != 'J') {
            fprintf(stderr, "padload: a child failed during the joins\n");
            return 1;
        }
    }

    go = now_us() + 50000;
    join_s = (double) (go - 50000 - t_begin) / 1e6;

    for (k = 0; k < cf.procs; k++) {
        if (write(to_child[k][1], &go, 8) != 8) {
            return 1;
        }
    }

    /* the window */

    ts.tv_sec = 0;
    ts.tv_nsec = 0;

    {
        uint64_t  w0 = go + (uint64_t) (cf.warmup * 1e6);
        uint64_t  w1 = w0 + (uint64_t) (cf.duration * 1e6);
        uint64_t  t;

        while ((t = now_us()) < w0) {
            ts.tv_sec = (time_t) ((w0 - t) / 1000000);
            ts.tv_nsec = (long) ((w0 - t) % 1000000) * 1000;
            nanosleep(&ts, NULL);
        }

        q0 = ps.n ? runq_wait_us(&ps) : 0;
        n_cpu0 = ps.n ? cpu_us(&ps, 0, 1) : 0;
        s_cpu0 = ps.n ? cpu_us(&ps, 1, 0) : 0;
        l_cpu0 = loadgen_cpu_us(kids, cf.procs);

        while ((t = now_us()) < w1) {
            ts.tv_sec = (time_t) ((w1 - t) / 1000000);
            ts.tv_nsec = (long) ((w1 - t) % 1000000) * 1000;
            nanosleep(&ts, NULL);
        }

        q1 = ps.n ? runq_wait_us(&ps) : 0;
        n_cpu1 = ps.n ? cpu_us(&ps, 0, 1) : 0;
        s_cpu1 = ps.n ? cpu_us(&ps, 1, 0) : 0;
        l_cpu1 = loadgen_cpu_us(kids, cf.procs);
        rss1 = ps.n ? workers_rss(&ps) : 0;
        rrss1 = redis ? rss_kib(redis) : 0;
    }

    for (k = 0; k < cf.procs; k++) {
        if (read(from_child[k][0], &b, 1) != 1 || b != 'Q') {
            fprintf(stderr, "padload: a child failed\n");
            return 1;
        }
    }

    memset(&tot, 0, sizeof(tot));
    lg_cpu = l_cpu1 - l_cpu0;
    lg_self = 0;

    for (k = 0; k < cf.procs; k++) {
        if (write(to_child[k][1], "C", 1) != 1
            || read_full(from_child[k][0], &one, sizeof(one)) != 0)
        {
            fprintf(stderr, "padload: a child failed in the check\n");
            return 1;
        }

        tot.commits += one.commits;
        tot.delivered += one.delivered;
        tot.frames += one.frames;
        tot.bytes += one.bytes;
        tot.batches += one.batches;
        tot.reads += one.reads;
        tot.unverified += one.unverified;
        tot.wakeups += one.wakeups;
        tot.sent += one.sent;
        tot.accepted += one.accepted;
        tot.errors += one.errors;
        tot.gaps += one.gaps;
        tot.dups += one.dups;
        tot.mismatches += one.mismatches;
        tot.checked += one.checked;
        tot.unjoined += one.unjoined;
        tot.joined += one.joined;
        lg_self += (double) one.cpu_us;
        if (one.drain_us > tot.drain_us) {
            tot.drain_us = one.drain_us;
        }

        for (i = 0; i < HBUCKETS; i++) {
            tot.hc[i] += one.hc[i];
            tot.hf[i] += one.hf[i];
        }

        waitpid(kids[k], &status, 0);
    }

    dur = cf.duration;

#define D(x) ((double) (x))

    printf("{\"clients\":%d,\"pads\":%d,\"writers_per_pad\":%d,"
           "\"readers_per_pad\":%d,\"procs\":%d,\"timed\":%d,"
           "\"duration_s\":%.3f,"
           "\"commits\":%" PRIu64 ",\"commits_per_s\":%.1f,"
           "\"delivered\":%" PRIu64 ",\"delivered_per_s\":%.1f,"
           "\"frames\":%" PRIu64 ",\"batches\":%" PRIu64 ","
           "\"frames_per_rev\":%.4f,\"bytes_per_rev\":%.1f,"
           "\"loadgen_reads_per_rev\":%.4f,\"loadgen_wakeups\":%" PRIu64 ","
           "\"commit_lat_us\":{\"n\":%" PRIu64 ",\"p50\":%.0f,"
           "\"p95\":%.0f,\"p99\":%.0f,\"max\":%.0f},"
           "\"fanout_lat_us\":{\"n\":%" PRIu64 ",\"p50\":%.0f,"
           "\"p95\":%.0f,\"p99\":%.0f,\"max\":%.0f},"
           "\"nginx_cpu_us\":%.0f,\"redis_cpu_us\":%.0f,"
           "\"server_cpu_us_per_rev\":%.4f,"
           "\"nginx_cpu_us_per_rev\":%.4f,"
           "\"server_cpu_util\":%.3f,\"loadgen_cpu_util\":%.3f,"
           "\"loadgen_cpu_us_per_rev\":%.4f,"
           "\"loadgen_cpu_util_self\":%.3f,"
           "\"server_runq_wait_util\":%.3f,\"nginx_workers\":%d,"
           "\"nginx_rss_kib_before\":%.0f,\"nginx_rss_kib\":%.0f,"
           "\"redis_rss_kib_before\":%.0f,\"redis_rss_kib\":%.0f,"
           "\"rss_bytes_per_conn\":%.0f,"
           "\"sent\":%" PRIu64 ",\"accepted\":%" PRIu64 ","
           "\"joined\":%" PRIu64 ",\"unjoined\":%" PRIu64 ","
           "\"errors\":%" PRIu64 ",\"gaps\":%" PRIu64 ",\"dups\":%" PRIu64
           ",\"checked\":%" PRIu64 ",\"mismatches\":%" PRIu64 ","
           "\"unverified\":%" PRIu64 ","
           "\"drain_ms\":%.0f,\"join_s\":%.2f}\n",
           nclients, cf.pads, cf.writers, cf.readers, cf.procs, cf.timed,
           dur, tot.commits, D(tot.commits) / dur,
           tot.delivered, D(tot.delivered) / dur,
           tot.frames, tot.batches,
           tot.delivered ? D(tot.frames) / D(tot.delivered) : 0,
           tot.delivered ? D(tot.bytes) / D(tot.delivered) : 0,
           tot.delivered ? D(tot.reads) / D(tot.delivered) : 0,
           tot.wakeups,
           hist_count(tot.hc), hist_pct(tot.hc, .5), hist_pct(tot.hc, .95),
           hist_pct(tot.hc, .99), hist_max(tot.hc),
           hist_count(tot.hf), hist_pct(tot.hf, .5), hist_pct(tot.hf, .95),
           hist_pct(tot.hf, .99), hist_max(tot.hf),
           n_cpu1 - n_cpu0, s_cpu1 - s_cpu0,
           tot.delivered ? (n_cpu1 - n_cpu0 + s_cpu1 - s_cpu0)
                           / D(tot.delivered) : 0,
           tot.delivered ? (n_cpu1 - n_cpu0) / D(tot.delivered) : 0,
           (n_cpu1 - n_cpu0 + s_cpu1 - s_cpu0) / (dur * 1e6),
           lg_cpu / (dur * 1e6),
           tot.delivered ? lg_cpu / D(tot.delivered) : 0,
           lg_self / (dur * 1e6),
           (q1 - q0) / (dur * 1e6),
           ps.n ? ps.n - (redis > 0) : 0,
           rss0, rss1, rrss0, rrss1,
           nclients ? (rss1 - rss0) * 1024 / nclients : 0,
           tot.sent, tot.accepted, tot.joined, tot.unjoined,
           tot.errors, tot.gaps, tot.dups, tot.checked, tot.mismatches,
           tot.unverified, D(tot.drain_us) / 1000, join_s);

    return 0;
}
