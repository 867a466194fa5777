/*
 * router.c - match a decoded path against the static route table.
 *
 * Patterns are compared segment by segment; `{id}` takes one non-empty
 * segment. The table is small, so a linear scan is both simple and fast.
 */
#include "router.h"

#include <string.h>

/* Does path match pattern? On success the {id} segment is copied to id_buf. */
static bool match_one(const char *pattern, const char *path, char *id_buf, size_t id_size,
                      const char **id)
{
    const char *p = pattern, *s = path;

    *id = NULL;
    while (*p && *s) {
        if (strncmp(p, "{id}", 4) == 0) {
            size_t n = strcspn(s, "/");
            if (n == 0 || n >= id_size)
                return false;
            memcpy(id_buf, s, n);
            id_buf[n] = '\0';
            *id = id_buf;
            p += 4;
            s += n;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

const struct route *router_match(const char *path, char *id_buf, size_t id_size, const char **id)
{
    if (!path || !id_buf || !id || id_size == 0)
        return NULL;
    for (size_t i = 0; i < route_count; i++)
        if (match_one(routes[i].pattern, path, id_buf, id_size, id))
            return &routes[i];
    *id = NULL;
    return NULL;
}

size_t router_index(const struct route *route)
{
    return (size_t)(route - routes);
}
