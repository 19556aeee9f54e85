"""A separate process that uses the scenario library, for the concurrency and kill tests.

Run as ``python -m tests.store_worker MODE URL PREFIX ...``. Every operation the library
acknowledged (returned from without an error) is printed as one line on stdout, flushed at once,
so the parent knows exactly what must be in the database even if this process is killed:

- ``mixed URL PREFIX SEED N``: N random saves, renames and deletes of its own scenarios (names
  starting with PREFIX) and of scenarios every worker fights over (``shared-0`` .. ``shared-4``,
  saved without overwrite and deleted by the id seen in a listing). Prints ``save NAME UID``,
  ``rename OLD NEW UID``, ``delete NAME UID``; refusals the library is meant to give (name taken,
  row changed or deleted underneath) are printed as ``refused ...``. Anything else exits non-zero.
- ``saver URL PREFIX N [hold]``: saves PREFIX-0, PREFIX-1, ... with a large note, printing
  ``start NAME`` before and ``saved NAME FINGERPRINT`` after each. With ``hold`` it stops for a
  long time inside the last save's transaction, after the row is written and before COMMIT,
  printing ``inside NAME``: the parent kills it there.
"""

from __future__ import annotations

import random
import sys
import time

from sufficiency.errors import SufficiencyError
from sufficiency.scenario import Scenario
from sufficiency.store import ScenarioStore

SHARED = [f"shared-{i}" for i in range(5)]
EXPECTED_REFUSALS = ("already saved", "was deleted", "was changed", "at the same time")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def mixed(url: str, prefix: str, seed: int, n: int) -> None:
    store = ScenarioStore(url, busy_timeout=60)
    rng = random.Random(seed)
    mine: list[str] = []
    counter = 0
    for _ in range(n):
        action = rng.choice(["save", "save", "rename", "delete", "shared-save", "shared-delete"])
        try:
            if action == "save" or (action in ("rename", "delete") and not mine):
                name = f"{prefix}-{counter}"
                counter += 1
                scenario = Scenario(name=name, step_downs_per_year=rng.randint(0, 60))
                saved = store.save(scenario, author=prefix)
                mine.append(name)
                say(f"save {name} {saved.uid}")
            elif action == "rename":
                old = mine.pop(rng.randrange(len(mine)))
                new = f"{prefix}-{counter}"
                counter += 1
                renamed = store.rename(store.get(old).ref, new)
                mine.append(new)
                say(f"rename {old} {new} {renamed.uid}")
            elif action == "delete":
                name = mine.pop(rng.randrange(len(mine)))
                ref = store.get(name).ref
                store.delete(ref)
                say(f"delete {name} {ref.uid}")
            elif action == "shared-save":
                name = rng.choice(SHARED)
                saved = store.save(Scenario(name=name), author=prefix)
                say(f"save {name} {saved.uid}")
            else:
                shared = [entry for entry in store.list() if entry.name in SHARED]
                if shared:
                    entry = rng.choice(shared)
                    time.sleep(rng.random() * 0.02)  # let others act on the same row
                    store.delete(entry.ref)
                    say(f"delete {entry.name} {entry.uid}")
        except SufficiencyError as error:
            if not any(phrase in str(error) for phrase in EXPECTED_REFUSALS):
                raise
            say(f"refused {action}")


def saver(url: str, prefix: str, n: int, hold: bool) -> None:
    store = ScenarioStore(url, busy_timeout=60)
    if hold:
        from sqlalchemy import event

        @event.listens_for(store.engine, "after_execute")
        def _pause(connection, clause, *args) -> None:
            if getattr(clause, "is_insert", False) and pending["last"]:
                say(f"inside {pending['name']}")
                time.sleep(600)

    pending = {"last": False, "name": ""}
    note = "x" * 200_000  # a large row makes each write take a while
    for i in range(n):
        name = f"{prefix}-{i}"
        pending.update(last=hold and i == n - 1, name=name)
        say(f"start {name}")
        saved = store.save(Scenario(name=name, step_downs_per_year=i % 60), note=note)
        say(f"saved {name} {saved.fingerprint}")


def main(argv: list[str]) -> None:
    mode, url, prefix, *rest = argv
    if mode == "mixed":
        mixed(url, prefix, int(rest[0]), int(rest[1]))
    elif mode == "saver":
        saver(url, prefix, int(rest[0]), hold=rest[1:] == ["hold"])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
