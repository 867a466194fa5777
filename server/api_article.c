/*
 * api_article.c - GET /v1/article: the source article's metadata and its
 * paragraphs with their code-point offsets; include=text adds the text of
 * the article and of each paragraph.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "provenance.h"
#include "snapshot.h"
#include "params.h"

/* A new string of the article between two code-point offsets. */
static cJSON *text_between(const struct model *model, size_t start, size_t end)
{
    size_t from = model_byte_offset(model, start), to = model_byte_offset(model, end);
    char *copy;
    cJSON *text;

    if (from == (size_t)-1 || to == (size_t)-1 || to < from)
        return cJSON_CreateNull();
    copy = malloc(to - from + 1);
    if (!copy)
        return NULL;
    memcpy(copy, model->article + from, to - from);
    copy[to - from] = '\0';
    text = cJSON_CreateString(copy);
    free(copy);
    return text;
}

void api_article(const struct request *req, struct response *res)
{
    static const char *const allowed[] = {"include", "background", NULL};
    static const char *const keys[] = {"title",          "author",           "affiliation",
                                       "publication",    "publisher",        "language",
                                       "reference_year", "field_provenance", NULL};
    const struct model *model = req->snapshot->model;
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(model->root, "source");
    const char *include = NULL, *background = NULL;
    bool with_text = false;
    cJSON *body, *data, *paragraphs, *links;

    if (!params_check_names(req, "/v1/article", allowed, &res->problem) ||
        params_single(req, "include", &include, &res->problem) != 0 ||
        params_single(req, "background", &background, &res->problem) != 0)
        return;
    if (background && strcmp(background, "true") != 0 && strcmp(background, "false") != 0) {
        problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                    "invalid value for parameter 'background': must be true or false");
        problem_add_error(&res->problem, "background", background, "must be true or false");
        return;
    }
    if (include) {
        if (strcmp(include, "text") != 0) {
            problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                        "invalid value for parameter 'include': must be text");
            problem_add_error(&res->problem, "include", include, "must be text");
            return;
        }
        with_text = true;
    }
    body = cJSON_CreateObject();
    data = cJSON_AddObjectToObject(body, "data");
    for (size_t i = 0; keys[i]; i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(source, keys[i]);
        bool list = strcmp(keys[i], "field_provenance") == 0;
        cJSON_AddItemToObject(data, keys[i],
                              value  ? cJSON_Duplicate(value, 1)
                              : list ? cJSON_CreateArray()
                                     : cJSON_CreateNull());
    }
    /* background=false: the source as the article gives it (the publisher goes) */
    if (background && strcmp(background, "false") == 0)
        provenance_strip_background(data);
    cJSON_AddStringToObject(data, "offsets",
                            "Unicode code points from the start of the text; end exclusive");
    cJSON_AddNumberToObject(data, "characters", (double)model->article_chars);
    cJSON_AddNumberToObject(data, "paragraph_count", (double)model->paragraph_count);
    paragraphs = cJSON_AddArrayToObject(data, "paragraphs");
    for (size_t i = 0; i < model->paragraph_count; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "number", (double)(i + 1));
        cJSON_AddNumberToObject(p, "start", (double)model->paragraphs[i].start);
        cJSON_AddNumberToObject(p, "end", (double)model->paragraphs[i].end);
        if (with_text)
            cJSON_AddItemToObject(
                p, "text",
                text_between(model, model->paragraphs[i].start, model->paragraphs[i].end));
        cJSON_AddItemToArray(paragraphs, p);
    }
    if (with_text)
        cJSON_AddItemToObject(data, "text", text_between(model, 0, model->article_chars));
    links = cJSON_AddObjectToObject(body, "links");
    cJSON_AddStringToObject(links, "self", with_text ? "/v1/article?include=text" : "/v1/article");
    cJSON_AddStringToObject(links, "text", "/v1/article?include=text");
    cJSON_AddStringToObject(links, "evidence", "/v1/evidence");
    if (!body || !data || !paragraphs || !links) {
        cJSON_Delete(body);
        api_fail(res, STRATA_ENOMEM, "rendering the article");
        return;
    }
    api_send_json(req, res, body);
    cJSON_Delete(body);
}
