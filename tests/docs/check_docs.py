#!/usr/bin/env python3
"""Checks the documentation against the code it shows (ctest entry docs_snippets_are_examples).

1. Every ```cpp block of README.md, CONTRIBUTING.md and docs/**/*.md is a verbatim excerpt (consecutive lines, the
   same after removing the block's common indentation) of a file examples/*.cpp, which ctest builds and runs.
2. Every ```bash / ```sh block that runs the app (mentions apps/kernelsolve, mpirun or mpiexec, except the README's
   two commands) is an excerpt of a file examples/*.sh, which ctest runs.
3. Every ```python block is an excerpt of a file python/examples/*.py, which ctest runs (python_example_*).
4. Every relative link [text](path) of those files names a file or folder that exists.
5. README.md stays a front page: at most 200 lines.
Usage: check_docs.py <source dir>
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
documents = [root / "README.md", root / "CONTRIBUTING.md"] + sorted((root / "docs").rglob("*.md"))
documents = [d for d in documents if d.exists()]
failures = []


def dedent(lines):
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    return [line[cut:].rstrip() for line in lines]


def excerpt_of(block, files):
    block = dedent(block)
    while block and not block[-1]:
        block.pop()
    for path in files:
        lines = path.read_text().splitlines()
        for start in range(0, len(lines) - len(block) + 1):
            if dedent(lines[start:start + len(block)]) == block:
                return path
    return None


cpp_examples = sorted((root / "examples").glob("*.cpp"))
shell_examples = sorted((root / "examples").glob("*.sh"))
python_examples = sorted((root / "python" / "examples").glob("*.py"))
fence = re.compile(r"^(\s*)```(\S*)\s*$")
for document in documents:
    text = document.read_text()
    lines = text.splitlines()
    where = document.relative_to(root)
    i = 0
    while i < len(lines):
        match = fence.match(lines[i])
        if not match:
            i += 1
            continue
        language, start = match.group(2).lower(), i + 1
        end = start
        while end < len(lines) and not lines[end].strip().startswith("```"):
            end += 1
        block = lines[start:end]
        i = end + 1
        if language in ("cpp", "c++"):
            if not excerpt_of(block, cpp_examples):
                failures.append(f"{where}:{start}: this C++ block is not an excerpt of any examples/*.cpp")
        elif language in ("python", "py"):
            if not excerpt_of(block, python_examples):
                failures.append(f"{where}:{start}: this Python block is not an excerpt of any python/examples/*.py")
        elif language in ("bash", "sh", "shell"):
            commands = [line.split("#", 1)[0] for line in block]  # comments may mention mpirun freely
            runs_app = any(re.search(r"apps/kernelsolve|\bmpirun\b|\bmpiexec\b", line) for line in commands)
            readme_commands = any("scripts/demo.sh" in line or "scripts/test.sh" in line for line in block)
            if runs_app and not readme_commands and not excerpt_of(block, shell_examples):
                failures.append(f"{where}:{start}: this shell block runs the app but is not an excerpt of any "
                                "examples/*.sh")
    for link in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"^[a-z]+:", link):
            continue  # a URL
        if not (document.parent / link).exists():
            failures.append(f"{where}: the link '{link}' names nothing that exists")

readme_lines = len((root / "README.md").read_text().splitlines())
if readme_lines > 200:
    failures.append(f"README.md has {readme_lines} lines: keep it a front page (<= 200), the rest belongs in docs/")

for failure in failures:
    print(failure)
print(f"checked {len(documents)} documents against {len(cpp_examples)} C++ and {len(shell_examples)} shell examples:"
      f" {len(failures)} problem(s)")
sys.exit(1 if failures else 0)
