"""python -m benchmarks run --suite NAME [...]   |   python -m benchmarks report FILES...

See benchmarks/README.md. This module stays light: spawned runs import it again."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    from benchmarks import runner
    runner.add_arguments(sub.add_parser("run", help="run a suite (resumable)"))
    rep = sub.add_parser("report", help="write benchmarks/RESULTS.md and plots")
    from benchmarks.report import cli as report_cli
    report_cli.add_arguments(rep)
    sub.add_parser("list", help="suites, optimizers and problems")
    args = parser.parse_args(argv)
    if args.command == "run":
        return runner.run_command(args, argv)
    if args.command == "report":
        return report_cli.report_command(args, argv)
    return _list()


def _list() -> int:
    from benchmarks import adapters, suites
    from benchmarks.problems import all_names

    for name, s in suites.SUITES.items():
        runs = suites.plan(name)
        print(f"{name:9} {s.kind:9} {len(runs):5} runs, {s.seeds} seeds  {s.doc}")
    print("optimizers:", ", ".join(adapters.REGISTRY))
    print("problems:", ", ".join(all_names()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
