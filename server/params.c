/*
 * params.c - the parameter helpers every route uses: refusing unknown
 * names, single values, whole numbers in bounds, dates, and recording each
 * mistake in the problem so a client learns about all of them at once.
 */
#include "params.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void params_fail(struct problem *problem, enum problem_code code, const char *parameter,
                 const char *value, const char *fmt, ...)
{
    char reason[PROBLEM_REASON_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (problem->code == PROBLEM_NONE) {
        if (code == PROBLEM_UNKNOWN_PARAMETER)
            problem_set(problem, code, "unknown parameter '%s': %s", parameter, reason);
        else
            problem_set(problem, code, "invalid value for parameter '%s': %s", parameter, reason);
    }
    problem_add_error(problem, parameter, value, "%s", reason);
}

bool params_is_common(const char *name)
{
    return strcmp(name, "format") == 0 || strcmp(name, "pretty") == 0;
}

bool params_in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* "a, b, c" of a NULL-terminated list into out. */
void params_join_list(struct buf *out, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        buf_printf(out, "%s%s", i ? ", " : "", list[i]);
}

int params_integer(const char *name, const char *text, long long minimum, long long maximum,
                   long long *out, struct problem *problem)
{
    size_t len = text ? strlen(text) : 0;
    long long value = 0;

    if (len == 0 || len > 18 || strspn(text, "0123456789") != len || (len > 1 && text[0] == '0'))
        goto bad;
    for (size_t i = 0; i < len; i++)
        value = value * 10 + (text[i] - '0');
    if (value < minimum || value > maximum)
        goto bad;
    *out = value;
    return 0;
bad:
    params_fail(problem, PROBLEM_INVALID_PARAMETER, name, text,
                "must be a whole number from %lld to %lld", minimum, maximum);
    return STRATA_EINVAL;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int number_of(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

int params_date(const char *text, bool end, char out[11])
{
    size_t len = text ? strlen(text) : 0;
    int year, month = end ? 12 : 1, day = 1;

    if (len != 4 && len != 7 && len != 10)
        return STRATA_EPARSE;
    if (!digits(text, 4))
        return STRATA_EPARSE;
    year = number_of(text, 4);
    if (year < 1)
        return STRATA_EPARSE;
    if (len >= 7) {
        if (text[4] != '-' || !digits(text + 5, 2))
            return STRATA_EPARSE;
        month = number_of(text + 5, 2);
        if (month < 1 || month > 12)
            return STRATA_EPARSE;
    }
    day = end ? days_in_month(year, month) : 1;
    if (len == 10) {
        if (text[7] != '-' || !digits(text + 8, 2))
            return STRATA_EPARSE;
        day = number_of(text + 8, 2);
        if (day < 1 || day > days_in_month(year, month))
            return STRATA_EPARSE;
    }
    memcpy(out, text, 4); /* the year as written: four digits */
    out[4] = '-';
    out[5] = (char)('0' + month / 10);
    out[6] = (char)('0' + month % 10);
    out[7] = '-';
    out[8] = (char)('0' + day / 10);
    out[9] = (char)('0' + day % 10);
    out[10] = '\0';
    return 0;
}
bool params_check_names(const struct request *req, const char *route, const char *const *allowed,
                        struct problem *problem)
{
    bool ok = true;
    for (size_t i = 0; i < req->param_count; i++) {
        const char *name = req->params[i].name;
        struct buf list;
        if (params_is_common(name) || params_in_list(allowed, name))
            continue;
        buf_init(&list, PROBLEM_REASON_MAX);
        params_join_list(&list, allowed);
        params_fail(problem, PROBLEM_UNKNOWN_PARAMETER, name, req->params[i].value,
                    "not a parameter of %s; allowed: %s%sformat, pretty", route, buf_str(&list),
                    list.len ? ", " : "");
        buf_release(&list);
        ok = false;
    }
    return ok;
}

int params_single(const struct request *req, const char *name, const char **value,
                  struct problem *problem)
{
    const char *found = NULL;
    int rc = 0;

    for (size_t i = 0; i < req->param_count; i++) {
        if (strcmp(req->params[i].name, name) != 0)
            continue;
        if (found) {
            params_fail(problem, PROBLEM_INVALID_PARAMETER, name, req->params[i].value,
                        "given more than once; it takes one value");
            rc = STRATA_EINVAL;
            break;
        }
        found = req->params[i].value;
        if (found[0] == '\0') {
            params_fail(problem, PROBLEM_INVALID_PARAMETER, name, found, "must not be empty");
            rc = STRATA_EINVAL;
            break;
        }
    }
    *value = rc ? NULL : found;
    return rc;
}
