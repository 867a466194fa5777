/*
 * text.c - small helpers on UTF-8 text (see text.h).
 */
#include "text.h"

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
