/*
 * buf.h - a growable byte buffer with a size cap (after git's strbuf and
 * curl's dynbuf).
 *
 * The buffer owns its storage. Its data is always NUL-terminated once
 * anything was added, so it can be used as a C string. Every append checks
 * the cap: past it, the append fails with STRATA_ENOMEM, the buffer keeps
 * what it had, and `failed` is set so that a long sequence of appends can be
 * checked once at the end.
 */
#ifndef STRATA_BUF_H
#define STRATA_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX ((size_t)256 * 1024 * 1024)

struct buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes used, not counting the terminating NUL */
    size_t alloc; /* bytes allocated */
    size_t max;   /* the cap on len */
    int failed;   /* set by the first append that failed: 1, or BUF_OVER_CAP */
};

/* buf.failed when the append failed because it would pass max (not for lack of memory). */
#define BUF_OVER_CAP 2

/* Prepare caller storage; max 0 means BUF_DEFAULT_MAX. */
void buf_init(struct buf *b, size_t max);
/* Free the storage and leave b as buf_init(b, b->max) would. NULL is a no-op. */
void buf_release(struct buf *b);
/* Forget the content but keep the storage. */
void buf_reset(struct buf *b);

int buf_add(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Append s as the inside of a JSON string (quotes not included). */
int buf_json_escape(struct buf *b, const char *s, size_t len);

/*
 * Hand the storage to the caller (who frees it with free()) and reset b.
 * Returns an empty allocated string when nothing was added; NULL only when
 * that allocation fails. *len (if not NULL) receives the length.
 */
char *buf_detach(struct buf *b, size_t *len);

/* The content as a C string, "" when empty. */
const char *buf_str(const struct buf *b);

#endif
