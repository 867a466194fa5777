#!/usr/bin/env python3
"""build-model.py - author data/model.json from tools/model-source.json.

The source file has the shape of data/model.json (see docs/MODEL.md and
api-spec/model.schema.json) with three conveniences:

* An evidence span is written as just its quote: a string that must occur
  exactly once in data/article.txt, or an object
  {"quote": "...", "paragraph": P, "occurrence": N} where paragraph (1-based)
  limits the search to one paragraph and occurrence (1-based) picks the N-th
  match when the quote repeats. The tool computes start, end (Unicode code
  points, end exclusive) and paragraph.
* Fields with an obvious default may be left out (see DEFAULTS below), e.g.
  "explicit": true, "provenance": "article", "aliases": [], "country": null.
* Keys may come in any order: the output follows the schema's property order.

Beyond the loader's checks it also refuses a field_provenance note about a
field the record lacks, a date.after that names an undated event or one that
starts after the date ends (or without "interval" in inferred), and an
other_names entry that occurs in the article (that is an alias).

The tool then checks everything the loader checks (the schema, unique ids,
references, quotes, paragraphs, the basis rules, real dates) plus a few
authoring rules (aliases occur in the article, four layers 1-4, precision
matches the interval) and writes data/model.json deterministically (2-space
indent, UTF-8, trailing newline). The first problems are all reported, with
their JSON paths; nothing is written when there is any.

Usage:
  tools/build-model.py            build data/model.json
  tools/build-model.py --check    verify that data/model.json is up to date
                                  and valid (exit 1 otherwise); writes nothing
  tools/build-model.py --find TEXT
                                  list the occurrences of TEXT in the article
                                  (paragraph, offsets, context) to help author
                                  a span
Paths are relative to the repository root (the parent of tools/).
"""

import calendar
import datetime
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "data" / "article.txt"
MODEL = ROOT / "data" / "model.json"
SCHEMA = ROOT / "api-spec" / "model.schema.json"
SOURCE = ROOT / "tools" / "model-source.json"

COLLECTIONS = ["actors", "organizations", "places", "events", "layers", "threats", "claims",
               "relations"]

# Keys an author may leave out, per collection, with the value they get.
RECORD_DEFAULTS = {"explicit": True, "provenance": "article"}
DEFAULTS = {
    "actors": {"aliases": [], "role": None, "country": None, "members": []},
    "organizations": {"aliases": []},
    "places": {"aliases": [], "country": None, "within": None, "coordinates": None},
    "events": {"place": None, "organization": None, "participants": []},
    "layers": {},
    "threats": {"sources": [], "targets": []},
    "claims": {"hedge": None, "about": []},
    "relations": {},
}
DATE_DEFAULTS = {"text": None, "start": None, "end": None, "precision": "unknown", "inferred": []}

# The schema keywords the C validator (include/schema.h) supports; the
# schema must use no others so that it never says more than is enforced.
SCHEMA_KEYWORDS = {
    "$schema", "$id", "$defs", "$ref", "$comment", "type", "properties", "required",
    "additionalProperties", "items", "enum", "const", "pattern", "minLength", "minItems",
    "minimum", "maximum", "description", "title", "examples", "x-references",
}


class Problems:
    """Collects problems so that one run reports all of them."""

    def __init__(self):
        self.items = []

    def add(self, path, message):
        self.items.append(f"{path}: {message}")

    def __bool__(self):
        return bool(self.items)


# ---------------------------------------------------------------- article

class Article:
    def __init__(self, text):
        self.text = text  # a Python str indexes by code point
        self.paragraphs = []  # (start, end) code-point offsets, 1-based by position
        pos = 0
        for block in text.rstrip("\n").split("\n\n"):
            self.paragraphs.append((pos, pos + len(block)))
            pos += len(block) + 2

    def paragraph_of(self, start, end):
        """The 1-based paragraph holding [start, end), or None."""
        for number, (p_start, p_end) in enumerate(self.paragraphs, 1):
            if p_start <= start and end <= p_end:
                return number
        return None

    def occurrences(self, quote, paragraph=None):
        lo, hi = (0, len(self.text)) if paragraph is None else self.paragraphs[paragraph - 1]
        found, i = [], self.text.find(quote, lo)
        while i != -1 and i + len(quote) <= hi:
            found.append(i)
            i = self.text.find(quote, i + 1)
        return found


def check_article_layout(text, problems):
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.add(str(ARTICLE), "must end with exactly one newline")
    if "\r" in text:
        problems.add(str(ARTICLE), "must use \\n line ends")
    if "\n\n\n" in text:
        problems.add(str(ARTICLE), "paragraphs must be separated by exactly one blank line")
    for number, block in enumerate(text.rstrip("\n").split("\n\n"), 1):
        if not block or block != block.strip() or "\n" in block:
            problems.add(str(ARTICLE), f"paragraph {number} must be one non-empty line "
                         "without surrounding spaces")


# ---------------------------------------------------------------- evidence

def resolve_span(article, item, path, problems):
    """Turn an authored span (quote string or object) into {start,end,quote,paragraph}."""
    if isinstance(item, str):
        item = {"quote": item}
    if not isinstance(item, dict) or not isinstance(item.get("quote"), str) or not item["quote"]:
        problems.add(path, "an evidence span is a quote string or an object with a \"quote\"")
        return None
    unknown = set(item) - {"quote", "paragraph", "occurrence", "start", "end"}
    if unknown:
        problems.add(path, f"unknown keys in an evidence span: {sorted(unknown)}")
        return None
    quote = item["quote"]
    paragraph = item.get("paragraph")
    if paragraph is not None and not (isinstance(paragraph, int) and
                                      1 <= paragraph <= len(article.paragraphs)):
        problems.add(path, f"paragraph must be 1..{len(article.paragraphs)}")
        return None
    hits = article.occurrences(quote, paragraph)
    where = f" in paragraph {paragraph}" if paragraph else " in the article"
    if not hits:
        problems.add(path, f"quote not found{where}: {quote!r}")
        return None
    occurrence = item.get("occurrence")
    if occurrence is None:
        if len(hits) > 1:
            paras = [article.paragraph_of(h, h + len(quote)) for h in hits]
            problems.add(path, f"quote occurs {len(hits)} times{where} (paragraphs {paras}); "
                         f"add \"paragraph\" and/or \"occurrence\": {quote!r}")
            return None
        start = hits[0]
    else:
        if not isinstance(occurrence, int) or not 1 <= occurrence <= len(hits):
            problems.add(path, f"occurrence must be 1..{len(hits)}{where}: {quote!r}")
            return None
        start = hits[occurrence - 1]
    end = start + len(quote)
    number = article.paragraph_of(start, end)
    if number is None:
        problems.add(path, f"quote crosses a paragraph boundary: {quote!r}")
        return None
    if ("start" in item and item["start"] != start) or ("end" in item and item["end"] != end):
        problems.add(path, f"stated offsets {item.get('start')}..{item.get('end')} differ from "
                     f"the quote's {start}..{end}")
        return None
    return {"start": start, "end": end, "quote": quote, "paragraph": number}


def resolve_evidence(node, article, path, problems):
    """Resolve every "evidence" array anywhere in node, in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}"
            if key == "evidence" and isinstance(value, list):
                node[key] = [resolve_span(article, item, f"{sub}[{i}]", problems)
                             for i, item in enumerate(value)]
            else:
                resolve_evidence(value, article, sub, problems)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            resolve_evidence(value, article, f"{path}[{i}]", problems)


# ---------------------------------------------------------------- schema

def check_schema_keywords(node, path, problems):
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in SCHEMA_KEYWORDS:
                problems.add(f"{SCHEMA}: {path}", f"keyword {key!r} is not supported by the loader")
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    check_schema_keywords(sub, f"{path}/{key}/{name}", problems)
            elif key in ("items", "additionalProperties"):
                check_schema_keywords(value, f"{path}/{key}", problems)


class Validator:
    """The JSON Schema 2020-12 subset of SCHEMA_KEYWORDS, plus x-references collection."""

    def __init__(self, schema):
        self.schema = schema
        self.references = []  # (path, id, collections)

    def target(self, ref):
        if ref == "#":
            return self.schema
        if not ref.startswith("#/$defs/") or ref[len("#/$defs/"):] not in self.schema["$defs"]:
            raise ValueError(f"unsupported $ref {ref!r}")
        return self.schema["$defs"][ref[len("#/$defs/"):]]

    @staticmethod
    def type_ok(value, name):
        if name == "null":
            return value is None
        if name == "boolean":
            return isinstance(value, bool)
        if name == "integer":
            return (isinstance(value, int) and not isinstance(value, bool)) or \
                (isinstance(value, float) and value.is_integer())
        if name == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if name == "string":
            return isinstance(value, str)
        if name == "array":
            return isinstance(value, list)
        if name == "object":
            return isinstance(value, dict)
        raise ValueError(name)

    def validate(self, node, value, path, problems):
        if "$ref" in node:  # the target's keywords, then the siblings' (2020-12)
            self.validate(self.target(node["$ref"]), value, path, problems)
        if "type" in node:
            types = node["type"] if isinstance(node["type"], list) else [node["type"]]
            if not any(self.type_ok(value, t) for t in types):
                problems.add(path, f"wrong type; expected {' or '.join(types)}")
                return
        if "const" in node and value != node["const"]:
            problems.add(path, f"expected {node['const']!r}")
        if "enum" in node and value not in node["enum"]:
            problems.add(path, f"{value!r} is not allowed; expected one of {node['enum']}")
        if isinstance(value, str):
            if "minLength" in node and len(value) < node["minLength"]:
                problems.add(path, f"shorter than {node['minLength']} characters")
            if "pattern" in node and not re.search(node["pattern"], value):
                problems.add(path, f"{value!r} does not match {node['pattern']}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in node and value < node["minimum"]:
                problems.add(path, f"below the minimum {node['minimum']}")
            if "maximum" in node and value > node["maximum"]:
                problems.add(path, f"above the maximum {node['maximum']}")
        if isinstance(value, list):
            if "minItems" in node and len(value) < node["minItems"]:
                problems.add(path, f"needs at least {node['minItems']} items")
            if "items" in node:
                for i, item in enumerate(value):
                    self.validate(node["items"], item, f"{path}[{i}]", problems)
        if isinstance(value, dict):
            props = node.get("properties", {})
            for key in node.get("required", []):
                if key not in value:
                    problems.add(path, f"missing required key {key!r}")
            for key, item in value.items():
                if key in props:
                    self.validate(props[key], item, f"{path}.{key}", problems)
                elif node.get("additionalProperties") is False:
                    problems.add(path, f"unknown key {key!r}; allowed: {list(props)}")
        if "x-references" in node:
            ids = value if isinstance(value, list) else [value]
            for i, ref_id in enumerate(ids):
                if isinstance(ref_id, str):
                    sub = f"{path}[{i}]" if isinstance(value, list) else path
                    self.references.append((sub, ref_id, node["x-references"]))

    def order(self, node, value):
        """A copy of value with object keys in the schema's property order."""
        while "$ref" in node and "properties" not in node and "items" not in node:
            node = self.target(node["$ref"])
        if isinstance(value, dict) and "properties" in node:
            props = node["properties"]
            out = {k: self.order(props[k], value[k]) for k in props if k in value}
            out.update({k: v for k, v in value.items() if k not in props})
            return out
        if isinstance(value, list) and "items" in node:
            return [self.order(node["items"], v) for v in value]
        return value


# ---------------------------------------------------------------- model rules

def check_date(date, path, problems):
    """Calendar, interval and precision rules of a date object."""
    if not isinstance(date, dict):
        return
    start, end, precision = date.get("start"), date.get("end"), date.get("precision")
    inferred = date.get("inferred") or []
    if len(set(inferred)) != len(inferred):
        problems.add(f"{path}.inferred", "a part is listed twice")
    if inferred and not date.get("basis"):
        problems.add(path, "basis is required when inferred is not empty")
    if not inferred and "basis" in date:
        problems.add(path, "basis must be absent when inferred is empty")
    if (start is None) != (end is None):
        problems.add(path, "start and end must both be dates or both be null")
        return
    if precision == "unknown":
        if start is not None:
            problems.add(path, "precision unknown needs start and end null")
        return
    if start is None:
        problems.add(path, f"precision {precision} needs start and end")
        return
    try:
        d_start = datetime.date.fromisoformat(start)
        d_end = datetime.date.fromisoformat(end)
    except ValueError as exc:
        problems.add(path, f"not a real date: {exc}")
        return
    if d_end < d_start:
        problems.add(path, "end is before start")
    last_day = calendar.monthrange(d_start.year, d_start.month)[1]
    same_month = (d_start.year, d_start.month) == (d_end.year, d_end.month)
    if precision == "day" and d_start != d_end:
        problems.add(path, "precision day needs start = end")
    if precision == "part-of-month" and not (same_month and (d_start.day, d_end.day) != (1, last_day)):
        problems.add(path, "precision part-of-month needs a part of one month")
    if precision == "month" and not (same_month and d_start.day == 1 and d_end.day == last_day):
        problems.add(path, "precision month needs a whole month")
    if precision == "year" and not (d_start.year == d_end.year and (d_start.month, d_start.day) ==
                                    (1, 1) and (d_end.month, d_end.day) == (12, 31)):
        problems.add(path, "precision year needs a whole year")


def check_model(model, validator, article, problems):
    ids = {}
    for collection in COLLECTIONS:
        for i, record in enumerate(model.get(collection, [])):
            path = f"$.{collection}[{i}]"
            rid = record.get("id")
            if rid in ids:
                problems.add(path, f"id {rid!r} already used at {ids[rid][1]}")
            else:
                ids[rid] = (collection, path)
            provenance = record.get("provenance")
            if provenance in ("inferred", "background") and not record.get("basis"):
                problems.add(path, f"basis is required when provenance is {provenance}")
            if provenance == "article" and "basis" in record:
                problems.add(path, "basis must be absent when provenance is article")
            for key in ("aliases",):
                for alias in record.get(key, []):
                    if alias not in article.text:
                        problems.add(f"{path}.aliases", f"{alias!r} does not occur in the article")
            if record.get("explicit") is False and provenance == "article":
                problems.add(path, "an implied record (explicit false) needs provenance inferred "
                             "or background and a basis")
            spans = [(s["start"], s["end"]) for s in record.get("evidence", []) if s]
            if len(set(spans)) != len(spans):
                problems.add(f"{path}.evidence", "the same span is listed twice")
            if collection == "events":
                check_date(record.get("date"), f"{path}.date", problems)
            if collection == "relations" and record.get("source") == record.get("target"):
                problems.add(path, "source and target are the same record")
            if collection == "actors" and rid in record.get("members", []):
                problems.add(path, "a collective cannot be its own member")
    check_field_notes(model, "$", problems)
    for i, event in enumerate(model.get("events", [])):
        check_after(event, model, f"$.events[{i}].date", problems)
    for collection in ("actors", "organizations", "places"):
        for i, record in enumerate(model.get(collection, [])):
            for k, other in enumerate(record.get("other_names", [])):
                if other.get("name") in article.text:
                    problems.add(f"$.{collection}[{i}].other_names[{k}]",
                                 f"{other.get('name')!r} occurs in the article: make it an alias")
    for path, ref_id, allowed in validator.references:
        if ref_id not in ids:
            problems.add(path, f"unknown id {ref_id!r}")
        elif ids[ref_id][0] not in allowed:
            problems.add(path, f"{ref_id!r} is in {ids[ref_id][0]}; expected one of {allowed}")
    ordinals = sorted(layer.get("ordinal") for layer in model.get("layers", []))
    if ordinals != [1, 2, 3, 4]:
        problems.add("$.layers", f"ordinals must be exactly 1, 2, 3, 4; got {ordinals}")
    # Spans written into the output are re-verified independently of how they were resolved.
    check_spans(model, article, "$", problems)


NOT_NOTE_FIELDS = {"id", "summary", "explicit", "provenance", "basis", "evidence", "field_provenance"}


def check_field_notes(node, path, problems):
    """Each field_provenance note names a field of its object (and an item of it, with value)."""
    if isinstance(node, dict):
        seen = set()
        for k, note in enumerate(node.get("field_provenance", []) or []):
            field, value = note.get("field"), note.get("value")
            where = f"{path}.field_provenance[{k}]"
            if field in NOT_NOTE_FIELDS:
                problems.add(where, f"{field!r} is covered by the record's own provenance")
            elif field not in node:
                problems.add(where, f"the record has no field {field!r}")
            elif value is not None and not (isinstance(node[field], list) and value in node[field]):
                problems.add(where, f"{field!r} does not hold {value!r}")
            if (field, value) in seen:
                problems.add(where, f"a second note about {field!r} {value or ''}".rstrip())
            seen.add((field, value))
        for key, value in node.items():
            check_field_notes(value, f"{path}.{key}", problems)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_field_notes(value, f"{path}[{i}]", problems)


def check_after(event, model, path, problems):
    """date.after: another event, which starts no later than this one can end; basis says why."""
    date = event.get("date") or {}
    after = date.get("after")
    if after is None:
        return
    if after == event.get("id"):
        problems.add(f"{path}.after", "an event cannot come after itself")
        return
    other = next((e for e in model.get("events", []) if e.get("id") == after), None)
    if other is None:
        return  # reported as an unknown reference
    bound = (other.get("date") or {}).get("start")
    if bound is None:
        problems.add(f"{path}.after", f"{after!r} has no date, so it bounds nothing")
    elif date.get("end") is not None and bound > date["end"]:
        problems.add(f"{path}.after", f"{after!r} starts {bound}, after this date ends")
    if "interval" not in (date.get("inferred") or []):
        problems.add(f"{path}.inferred", "a lower bound from another event is a reading of the "
                     "text: list \"interval\"")


def check_spans(node, article, path, problems):
    if isinstance(node, dict):
        if set(node) == {"start", "end", "quote", "paragraph"}:
            start, end = node["start"], node["end"]
            if not (0 <= start < end <= len(article.text)) or \
                    article.text[start:end] != node["quote"]:
                problems.add(path, "quote differs from the article at its offsets")
            elif article.paragraph_of(start, end) != node["paragraph"]:
                problems.add(path, "span is not inside its paragraph")
        for key, value in node.items():
            check_spans(value, article, f"{path}.{key}", problems)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_spans(value, article, f"{path}[{i}]", problems)


def apply_defaults(model):
    for collection in COLLECTIONS:
        for record in model.get(collection, []):
            for key, value in {**RECORD_DEFAULTS, **DEFAULTS[collection]}.items():
                record.setdefault(key, json.loads(json.dumps(value)))
            if collection == "events":
                date = record.setdefault("date", {})
                for key, value in DATE_DEFAULTS.items():
                    date.setdefault(key, json.loads(json.dumps(value)))


def render(model):
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def build():
    problems = Problems()
    text = ARTICLE.read_text(encoding="utf-8")
    check_article_layout(text, problems)
    article = Article(text)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    check_schema_keywords(schema, "#", problems)
    validator = Validator(schema)
    model = json.loads(SOURCE.read_text(encoding="utf-8"))
    apply_defaults(model)
    resolve_evidence(model, article, "$", problems)
    if problems:
        return None, problems
    model = validator.order(schema, model)
    validator.validate(schema, model, "$", problems)
    check_model(model, validator, article, problems)
    return model, problems


def find(needle):
    article = Article(ARTICLE.read_text(encoding="utf-8"))
    hits = article.occurrences(needle)
    for n, start in enumerate(hits, 1):
        end = start + len(needle)
        para = article.paragraph_of(start, end)
        before = article.text[max(0, start - 30):start].replace("\n", " ")
        after = article.text[end:end + 30].replace("\n", " ")
        print(f"occurrence {n}: paragraph {para}, [{start}, {end}): ...{before}[{needle}]{after}...")
    if not hits:
        print("not found")
    return 0 if hits else 1


def main(argv):
    if len(argv) == 3 and argv[1] == "--find":
        return find(argv[2])
    if len(argv) > 2 or (len(argv) == 2 and argv[1] != "--check"):
        print(__doc__, file=sys.stderr)
        return 2
    model, problems = build()
    if problems:
        for item in problems.items:
            print(f"build-model: {item}", file=sys.stderr)
        print(f"build-model: {len(problems.items)} problem(s); {MODEL} not written",
              file=sys.stderr)
        return 1
    out = render(model)
    counts = ", ".join(f"{len(model[c])} {c}" for c in COLLECTIONS)
    spans = out.count('"quote": ')
    if len(argv) == 2:
        current = MODEL.read_text(encoding="utf-8") if MODEL.exists() else ""
        if current != out:
            print(f"build-model: {MODEL} is out of date; run tools/build-model.py",
                  file=sys.stderr)
            return 1
        print(f"build-model: {MODEL} is up to date and valid ({counts}; {spans} spans)")
        return 0
    MODEL.write_text(out, encoding="utf-8")
    print(f"build-model: wrote {MODEL} ({counts}; {spans} spans)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
