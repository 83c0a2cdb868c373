"""Schema validation benchmark: the time to validate one story's front-matter, valid and invalid, for
each JSON Schema validator the checker could use, and whether each lists every error with its path.

Contenders:
  pair         what rules/schemas.py did until issue 13: fastjsonschema's compiled check, then
               jsonschema's iter_errors only for a document the check refuses
  jsonschema   jsonschema's iter_errors alone
  jsonschema-rs  what rules/schemas.py ships since: jsonschema_rs's is_valid, then iter_errors for an
               invalid document, after converting the data to what it accepts (string keys, no
               dates), with a retriever that refuses every remote $ref

Corpora: the demo's stories (stories/*.md) and N synthetic stories (bench/corpus.py). Each invalid
document is its valid self with the same five mistakes (a misspelt status, a string for a list, an
unknown key, a bad tracking status, an out-of-range weight). Times are per document, the best of
--repeat passes over the corpus. One-time costs (import, compiling the schema) are measured in a
fresh interpreter, as a pre-commit run pays them.

    python bench/schemas.py [--stories 1000] [--repeat 7]

fastjsonschema and jsonschema are no longer dependencies of interlock: `pip install fastjsonschema
jsonschema` to time them too (without them, jsonschema-rs alone is timed).
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import generate  # noqa: E402

from interlock.loader import DocumentCache  # noqa: E402
from interlock.rules.schemas import schema_text  # noqa: E402

Errors = list[tuple[tuple[str | int, ...], str]]  # (instance path, keyword) of every error


def load_front_matter(folder: Path) -> list[Any]:
    """Return the front-matter of every story in `folder`, as the checker's loader reads it."""
    cache = DocumentCache()
    return [cache.read(path, path.name, front_matter=True).data for path in sorted(folder.glob("*.md"))]


def break_story(data: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a valid story with five mistakes people make."""
    broken = copy.deepcopy(data)
    broken["status"] = "acepted"
    broken["authors"] = "Jo Bloggs"
    broken["sumary"] = "an unknown key"
    broken["weights"] = {"user_impact": 7}
    project = next(iter(broken["projects"]))
    entry = broken["projects"][project] or {}
    entry["tracking"] = [{"type": "spec", "title": "A spec", "status": "done"}]
    broken["projects"][project] = entry
    return broken


def pair_checker(schema: dict[str, Any]) -> Callable[[Any], Errors]:
    import fastjsonschema
    import jsonschema
    from referencing import Registry

    # fastjsonschema rewrites the schema it compiles: give it its own copy
    fast_schema = dict(copy.deepcopy(schema), **{"$schema": "http://json-schema.org/draft-07/schema#"})
    fast = fastjsonschema.compile(fast_schema)
    full = jsonschema.Draft202012Validator(schema, registry=Registry(retrieve=refuse))

    def check(data: Any) -> Errors:
        try:
            fast(data)
            return []
        except fastjsonschema.JsonSchemaException:
            return [(tuple(e.absolute_path), str(e.validator)) for e in full.iter_errors(data)]

    return check


def jsonschema_checker(schema: dict[str, Any]) -> Callable[[Any], Errors]:
    import jsonschema
    from referencing import Registry

    full = jsonschema.Draft202012Validator(schema, registry=Registry(retrieve=refuse))
    return lambda data: [(tuple(e.absolute_path), str(e.validator)) for e in full.iter_errors(data)]


def rs_checker(schema: dict[str, Any]) -> Callable[[Any], Errors]:
    """What rules/schemas.py ships: convert, a compiled validity check, then every violation."""
    from interlock.rules.schemas import iter_violations, json_instance, validator

    assert json.loads(schema_text("story")) == schema
    compiled = validator("story")

    def check(data: Any) -> Errors:
        if compiled.is_valid(json_instance(data)):
            return []
        return [(v.path, v.keyword) for v in iter_violations(data, "story")]

    return check


def refuse(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)


def per_document(check: Callable[[Any], Errors], docs: list[Any], repeat: int) -> float:
    """Return the best time, over `repeat` passes, to check one document, in microseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for data in docs:
            check(data)
        best = min(best, time.perf_counter() - start)
    return best / len(docs) * 1e6


_ONE_TIME = {
    "pair": "import fastjsonschema, json; fastjsonschema.compile(dict(json.loads(S), **{'$schema': 'http://json-schema.org/draft-07/schema#'}))",
    "jsonschema": "import jsonschema, json; jsonschema.Draft202012Validator(json.loads(S))",
    "jsonschema-rs": "import jsonschema_rs, json; jsonschema_rs.validator_for(json.loads(S))",
}


def one_time_ms(name: str, text: str, repeat: int = 5) -> float:
    """Return the import and compile time of a contender in a fresh interpreter (best of `repeat`), in ms."""
    code = f"import time; t=time.perf_counter(); S={text!r}; {_ONE_TIME[name]}; print(time.perf_counter()-t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout) for _ in range(repeat)]
    return min(runs) * 1e3


def same_errors(a: Iterable[Errors], b: Iterable[Errors]) -> bool:
    return all(sorted(x) == sorted(y) for x, y in zip(a, b, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    text = schema_text("story")
    schema = json.loads(text)
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), args.stories, 60, 10)
        corpora = {"demo": load_front_matter(ROOT / "stories"), f"synthetic-{args.stories}": load_front_matter(Path(tmp) / "stories")}
    contenders: dict[str, Callable[[Any], Errors]] = {}
    for name, make in (("pair", pair_checker), ("jsonschema", jsonschema_checker), ("jsonschema-rs", rs_checker)):
        try:
            contenders[name] = make(schema)
        except ImportError as exc:  # the pair and jsonschema are no longer dependencies: pip install them to compare
            print(f"{name}: not installed ({exc.name}); pip install fastjsonschema jsonschema", file=sys.stderr)

    print(f"python {sys.version.split()[0]}; µs per document, best of {args.repeat}")
    print(f"{'corpus':<18} {'docs':>5} {'validator':<14} {'valid':>9} {'invalid':>9} {'errors/doc':>10}")
    for corpus, valid in corpora.items():
        invalid = [break_story(d) for d in valid]
        reference = [next(iter(contenders.values()))(d) for d in invalid]
        for name, check in contenders.items():
            assert all(not check(d) for d in valid), f"{name} refuses a valid story"
            found = [check(d) for d in invalid]
            # Each contender must find every error at its path: the checker reports them all.
            assert same_errors(found, reference), f"{name} does not list the same errors as {next(iter(contenders))}"
            t_valid, t_invalid = per_document(check, valid, args.repeat), per_document(check, invalid, args.repeat)
            errors = sum(map(len, found)) / len(found)
            print(f"{corpus:<18} {len(valid):>5} {name:<14} {t_valid:>9.1f} {t_invalid:>9.1f} {errors:>10.1f}")
    print("\none-time cost in a fresh interpreter (import + compile the story schema), ms:")
    for name in contenders:
        print(f"  {name:<14} {one_time_ms(name, text):7.1f}")


if __name__ == "__main__":
    main()
