/*
 * problem.c - RFC 9457 problem details: the one table that maps a problem
 * code to its HTTP status, stable name and title, and the renderer of the
 * application/problem+json body.
 */
#include "problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "error.h"

struct problem_kind {
    int status;
    const char *name;
    const char *title;
};

static const struct problem_kind kinds[PROBLEM_CODE_COUNT] = {
    [PROBLEM_NONE] = {200, "none", "OK"},
    [PROBLEM_UNKNOWN_PARAMETER] = {400, "unknown_parameter", "Unknown query parameter"},
    [PROBLEM_INVALID_PARAMETER] = {400, "invalid_parameter", "Invalid parameter value"},
    [PROBLEM_INVALID_QUERY] = {400, "invalid_query", "Invalid full-text query"},
    [PROBLEM_INVALID_ENCODING] = {400, "invalid_encoding", "Invalid request encoding"},
    [PROBLEM_TOO_MANY_PARAMETERS] = {400, "too_many_parameters", "Too many query parameters"},
    [PROBLEM_NOT_FOUND] = {404, "not_found", "Not found"},
    [PROBLEM_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", "Method not allowed"},
    [PROBLEM_NOT_ACCEPTABLE] = {406, "not_acceptable", "Not acceptable"},
    [PROBLEM_URI_TOO_LONG] = {414, "uri_too_long", "URI too long"},
    [PROBLEM_HEADERS_TOO_LARGE] = {431, "headers_too_large", "Request header fields too large"},
    [PROBLEM_RESPONSE_TOO_LARGE] = {400, "response_too_large", "Response too large"},
    [PROBLEM_INTERNAL] = {500, "internal_error", "Internal server error"},
    [PROBLEM_UNAVAILABLE] = {503, "unavailable", "Service unavailable"},
    [PROBLEM_QUERY_TOO_BROAD] = {400, "query_too_broad", "Query too broad"},
    [PROBLEM_DEADLINE] = {503, "deadline_exceeded", "Request deadline exceeded"},
    [PROBLEM_MOVED] = {308, "moved_permanently", "Permanent redirect"},
};

static const struct problem_kind *kind_of(enum problem_code code)
{
    if ((unsigned)code >= PROBLEM_CODE_COUNT)
        code = PROBLEM_INTERNAL;
    return &kinds[code];
}

int problem_status(enum problem_code code)
{
    return kind_of(code)->status;
}

const char *problem_code_name(enum problem_code code)
{
    return kind_of(code)->name;
}

const char *problem_title(enum problem_code code)
{
    return kind_of(code)->title;
}

/*
 * Copy src into a fixed field, cutting at a character boundary and replacing
 * bytes that are not valid UTF-8 or are control characters with '?', so that
 * a hostile value can never break the JSON or a log line.
 */
static void copy_clean(char *dst, size_t size, const char *src)
{
    size_t out = 0;
    const unsigned char *s = (const unsigned char *)(src ? src : "");

    while (*s && out + 1 < size) {
        size_t n = 1;
        if (*s >= 0xc2 && *s <= 0xdf)
            n = 2;
        else if (*s >= 0xe0 && *s <= 0xef)
            n = 3;
        else if (*s >= 0xf0 && *s <= 0xf4)
            n = 4;
        else if (*s >= 0x80 || *s < 0x20 || *s == 0x7f)
            n = 0;
        for (size_t i = 1; i < n; i++)
            if ((s[i] & 0xc0) != 0x80)
                n = 0;
        if (n == 0) {
            dst[out++] = '?';
            s++;
            continue;
        }
        if (out + n >= size)
            break;
        memcpy(dst + out, s, n);
        out += n;
        s += n;
    }
    dst[out] = '\0';
}

void problem_set(struct problem *p, enum problem_code code, const char *fmt, ...)
{
    char text[sizeof(p->detail)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    p->code = code;
    p->error_count = 0;
    p->location[0] = '\0';
    copy_clean(p->detail, sizeof(p->detail), text);
}

void problem_add_error(struct problem *p, const char *parameter, const char *value, const char *fmt,
                       ...)
{
    char text[PROBLEM_REASON_MAX];
    struct problem_error *e;
    va_list ap;

    if (p->error_count >= PROBLEM_MAX_ERRORS)
        return;
    e = &p->errors[p->error_count++];
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    copy_clean(e->parameter, sizeof(e->parameter), parameter);
    copy_clean(e->value, sizeof(e->value), value);
    copy_clean(e->reason, sizeof(e->reason), text);
}

int problem_render(const struct problem *p, const char *instance, int pretty, struct buf *out)
{
    const struct problem_kind *k = kind_of(p->code);
    char clean_instance[PROBLEM_TEXT_MAX * 4];
    char type[96];
    cJSON *root = cJSON_CreateObject();
    cJSON *errors = cJSON_AddArrayToObject(root, "errors");
    char *text = NULL;
    int rc = STRATA_ENOMEM;

    copy_clean(clean_instance, sizeof(clean_instance), instance);
    snprintf(type, sizeof(type), "urn:strata:problem:%s", k->name);
    cJSON_AddStringToObject(root, "type", type);
    cJSON_AddStringToObject(root, "title", k->title);
    cJSON_AddNumberToObject(root, "status", k->status);
    cJSON_AddStringToObject(root, "detail", p->detail);
    cJSON_AddStringToObject(root, "instance", clean_instance);
    cJSON_AddStringToObject(root, "code", k->name);
    /* errors last, so that the scalar members read first */
    cJSON_DetachItemViaPointer(root, errors);
    for (size_t i = 0; i < p->error_count; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "parameter", p->errors[i].parameter);
        cJSON_AddStringToObject(e, "value", p->errors[i].value);
        cJSON_AddStringToObject(e, "reason", p->errors[i].reason);
        cJSON_AddItemToArray(errors, e);
    }
    cJSON_AddItemToObject(root, "errors", errors);
    text = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
    if (text && buf_puts(out, text) == 0 && (!pretty || buf_putc(out, '\n') == 0))
        rc = STRATA_OK;
    free(text);
    cJSON_Delete(root);
    return rc;
}
