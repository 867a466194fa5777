/*
 * api_graph.c - GET /v1/graph: the model as a network for a graph view.
 *
 * Nodes are the records of the seven record collections ({id, type, kind,
 * label}); edges are the relations, explicit and derived ({id, source,
 * target, type, derived}), in `data` like every answer. The default shape
 * {"data": {"nodes": [...], "edges": [...]}} loads into d3-force as is
 * (forceLink(data.edges).id(d => d.id));
 * shape=cytoscape wraps each element as {"data": {...}} (cy.add(body.data.nodes),
 * cy.add(body.data.edges), or elements: body.data); shape=vis gives vis-network's
 * {id, label, group} nodes and {id, from, to, label} edges.
 *
 * Parameters: type= (node collections), relation= (edge types), derived=
 * (true/false), layer= (a layer and the records joined to it), around=<id>
 * with depth=1..3 (the records within depth edges), shape=.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store.h"
#include "params.h"

#define GRAPH_MAX_VALUES 64

/*
 * Every value of a repeated and/or comma-separated parameter into items,
 * pointing into *storage (a new copy the caller frees). Returns the count.
 */
static size_t list_values(const struct request *req, const char *name, char **storage,
                          const char **items, size_t max, struct problem *problem)
{
    size_t n = 0, size = 1, used = 0;

    for (size_t i = 0; i < req->param_count; i++)
        if (strcmp(req->params[i].name, name) == 0)
            size += strlen(req->params[i].value) + 1;
    *storage = malloc(size);
    if (!*storage)
        return 0;
    for (size_t i = 0; i < req->param_count; i++) {
        const char *value = req->params[i].value;
        char *p = *storage + used;
        if (strcmp(req->params[i].name, name) != 0)
            continue;
        memcpy(p, value, strlen(value) + 1);
        used += strlen(value) + 1;
        for (;;) {
            char *comma = strchr(p, ',');
            const char *reason = NULL;
            if (comma)
                *comma = '\0';
            if (*p == '\0')
                reason = "an empty item in the list";
            else if (n == max)
                reason = "too many values";
            if (reason) {
                if (problem->code == PROBLEM_NONE)
                    problem_set(problem, PROBLEM_INVALID_PARAMETER,
                                "invalid value for parameter '%s': %s", name, reason);
                problem_add_error(problem, name, value, "%s", reason);
                return n;
            }
            items[n++] = p;
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    return n;
}

/* A value at fault: the first one sets the problem's code and detail (params_fail). */
static void invalid_value(struct problem *problem, const char *name, const char *value,
                          const char *reason)
{
    params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value, "%s", reason);
}

/*
 * A new array holding every element of list wrapped as {"data": element};
 * list is left empty. A new array rather than an in-place rewrite: replacing
 * items of an array while walking it lost and unwrapped elements. NULL when
 * memory runs out (list then holds what was not moved yet).
 */
static cJSON *wrap_elements(cJSON *list)
{
    cJSON *out = cJSON_CreateArray();

    while (out && list->child) {
        cJSON *element = cJSON_CreateObject();
        if (!element) {
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToObject(element, "data", cJSON_DetachItemViaPointer(list, list->child));
        cJSON_AddItemToArray(out, element);
    }
    return out;
}

/* Reshape the default nodes/edges for cytoscape or vis. Returns 0 or STRATA_ENOMEM. */
static int reshape(cJSON **nodes, cJSON **edges, const char *shape)
{
    cJSON *item;

    if (strcmp(shape, "cytoscape") == 0) {
        cJSON *wrapped_nodes = wrap_elements(*nodes);
        cJSON *wrapped_edges = wrapped_nodes ? wrap_elements(*edges) : NULL;
        if (!wrapped_edges) {
            cJSON_Delete(wrapped_nodes);
            return STRATA_ENOMEM;
        }
        cJSON_Delete(*nodes);
        cJSON_Delete(*edges);
        *nodes = wrapped_nodes;
        *edges = wrapped_edges;
        return 0;
    }
    /* vis-network: the members change, the arrays stay as they are */
    cJSON_ArrayForEach(item, *nodes)
    {
        cJSON *group = cJSON_Duplicate(cJSON_GetObjectItem(item, "type"), 1);
        if (!group)
            return STRATA_ENOMEM;
        cJSON_AddItemToObject(item, "group", group);
    }
    cJSON_ArrayForEach(item, *edges)
    {
        cJSON *source = cJSON_DetachItemFromObject(item, "source");
        cJSON *target = cJSON_DetachItemFromObject(item, "target");
        cJSON *label = cJSON_Duplicate(cJSON_GetObjectItem(item, "type"), 1);
        cJSON_AddItemToObject(item, "from", source);
        cJSON_AddItemToObject(item, "to", target);
        if (!label)
            return STRATA_ENOMEM;
        cJSON_AddItemToObject(item, "label", label);
    }
    return 0;
}

/* "a, b, c" of a NULL-terminated list into out. */
/*
 * The record id that must exist and be a node (a record of the seven
 * collections), or a record of the collection wanted when it is set.
 */
static void check_node(struct store *store, const char *name, const char *value, const char *wanted,
                       struct problem *problem)
{
    const char *type = NULL;
    const struct catalog_collection *c;
    struct buf expected, reason;

    buf_init(&expected, PROBLEM_REASON_MAX);
    buf_init(&reason, PROBLEM_REASON_MAX);
    if (wanted)
        buf_printf(&expected, "expected the id of one of: %s", wanted);
    else {
        buf_puts(&expected, "expected the id of one of: ");
        params_join_list(&expected, catalog_record_collections);
    }
    if (store_record_type(store, value, &type) != 0) {
        buf_printf(&reason, "no record has this id; %s", buf_str(&expected));
    } else {
        c = catalog_find(type);
        if ((wanted && strcmp(type, wanted) != 0) || !c || !c->node)
            buf_printf(&reason, "names a record of %s%s; %s", type,
                       c && c->node ? "" : " (evidence and relations are not nodes)",
                       buf_str(&expected));
    }
    if (reason.len)
        invalid_value(problem, name, value, buf_str(&reason));
    buf_release(&expected);
    buf_release(&reason);
}

void api_graph(const struct request *req, struct response *res)
{
    static const char *const allowed[] = {"type",  "relation", "derived",    "layer", "around",
                                          "depth", "shape",    "background", NULL};
    const struct catalog_collection *types[QUERY_MAX_INCLUDES];
    const char *type_names[GRAPH_MAX_VALUES], *relations[GRAPH_MAX_VALUES],
        *layers[GRAPH_MAX_VALUES];
    const struct catalog_filter *relation_filter =
        catalog_filter_find(catalog_find("relations"), "type");
    struct store_graph_query g = {types, 0, relations, 0, -1, layers, 0, NULL, 1, false};
    struct store *store = api_store(req);
    const char *derived = NULL, *depth = NULL, *shape = NULL, *background = NULL;
    char *storage[3] = {NULL, NULL, NULL};
    size_t type_count;
    long long number;
    cJSON *nodes = NULL, *edges = NULL, *body, *meta, *links, *data;
    int rc;

    if (!params_check_names(req, "/v1/graph", allowed, &res->problem))
        return;
    type_count = list_values(req, "type", &storage[0], type_names, GRAPH_MAX_VALUES, &res->problem);
    g.relation_type_count =
        list_values(req, "relation", &storage[1], relations, GRAPH_MAX_VALUES, &res->problem);
    g.layer_count = list_values(req, "layer", &storage[2], layers, GRAPH_MAX_VALUES, &res->problem);
    if (!storage[0] || !storage[1] || !storage[2]) {
        api_fail(res, STRATA_ENOMEM, "parsing the query");
        goto free_lists;
    }
    for (size_t i = 0; i < type_count; i++) {
        const struct catalog_collection *c = catalog_find(type_names[i]);
        bool seen = false;
        if (!c || !c->node) {
            struct buf reason;
            buf_init(&reason, 0); /* the problem keeps what fits */
            buf_puts(&reason, "must be one or more of: ");
            params_join_list(&reason, catalog_record_collections);
            invalid_value(&res->problem, "type", type_names[i], buf_str(&reason));
            buf_release(&reason);
            continue;
        }
        for (size_t k = 0; k < g.type_count; k++)
            seen = seen || types[k] == c;
        if (!seen && g.type_count < QUERY_MAX_INCLUDES)
            types[g.type_count++] = c;
    }
    for (size_t i = 0; i < g.relation_type_count; i++) {
        bool known = false;
        for (size_t k = 0; relation_filter->values[k]; k++)
            known = known || strcmp(relation_filter->values[k], relations[i]) == 0;
        if (!known) {
            struct buf reason;
            buf_init(&reason, 0); /* the problem keeps what fits */
            buf_puts(&reason, "must be one or more of: ");
            params_join_list(&reason, relation_filter->values);
            invalid_value(&res->problem, "relation", relations[i], buf_str(&reason));
            buf_release(&reason);
        }
    }
    for (size_t i = 0; i < g.layer_count; i++)
        check_node(store, "layer", layers[i], "layers", &res->problem);
    params_single(req, "derived", &derived, &res->problem);
    params_single(req, "around", &g.around, &res->problem);
    params_single(req, "depth", &depth, &res->problem);
    params_single(req, "shape", &shape, &res->problem);
    params_single(req, "background", &background, &res->problem);
    if (background) {
        if (strcmp(background, "true") == 0 || strcmp(background, "false") == 0)
            g.no_background = strcmp(background, "false") == 0;
        else
            invalid_value(&res->problem, "background", background, "must be true or false");
    }
    if (derived) {
        if (strcmp(derived, "true") == 0 || strcmp(derived, "false") == 0)
            g.derived = strcmp(derived, "true") == 0;
        else
            invalid_value(&res->problem, "derived", derived, "must be true or false");
    }
    if (g.around)
        check_node(store, "around", g.around, NULL, &res->problem);
    if (depth) {
        if (!g.around)
            invalid_value(&res->problem, "depth", depth, "only with around=<id>");
        else if (params_integer("depth", depth, 1, 3, &number, &res->problem) == 0)
            g.depth = (int)number;
    }
    if (shape && strcmp(shape, "default") != 0 && strcmp(shape, "cytoscape") != 0 &&
        strcmp(shape, "vis") != 0)
        invalid_value(&res->problem, "shape", shape, "must be one of: default, cytoscape, vis");
    if (res->problem.code != PROBLEM_NONE)
        goto free_lists;

    rc = store_graph(store, &g, &nodes, &edges);
    if (rc) {
        api_fail(res, rc, "building the graph");
        goto free_lists;
    }
    if (shape && strcmp(shape, "default") != 0 && reshape(&nodes, &edges, shape) != 0) {
        cJSON_Delete(nodes);
        cJSON_Delete(edges);
        api_fail(res, STRATA_ENOMEM, "shaping the graph");
        goto free_lists;
    }
    body = cJSON_CreateObject();
    meta = cJSON_CreateObject();
    /* counted after reshaping: meta describes the body that is sent */
    cJSON_AddNumberToObject(meta, "nodes", cJSON_GetArraySize(nodes));
    cJSON_AddNumberToObject(meta, "edges", cJSON_GetArraySize(edges));
    cJSON_AddStringToObject(meta, "shape", shape ? shape : "default");
    /* in `data` like every other answer; the elements keep their shape */
    data = cJSON_AddObjectToObject(body, "data");
    cJSON_AddItemToObject(data, "nodes", nodes);
    cJSON_AddItemToObject(data, "edges", edges);
    cJSON_AddItemToObject(body, "meta", meta);
    links = cJSON_AddObjectToObject(body, "links");
    cJSON_AddStringToObject(links, "self", req->raw_target ? req->raw_target : "/v1/graph");
    cJSON_AddStringToObject(links, "relations", "/v1/relations");
    api_send_json(req, res, body);
    cJSON_Delete(body);
free_lists:
    for (int i = 0; i < 3; i++)
        free(storage[i]);
}
