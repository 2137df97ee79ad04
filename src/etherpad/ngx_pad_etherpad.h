
/*
 * ngx_pad_module: Etherpad's ".etherpad" file (ExportEtherpad.getPadRaw:
 * one JSON object of ueberDB records), written record by record into a
 * buffer that the caller sends and empties between records, so that a
 * pad of any length is written in bounded memory.  Pure: no nginx type.
 *
 *   "pad:<id>"             {atext, pool, head, chatHead, publicStatus,
 *                           savedRevisions} (Pad.toJSON);
 *   "pad:<id>:revs:<n>"    {changeset, meta: {author, timestamp}}, and
 *                           meta.pool and meta.atext on key revisions
 *                           (every 100th, Pad.getKeyRevisionNumber);
 *   "pad:<id>:chat:<n>"    {text, authorId, time};
 *   "globalAuthor:<a>"     {colorId, name, timestamp, padIDs: "<id>"}.
 *
 * The records may come in any order; every call returns 0, or -1 when
 * out of memory (the buffer is then unchanged up to the failed record).
 * Strings are escaped as JSON.stringify escapes them.
 */


#ifndef _NGX_PAD_ETHERPAD_H_INCLUDED_
#define _NGX_PAD_ETHERPAD_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "easysync/ngx_pad_cs.h"


/* Pad.ts: a key revision (meta.pool, meta.atext) every 100 revisions */
#define NGX_PAD_ETHERPAD_KEY_REVS  100


typedef struct {
    char          *data;
    size_t         len;
    size_t         cap;
    size_t         records;      /* written so far (the "," before one) */
    ngx_pad_str_t  id;           /* the records' pad id (not copied) */
} ngx_pad_etherpad_w_t;


void ngx_pad_etherpad_init(ngx_pad_etherpad_w_t *w, const ngx_pad_str_t *id);
void ngx_pad_etherpad_free(ngx_pad_etherpad_w_t *w);
/* the buffer's bytes were sent: empty it (records stays) */
void ngx_pad_etherpad_sent(ngx_pad_etherpad_w_t *w);

int ngx_pad_etherpad_begin(ngx_pad_etherpad_w_t *w);
int ngx_pad_etherpad_end(ngx_pad_etherpad_w_t *w);

/* key: the AText after revision n when n is a key revision, else NULL;
   pool: the pool's JSON ({"numToAttrib":…,"nextNum":…}) with key */
int ngx_pad_etherpad_rev(ngx_pad_etherpad_w_t *w, int64_t n,
    const ngx_pad_str_t *cs, const ngx_pad_str_t *author, int64_t ts,
    const ngx_pad_atext_t *key, const ngx_pad_str_t *pool);

int ngx_pad_etherpad_chat(ngx_pad_etherpad_w_t *w, int64_t n,
    const ngx_pad_str_t *text, const ngx_pad_str_t *author, int64_t time);

/* color: a palette index (digits: a number) or a CSS colour (a string);
   name empty: none (null); ts < 0: none */
int ngx_pad_etherpad_author(ngx_pad_etherpad_w_t *w,
    const ngx_pad_str_t *author, const ngx_pad_str_t *name,
    const ngx_pad_str_t *color, int64_t ts);

/* saved: the JSON array of saved revision records, as stored */
int ngx_pad_etherpad_pad(ngx_pad_etherpad_w_t *w,
    const ngx_pad_atext_t *atext, const ngx_pad_str_t *pool, int64_t head,
    int64_t chat_head, int public_status, const ngx_pad_str_t *saved);


#endif /* _NGX_PAD_ETHERPAD_H_INCLUDED_ */
