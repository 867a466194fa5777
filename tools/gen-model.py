#!/usr/bin/env python3
"""gen-model.py - write a valid synthetic model N times larger than the bundled one.

The benchmark's scale run (bench/, `make bench`) needs models of 100x and 1000x
the size of data/model.json that the loader accepts (`strata --check --data DIR`)
so that load time, memory and query latency can be measured on them.

What it writes in OUT (a directory): article.txt and model.json.
- article.txt: N copies of the bundled article joined by one blank line. Copy 0
  is the article itself; every other copy has about a fifth of its longer words
  replaced by made-up words of the same length (capitals kept), so that each
  copy is its own text and the full-text index grows with N like a real corpus,
  while every span keeps its length.
- model.json: N copies of every record. Copy 0 keeps its ids; copy k >= 1 has
  ids suffixed "-v<k>", its references (every field the schema marks
  x-references) pointing to the ids of the same copy, its evidence shifted to
  copy k of the text with quotes read back from the new text (so they verify),
  its names and titles suffixed " <k>", and its dates moved back k % 25 years
  (the precision rules still hold: month-end days are recomputed).
The source block is kept. Ids are checked unique; the output is deterministic
for a given N and --seed.

Usage:
  tools/gen-model.py --scale N --out DIR [--data DIR] [--seed S]
"""

import argparse
import calendar
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS = ["actors", "organizations", "places", "events", "layers", "threats", "claims",
               "relations"]
WORD = re.compile(r"[A-Za-z]{4,}")
REPLACE_RATE = 0.2
YEAR_CYCLE = 25
CONSONANTS = "bcdfghjklmnprstvz"
VOWELS = "aeiou"


def fail(message):
    print("gen-model: " + message, file=sys.stderr)
    sys.exit(1)


def made_up_word(rng, length):
    """A pronounceable lower-case word of exactly length letters."""
    letters = []
    for i in range(length):
        letters.append(rng.choice(CONSONANTS if i % 2 == 0 else VOWELS))
    return "".join(letters)


def vary_text(text, rng):
    """text with about REPLACE_RATE of its words of 4+ letters replaced, same length."""
    def replace(match):
        word = match.group(0)
        if rng.random() >= REPLACE_RATE:
            return word
        new = made_up_word(rng, len(word))
        if word.isupper():
            return new.upper()
        if word[0].isupper():
            return new[0].upper() + new[1:]
        return new
    return WORD.sub(replace, text)


# ---- the schema: which fields hold references ----------------------------------

def resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            fail("unsupported $ref " + ref)
        target = schema
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def remap(schema, node, value, rename):
    """value (an instance of schema node) with every reference renamed by rename()."""
    node = resolve(schema, node)
    if not isinstance(node, dict):
        return value
    if "x-references" in node:
        if isinstance(value, str):
            return rename(value)
        if isinstance(value, list):
            return [rename(v) for v in value]
        return value
    if isinstance(value, dict) and "properties" in node:
        return {key: remap(schema, node["properties"].get(key, {}), v, rename)
                for key, v in value.items()}
    if isinstance(value, list) and "items" in node:
        return [remap(schema, node["items"], v, rename) for v in value]
    return value


# ---- one copy of a record ----------------------------------------------------------

def shift_date(date, years):
    """A date object moved back `years` years, precision rules kept."""
    if years == 0 or date.get("start") is None:
        return date
    out = dict(date)
    for key in ("start", "end"):
        y, m, d = (int(x) for x in date[key].split("-"))
        last = calendar.monthrange(y, m)[1]
        ny = y - years
        new_last = calendar.monthrange(ny, m)[1]
        nd = new_last if (d == last and key == "end") else min(d, new_last)
        out[key] = "%04d-%02d-%02d" % (ny, m, nd)
    if out["end"] < out["start"]:
        out["end"] = out["start"]
    return out


class Copier:
    def __init__(self, schema, ids, texts, body_chars, paragraphs_per_copy):
        self.schema = schema
        self.ids = ids
        self.texts = texts
        self.body_chars = body_chars
        self.paragraphs = paragraphs_per_copy

    def span(self, span, k):
        start = span["start"]
        end = span["end"]
        shift = k * (self.body_chars + 2)
        return {"start": start + shift, "end": end + shift, "quote": self.texts[k][start:end],
                "paragraph": span["paragraph"] + k * self.paragraphs}

    def spans(self, value, k):
        """value with every evidence span moved to copy k (evidence lists may nest)."""
        if isinstance(value, dict):
            out = {}
            for key, v in value.items():
                if key == "evidence" and isinstance(v, list):
                    out[key] = [self.span(s, k) for s in v]
                else:
                    out[key] = self.spans(v, k)
            return out
        if isinstance(value, list):
            return [self.spans(v, k) for v in value]
        return value

    def record(self, collection, record, k):
        if k == 0:
            return record
        suffix = "-v%d" % k

        def rename(ref):
            if ref not in self.ids:
                fail("reference %r names no record of the bundled model" % ref)
            return ref + suffix
        item_schema = self.schema["properties"][collection]["items"]
        out = remap(self.schema, item_schema, record, rename)
        out = self.spans(out, k)
        out["id"] = record["id"] + suffix
        for key in ("name", "title"):
            if isinstance(out.get(key), str):
                out[key] = "%s %d" % (out[key], k)
        if isinstance(out.get("date"), dict):
            out["date"] = shift_date(out["date"], k % YEAR_CYCLE)
        return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, required=True, help="N: copies of the model (>= 1)")
    parser.add_argument("--out", required=True, help="directory to write model.json and article.txt")
    parser.add_argument("--data", default=str(ROOT / "data"), help="the bundled model directory")
    parser.add_argument("--schema", default=str(ROOT / "api-spec" / "model.schema.json"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.scale < 1 or args.scale > 100000:
        fail("--scale %d: expected a whole number from 1 to 100000" % args.scale)

    data = Path(args.data)
    model_path = data / "model.json" if data.is_dir() else data
    try:
        model = json.loads(model_path.read_text(encoding="utf-8"))
        schema = json.loads(Path(args.schema).read_text(encoding="utf-8"))
        article_path = model_path.parent / model["source"]["article_file"]
        article = article_path.read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError) as e:
        fail("cannot read the bundled model: %s" % e)
    if not article.endswith("\n") or article.endswith("\n\n"):
        fail("%s: expected exactly one newline at the end" % article_path)
    body = article[:-1]
    paragraphs = len(body.split("\n\n"))

    rng = random.Random(args.seed)
    texts = [body] + [vary_text(body, rng) for _ in range(1, args.scale)]
    for k, t in enumerate(texts):
        if len(t) != len(body):
            fail("copy %d changed length" % k)

    ids = set()
    for c in COLLECTIONS:
        for r in model[c]:
            ids.add(r["id"])
    copier = Copier(schema, ids, texts, len(body), paragraphs)

    out_model = {key: value for key, value in model.items() if key not in COLLECTIONS}
    seen = set()
    for c in COLLECTIONS:
        records = []
        for k in range(args.scale):
            for r in model[c]:
                new = copier.record(c, r, k)
                if new["id"] in seen:
                    fail("duplicate id %s" % new["id"])
                seen.add(new["id"])
                records.append(new)
        out_model[c] = records
    out_model = {key: out_model[key] for key in model}  # the bundled key order
    out_model["source"] = dict(model["source"], article_file="article.txt")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "article.txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    with open(out / "model.json", "w", encoding="utf-8") as f:
        json.dump(out_model, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    total = sum(len(out_model[c]) for c in COLLECTIONS)
    print("gen-model: wrote %s (%d records, %dx) and article.txt (%d paragraphs)"
          % (out / "model.json", total, args.scale, paragraphs * args.scale))


if __name__ == "__main__":
    main()
