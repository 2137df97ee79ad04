/*
 * Easysync engine: changeset header and op (de)serialization and the op
 * assemblers (OpAssembler, MergingOpAssembler, SmartOpAssembler).
 */

#ifndef _NGX_PAD_CS_OPS_H_INCLUDED_
#define _NGX_PAD_CS_OPS_H_INCLUDED_


#include "ngx_pad_cs.h"
#include "ngx_pad_cs_buf.h"


/* Op.ts: opcode is 0 for the empty op */
typedef struct {
    intptr_t       chars;
    intptr_t       lines;
    ngx_pad_str_t  attribs;
    char           opcode;
} ngx_pad_op_t;


/* deserializeOps() */
typedef struct {
    const char    *pos;
    const char    *end;
    const char    *start;
} ngx_pad_op_iter_t;


/* MergingOpAssembler.ts */
typedef struct {
    ngx_pad_buf_t  out;
    ngx_pad_op_t   op;          /* bufOp */
    ngx_pad_buf_t  attribs;     /* storage of bufOp.attribs */
    intptr_t       extra;       /* bufOpAdditionalCharsAfterNewline */
    ngx_pad_str_t  raw;         /* bufOp as serialized, when known */
    ngx_pad_str_t  run;         /* flushed input bytes not yet in out */
} ngx_pad_massem_t;


/* SmartOpAssembler.ts */
typedef struct {
    ngx_pad_massem_t  minus;
    ngx_pad_massem_t  plus;
    ngx_pad_massem_t  keep;
    ngx_pad_buf_t     out;
    intptr_t          length_change;
    char              last_opcode;
} ngx_pad_sassem_t;


/* the "Z:" header and the ops and charBank after it into b */
intptr_t ngx_pad_pack_buf(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b,
    intptr_t old_len, intptr_t new_len, const ngx_pad_str_t *ops,
    const ngx_pad_str_t *bank);

void ngx_pad_op_iter_init(ngx_pad_op_iter_t *it, const ngx_pad_str_t *ops);
/* the next op: 1 and an op, 0 at the end, -1 on error */
intptr_t ngx_pad_op_next(ngx_pad_ctx_t *ctx, ngx_pad_op_iter_t *it,
    ngx_pad_op_t *op);
/* whether op as read up to end is what Op.toString() writes */
int ngx_pad_op_raw_canonical(const ngx_pad_op_t *op, const char *end);
intptr_t ngx_pad_op_serialize(ngx_pad_ctx_t *ctx, ngx_pad_buf_t *b,
    const ngx_pad_op_t *op);

void ngx_pad_sassem_init(ngx_pad_sassem_t *sa);
void ngx_pad_sassem_free(ngx_pad_sassem_t *sa);
/* ngx_pad_ctx_reset(): empty it, freeing buffers above keep bytes */
void ngx_pad_sassem_trim(ngx_pad_sassem_t *sa, size_t keep);
size_t ngx_pad_sassem_memory(ngx_pad_sassem_t *sa);
intptr_t ngx_pad_sassem_append(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa,
    const ngx_pad_op_t *op);
intptr_t ngx_pad_sassem_append_raw(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa,
    const ngx_pad_op_t *op, const ngx_pad_str_t *raw);
intptr_t ngx_pad_sassem_end_document(ngx_pad_ctx_t *ctx,
    ngx_pad_sassem_t *sa);
intptr_t ngx_pad_sassem_finish(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa);

/* opsFromText(): one or two ops that cover text */
intptr_t ngx_pad_ops_from_text(ngx_pad_ctx_t *ctx, ngx_pad_sassem_t *sa,
    char opcode, const ngx_pad_str_t *text, const ngx_pad_str_t *attribs);


#endif /* _NGX_PAD_CS_OPS_H_INCLUDED_ */
