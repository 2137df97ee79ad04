
/*
 * The ordered outbound queue of a connection.
 *
 * A queue holds packets in order; each packet references a refcounted
 * payload (one Engine.IO packet, possibly shared with other queues).
 * For a WebSocket the writer frames each packet as one text frame (the
 * header is computed at write time, so a queue can move from polling to
 * WebSocket on upgrade) and writes as many as fit with one
 * c->send_chain() call; a partially written frame resumes on the next
 * write event.  For polling, the queue is joined with 0x1e into one
 * response body.
 *
 * Packet records come from a per-worker free list.
 */


#include "transport/ngx_pad_transport.h"


#define NGX_PAD_OUTQ_BATCH     64      /* packets per send_chain call */
#define NGX_PAD_OUTQ_FREE_MAX  4096    /* packet records kept for reuse */


static ngx_pad_pkt_t  *ngx_pad_pkt_free;
static ngx_uint_t      ngx_pad_pkt_nfree;


static void ngx_pad_pkt_release(ngx_pad_pkt_t *pkt);


ngx_pad_payload_t *
ngx_pad_payload_alloc(size_t len, ngx_log_t *log)
{
    ngx_pad_payload_t  *p;

    p = ngx_alloc(offsetof(ngx_pad_payload_t, data) + len + 1, log);
    if (p == NULL) {
        return NULL;
    }

    p->refs = 1;
    p->len = len;

    return p;
}


ngx_pad_payload_t *
ngx_pad_payload_from(const u_char *data, size_t len, ngx_log_t *log)
{
    ngx_pad_payload_t  *p;

    p = ngx_pad_payload_alloc(len, log);
    if (p == NULL) {
        return NULL;
    }

    ngx_memcpy(p->data, data, len);

    return p;
}


void
ngx_pad_payload_unref(ngx_pad_payload_t *p)
{
    if (p == NULL) {
        return;
    }

    if (--p->refs == 0) {
        ngx_free(p);
    }
}


void
ngx_pad_outq_init(ngx_pad_outq_t *q)
{
    q->head = NULL;
    q->last = NULL;
    q->bytes = 0;
    q->count = 0;
}


ngx_int_t
ngx_pad_outq_push(ngx_pad_outq_t *q, ngx_pad_payload_t *p, ngx_uint_t opcode,
    ngx_log_t *log)
{
    ngx_pad_pkt_t  *pkt;

    if (ngx_pad_pkt_free) {
        pkt = ngx_pad_pkt_free;
        ngx_pad_pkt_free = pkt->next;
        ngx_pad_pkt_nfree--;

    } else {
        pkt = ngx_alloc(sizeof(ngx_pad_pkt_t), log);
        if (pkt == NULL) {
            return NGX_ERROR;
        }
    }

    pkt->next = NULL;
    pkt->payload = ngx_pad_payload_ref(p);
    pkt->sent = 0;
    pkt->opcode = opcode;

    if (q->last) {
        q->last->next = pkt;

    } else {
        q->head = pkt;
    }

    q->last = pkt;
    q->bytes += p->len;
    q->count++;
    ngx_pad_metric_add(NGX_PAD_M_QUEUED_BYTES, p->len);

    return NGX_OK;
}


static void
ngx_pad_pkt_release(ngx_pad_pkt_t *pkt)
{
    ngx_pad_payload_unref(pkt->payload);
    pkt->payload = NULL;

    if (ngx_pad_pkt_nfree < NGX_PAD_OUTQ_FREE_MAX) {
        pkt->next = ngx_pad_pkt_free;
        ngx_pad_pkt_free = pkt;
        ngx_pad_pkt_nfree++;
        return;
    }

    ngx_free(pkt);
}


void
ngx_pad_outq_move(ngx_pad_outq_t *dst, ngx_pad_outq_t *src)
{
    if (src->head == NULL) {
        return;
    }

    if (dst->last) {
        dst->last->next = src->head;

    } else {
        dst->head = src->head;
    }

    dst->last = src->last;
    dst->bytes += src->bytes;
    dst->count += src->count;

    ngx_pad_outq_init(src);
}


void
ngx_pad_outq_free(ngx_pad_outq_t *q)
{
    ngx_pad_pkt_t  *pkt, *next;

    ngx_pad_metric_add(NGX_PAD_M_QUEUED_BYTES, -(ngx_atomic_int_t) q->bytes);

    for (pkt = q->head; pkt; pkt = next) {
        next = pkt->next;
        ngx_pad_pkt_release(pkt);
    }

    ngx_pad_outq_init(q);
}


/* drops every packet not yet started, keeping a partly written one */

void
ngx_pad_outq_drop_unsent(ngx_pad_outq_t *q)
{
    ngx_pad_pkt_t  *pkt, *next;

    pkt = q->head;

    if (pkt == NULL) {
        return;
    }

    if (pkt->sent == 0) {
        ngx_pad_outq_free(q);
        return;
    }

    for (next = pkt->next; next; next = pkt->next) {
        pkt->next = next->next;
        q->bytes -= next->payload->len;
        q->count--;
        ngx_pad_metric_add(NGX_PAD_M_QUEUED_BYTES,
                           -(ngx_atomic_int_t) next->payload->len);
        ngx_pad_pkt_release(next);
    }

    q->last = pkt;
}


/*
 * Writes as much of the queue as the socket takes.  Returns NGX_OK when
 * everything (including bytes buffered by SSL) is written, NGX_AGAIN
 * when the socket is full, NGX_ERROR on a write error.
 */

ngx_int_t
ngx_pad_outq_write(ngx_connection_t *c, ngx_pad_outq_t *q)
{
    size_t          hlen, flen, done;
    ngx_uint_t      i, n, rounds;
    ngx_buf_t      *b;
    ngx_chain_t    *cl, *out, **ll, *rest;
    ngx_pad_pkt_t  *pkt;
    ngx_chain_t     links[2 * NGX_PAD_OUTQ_BATCH];
    ngx_buf_t       bufs[2 * NGX_PAD_OUTQ_BATCH];
    u_char          hdrs[NGX_PAD_OUTQ_BATCH][10];
    size_t          hlens[NGX_PAD_OUTQ_BATCH];

    for (rounds = 0; /* void */; rounds++) {

        if (q->head == NULL && !c->buffered) {
            return NGX_OK;
        }

        if (rounds == 16) {
            /* a long queue: let other connections run first */
            ngx_post_event(c->write, &ngx_posted_events);
            return NGX_AGAIN;
        }

        out = NULL;
        ll = &out;
        n = 0;

        for (pkt = q->head; pkt && n < NGX_PAD_OUTQ_BATCH; pkt = pkt->next) {
            hlen = ngx_pad_ws_frame_header(hdrs[n], pkt->opcode, 1,
                                           pkt->payload->len);
            hlens[n] = hlen;

            b = &bufs[2 * n];
            ngx_memzero(b, sizeof(ngx_buf_t));
            b->memory = 1;
            b->start = hdrs[n];
            b->pos = hdrs[n] + ngx_min(pkt->sent, hlen);
            b->last = hdrs[n] + hlen;
            b->end = b->last;

            /* nginx's send_chain loops on empty memory buffers */

            if (b->pos < b->last) {
                cl = &links[2 * n];
                cl->buf = b;
                *ll = cl;
                ll = &cl->next;
            }

            b = &bufs[2 * n + 1];
            ngx_memzero(b, sizeof(ngx_buf_t));
            b->memory = 1;
            b->start = pkt->payload->data;
            b->pos = pkt->payload->data
                     + (pkt->sent > hlen ? pkt->sent - hlen : 0);
            b->last = pkt->payload->data + pkt->payload->len;
            b->end = b->last;

            if (b->pos < b->last) {
                cl = &links[2 * n + 1];
                cl->buf = b;
                *ll = cl;
                ll = &cl->next;
            }

            n++;
        }

        *ll = NULL;

        if (out == NULL && !c->write->ready) {
            return NGX_AGAIN;
        }

        rest = c->send_chain(c, out, 0);

        if (rest == NGX_CHAIN_ERROR) {
            c->error = 1;
            return NGX_ERROR;
        }

        /* account what went out, from the buffers' positions */

        for (i = 0; i < n; i++) {
            pkt = q->head;
            hlen = hlens[i];
            flen = hlen + pkt->payload->len;

            done = (size_t) (bufs[2 * i].pos - bufs[2 * i].start)
                   + (size_t) (bufs[2 * i + 1].pos - bufs[2 * i + 1].start);

            if (done < flen) {
                pkt->sent = done;
                break;
            }

            q->head = pkt->next;

            if (q->head == NULL) {
                q->last = NULL;
            }

            q->bytes -= pkt->payload->len;
            q->count--;
            ngx_pad_metric_add(NGX_PAD_M_QUEUED_BYTES,
                               -(ngx_atomic_int_t) pkt->payload->len);

            ngx_pad_pkt_release(pkt);
        }

        if (q->head == NULL && !c->buffered) {
            return NGX_OK;
        }

        if (!c->write->ready) {
            return NGX_AGAIN;
        }

        if (rest != NULL && i < n) {
            /* the kernel took less but the event says ready: retry later */
            return NGX_AGAIN;
        }
    }
}


/* joins the queue with 0x1e into one buffer from pool and empties it */

ngx_buf_t *
ngx_pad_outq_join(ngx_pad_outq_t *q, ngx_pool_t *pool)
{
    size_t          size;
    u_char         *p;
    ngx_buf_t      *b;
    ngx_pad_pkt_t  *pkt;

    size = q->bytes + (q->count ? q->count - 1 : 0);

    b = ngx_create_temp_buf(pool, size ? size : 1);
    if (b == NULL) {
        return NULL;
    }

    p = b->last;

    for (pkt = q->head; pkt; pkt = pkt->next) {
        if (pkt != q->head) {
            *p++ = NGX_PAD_EIO_SEPARATOR;
        }

        p = ngx_cpymem(p, pkt->payload->data, pkt->payload->len);
    }

    b->last = p;

    ngx_pad_outq_free(q);

    return b;
}


void
ngx_pad_outq_cleanup_worker(void)
{
    ngx_pad_pkt_t  *pkt;

    while (ngx_pad_pkt_free) {
        pkt = ngx_pad_pkt_free;
        ngx_pad_pkt_free = pkt->next;
        ngx_free(pkt);
    }

    ngx_pad_pkt_nfree = 0;
}


/* queues a copy of a short text packet */

ngx_int_t
ngx_pad_outq_push_str(ngx_pad_outq_t *q, const char *data, size_t len,
    ngx_log_t *log)
{
    ngx_int_t           rc;
    ngx_pad_payload_t  *p;

    p = ngx_pad_payload_from((const u_char *) data, len, log);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_pad_outq_push(q, p, NGX_PAD_WS_OP_TEXT, log);
    ngx_pad_payload_unref(p);

    return rc;
}
