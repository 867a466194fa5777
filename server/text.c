/*
 * text.c - small helpers on UTF-8 text (see text.h).
 */
#include "text.h"

#include <stdio.h>
#include <string.h>

void text_copy_truncated(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src);

    if (len < size) {
        memcpy(dst, src, len + 1);
        return;
    }
    len = size - 4;
    while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
        len--;
    memcpy(dst, src, len);
    memcpy(dst + len, "...", 4);
}

void text_line_column(const char *text, size_t pos, char *out, size_t size)
{
    size_t line = 1;
    size_t column = 1;
    size_t i;

    for (i = 0; i < pos; i++) {
        if (text[i] == '\n') {
            line++;
            column = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            column++;
        }
    }
    snprintf(out, size, "line %zu, column %zu", line, column);
}

size_t text_find_escaped_nul(const char *text, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i++) {
        if (text[i] != '\\')
            continue;
        if (text[i + 1] == 'u' && i + 5 < len && memcmp(text + i + 2, "0000", 4) == 0)
            return i;
        i++; /* skip the escaped character (an escaped backslash is not an escape of u) */
    }
    return len;
}
