/*
 * text.h - small helpers on NUL-terminated UTF-8 text shared by modules
 * that report errors into fixed-size fields (model.c, schema.c).
 */
#ifndef STRATA_TEXT_H
#define STRATA_TEXT_H

#include <stddef.h>

/*
 * Copy src into dst (size bytes, size at least 4), NUL-terminated. When src
 * does not fit, copy the longest prefix that ends on a UTF-8 code point
 * boundary and leaves room for "...", then append "..." (the result is then
 * exactly size - 1 bytes or shorter by the bytes of the cut code point).
 */
void text_copy_truncated(char *dst, size_t size, const char *src);

/*
 * "line L, column C" of byte offset pos of text into out (size bytes): both
 * 1-based, columns count code points (UTF-8 continuation bytes are not
 * counted). text must hold at least pos bytes.
 */
void text_line_column(const char *text, size_t pos, char *out, size_t size);

/*
 * Byte offset of the first escaped NUL (a backslash, then u0000) in the JSON
 * text of len bytes, or len when there is none. cJSON keeps strings as C
 * strings, so such a string would silently end there. Backslashes occur
 * only inside strings of well-formed JSON; an escaped backslash is skipped
 * as a whole, so a literal backslash followed by "u0000" is not taken for one.
 */
size_t text_find_escaped_nul(const char *text, size_t len);

#endif
