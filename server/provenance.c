/*
 * provenance.c - strip the background lane from a record (see provenance.h).
 *
 * Works on the rendered document, so that every route that renders records
 * (collections, single records, the timeline, included lists) drops the
 * same facts, whatever the store keeps.
 */
#include "provenance.h"

#include <string.h>

bool provenance_is_background(const cJSON *value)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(value, "provenance");

    return cJSON_IsObject(value) && cJSON_IsString(p) && strcmp(p->valuestring, "background") == 0;
}

/* Drop the items of array that are background objects, or the string item named. */
static void drop_items(cJSON *array, const char *named)
{
    cJSON *item = array->child, *next;

    for (; item; item = next) {
        next = item->next;
        if (named ? cJSON_IsString(item) && strcmp(item->valuestring, named) == 0
                  : provenance_is_background(item))
            cJSON_Delete(cJSON_DetachItemViaPointer(array, item));
    }
}

/* Replace member of record by null, keeping its name (the key is copied before member goes). */
static void set_null(cJSON *record, cJSON *member)
{
    cJSON *null = cJSON_CreateNull();

    if (null)
        cJSON_ReplaceItemInObjectCaseSensitive(record, member->string, null);
}

/* Apply the background notes of field_provenance to record, then drop those notes. */
static void apply_notes(cJSON *record)
{
    cJSON *notes = cJSON_GetObjectItemCaseSensitive(record, "field_provenance");
    const cJSON *note;

    if (!cJSON_IsArray(notes))
        return;
    cJSON_ArrayForEach(note, notes)
    {
        const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(note, "field"));
        const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(note, "value"));
        cJSON *member = field ? cJSON_GetObjectItemCaseSensitive(record, field) : NULL;
        if (!provenance_is_background(note) || !member)
            continue;
        if (value && cJSON_IsArray(member))
            drop_items(member, value);
        else
            set_null(record, member);
    }
    drop_items(notes, NULL);
}

void provenance_strip_background(cJSON *record)
{
    cJSON *member, *next;

    if (!cJSON_IsObject(record))
        return;
    apply_notes(record);
    for (member = record->child; member; member = next) {
        next = member->next; /* a replaced member is freed */
        if (strcmp(member->string, "field_provenance") == 0)
            continue;
        if (cJSON_IsArray(member))
            drop_items(member, NULL);
        else if (provenance_is_background(member))
            set_null(record, member);
    }
}
