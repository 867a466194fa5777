/*
 * framing.h - is a request head framed so that every reader agrees on it?
 *
 * Request smuggling (RFC 9112 section 6.3, 11.2) needs two parsers that
 * read one message differently: a proxy that unfolds a folded header, stops
 * a value at a NUL or a bare CR, or picks the other of two Content-Length or
 * Host headers. framing_check() refuses every such head, so that whatever
 * reaches a handler means the same to every reader.
 *
 * The head is described as libmicrohttpd 0.9.75 leaves it after parsing: it
 * parses in place, in one buffer, ending each line with NUL bytes where its
 * CR LF (or bare LF) was, and joining a folded line onto the header name it
 * continues by moving or rewriting that name. A header whose name and value
 * are not where an intact line puts them, or bytes hidden between two lines
 * (what follows a NUL inside a value), therefore show a head that cannot be
 * read the same way twice. Pure: no libmicrohttpd, no allocation.
 */
#ifndef STRATA_FRAMING_H
#define STRATA_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

/* One header field, as parsed: name and value point into the head's buffer. */
struct framing_field {
    const char *name;
    const char *value;
};

struct framing_head {
    const char *line_end; /* the first NUL after the request line (its version's end) */
    const char *head_end; /* one past the empty line that ends the head */
    const struct framing_field *fields;
    size_t count; /* fields in the order they were sent */
};

/*
 * Is the head well framed? false and a reason in why (one sentence that
 * names the header at fault, without its value) when it is not: a folded
 * (obsolete line folding) or NUL-split line, a control character (bare CR
 * included) in a name or value, a name that is not a token, more than one
 * Host or Content-Length, a Content-Length that is not only digits,
 * Content-Length with Transfer-Encoding, or a transfer coding other than one
 * "chunked".
 */
bool framing_check(const struct framing_head *head, char *why, size_t size);

#endif
